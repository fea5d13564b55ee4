"""A warm session gives the pages a cold build gives, after any sequence of edits.

The session lays out only the sections whose HTML changed and takes the other
pages from earlier builds. Here a random sequence of edits (statement texts,
a perspective colour, department notes and questions, a layout file, a
shortened foreword that moves where sections land, a long note that makes the
leaflet grow) is applied to a content copy; after each one the warm session's
proofs are compared with a build from scratch of the same content: the same
text on every page, and the same pixels.
"""

from __future__ import annotations

import io
import logging
import random
from collections.abc import Callable
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest

from conftest import CONTENT, LAYOUTS, copy_content, normalise
from folder_builder import Session
from folder_builder.errors import FitError

DEPARTMENT = "eksempel-dagtilbud-nord"
WORDS = ("sammen", "hver dag", "med omtanke", "på tværs", "for børnene", "i fællesskab",
         "tydeligt", "ansvarligt")


def page_texts(pdf: bytes) -> list[str]:
    """The text of every page as a reader shows it (pdfium)."""
    document = pdfium.PdfDocument(pdf)
    try:
        texts = []
        for index in range(len(document)):
            textpage = document[index].get_textpage()
            texts.append(normalise(textpage.get_text_range()))
            textpage.close()
        return texts
    finally:
        document.close()


def renders(pdf: bytes) -> list[bytes]:
    document = pdfium.PdfDocument(pdf)
    try:
        return [document[i].render(scale=1).to_pil().convert("RGB").tobytes()
                for i in range(len(document))]
    finally:
        document.close()


# --- the edits ---------------------------------------------------------------------------

Edit = Callable[[Path, Path, random.Random], str]


def _replace_line(path: Path, pick: Callable[[str], bool], change: Callable[[str], str],
                  rng: random.Random) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    chosen = rng.choice([i for i, line in enumerate(lines) if pick(line)])
    lines[chosen] = change(lines[chosen])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return f"{path.name}:{chosen + 1}"


def statement_text(root: Path, layouts: Path, rng: random.Random) -> str:
    path = rng.choice(sorted((root / "statements").glob("*.yaml")))
    words = rng.choice(WORDS)
    return "statement " + _replace_line(
        path, lambda line: line.startswith("  ") and ": " in line,
        lambda line: line.rstrip(".") + f", {words}." if rng.random() < 0.7
        else line[:line.index(": ") + 2] + f"Vi arbejder {words}.", rng)


def colour(root: Path, layouts: Path, rng: random.Random) -> str:
    return "colour " + _replace_line(
        root / "perspectives.yaml", lambda line: "colour:" in line,
        lambda line: f"    colour: [{rng.randrange(101)}, {rng.randrange(101)}, "
                     f"{rng.randrange(101)}, {rng.randrange(40)}]", rng)


def department_note(root: Path, layouts: Path, rng: random.Random) -> str:
    path = root / "departments" / f"{DEPARTMENT}.yaml"
    return "note " + _replace_line(
        path, lambda line: line.startswith("  ") and ": Hos os" in line,
        lambda line: line.rstrip(".") + f" {rng.choice(WORDS)}.", rng)


def long_note(root: Path, layouts: Path, rng: random.Random) -> str:
    """A note long enough to make the leaflet's own pages grow: sections move."""
    path = root / "departments" / f"{DEPARTMENT}.yaml"
    return "long note " + _replace_line(
        path, lambda line: line.startswith("  chef-"),
        lambda line: line.rstrip(".") + " " + "Vi taler om det på hvert møde. " * 40, rng)


def question(root: Path, layouts: Path, rng: random.Random) -> str:
    path = root / "departments" / f"{DEPARTMENT}.yaml"
    return "question " + _replace_line(
        path, lambda line: line.startswith("  - "),
        lambda line: f"  - Hvad betyder det at arbejde {rng.choice(WORDS)}?", rng)


