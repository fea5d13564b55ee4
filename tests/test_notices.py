"""Warnings: the build succeeds, and says what will silently go wrong (notices.py)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from conftest import CONTENT, copy_content, line_of
from folder_builder.batch import run_batch
from folder_builder.build import BuildOptions, build
from folder_builder.cli import main
from folder_builder.errors import EXIT_OK

SKOLE = CONTENT / "departments" / "eksempel-skoleafdelingen.yaml"


def test_a_note_on_another_roles_statement_warns_and_says_where_it_appears(tmp_path, capsys):
    target = tmp_path / "chef.pdf"
    assert main(["leaflet", "--role", "chef", "--department", "eksempel-skoleafdelingen",
                 "-o", str(target)]) == EXIT_OK
    out, err = capsys.readouterr()
    assert target.exists()
    assert "preflight passed, 3 warnings)" in out
    line = line_of(SKOLE, "leder-af-leder-compliance-2:")
    assert (f"warning: content/departments/eksempel-skoleafdelingen.yaml:{line}: "
            "notes.leder-af-leder-compliance-2: a note on the statement "
            "leder-af-leder-compliance-2 of Leder af leder: it cannot appear in the leaflet "
            "for Chef; it appears in the leaflet for Leder af leder") in err
    # the chef's own note and the shared one are in this leaflet: no warning
    assert "notes.chef-emergens-3" not in err
    assert "notes.faelles-emergens-2" not in err


def test_the_build_result_carries_the_warnings(tmp_path):
    [result] = build(BuildOptions(role="direktoer", department="eksempel-skoleafdelingen",
                                  output=tmp_path / "d.pdf"))
    fields = sorted(w.field for w in result.warnings)
    assert fields == ["notes.chef-emergens-3", "notes.leder-af-leder-compliance-2",
                      "notes.leder-af-medarbejder-performance-3"]
    assert all(w.path == SKOLE and w.line for w in result.warnings)


def test_a_batch_warns_only_for_notes_no_leaflet_of_it_shows(tmp_path):
    stream = io.StringIO()
    outcome = run_batch(BuildOptions(), roles=["chef", "direktoer"], plain=False,
                        departments=["eksempel-skoleafdelingen"], jobs=1,
                        output_dir=tmp_path, stream=stream)
    assert outcome.ok
    fields = sorted(problem.field for _, problem in outcome.warnings)
    assert fields == ["notes.leder-af-leder-compliance-2",
                      "notes.leder-af-medarbejder-performance-3"]
    assert "2 warnings" in stream.getvalue()
    assert "warning (chef × eksempel-skoleafdelingen): " in stream.getvalue() or \
        "warning (direktoer × eksempel-skoleafdelingen): " in stream.getvalue()


@pytest.mark.parametrize(("size", "warns"), [((120, 40), True), ((960, 320), False)])
def test_a_logo_below_300_ppi_at_its_printed_size_warns(tmp_path, size, warns):
    root = copy_content(tmp_path)
    logo = root / "departments" / "logos" / "small.png"
    Image.new("RGB", size, (20, 90, 160)).save(logo)
    (root / "departments" / "lille.yaml").write_text(
        "name: Lille\nlogo: logos/small.png\n", encoding="utf-8")
    [result] = build(BuildOptions(content=root, role="chef", department="lille",
                                  output=tmp_path / "lille.pdf"))
    assert result.path.exists()
    logos = [w for w in result.warnings if w.field == "logo"]
    if not warns:
        assert logos == []
        return
    [warning] = logos
    assert warning.path == root / "departments" / "lille.yaml"
    assert warning.line == 2
    # A small image is printed at its CSS size (96 pixels to the inch): 120 pixels are
    # 32 mm, 96 ppi.
    assert "(120 × 40 pixels) is printed at 32 × 11 mm" in warning.message
    assert "which gives it 96 ppi; print needs 300 ppi" in warning.message
    assert "at least 375 × 125 pixels" in warning.message
