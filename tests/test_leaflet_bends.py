"""Leaflets bend for ordinary department input, and break only past the plan's ceiling.

Each case builds a real leaflet from a department file a person would write and
looks at the PDF: pages, where the questions land, the note lines drawn on the
reflection page, and the introduction on the model page.
"""

from __future__ import annotations

import ctypes
import dataclasses
import itertools
import re
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as raw
import pytest

from conftest import copy_content, edit, find_problem, line_of, normalise, page_texts
from folder_builder import Session
from folder_builder.errors import FitError

MM = 72 / 25.4
#: The leaflet's page: A5, with 21 mm at the foot for the page number.
FOOT_MM = 21
NOTE_LINE_MM = 8.5

FOUR = ["Hvad virker?", "Hvad virker ikke?", "Hvad vil vi prøve?", "Hvem gør hvad?"]
LONG_QUESTION = (
    "Hvordan sikrer vi i hverdagen, at udsagnene i folderen ikke bare bliver ord på papir, "
    "men noget vi faktisk gør sammen med børn, forældre og kolleger, og hvordan følger vi "
    "op på det på personalemøderne, så alle ved, hvad der forventes, og hvem de kan spørge?")
PARAGRAPH = (
    "Hos os i afdelingen arbejder vi tæt sammen på tværs af huse og faggrupper, og vi "
    "bruger udsagnene som et fælles sprog, når vi taler om, hvad der er vigtigt for børnene "
    "og familierne, og hvad vi hver især kan gøre bedre i hverdagen.")
NOTE = ("Hos os betyder det, at vi drøfter udsagnet på hvert teammøde og skriver ned, hvad vi "
        "gør anderledes bagefter.")


