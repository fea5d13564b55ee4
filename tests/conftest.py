"""Shared fixtures and helpers for the folder-builder test suite.

The bundled folder is built once per session (``folder``); every other test
that needs a PDF builds its own small variant in ``tmp_path``.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

import pypdfium2 as pdfium
import pytest

from folder_builder.build import BuildOptions, BuildResult, build
from folder_builder.errors import FolderBuilderError, Problem
from folder_builder.paths import BUNDLED_CONTENT, BUNDLED_FONTS, BUNDLED_LAYOUTS

ROOT = Path(__file__).resolve().parent.parent
CONTENT = BUNDLED_CONTENT
LAYOUTS = BUNDLED_LAYOUTS
FONTS = BUNDLED_FONTS
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def pytest_xdist_auto_num_workers(config) -> int:
    """``-n auto`` (pyproject.toml): one worker per core, at most four; each holds
    WeasyPrint and may start a chromium of its own. ``-n 0`` runs in one process."""
    return max(1, min(os.cpu_count() or 1, 4))


def _hypothesis_quietly() -> None:
    """Nothing of hypothesis is written into the project (no example database, its
    caches in a temporary folder instead of ./.hypothesis), and nothing is left
    behind: the folder goes when the test process ends."""
    try:
        import hypothesis
    except ImportError:  # the property tests skip themselves
        return
    home = tempfile.mkdtemp(prefix="folder-builder-hypothesis-")
    atexit.register(shutil.rmtree, home, True)
    hypothesis.configuration.set_hypothesis_home_dir(home)
    hypothesis.settings.register_profile("folder-builder", database=None)
    hypothesis.settings.load_profile("folder-builder")


_hypothesis_quietly()


@pytest.fixture(autouse=True, scope="session")
def _own_cache(tmp_path_factory):
    """The tests use a cache of their own, empty at the start, not the user's."""
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        del os.environ["XDG_CACHE_HOME"]
    else:
        os.environ["XDG_CACHE_HOME"] = old


# --- the independent PDF/A and PDF/UA checker, on every screen PDF ----------------

#: The profiles every screen PDF must pass in page-validation, an independent
#: checker (it passes the veraPDF corpus): PDF/UA-1, and PDF/A-2 level A.
SCREEN_PROFILES = ("ua1", "pdfa-2a")
#: How many screen PDFs the checker has passed in this session (test_pdfa reads it).
SCREEN_PDFS_CHECKED: list[str] = []


def independent_failures(data: bytes) -> list[str]:
    """The rules ``data`` breaks in each of SCREEN_PROFILES, in the checker's words."""
    import page

    failures = []
    for profile in SCREEN_PROFILES:
        report = page.validate_pdf_bytes(data, profile=profile)
        if not report.is_compliant:
            rules = sorted({f"{f.rule_id} ({f.message})" for f in report.failures})
            failures.append(f"{profile}: " + "; ".join(rules))
    return failures


@pytest.fixture(autouse=True, scope="session")
def _every_screen_pdf_passes_the_independent_checker():
    """Wrap finish() so that every screen PDF any test builds (folder, leaflets,
    batches, the English fixture) is checked as it is made; a failure fails the
    test that built it."""
    from folder_builder import finish as finish_module

    original = finish_module.finish

    def checked(pdf_bytes: bytes, **kwargs: object) -> bytes:
        out = original(pdf_bytes, **kwargs)
        if kwargs.get("print_finish") is None:
            failures = independent_failures(out)
            assert not failures, "the screen PDF fails the independent checker: " + \
                " | ".join(failures)
            SCREEN_PDFS_CHECKED.append(str(kwargs.get("identity", ""))[:12])
        return out

    finish_module.finish = checked
    yield
    finish_module.finish = original


# --- text extracted from PDFs --------------------------------------------------

# pdfium marks a hyphen the layout inserted at a line end as U+FFFE and drops the
# line break after it; other extractors leave "-" and a line break. Both are undone.
# A word hyphenated on the last line of a page is followed by the page's footer,
# not by the rest of the word: there the hyphen stays and a space is put after it.
_GENERATED_HYPHEN = re.compile(r"\ufffe\s*(?=[^\W\d_])")
_GENERATED_HYPHEN_LAST = re.compile(r"\ufffe\s*")
_LINE_END_HYPHEN = re.compile(r"(?<=\w)-[ \t]*\r?\n[ \t]*(?=[a-zæøå])")
_SPACE = re.compile(r"\s+")


def normalise(text: str) -> str:
    """Undo line-end hyphenation and collapse every run of white space to one space."""
    text = _GENERATED_HYPHEN.sub("", text)
    text = _GENERATED_HYPHEN_LAST.sub("- ", text)
    text = _LINE_END_HYPHEN.sub("", text)
    return _SPACE.sub(" ", text).strip()


def page_texts(path: Path) -> list[str]:
    """The normalised text of every page of the PDF at ``path``, in page order."""
    doc = pdfium.PdfDocument(str(path))
    try:
        texts = []
        for index in range(len(doc)):
            page = doc[index]
            textpage = page.get_textpage()
            texts.append(normalise(textpage.get_text_range()))
            textpage.close()
            page.close()
        return texts
    finally:
        doc.close()


def spread_text(texts: list[str], landing: tuple[int, int]) -> str:
    """The text of the pages ``landing`` (1-based, inclusive) as one string."""
    first, last = landing
    return " ".join(texts[first - 1 : last])


def squeeze(text: str) -> str:
    """``text`` without any white space, for text that may break where there is no space
    (after the "/" in a URL or in "</script>")."""
    return _SPACE.sub("", text)


def fold(text: str) -> str:
    """Case-insensitive form, for text the layout may uppercase (headings)."""
    return text.casefold()