def layout_file(root: Path, layouts: Path, rng: random.Random) -> str:
    size = rng.choice(["21pt", "22pt", "23pt"])
    (layouts / "extra.css").write_text(f".section-title {{ font-size: {size}; }}\n",
                                       encoding="utf-8")
    return f"extra.css {size}"


def short_foreword(root: Path, layouts: Path, rng: random.Random) -> str:
    """The foreword cut to its first paragraph: it ends a page earlier."""
    path = root / "foreword.yaml"
    text = path.read_text(encoding="utf-8")
    if "\n\n" in text[:text.index("signature:")]:
        path.write_text(text[:text.index("\n\n")] + "\n" + text[text.index("signature:"):],
                        encoding="utf-8")
    return "short foreword"


EDITS: list[Edit] = [statement_text, statement_text, statement_text, colour, department_note,
                     department_note, question, long_note, layout_file, short_foreword]


# --- the test ---------------------------------------------------------------------------------


def _build(session: Session, product: str, deliver: bool) -> bytes | type[Exception]:
    kwargs = {"role": "chef", "department": DEPARTMENT} if product == "leaflet" else {}
    try:
        return session.build(product, "print", deliver=deliver, **kwargs).pdf
    except FitError:
        return FitError


@pytest.mark.parametrize("seed", [11])
def test_warm_pages_are_cold_pages_after_random_edits(tmp_path, seed, caplog):
    rng = random.Random(seed)
    root = copy_content(tmp_path)
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    warm = Session(content=root, layouts=layouts, jobs=1)
    cold = Session(content=root, layouts=layouts, jobs=1)
    for product in ("folder", "leaflet"):
        _build(warm, product, deliver=False)
    caplog.set_level(logging.INFO, logger="folder_builder")
    history = []
    for _ in range(6):
        history.append(rng.choice(EDITS)(root, layouts, rng))
        assert warm.refresh(), history
        cold.refresh()
        for product in ("folder", "leaflet"):
            proof = _build(warm, product, deliver=False)
            scratch = _build(cold, product, deliver=True)
            if scratch is FitError or proof is FitError:
                assert proof is scratch, (product, history)
                continue
            assert page_texts(proof) == page_texts(scratch), (product, history)
            differ = [n for n, (a, b) in enumerate(zip(renders(proof), renders(scratch),
                                                       strict=True), 1) if a != b]
            assert not differ, (product, history, differ)
    # The sequence did reuse pages (else the comparison proves nothing).
    assert any(record.getMessage().startswith("reuse ") and "again" in record.getMessage()
               for record in caplog.records), history


def proof_after_an_edit(root: Path, layouts: Path | None, caplog, path: Path | None = None,
                        old: str = "Jeg bidrager til", new: str = "Jeg bidrager altid til"
                        ) -> tuple[Session, object, list[str]]:
    """A warm session's print folder proof after one edit (a chef statement unless
    told otherwise), and what the session logged of reusing pages for it."""
    path = path or root / "statements" / "chef.yaml"
    warm = Session(content=root, layouts=layouts, jobs=1)
    warm.build("folder", "print")
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    warm.refresh()
    caplog.set_level(logging.INFO, logger="folder_builder")
    proof = warm.build("folder", "print")
    return warm, proof, [record.getMessage() for record in caplog.records
                         if record.getMessage().startswith("reuse")]


