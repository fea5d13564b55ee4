"""What changed since the edition at the printer: the manifest a print build writes,
and ``folder-builder changes``."""

from __future__ import annotations

import itertools
import json
import re

import hypothesis
import hypothesis.strategies as st

from conftest import copy_content, edit
from folder_builder.changes import find_pages, manifest_path, normalise, word_diff
from folder_builder.cli import main


def test_word_diff_marks_removed_and_added_words():
    assert word_diff("for mit område.", "for hele mit eget område.") == [
        ("", "for"), ("+", "hele"), ("", "mit"), ("+", "eget"), ("", "område.")]
    assert word_diff("a b c", "a x c") == [("", "a"), ("-", "b"), ("+", "x"), ("", "c")]


def test_a_wording_is_found_on_its_pages_or_across_a_page_break():
    texts = ["sammen sikrer vi driften jeg er", "ansvarlig for økonomi", "slut"]
    assert find_pages("Sammen sikrer vi driften", texts) == [1]
    assert find_pages("jeg er ansvarlig for", texts) == [1]  # starts on page 1
    assert find_pages("økonomi slut", texts) == [2]
    assert find_pages("vi er ikke her", texts) == []


def _found_plainly(wording: str, texts: list[str]) -> list[int]:
    """find_pages as first written: each pair of pages joined whole."""
    wanted = normalise(wording).casefold()
    found = [n for n, text in enumerate(texts, 1) if wanted in text]
    if not found:
        found = [n for n, (a, b) in enumerate(itertools.pairwise(texts), 1)
                 if wanted in f"{a} {b}" and wanted not in b]
    return found


@hypothesis.settings(max_examples=300, deadline=None, database=None, derandomize=True)
@hypothesis.given(texts=st.lists(st.text("ab ", max_size=12), max_size=5),
                  wording=st.text("ab ", max_size=6))
def test_looking_across_a_break_only_near_it_finds_what_joining_the_pages_finds(
        texts, wording):
    """A manifest looks most statements up across every page break (a leaflet shows
    a few of the 84); only the ends of the pages are joined now, not the pages."""
    assert find_pages(wording, texts) == _found_plainly(wording, texts)


def test_a_print_build_records_what_it_printed_and_changes_lists_the_edits(tmp_path, capsys):
    root = copy_content(tmp_path)
    target = tmp_path / "out" / "folder-print.pdf"
    assert main(["build", "--content", str(root), "-o", str(target), "--jobs", "1"]) == 0
    manifest = json.loads(manifest_path(target).read_text(encoding="utf-8"))
    assert manifest["pages"] == 28 and manifest["product"] == "folder"
    statement = manifest["statements"]["chef-compliance-3"]
    assert statement["text"].startswith("Jeg er ansvarlig for den overordnede økonomi")
    # on the chef's spread and on the compliance perspective's chain
    assert statement["pages"] and all(8 <= page <= 25 for page in statement["pages"])
    assert all(entry["pages"] for entry in manifest["statements"].values())
    capsys.readouterr()

    assert main(["changes", "--content", str(root), "--since", str(manifest_path(target))]) == 0
    assert "no changes since the printed edition" in capsys.readouterr().out

    statements = root / "statements" / "chef.yaml"
    edit(statements, "for mit område.", "for hele mit område.")
    edit(statements, "  chef-resiliens-4: Vi sikrer,", "  chef-resiliens-5: Vi sikrer altid,")
    edit(root / "perspectives.yaml", "colour: [100, 62, 0, 18]", "colour: [100, 60, 0, 18]")
    assert main(["changes", "--content", str(root), "--since", str(manifest_path(target))]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("4 changes since the printed edition")
    changed = next(line for line in lines if "changed  chef-compliance-3" in line)
    assert "inden for {+hele+} mit område." in changed
    assert f"(pages {', '.join(map(str, statement['pages']))})" in changed
    assert any(line.startswith("  added    chef-resiliens-5 (page") and "altid" in line
               for line in lines)
    assert any(line.startswith("  removed  chef-resiliens-4 (was on page") for line in lines)
    colour = next(line for line in lines if line.startswith("  colour   compliance ("))
    assert colour.endswith(": device-cmyk(100% 62% 0% 18%) → device-cmyk(100% 60% 0% 18%)")
    # the pages the colour is printed on are marked: every page of the perspective's
    # statements (the spreads' chains), and no page of only another perspective
    marked = {int(n) for n in re.search(r"\(pages ([\d, ]+)\)", colour).group(1).split(", ")}
    own = {page for key, entry in manifest["statements"].items() if "-compliance-" in key
           for page in entry["pages"]}
    others = {page for key, entry in manifest["statements"].items()
              if "-compliance-" not in key for page in entry["pages"]}
    assert own <= marked and own - others
    assert len(marked) < manifest["pages"] / 2  # not the whole folder


def test_changes_without_a_manifest_says_how_to_get_one(tmp_path, capsys):
    assert main(["changes", "--since", str(tmp_path / "nothing.json")]) == 2
    err = capsys.readouterr().err
    assert "nothing.json" in err and "--since" in err and "Traceback" not in err