# --- content copies ----------------------------------------------------------------


def copy_content(tmp_path: Path, source: Path = CONTENT, name: str = "content") -> Path:
    """A private copy of a content folder that a test may edit freely."""
    target = tmp_path / name
    shutil.copytree(source, target)
    return target


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace ``old`` by ``new`` in the text file ``path``; ``old`` must occur ``count`` times."""
    text = path.read_text(encoding="utf-8")
    found = text.count(old)
    assert found == count, f"{path.name}: expected {count} of {old!r}, found {found}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    """The 1-based number of the only line of ``path`` containing ``needle``."""
    lines = [n for n, ln in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if needle in ln]
    assert len(lines) == 1, f"{path.name}: {needle!r} is on lines {lines}"
    return lines[0]


# --- problems ----------------------------------------------------------------------


def find_problem(
    error: FolderBuilderError,
    *,
    file: str,
    line: int | None = None,
    field: str | None = None,
    message: str | Iterable[str] = (),
) -> Problem:
    """The one problem of ``error`` in ``file`` at ``line`` about ``field`` saying ``message``.

    Also checks that the printed report shows "file:line: field: ..." so a user
    reading the terminal sees the same.
    """
    wanted = [message] if isinstance(message, str) else list(message)
    matches = [
        p for p in error.problems
        if p.path is not None and p.path.name == file
        and (line is None or p.line == line)
        and (field is None or p.field == field)
        and all(w in p.message for w in wanted)
    ]
    assert len(matches) == 1, (
        f"expected one problem in {file} line {line} field {field} saying {wanted}; "
        f"got:\n{error.report()}"
    )
    problem = matches[0]
    shown = str(problem)
    report = error.report()
    assert shown in report
    where = f"{file}:{line}" if line is not None else file
    assert where in shown, shown
    if field is not None:
        assert f": {field}: " in shown, shown
    return problem


# --- the bundled folder ------------------------------------------------------------


class BuiltFolder(NamedTuple):
    result: BuildResult
    texts: list[str]


@pytest.fixture(scope="session")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, BuildResult]:
    """The bundled folder built once in both variants, by variant name; the HTML each
    was laid out from is kept beside it (``result.path.with_suffix(".html")``)."""
    output = tmp_path_factory.mktemp("folder") / "folder.pdf"
    results = build(BuildOptions(content=CONTENT, output=output, variants=("print", "screen"),
                                 keep_html=True))
    return {result.variant: result for result in results}


@pytest.fixture(scope="session")
def department_leaflet_print(tmp_path_factory: pytest.TempPathFactory) -> BuildResult:
    """The print leaflet for Leder af medarbejder in the example department Dagtilbud
    Nord, as the command line delivers it, built once for every test that only reads
    it; its HTML is kept beside it."""
    output = tmp_path_factory.mktemp("leaflet") / "lam-dagtilbud-nord.pdf"
    [result] = build(BuildOptions(content=CONTENT, output=output, keep_html=True,
                                  role="leder-af-medarbejder",
                                  department="eksempel-dagtilbud-nord"))
    return result


@pytest.fixture(scope="session")
def folder(folders: dict[str, BuildResult]) -> BuiltFolder:
    """The bundled print folder: its BuildResult and normalised page texts."""
    result = folders["print"]
    return BuiltFolder(result, page_texts(result.path))


# --- a designer's layouts folder ---------------------------------------------------------


def skeleton_override(tmp_path: Path, blocks: str, extra_css: str = "") -> Path:
    """A ``--layouts`` folder whose product.html.j2 extends the bundled skeleton with
    ``blocks`` (Jinja ``{% block %}``s), and an extra.css if given."""
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "product.html.j2").write_text(
        '{% extends "bundled/product.html.j2" %}\n' + blocks + "\n", encoding="utf-8")
    if extra_css:
        (layouts / "extra.css").write_text(extra_css + "\n", encoding="utf-8")
    return layouts


# --- a small plan ------------------------------------------------------------------------


def small_plan(root: Path, roles: Iterable[str] = ("leder-af-leder",)) -> Path:
    """Make the folder of the content copy ``root`` a small plan: its cover, the spread
    of each of ``roles`` and its back cover (4 pages for one role), for a test that
    needs a layout to provoke a message, not the whole 28 pages. The full folder plan
    stays in plan.yaml as the product ``full``, written on one line, so that every
    {pages:…} of the running texts still names a section and ``line_of(plan, "id:
    roles")`` finds the small plan's entry. Returns plan.yaml."""
    import json

    import yaml

    plan = root / "plan.yaml"
    data = yaml.safe_load(plan.read_text(encoding="utf-8"))
    full = data.pop("folder")
    by_id = {section["id"]: section for section in full}
    small = [by_id["cover"], {**by_id["roles"], "items": list(roles)}, by_id["back"]]
    plan.write_text(
        yaml.safe_dump({"folder": small}, sort_keys=False, allow_unicode=True)
        + f"full: {json.dumps(full, ensure_ascii=False)}\n"
        + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return plan


# --- content that does not fit -------------------------------------------------------

LONG_SENTENCE = "Jeg sikrer, at budgettet overholdes i forhold til det udmeldte serviceniveau. "


def overlong_content(tmp_path: Path, *, small: bool = False) -> Path:
    """A content copy where one leder-af-leder statement is ~40 sentences long; with
    ``small``, its folder is the small plan (cover, the leder-af-leder spread on pages
    2–3, back cover)."""
    root = copy_content(tmp_path)
    if small:
        small_plan(root)
    path = root / "statements" / "leder-af-leder.yaml"
    edit(path, "leder-af-leder-compliance-2: Jeg sikrer",
         f"leder-af-leder-compliance-2: {LONG_SENTENCE * 40}Jeg sikrer")
    return root