def test_a_warm_proof_reuses_pages_and_delivering_is_reproducible(tmp_path, caplog):
    """After proofs, a delivered PDF has the bytes of a session that never built. Of
    the two spreads a statement is on, only the page it is on is laid out again (the
    other page of each spread stood in), and the sections after them are left out."""
    root = copy_content(tmp_path)
    warm, proof, [reused] = proof_after_an_edit(root, None, caplog)
    assert "6 sections after them left out" in reused, reused
    # The chef spread starts on page 14: one page stands in for the 13 before it,
    # its page counter advanced so that the folios come out as in the whole folder.
    assert "the 13 pages before them stood in by 1" in reused, reused
    # One page of each spread: the chef spread's and the compliance chain's.
    assert len(proof.changed_pages) == 2
    assert f"(pages {','.join(map(str, sorted(proof.changed_pages)))})" in reused, reused
    delivered = warm.build("folder", "print", deliver=True)
    fresh = Session(content=root, jobs=1).build("folder", "print", deliver=True)
    assert delivered.pdf == fresh.pdf
    assert renders(proof.pdf) == renders(fresh.pdf)
    assert outline(proof.pdf) == outline(fresh.pdf)
    assert LAYOUTS.is_dir() and CONTENT.is_dir()


@pytest.mark.parametrize("case", ["page reference", "page total"])
def test_what_follows_a_changed_section_is_laid_out_when_its_pages_count(tmp_path, caplog,
                                                                         case):
    """The sections after the changed ones are kept in the layout when a changed
    section refers to their pages (the reading guide's page references) or the
    layouts print the page total; the proof is the cold build's either way."""
    root = copy_content(tmp_path)
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    if case == "page total":
        (layouts / "extra.css").write_text(
            '@page :right { @bottom-right { content: string(section) " " counter(page)'
            ' " / " counter(pages); } }\n', encoding="utf-8")
        edit = {}
    else:
        edit = {"path": root / "guide.yaml", "old": "finder du en beskrivelse",
                "new": "finder du her en beskrivelse"}
    _, proof, [reused] = proof_after_an_edit(root, layouts, caplog, **edit)
    assert "again" in reused and "left out" not in reused, reused
    fresh = Session(content=root, layouts=layouts, jobs=1).build("folder", "print",
                                                                 deliver=True)
    assert renders(proof.pdf) == renders(fresh.pdf)
    if case == "page total":
        assert "15 / 28" in page_texts(proof.pdf)[14].replace("\xa0", " ")  # the right page


@pytest.mark.parametrize("css", [
    # statements numbered through the folder
    "body { counter-reset: said; } .statement { counter-increment: said; }\n"
    '.statement::before { content: counter(said) ". "; }\n',
    # the last statement of the page before, at the foot of the page after
    ".statement { string-set: said attr(data-statement); }\n"
    "@page { @bottom-center { content: string(said, start); } }\n",
], ids=["counter", "named string"])
def test_layouts_that_carry_values_from_page_to_page_are_laid_out_whole(tmp_path, caplog,
                                                                         css):
    """A stand-in sets no counter and no named string, so the pages after one could
    show another value than a whole layout: such layouts are never laid out warm, and
    the proof after an edit is the cold build's."""
    root = copy_content(tmp_path)
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "extra.css").write_text(css, encoding="utf-8")
    _, proof, messages = proof_after_an_edit(root, layouts, caplog)
    assert messages and "carry values from page to page" in messages[0], messages
    fresh = Session(content=root, layouts=layouts, jobs=1).build("folder", "print",
                                                                 deliver=True)
    assert renders(proof.pdf) == renders(fresh.pdf)


def test_a_leaflet_for_another_role_reuses_the_shared_pages_and_is_the_cold_one(tmp_path,
                                                                                 caplog):
    """Leaflets of one department share the model page, the shared statements and the
    back page: a proof for the next role lays out only what differs, and gives the
    pages a cold build of that leaflet gives."""
    warm = Session(content=CONTENT, jobs=1)
    warm.build("leaflet", "print", role="chef", department=DEPARTMENT)
    caplog.set_level(logging.INFO, logger="folder_builder")
    proof = warm.build("leaflet", "print", role="medarbejder", department=DEPARTMENT)
    reused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("reuse ")]
    assert reused and "again" in reused[0] and "model" not in reused[0], reused
    scratch = Session(content=CONTENT, jobs=1).build(
        "leaflet", "print", role="medarbejder", department=DEPARTMENT, deliver=True)
    assert page_texts(proof.pdf) == page_texts(scratch.pdf)
    assert renders(proof.pdf) == renders(scratch.pdf)
    assert proof.changed_pages == frozenset(range(1, proof.pages + 1))  # a new product
    assert outline(proof.pdf) == outline(scratch.pdf)


