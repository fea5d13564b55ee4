"""A statement that fits the folder but would break every leaflet is a warning of
`build` and `validate` (crosscheck.py)."""

from __future__ import annotations

import re

import pytest

from conftest import copy_content, line_of
from folder_builder.build import BuildOptions, build
from folder_builder.cli import main
from folder_builder.errors import EXIT_OK

ADDED = ("Det gælder i alt hvad vi gør sammen både når vi planlægger og når vi følger op på "
         "de aftaler vi har lavet med hinanden og med borgerne børnene og familierne så alle "
         "kan se hvad vi gør og hvorfor vi gør det og hvad vi har lært af det.")


@pytest.fixture(scope="module")
def lengthened(tmp_path_factory):
    """faelles-resiliens-3 lengthened by about 50 words: the folder still fits."""
    root = copy_content(tmp_path_factory.mktemp("cross"))
    path = root / "statements" / "faelles.yaml"
    text = path.read_text(encoding="utf-8")
    line = re.search(r"faelles-resiliens-3: .*", text).group(0)
    path.write_text(text.replace(line, f"{line} {ADDED}"), encoding="utf-8")
    assert 45 <= len(ADDED.split()) <= 55
    return root


def test_the_folder_builds_and_warns_about_the_leaflets(lengthened, tmp_path):
    [result] = build(BuildOptions(content=lengthened, output=tmp_path / "folder.pdf"))
    assert result.path.exists() and result.pages == 28
    path = lengthened / "statements" / "faelles.yaml"
    [warning] = result.warnings
    assert (warning.path, warning.line, warning.field) == (
        path, line_of(path, "faelles-resiliens-3:"), "resiliens.faelles-resiliens-3")
    assert warning.message.startswith(
        "the statement faelles-resiliens-3 fits the folder, but the leaflet's page "
        "'Det vi er fælles om' runs over with it in every leaflet: ")
    assert re.search(r": \d+ lines? of text, \d+ mm too much", warning.message)
    assert warning.message.endswith("shorten it, or the leaflet cannot be built")


def test_validate_says_so_too(lengthened, capsys):
    assert main(["validate", "--content", str(lengthened)]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "1 warning" in out
    assert "faelles.yaml:" in err and "fits the folder, but the leaflet's page" in err


def test_the_bundled_content_has_no_such_warning(folders):
    assert folders["print"].warnings == ()


def test_the_check_is_remembered_until_a_statement_changes(lengthened, tmp_path):
    from folder_builder import Session

    def counting(root):
        builder = Session(root, jobs=1)
        calls = []
        real = builder.document
        builder.document = lambda html, variant: calls.append(html) or real(html, variant)
        return builder, calls

    builder, calls = counting(lengthened)
    first = builder.leaflet_warnings()
    laid = len(calls)
    assert builder.leaflet_warnings() == first and len(first) == 1
    assert len(calls) == laid  # the second time from the cache
    # moved one line down in its file: the message must name the new line
    moved = copy_content(tmp_path, lengthened)
    path = moved / "statements" / "faelles.yaml"
    path.write_text("# a comment\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    builder, calls = counting(moved)
    [warning] = builder.leaflet_warnings()
    assert len(calls) == 1
    assert (warning.path, warning.line) == (path, line_of(path, "faelles-resiliens-3:"))
