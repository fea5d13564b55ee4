"""checks.py: the fit guard stops a build whose content outgrows the page plan,
and a failed build leaves the previous PDF untouched."""

from __future__ import annotations

import re
import shutil

import pikepdf
import pytest

from conftest import (
    copy_content,
    edit,
    find_problem,
    line_of,
    normalise,
    overlong_content,
    page_texts,
    small_plan,
)
from folder_builder.build import BuildOptions, build
from folder_builder.content import load_content
from folder_builder.errors import EXIT_FAILED, FitError


def test_overlong_statement_stops_the_build_and_keeps_the_previous_pdf(tmp_path, folder):
    # The small plan: the cover, the leder-af-leder spread on pages 2-3, the back cover.
    root = overlong_content(tmp_path, small=True)
    first, past_page = 2, 4
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
    actual, start, last, planned = map(int, match.groups())
    assert planned == 2
    assert actual > 2
    assert (start, last - start + 1) == (first, actual)
    # the problem points at the plan entry that gives the pages
    assert problem.path.name == "plan.yaml"
    assert problem.line == line_of(root / "plan.yaml", "id: roles")
    assert problem.field == "pages"
    assert str(problem) in report
    assert "Leder af leder" in problem.message
    # ... and says that "pages:" there is for every role spread
    assert "applies to every role" in problem.message

    # The words come first: the section in the reader's words and how much is too much,
    # measured from the laid-out boxes ...
    statements = root / "statements" / "leder-af-leder.yaml"
    head = [p for p in error.problems if p.message.startswith("the spread for Leder af leder")]
    assert len(head) == 1, report
    assert head[0].message.startswith(
        f"the spread for Leder af leder (pages {first}–{first + 1}) runs")
    amount = re.search(rf"runs (\d+) pages? past the 2 it is planned for, onto pages? "
                       rf"{past_page}[–\d]*: about (\d+) lines? of text, (\d+) mm too much",
                       head[0].message)
    assert amount, head[0].message
    extra, lines, mm = map(int, amount.groups())
    assert extra == actual - 2
    assert lines >= extra and 5 <= mm <= 172 * extra
    assert error.problems.index(head[0]) < error.problems.index(problem)
    # ... every statement that landed past the plan, at its own file and line ...
    past = [p for p in error.problems
            if p.message.endswith(f"is on page {past_page}, past the plan")
            and p.path == statements]
    assert past, report
    for p in past:
        assert p.path == statements
        sid = p.field.split(".")[1]
        assert p.line == line_of(statements, f"{sid}:")
    # ... and the lengthened statement itself, named as the longest text of the spread.
    longest = find_problem(error, file="leder-af-leder.yaml",
                           line=line_of(statements, "leder-af-leder-compliance-2:"),
                           field="compliance.leder-af-leder-compliance-2",
                           message="the longest text of the spread for Leder af leder "
                                   f"(pages {first}–{first + 1}) is the statement "
                                   "leder-af-leder-compliance-2")
    assert re.search(r"\((\d+) mm high\)", longest.message)
    # The longest text, where words were most likely added, comes right after the
    # section's headline, before the pieces it pushed past the plan.
    assert error.problems.index(longest) == error.problems.index(head[0]) + 1
    assert all(error.problems.index(longest) < error.problems.index(p) for p in past)

    # A proof beside the target: laid out with the spread running over, the overflow
    # framed and labelled, PROOF on every page, and no PDF/X output intent.
    proof = out_dir / "folder-proof.pdf"
    assert error.proof_path == proof
    assert proof.read_bytes() == error.proof_pdf
    assert f"a proof with what ran over marked in colour: {proof}" in report
    texts = page_texts(proof)
    assert len(texts) > 4  # the pages of the plan, and what ran past them
    assert all("PROOF - not for print" in text for text in texts)
    assert "RUNS OVER: the spread for Leder af leder" in texts[past_page - 1]
    assert "RUNS OVER" not in texts[past_page - 2]
    statements_by_id = {s.id: s.text for s in load_content(root).statements}
    for p in past:  # the statements named end on that page of the proof
        assert normalise(statements_by_id[p.field.split(".")[1]])[-40:] in texts[past_page - 1]
    with pikepdf.open(proof) as pdf:
        assert "/OutputIntents" not in pdf.Root
        assert "/GTS_PDFXVersion" not in pdf.trailer.get("/Info", {})
        # the overflow is framed on its first page only (a dashed 1.5 pt rectangle in the
        # mark colour); the lengthened statement is framed where it stands
        marks = [pdf.pages[n].Contents[-1].read_bytes() for n in range(len(pdf.pages))]
        assert [n + 1 for n, m in enumerate(marks)
                if b"1.5 w [4 2] 0 d" in m][:1] == [past_page]
        framed = [n + 1 for n, m in enumerate(marks)
                  if b"LONGEST TEXT: statement leder-af-leder-compliance-2" in m]
        assert any(first <= n <= past_page for n in framed), framed  # on the role spread

    # the previous PDF is untouched and nothing else was left beside it
    assert target.read_bytes() == before
    assert sorted(p.name for p in out_dir.iterdir()) == ["folder-proof.pdf", "folder.pdf"]


def test_page_count_must_be_whole_sheets(tmp_path):
    root = copy_content(tmp_path)
    plan = small_plan(root)
    # without its back cover, the small folder (a cover and one spread) has 3 pages
    edit(plan, "- id: back\n  layout: back-cover\n  title: Bagside\n  pages: 1\n  start: left\n",
         "")
    target = tmp_path / "out.pdf"
    with pytest.raises(FitError) as info:
        build(BuildOptions(content=root, output=target))
    messages = [p.message for p in info.value.problems]
    assert len(messages) == 1, info.value.report()
    assert "3 pages" in messages[0]
    assert "multiple of 4" in messages[0]
    assert not target.exists()


def test_a_fit_error_keeps_its_proof_across_processes(tmp_path):
    import pickle

    from folder_builder.errors import Problem

    error = FitError("the content does not fit the page plan; no PDF was written:",
                     [Problem("the spread for X runs over", tmp_path / "a.yaml", 3, "f")])
    error.proof_path, error.proof_pdf = tmp_path / "x-proof.pdf", b"%PDF-1.7 proof"
    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, FitError)
    assert (copy.proof_path, copy.proof_pdf) == (error.proof_path, error.proof_pdf)
    assert copy.report() == error.report()
    assert FitError("plain").proof_path is None
