"""Hostile input: nothing outside the project's folders gets into a PDF, and
content cannot inject markup or reorder text."""

from __future__ import annotations

import os

import pytest

from conftest import LAYOUTS, copy_content, edit, line_of, small_plan
from folder_builder.build import BuildOptions, build
from folder_builder.content import load_content, load_department
from folder_builder.errors import ContentError, LayoutError
from folder_builder.layout import project_fetcher

SECRET = "/etc/passwd"


def user_style(tmp_path, rule: str):
    """A user layouts folder whose stylesheet is the bundled one plus ``rule``."""
    folder = tmp_path / "my-layouts"
    folder.mkdir(exist_ok=True)
    style = (LAYOUTS / "style.css").read_text(encoding="utf-8")
    (folder / "style.css").write_text(style + "\n" + rule + "\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("url", [
    f"file://{SECRET}",
    SECRET,
    "../../../../../../../../etc/passwd",
    "http://example.com/logo.png",
    "https://example.com/logo.png",
    "ftp://example.com/logo.png",
])
def test_css_url_outside_the_project_is_refused_and_named(tmp_path, url):
    layouts = user_style(tmp_path, f'.cover {{ background-image: url("{url}"); }}')
    target = tmp_path / "f.pdf"
    # The small plan has the folder's cover, in 4 pages rather than 28.
    root = copy_content(tmp_path)
    small_plan(root)
    with pytest.raises(LayoutError) as caught:
        build(BuildOptions(content=root, layouts=layouts, output=target))
    report = caught.value.report()
    assert "refused" in report
    assert ("passwd" in report) or ("example.com" in report)
    assert not target.exists()


def test_a_symlink_out_of_the_layouts_is_refused(tmp_path):
    layouts = user_style(tmp_path, '.cover { background-image: url("innocent.svg"); }')
    os.symlink(SECRET, layouts / "innocent.svg")
    root = copy_content(tmp_path)
    small_plan(root)
    with pytest.raises(LayoutError) as caught:
        build(BuildOptions(content=root, layouts=layouts, output=tmp_path / "f.pdf"))
    assert "innocent.svg" in caught.value.report()
    assert "link to a file outside" in caught.value.report()


def test_fetcher_serves_project_files_and_nothing_else(tmp_path):
    fetcher = project_fetcher((LAYOUTS,))
    inside = fetcher.fetch((LAYOUTS / "style.css").as_uri())
    assert inside.read().startswith(b"/*")
    for url in (f"file://{SECRET}", "file:///" + str(LAYOUTS / ".." / "pyproject.toml"),
                "http://127.0.0.1/x"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert len(fetcher.refused) == 3


@pytest.mark.parametrize("logo, message", [
    (SECRET, "inside the content folder"),
    ("logos/../eksempel-dagtilbud-nord.yaml", "must be an SVG or PNG"),
    ("../../../../../../etc/passwd.svg", "inside the content folder"),
    ("logos/link-out.svg", "inside the content folder"),
])
def test_a_department_logo_cannot_point_outside_the_content(tmp_path, logo, message):
    root = copy_content(tmp_path)
    os.symlink(SECRET, root / "departments" / "logos" / "link-out.svg")
    path = root / "departments" / "eksempel-dagtilbud-nord.yaml"
    edit(path, "logo: logos/eksempel-dagtilbud-nord.svg", f"logo: {logo}")
    with pytest.raises(ContentError) as caught:
        load_department(path, load_content(root))
    assert f"eksempel-dagtilbud-nord.yaml:{line_of(path, 'logo:')}: logo:" in \
        caught.value.report()
    assert message in caught.value.report()


def test_a_print_profile_outside_the_content_is_refused(tmp_path):
    root = copy_content(tmp_path)
    (root / "print.yaml").write_text(f"profile: {SECRET}\n", encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        load_content(root)
    assert "print.yaml:1: profile:" in caught.value.report()


@pytest.mark.parametrize("char", ["\u202e", "\u2066", "\x00", "\x1b", "\x7f"])
def test_invisible_controls_are_refused_with_file_and_line(tmp_path, char):
    root = copy_content(tmp_path)
    path = root / "statements" / "chef.yaml"
    text = path.read_text(encoding="utf-8").replace(
        "Jeg bidrager til sammenhængskraften", f"Jeg bidrager{char} til sammenhængskraften")
    path.write_bytes(text.encode("utf-8"))
    with pytest.raises(ContentError) as caught:
        load_content(root)
    report = caught.value.report()
    assert "chef.yaml:" in report
    assert f"U+{ord(char):04X}" in report or "special characters" in report


def test_a_character_the_fonts_lack_is_refused_before_layout(tmp_path):
    root = copy_content(tmp_path)
    path = root / "statements" / "chef.yaml"
    edit(path, "Jeg bidrager til sammenhængskraften", "Jeg bidrager 😀 til sammenhængskraften")
    with pytest.raises(ContentError) as caught:
        build(BuildOptions(content=root, output=tmp_path / "f.pdf"))
    line = line_of(path, "😀")
    assert f"chef.yaml:{line}: chef-compliance-2: the character '😀' (U+1F600 GRINNING FACE)" \
        in caught.value.report()