def department_file(root, name: str, *, questions=(), introduction=None, notes=None) -> str:
    """Write departments/<name>.yaml as a person would, and return its id."""
    lines = [f"name: Afdeling {name}"]
    if introduction:
        lines.append("introduction: |")
        for paragraph in introduction:
            lines += [f"  {paragraph}", ""]
    if notes:
        lines.append("notes:")
        lines += [f"  {key}: {text}" for key, text in notes.items()]
    if questions:
        lines.append("questions:")
        lines += [f'  - "{q}"' for q in questions]
    (root / "departments" / f"{name}.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return name


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return copy_content(tmp_path_factory.mktemp("bends"))


@pytest.fixture(scope="module")
def builder(root):
    # Departments are written before they are built; the session reads them then.
    return Session(root, jobs=1)


@dataclasses.dataclass(frozen=True)
class Made:
    """A leaflet delivered as the command line writes it."""

    path: Path
    pages: int
    landings: dict


def deliver(session: Session, role: str, dept: str, target: Path) -> Made:
    result = session.build("leaflet", "print", role=role, department=dept, deliver=True,
                           proof_target=target)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(result.pdf)
    return Made(target, result.pages, result.landings)


def make(builder, root, tmp_path, role: str, dept: str):
    return deliver(builder, role, dept, tmp_path / f"{role}--{dept}.pdf")


def rules(path, page_index: int) -> list[tuple[float, float]]:
    """(bottom, top) in mm above the trim's foot of the wide, flat rules on a page:
    the note lines (each is a box with a hairline border at its foot)."""
    pdf = pdfium.PdfDocument(str(path))
    page = pdf[page_index]
    trim_bottom = page.get_trimbox()[1]
    found = []
    for obj in page.get_objects():
        if obj.type != raw.FPDF_PAGEOBJ_PATH:
            continue
        left, bottom, right, top = (ctypes.c_float() for _ in range(4))
        raw.FPDFPageObj_GetBounds(obj.raw, left, bottom, right, top)
        if (right.value - left.value) / MM > 100:
            found.append(((bottom.value - trim_bottom) / MM, (top.value - trim_bottom) / MM))
    return sorted(found)


def lowest_text_mm(path, page_index: int, words: str) -> float:
    """How high above the trim's foot the lowest line containing ``words`` ends."""
    pdf = pdfium.PdfDocument(str(path))
    page = pdf[page_index]
    trim_bottom = page.get_trimbox()[1]
    text = page.get_textpage()
    searcher = text.search(words)
    lowest = None
    while (found := searcher.get_next()) is not None:
        start, count = found
        for index in range(start, start + count):
            box = text.get_charbox(index)
            lowest = box[1] if lowest is None else min(lowest, box[1])
    assert lowest is not None, f"{words!r} not on page {page_index + 1}"
    return (lowest - trim_bottom) / MM


def lowest_text_above_foot(path, page_index: int) -> float:
    """How high above the trim's foot the lowest text of the page's body ends (mm):
    the page number in the foot margin does not count."""
    pdf = pdfium.PdfDocument(str(path))
    page = pdf[page_index]
    trim_bottom = page.get_trimbox()[1]
    text = page.get_textpage()
    heights = [(text.get_charbox(i)[1] - trim_bottom) / MM for i in range(text.count_chars())]
    return min(h for h in heights if h > FOOT_MM)


def test_four_short_questions_fit_on_page_7_with_lines_to_the_foot(builder, root, tmp_path):
    dept = department_file(root, "fire", questions=FOUR)
    result = make(builder, root, tmp_path, "medarbejder", dept)
    assert result.pages == 8
    assert result.landings["reflection"] == (7, 7)
    texts = page_texts(result.path)
    for question in FOUR:
        assert question in texts[6]
        assert all(question not in t for n, t in enumerate(texts) if n != 6)
    lines = rules(result.path, 6)
    assert len(lines) >= 10
    # The lines start under the last question and run to the foot of the page.
    assert lines[-1][1] < lowest_text_mm(result.path, 6, FOUR[-1])
    assert FOOT_MM - 0.5 <= lines[0][0] <= FOOT_MM + NOTE_LINE_MM + 0.5
    # evenly spaced, none missing
    tops = [top for _, top in lines]
    gaps = [b - a for a, b in itertools.pairwise(tops)]
    assert all(NOTE_LINE_MM - 0.1 < gap < NOTE_LINE_MM + 0.4 for gap in gaps), gaps
    assert max(gaps) - min(gaps) < 0.2, gaps
    # and none of them runs on behind the text of the next page (fill.py drops what
    # WeasyPrint carries over): the back page has no note line
    assert [r for r in rules(result.path, 7)
            if abs(r[1] - r[0] - NOTE_LINE_MM) < 0.4] == []


def test_more_questions_leave_fewer_lines(builder, root, tmp_path):
    """The lines fill what the questions leave: three longer questions, fewer lines."""
    few = make(builder, root, tmp_path, "chef", department_file(root, "to", questions=FOUR[:2]))
    more = make(builder, root, tmp_path, "chef", department_file(
        root, "tre", questions=[LONG_QUESTION[:90], LONG_QUESTION[:80], LONG_QUESTION[:95]]))
    assert few.pages == more.pages == 8
    assert len(rules(more.path, 6)) < len(rules(few.path, 6))


def test_twelve_long_questions_grow_the_leaflet_to_12_pages(builder, root, tmp_path):
    questions = [f"{n}. {LONG_QUESTION}" for n in range(1, 13)]
    assert all(250 <= len(q) <= 300 for q in questions)
    result = make(builder, root, tmp_path, "leder-af-medarbejder",
                  department_file(root, "tolv", questions=questions))
    assert result.pages == 12
    first, last = result.landings["reflection"]
    assert first == 7 and last == 11
    texts = page_texts(result.path)
    reflection = normalise(" ".join(texts[first - 1:last]))
    for question in questions:
        assert normalise(question) in reflection
    # A page the questions fill has no note lines; the page they end on has lines under
    # them, and the added pages are lines only.
    ends = max(n for n in range(first - 1, last) if "12. Hvordan" in texts[n])
    assert rules(result.path, first - 1) == []
    assert rules(result.path, ends)
    assert rules(result.path, ends)[-1][1] < lowest_text_mm(result.path, ends, "hvem de kan")
    for n in range(ends + 1, last):
        assert len(rules(result.path, n)) >= 18
    with pikepdf.open(result.path) as pdf:
        assert len(pdf.pages) == 12


def test_long_introduction_and_notes_on_every_statement(builder, root, tmp_path):
    """~250 words in three paragraphs and a note on every statement of the role build;
    the introduction stays on the model page, its paragraphs apart, and a perspective's
    heading never ends a page without its first statement."""
    role = "leder-af-medarbejder"
    ids = [s.id for s in builder.content.statements if s.role == role]
    intro = [f"{PARAGRAPH} {PARAGRAPH}"] * 3
    assert 230 <= len(" ".join(intro).split()) <= 270
    dept = department_file(root, "stor", introduction=intro,
                           notes={sid: NOTE for sid in ids}, questions=FOUR)
    result = make(builder, root, tmp_path, role, dept)
    assert result.pages % 4 == 0 and result.pages <= 16
    assert result.landings["model"] == (2, 2)
    texts = page_texts(result.path)
    assert texts[1].count(normalise(PARAGRAPH)) == 6
    first, last = result.landings["role"]
    assert last > first + 1  # the notes made the role's pages grow
    role_text = " ".join(texts[first - 1:last])
    assert role_text.count(normalise(NOTE)) == len(ids)
    statements = [s for s in builder.content.statements if s.role == role]
    for n in range(first - 1, last):
        page = texts[n]
        # a statement is never parted from its note: as many notes as statements end here
        ending = [s for s in statements if normalise(s.text)[-25:] in page]
        assert page.count(normalise(NOTE)[-25:]) == len(ending), n + 1
        # a perspective's heading is on the same page as its first statement
        for perspective in builder.content.perspectives:
            cell = [s for s in statements if s.perspective == perspective.id]
            if cell and perspective.heading in page:
                assert normalise(cell[0].text)[:25] in page, (n + 1, perspective.id)
        # no page the role's text could flow on from is left more than half empty
        if n < last - 1:
            assert lowest_text_above_foot(result.path, n) < (210 - 17 + FOOT_MM) / 2, n + 1


def test_past_the_ceiling_the_message_names_the_department_field(root, tmp_path):
    """With a ceiling of 8 pages, twelve long questions stop the build; the message
    names max_pages in the plan and the department's questions, and a proof is written."""
    copy = copy_content(tmp_path, root, "ceiling")
    edit(copy / "plan.yaml", "  leaflet: 16\n", "  leaflet: 8\n")
    department_file(copy, "tolv", questions=[f"{n}. {LONG_QUESTION}" for n in range(1, 13)])
    target = tmp_path / "out" / "leaflet.pdf"
    with pytest.raises(FitError) as info:
        deliver(Session(copy, jobs=1), "chef", "tolv", target)
    error = info.value
    find_problem(error, file="plan.yaml", line=line_of(copy / "plan.yaml", "leaflet: 8"),
                 field="max_pages.leaflet",
                 message=["would take 12 pages", "the most the plan allows (8)",
                          "too long by roughly 4 pages"])
    questions = find_problem(error, file="tolv.yaml", field="questions",
                             message="mm of the leaflet")
    assert questions.line == line_of(copy / "departments" / "tolv.yaml", "- \"1. ")
    assert int(re.search(r"(\d+) mm", questions.message).group(1)) > 172
    assert not target.exists()
    assert error.proof_path == tmp_path / "out" / "leaflet-proof.pdf"
    texts = page_texts(error.proof_path)
    assert len(texts) == 12
    assert all("PROOF" in t for t in texts)
    assert "PAST THE CEILING" in texts[8]


def test_an_introduction_too_long_names_itself_and_by_how_much(root, tmp_path):
    """Past what page 2 holds even set tight, the message names the introduction (not
    the 'model' section), says by about how many lines, and cutting about that many
    lines' worth of words makes it fit."""
    words = (PARAGRAPH + " ") * 30
    text = words.split()[:300]
    intro = [" ".join(text[:100]), " ".join(text[100:200]), " ".join(text[200:])]
    dept = department_file(root, "lang", introduction=intro)
    builder = Session(root, jobs=1)
    with pytest.raises(FitError) as info:
        make(builder, root, tmp_path, "chef", dept)
    error = info.value
    head = next(p for p in error.problems if p.message.startswith("page 2"))
    assert head.message.startswith(
        "page 2 ('Modellen') runs 1 page past the 1 it is planned for, onto page 3")
    lines = int(re.search(r"about (\d+) lines? of text", head.message).group(1))
    assert 1 <= lines <= 8, head.message  # the model moved whole; only its overlap counts
    # The model, which cannot break, moved to page 3; the words to shorten are the
    # introduction's, named at its line.
    find_problem(error, file="lang.yaml", line=2, field="introduction",
                 message="the longest text of page 2 ('Modellen') is the department's "
                         "introduction")
    assert "'model'" not in head.message  # the plan's id is not the reader's word
    # about 13 words make a line of the introduction; cut that many lines and one more
    cut = (lines + 1) * 13
    shorter = text[:-cut]
    department_file(root, "lang", introduction=[" ".join(shorter[:100]),
                                                " ".join(shorter[100:200]),
                                                " ".join(shorter[200:])])
    result = make(builder, root, tmp_path, "chef", "lang")
    assert result.landings["model"] == (2, 2)
