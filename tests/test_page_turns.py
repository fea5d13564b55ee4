"""No word split across a page turn, for any content (pageturn.py, layout.lay_out):
how a word WeasyPrint hyphenated at the foot of an odd page is found, and that the
build keeps it whole on every layout path (a cold build in parts or whole, a warm
proof that lays out only the changed section)."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import NamedTuple

import pypdfium2 as pdfium
import pyphen
import pytest
import weasyprint
import yaml

import folder_builder.layout
from conftest import CONTENT, copy_content, page_texts
from folder_builder import Session
from folder_builder.build import BuildOptions, build
from folder_builder.pageturn import WHOLE_WORD, keep_whole, width_of, words_split_at_turns
from test_typography import hyphenated_breaks, hyphenated_page_ends

PAGE = "@page { size: A7; margin: 10mm; @bottom-center { content: counter(page) } }"


def _lay_out(words: str, width_mm: float) -> weasyprint.Document:
    """A column of ``words`` ``width_mm`` wide on A7 pages with a folio, hyphenated
    as the bundled layouts do."""
    html = (f'<html lang="da"><body><p style="width: {width_mm}mm; hyphens: auto; '
            f"hyphenate-character: '-'; hyphenate-limit-chars: 7 3 3; "
            f'font: 11pt/1.3 serif">{words}</p></body></html>')
    return weasyprint.HTML(string=html).render(stylesheets=[weasyprint.CSS(string=PAGE)])


def _written(document: weasyprint.Document, path: Path) -> Path:
    document.write_pdf(path)
    return path


def test_a_hyphen_at_the_foot_of_an_odd_page_is_found_and_of_an_even_page_not(tmp_path):
    """The foreword in a narrow column runs over many pages, hyphenated at many line
    ends: the split words found are those at the foot of the odd pages; the even
    pages' (the rest of the word is on the facing page) are not. The column is
    narrowed until both kinds of page end in a hyphen."""
    prose = yaml.safe_load((CONTENT / "foreword.yaml").read_text(encoding="utf-8"))["body"]
    for width in range(26, 46, 2):
        document = _lay_out(prose, width)
        path = _written(document, tmp_path / f"column-{width}.pdf")
        ends = hyphenated_page_ends(path)  # pdfium's view of the printed pages
        if {page % 2 for page in ends} == {0, 1}:
            break
    else:
        pytest.fail("no width hyphenated the foot of both an odd and an even page")
    splits = words_split_at_turns(document)
    assert [split.page for split in splits] == [page for page in ends if page % 2 == 1]
    # Each is found in its element's text, where the layout broke it.
    for split in splits:
        position, index = split.at
        text = split.element.text if position == -1 else split.element[position].tail
        assert re.sub(r"\s+", " ", text[:index]).endswith(split.before)
    pdf = pdfium.PdfDocument(str(path))
    for split in splits:  # the word's first half and the mark pdfium gives a line-end hyphen
        text = pdf[split.page - 1].get_textpage().get_text_range()
        assert split.before.split()[-1] + "\ufffe" in text


def test_a_real_hyphen_at_the_foot_of_an_odd_page_is_not_a_split(tmp_path):
    """"MED-udvalget" broken after its own hyphen ends the line in the same
    character as a break WeasyPrint makes; it is not one. The column is narrowed
    until such a line ends an odd page (pdfium sees a hyphen there)."""
    words = " ".join(["vi og MED-udvalg"] * 80)  # too short for automatic breaks (7 3 3)
    for tenth in range(250, 400, 7):
        document = _lay_out(words, tenth / 10)
        path = _written(document, tmp_path / f"med-{tenth}.pdf")
        odd = [page for page in hyphenated_page_ends(path) if page % 2 == 1]
        if odd:
            break
    else:
        pytest.fail("no width put 'MED-' at the foot of an odd page")
    assert all(before == "MED" for page, before, _ in hyphenated_breaks(path) if page in odd)
    assert words_split_at_turns(document) == []
    # The same column with one word WeasyPrint may break is found again.
    auto = _lay_out(words.replace("MED-udvalg", "medudvalgene"), tenth / 10)
    assert all(split.before.endswith(("med", "medud", "medudval"))
               for split in words_split_at_turns(auto))


def test_a_word_wider_than_its_column_stays_split():
    """A word that had to break because it does not fit a line of its own would run
    out of its column whole: it is found, and left as it is."""
    prose = yaml.safe_load((CONTENT / "foreword.yaml").read_text(encoding="utf-8"))["body"]
    for width in range(20, 32):
        wide = [split for split in words_split_at_turns(_lay_out(prose, width))
                if split.starts_line]
        if wide:
            break
    else:
        pytest.fail("no width split a word wider than its line at a page turn")
    element = wide[0].element
    before = [(child.text, child.tail) for child in element]
    assert not keep_whole(wide[0])
    assert [(child.text, child.tail) for child in element] == before


def _soft_hyphens(prose: str) -> str:
    """``prose`` with soft hyphens in its long words, as a writer may paste them."""
    dictionary = pyphen.Pyphen(lang="da", left=3, right=3)
    return re.sub(r"\w{9,}", lambda m: dictionary.inserted(m.group(), hyphen="\xad"), prose)


@pytest.mark.parametrize("hyphens", ["auto", "manual"])
def test_lay_out_keeps_split_words_whole_and_changes_no_text(tmp_path, monkeypatch, hyphens):
    """The foreword in narrow columns of several widths, hyphenated by WeasyPrint
    (some words in inline elements) or only at soft hyphens in the text: laid out by
    the build's lay_out, no odd page ends in a split word but one wider than its
    line, at least one word was moved, and the text, read page by page, is the text
    laid out without the fix."""
    prose = yaml.safe_load((CONTENT / "foreword.yaml").read_text(encoding="utf-8"))["body"]
    if hyphens == "auto":
        prose = re.sub(r"\b(\w{12,})\b", r"<em>\1</em>", prose, count=12)
    else:
        prose = _soft_hyphens(prose)
    style = tmp_path / "column.css"
    moved = 0
    for width in range(24, 44, 5):
        style.write_text(PAGE + f"p {{ width: {width}mm; hyphens: {hyphens}; "
                         "hyphenate-character: '-'; hyphenate-limit-chars: 7 3 3; "
                         "font: 11pt/1.3 serif }", encoding="utf-8")
        texts = []
        for rounds in (0, folder_builder.layout.MAX_ROUNDS):
            monkeypatch.setattr(folder_builder.layout, "MAX_ROUNDS", rounds)
            document, _ = folder_builder.layout.lay_out(
                f'<html lang="da"><body><p>{prose}</p></body></html>', base_url=tmp_path,
                stylesheets=[style], roots=(tmp_path,))
            path = _written(document, tmp_path / f"{width}-{rounds}.pdf")
            pdf = pdfium.PdfDocument(str(path))
            # pdfium marks any hyphen that ends a line, a real one too: left out
            texts.append(re.sub(r"[\s\ufffe\xad-]", "", "".join(
                re.sub(r"\d+\s*$", "", pdf[i].get_textpage().get_text_range())
                for i in range(len(pdf)))))
            splits = words_split_at_turns(document)
        assert all(split.starts_line or _wider_than_its_line(split) for split in splits)
        assert texts[0] == texts[1]
        moved += len(_kept_whole(document))
    assert moved


# --- the build ------------------------------------------------------------------------------

FILLER = "og "
AT = "kobler medarbejder"


def _foreword_first(root: Path) -> Path:
    """A content copy whose folder is the foreword on pages 1-2 (its text runs over
    the turn from the right-hand page 1), the model and the back cover; the full plan
    stays as the product "full" so that every page reference still names a section.
    Returns foreword.yaml."""
    plan = root / "plan.yaml"
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    full = data.pop("folder")
    by_id = {section["id"]: section for section in full}
    foreword = {key: value for key, value in by_id["foreword"].items() if key != "start"}
    plan.write_text(yaml.safe_dump({"folder": [foreword, by_id["model"], by_id["back"]],
                                    "full": full, **data},
                                   sort_keys=False, allow_unicode=True), encoding="utf-8")
    return root / "foreword.yaml"


def _with_filler(path: Path, original: str, count: int) -> None:
    assert original.count(AT) == 1
    path.write_text(original.replace(AT, FILLER * count + AT), encoding="utf-8")


class SplitContent(NamedTuple):
    root: Path
    original: str  # foreword.yaml as bundled
    count: int  # filler words
    unfixed: Path
    before: str
    after: str


@pytest.fixture(scope="module")
def split_content(tmp_path_factory: pytest.TempPathFactory) -> SplitContent:
    """A content copy (foreword first) and how many filler words make WeasyPrint,
    left to itself, hyphenate a word at the foot of page 1 (the PDF laid out so, and
    the word's halves).
    Searched rather than written down, so that a change to the layouts cannot make
    the tests below pass without a split to prevent."""
    tmp = tmp_path_factory.mktemp("turn")
    root = copy_content(tmp)
    foreword = _foreword_first(root)
    original = foreword.read_text(encoding="utf-8")
    words = set(re.findall(r"\w+", original.lower()))
    patch = pytest.MonkeyPatch()
    patch.setattr(folder_builder.layout, "MAX_ROUNDS", 0)  # the build without the fix
    try:
        session = Session(content=root, jobs=1)
        for count in range(40):
            _with_filler(foreword, original, count)
            session.refresh()
            unfixed = tmp / f"unfixed-{count}.pdf"
            unfixed.write_bytes(session.build("folder", "print", deliver=True).pdf)
            if 1 not in hyphenated_page_ends(unfixed):
                continue
            *_, (_, before, _) = [b for b in hyphenated_breaks(unfixed) if b[0] == 1]
            after = re.match(r"\w*", page_texts(unfixed)[1]).group()
            if (before + after).lower() in words:  # a word of the foreword's
                return SplitContent(root, original, count, unfixed, before, after)
    finally:
        patch.undo()
    pytest.fail("no number of filler words hyphenated a word at the foot of page 1")


def test_the_build_keeps_a_word_whole_across_a_page_turn(split_content, tmp_path, caplog):
    """Built as the command line does (print in parts side by side, and screen): the
    word split at the foot of page 1 without the fix is whole on page 2, and page 1
    lost only its first half."""
    root, original, count, unfixed, before, after = split_content
    foreword = root / "foreword.yaml"
    _with_filler(foreword, original, count)
    with caplog.at_level(logging.INFO, logger="folder_builder"):
        results = build(BuildOptions(content=root, output=tmp_path / "folder.pdf",
                                     variants=("print", "screen"), jobs=2))
    for result in results:
        assert 1 not in hyphenated_page_ends(result.path)
        texts = page_texts(result.path)
        assert texts[1].startswith(before + after)
        head, folio = page_texts(unfixed)[0].rsplit(before, 1)
        assert texts[0] == head + folio
    assert any(message.startswith("parts ") for message in caplog.messages)
    assert f"turns     page 1: '{before + after}' kept whole" in caplog.messages
    # One process, the whole document at once: the same bytes. --keep-html writes the
    # HTML with the span, and plain WeasyPrint, given it, keeps the word whole too.
    [alone] = build(BuildOptions(content=root, output=tmp_path / "alone.pdf", jobs=1,
                                 keep_html=True))
    assert alone.path.read_bytes() == results[0].path.read_bytes()
    kept = alone.path.with_suffix(".html").read_text(encoding="utf-8")
    assert kept.startswith("<!DOCTYPE html>")
    assert f'class="{WHOLE_WORD}"' in kept and f">{before + after}</span>" in kept
    plain = tmp_path / "plain.pdf"
    weasyprint.HTML(string=kept, base_url=str(root) + "/").write_pdf(plain)
    assert 1 not in hyphenated_page_ends(plain)
    assert page_texts(plain)[:2] == page_texts(alone.path)[:2]
    # The word is kept whole by a span of its own in the laid-out document.
    session = Session(content=root, jobs=1)
    html = session.build("folder", "print").html
    document = session.document(html)
    assert words_split_at_turns(document) == []
    assert before + after in _kept_whole(document)


def test_a_warm_proof_of_the_changed_section_keeps_the_word_whole(split_content, tmp_path,
                                                                  caplog):
    """The session's proof lays out only the changed section, the others stood in
    for (Session._reuse): the edit that splits a word at the turn is laid out with
    the word whole, as the delivered PDF has it."""
    root, original, count, *_ = split_content
    foreword = root / "foreword.yaml"
    foreword.write_text(original, encoding="utf-8")
    session = Session(content=root, jobs=1)
    session.build("folder", "print")
    _with_filler(foreword, original, count)
    assert session.refresh()
    proof = tmp_path / "proof.pdf"
    with caplog.at_level(logging.INFO, logger="folder_builder"):
        proof.write_bytes(session.build("folder", "print").pdf)
    delivered = tmp_path / "delivered.pdf"
    delivered.write_bytes(session.build("folder", "print", deliver=True).pdf)
    assert 1 not in hyphenated_page_ends(proof)
    assert any(message.startswith("reuse     laid out again: foreword")
               for message in caplog.messages)
    assert page_texts(proof) == page_texts(delivered)
    assert len(pdfium.PdfDocument(str(proof))) == 4


def _wider_than_its_line(split) -> bool:
    """Whether the whole split word, as its element's text has it after the text that
    ends the line, is set wider than the lines of its flow."""
    text = re.sub(r"\s+", " ", "".join(split.element.itertext()))
    rest = re.search(re.escape(split.before) + r"(\S+)", text).group(1)
    return width_of(split.before.split()[-1] + rest, split.box.style) > split.measure


def _kept_whole(document: weasyprint.Document) -> set[str]:
    """The words kept whole by a span of their own in the laid-out document."""
    return {box.element.text for page in document.pages for box in _boxes(page._page_box)
            if box.element is not None and box.element_tag == "span"
            and box.element.get("class") == WHOLE_WORD}


def _boxes(box):
    yield box
    for child in getattr(box, "children", ()):
        yield from _boxes(child)


def test_a_leaflet_whose_questions_run_over_a_turn_keeps_the_word_whole(tmp_path):
    """A department's twelve long reflection questions run from page 7 (odd) on: the
    section grows and the leaflet is padded to whole sheets (the layout paths of a
    leaflet that bends). Where WeasyPrint alone splits a word at the foot of page 7,
    the leaflet has it whole on page 8, and its pages are where the fit guard and the
    padding put them."""
    root = copy_content(tmp_path)
    prose = yaml.safe_load((root / "foreword.yaml").read_text(encoding="utf-8"))["body"]
    words = set(re.findall(r"\w+", prose.lower()))
    sentences = [s for s in re.split(r"(?<=\.)\s+", prose) if 80 < len(s) < 260]
    questions = [(a + " " + b)[:290].rsplit(" ", 1)[0] + "?"
                 for a, b in zip(sentences, sentences[1:] + sentences[:1], strict=True)][:12]
    department = root / "departments" / "lange-spoergsmaal.yaml"
    options = {"role": "medarbejder", "department": "lange-spoergsmaal"}
    session = None
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(folder_builder.layout, "MAX_ROUNDS", 0)  # the build without the fix
        for count in range(30):
            department.write_text(yaml.safe_dump(
                {"name": "Lange spørgsmål", "questions": [FILLER * count + questions[0],
                                                          *questions[1:]]},
                allow_unicode=True), encoding="utf-8")
            session = session or Session(content=root, jobs=1)
            session.refresh()
            unfixed = tmp_path / "unfixed.pdf"
            unfixed.write_bytes(session.build("leaflet", "print", deliver=True, **options).pdf)
            if 7 in hyphenated_page_ends(unfixed):
                *_, (_, before, _) = [b for b in hyphenated_breaks(unfixed) if b[0] == 7]
                after = re.match(r"\w*", page_texts(unfixed)[7]).group()
                if (before + after).lower() in words:
                    break
        else:
            pytest.fail("no number of filler words split a word at the foot of page 7")
    [result] = build(BuildOptions(content=root, output=tmp_path / "leaflet.pdf", **options))
    assert [page for page in hyphenated_page_ends(result.path) if page % 2 == 1] == []
    assert page_texts(result.path)[7].startswith(before + after)
    landed = Session(content=root, jobs=1).build("leaflet", "print", **options).landings
    assert landed["reflection"][0] == 7 and landed["back"] == (result.pages, result.pages)
    assert len(pdfium.PdfDocument(str(result.path))) == result.pages and result.pages % 4 == 0
