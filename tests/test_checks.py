"""checks.py: the fit guard stops a build whose content outgrows the page plan,
and a failed build leaves the previous PDF untouched."""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import copy_content, edit, line_of, overlong_content
from folder_builder.build import BuildOptions, build
from folder_builder.errors import EXIT_FAILED, FitError


def test_overlong_statement_stops_the_build_and_keeps_the_previous_pdf(tmp_path, folder):
    root = overlong_content(tmp_path)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    target = out_dir / "folder.pdf"
    shutil.copyfile(folder.result.path, target)
    before = target.read_bytes()

    with pytest.raises(FitError) as info:
        build(BuildOptions(content=root, output=target))
    error = info.value

    assert error.exit_code == EXIT_FAILED
    assert "no PDF was written" in error.message
    report = error.report()
    ours = [p for p in error.problems if "'roles-leder-af-leder'" in p.message]
    assert len(ours) == 1, report
    problem = ours[0]
    match = re.search(r"takes (\d+) pages \((\d+)–(\d+)\) but the plan gives it (\d+)",
                      problem.message)
    assert match, problem.message
    actual, first, last, planned = map(int, match.groups())
    assert planned == 2
    assert actual > 2
    assert (first, last - first + 1) == (12, actual)
    # the problem points at the plan entry that gives the pages
    assert problem.path.name == "plan.yaml"
    assert problem.line == line_of(root / "plan.yaml", "id: roles")
    assert problem.field == "pages"
    assert str(problem) in report
    assert "Leder af leder" in problem.message

    # the previous PDF is untouched and nothing else was left beside it
    assert target.read_bytes() == before
    assert sorted(p.name for p in out_dir.iterdir()) == ["folder.pdf"]


def test_page_count_must_be_whole_sheets(tmp_path):
    root = copy_content(tmp_path)
    plan = root / "plan.yaml"
    # without the notes page, and with the back cover allowed on any page, the folder
    # would have 27 pages
    edit(plan, "  - id: notes\n    layout: notes\n    title: Noter\n    pages: 1\n", "")
    edit(plan, "    layout: back-cover\n    title: Bagside\n    pages: 1\n    start: left\n",
         "    layout: back-cover\n    title: Bagside\n    pages: 1\n")
    target = tmp_path / "out.pdf"
    with pytest.raises(FitError) as info:
        build(BuildOptions(content=root, output=target))
    messages = [p.message for p in info.value.problems]
    assert len(messages) == 1, info.value.report()
    assert "27 pages" in messages[0]
    assert "multiple of 4" in messages[0]
    assert not target.exists()
