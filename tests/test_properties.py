"""Property: whatever text a statement holds, the build makes a valid PDF with the
text inside the page, or stops with a clear error — never a traceback, never a hang."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import hypothesis
import pypdfium2 as pdfium
import pytest
import yaml
from hypothesis import strategies as st

from conftest import FIXTURES
from folder_builder import Session
from folder_builder.errors import FolderBuilderError
from folder_builder.preflight import preflight

MINI_PLAN = {
    "mini": [
        {"id": "lead", "layout": "role", "role": "team-lead", "pages": 1, "grow": True},
        {"id": "notes", "layout": "reflection", "title": "Notes", "pages": 1, "pad": True},
    ]
}

SPECIAL = [
    "", "   ", "e\u0301t caf\u0065\u0301", "a\u0308\u0301\u0323", "שלום עולם", "مرحبا بالعالم",
    "😀", "👩\u200d👩\u200d👧", "zero\u200bwidth\u200djoin\u2060", "\u202eevil", "bell\x07",
    "a" * 500, "Æ" * 300 + " end", "<script>alert(1)</script> <img src=x>", "{pages:x}",
    "tab\tinside", "ﬁ ligature ß İ", "\u00ad soft hyphen", "https://example.com/" + "x" * 200,
]
#: Text the project's fonts can draw (Latin-1 letters, digits, punctuation, spaces):
#: without it most random Unicode is refused before layout, and the property would
#: say little about the layout itself.
latin = st.text(st.characters(codec="latin-1", categories=("L", "N", "P", "Zs")),
                max_size=60)
statement_text = st.lists(st.one_of(st.sampled_from(SPECIAL), st.text(max_size=60), latin,
                                    latin), min_size=1, max_size=4).map(" ".join)


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang("the build took more than 60 s")


@pytest.fixture(scope="module")
def mini(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("mini") / "content"
    shutil.copytree(FIXTURES / "english", root)
    plan = yaml.safe_load((root / "plan.yaml").read_text(encoding="utf-8"))
    plan.update(MINI_PLAN)
    (root / "plan.yaml").write_text(yaml.safe_dump(plan, allow_unicode=True), encoding="utf-8")
    return root


def test_any_statement_builds_or_fails_clearly(mini, tmp_path):
    """Every example gives a preflighted PDF or a clear error; and a real share of
    them get as far as a PDF (else the property would hold of a build that always
    refuses). The examples are drawn the same way every run (derandomize): drawn
    afresh, a run got 8 PDFs of 40 where another got 18, and the share's check
    failed by chance."""
    outcomes: list[str] = []

    @hypothesis.settings(max_examples=40, deadline=None, database=None, derandomize=True)
    @hypothesis.given(text=statement_text)
    def example(text: str) -> None:
        outcomes.append(_build_one(mini, tmp_path, text))

    example()
    assert len(outcomes) >= 40
    assert outcomes.count("pdf") >= len(outcomes) // 4, outcomes


def _build_one(mini: Path, tmp_path: Path, text: str) -> str:
    """Build the mini plan with ``text`` as a statement: "pdf" or "refused"."""
    statements = mini / "statements" / "team-lead.yaml"
    data = {"stability": {"team-lead-stability-1": text,
                          "team-lead-stability-2": "I keep the budget under control."},
            "growth": {"team-lead-growth-1": "I set clear goals."}}
    statements.write_text(yaml.safe_dump(data, allow_unicode=True, width=10_000),
                          encoding="utf-8")
    target = tmp_path / "mini.pdf"
    target.unlink(missing_ok=True)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(60)
    try:
        result = Session(content=mini, jobs=1).build("mini", "print")
        target.write_bytes(result.pdf)
    except FolderBuilderError as exc:
        report = exc.report()
        assert report.strip() and "Traceback" not in report
        assert not target.exists()
        return "refused"
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert result.pages % 4 == 0
    assert preflight(target, "print").passed
    _assert_text_inside_the_page(target)
    return "pdf"


def _assert_text_inside_the_page(path: Path) -> None:
    """Every character's box lies within the trimmed page: nothing runs off it."""
    pdf = pdfium.PdfDocument(str(path))
    for index in range(len(pdf)):
        page = pdf[index]
        left, bottom, right, top = page.get_trimbox()
        textpage = page.get_textpage()
        for i in range(textpage.count_chars()):
            x0, y0, x1, y1 = textpage.get_charbox(i)
            if x1 - x0 <= 0:  # generated hyphens and spaces have no box
                continue
            inside = left - 1 <= x0 and x1 <= right + 1 and bottom - 1 <= y0 and y1 <= top + 1
            assert inside, f"page {index + 1}: text off the page at ({x0:.0f}, {y0:.0f})"