def test_a_note_on_the_roles_right_page_lays_out_that_page_alone(tmp_path, caplog):
    """A leaflet's role pages are page parts while they fit: a note edit on a
    statement of the right-hand page lays out that page alone, and the proof is the
    cold build's."""
    root = copy_content(tmp_path)
    warm = Session(content=root, jobs=1)
    before = warm.build("leaflet", "print", role="chef", department=DEPARTMENT)
    last = before.landings["role"][1]
    path = root / "departments" / f"{DEPARTMENT}.yaml"
    statement = warm.content.statements_for(warm.role("chef"),
                                            warm.content.perspectives[-1])[0]
    text = path.read_text(encoding="utf-8")
    assert f"  {statement.id}:" not in text
    path.write_text(text.replace("notes:\n", f"notes:\n  {statement.id}: Hos os taler vi om "
                                 "det på hvert personalemøde.\n", 1), encoding="utf-8")
    warm.refresh()
    caplog.set_level(logging.INFO, logger="folder_builder")
    proof = warm.build("leaflet", "print", role="chef", department=DEPARTMENT)
    reused = [r.getMessage() for r in caplog.records if r.getMessage().startswith("reuse ")]
    assert proof.changed_pages == {last}
    assert reused and f"(pages {last})" in reused[0], reused
    scratch = Session(content=root, jobs=1).build(
        "leaflet", "print", role="chef", department=DEPARTMENT, deliver=True)
    assert renders(proof.pdf) == renders(scratch.pdf)
    assert "personalemøde" in page_texts(proof.pdf)[last - 1]


def outline(pdf: bytes) -> list[tuple[str, int]]:
    """The bookmarks: title and page number."""
    with pikepdf.open(io.BytesIO(pdf)) as document:
        index = {page.objgen: n for n, page in enumerate(document.pages, 1)}
        with document.open_outline() as tree:
            return [(str(item.title), index[item.destination[0].objgen])
                    for item in tree.root]


def test_a_statement_that_runs_over_is_laid_out_once_whole_and_explained(tmp_path, caplog):
    """A save that makes a folder section run over its pages: the warm attempt sees the
    section run past the pages the plan gives it, so the folder is laid out once,
    whole (parts would only disagree), and the fit guard explains it from that
    layout's boxes instead of laying it out again. The next good save is a normal
    cold build (in parts)."""
    root = copy_content(tmp_path)
    warm = Session(content=root, jobs=1)
    warm.build("folder", "print")
    path = root / "statements" / "leder-af-leder.yaml"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace(
        "leder-af-leder-compliance-2: Jeg sikrer",
        "leder-af-leder-compliance-2: " + "Jeg sikrer, at budgettet overholdes. " * 40
        + "Jeg sikrer"), encoding="utf-8")
    warm.refresh()
    caplog.set_level(logging.INFO, logger="folder_builder")
    with pytest.raises(FitError) as failed:
        warm.build("folder", "print")
    steps = [record.getMessage().split()[0] for record in caplog.records]
    assert steps.count("weasy") == 2, steps  # the warm attempt, then the whole folder
    assert "parts" not in steps, steps
    assert any("runs past" in record.getMessage() for record in caplog.records)
    assert "roles-leder-af-leder" in failed.value.report()
    assert failed.value.proof_pdf  # the marked proof, from the whole layout's boxes
    caplog.clear()
    path.write_text(good, encoding="utf-8")
    warm.refresh()
    fixed = warm.build("folder", "print")
    assert fixed.pages == 28
    assert "parts" in [record.getMessage().split()[0] for record in caplog.records]
