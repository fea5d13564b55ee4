"""cache.py: compiled templates and font character sets, reused only while current."""

from __future__ import annotations

import os
import shutil

import pytest

from conftest import FONTS, copy_content, edit
from folder_builder import cache, engine
from folder_builder.content import load_content
from folder_builder.errors import ContentError
from folder_builder.glyphs import check_glyphs, font_coverage
from folder_builder.render import render_html
from folder_builder.templates import environment, layout_dirs

REGULAR = FONTS / "source-sans-3" / "SourceSans3-Regular.ttf"
SERIF = FONTS / "source-serif-4" / "SourceSerif4-It.ttf"


@pytest.fixture
def own_cache(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("XDG_CACHE_HOME", str(folder))
    monkeypatch.delenv("FOLDER_BUILDER_CACHE", raising=False)
    return folder / "folder-builder"


def test_a_font_is_read_once_and_its_entry_follows_the_file(own_cache, tmp_path):
    font = tmp_path / "font.ttf"
    shutil.copyfile(REGULAR, font)
    points = font_coverage(font)
    assert ord("ø") in points and len(points) > 500
    assert cache.load_font_coverage(font) == points
    assert len(list((own_cache / "fonts").iterdir())) == 1
    # Another font under the same name: the old entry no longer matches the file.
    shutil.copyfile(SERIF, font)
    assert cache.load_font_coverage(font) is None
    assert font_coverage(font) != points
    assert cache.load_font_coverage(font) == font_coverage(font)


def test_a_damaged_entry_is_worked_out_again(own_cache, tmp_path):
    font = tmp_path / "font.ttf"
    shutil.copyfile(REGULAR, font)
    points = font_coverage(font)
    [entry] = (own_cache / "fonts").iterdir()
    entry.write_text("{not json")
    assert cache.load_font_coverage(font) is None
    assert font_coverage(font) == points


def test_templates_are_compiled_once_and_recompiled_when_edited(own_cache, tmp_path):
    content = load_content(copy_content(tmp_path))
    bundled, _ = render_html(content, "folder", environment(layout_dirs(None)))
    assert any((own_cache / "templates").iterdir())
    # a user's copy of a partial with the same name, then edited: never the stale one
    layouts = tmp_path / "layouts" / "sections"
    layouts.mkdir(parents=True)
    partial = layouts / "notes.html.j2"
    shutil.copyfile(layout_dirs(None)[0] / "sections" / "notes.html.j2", partial)
    first, _ = render_html(content, "folder", environment(layout_dirs(layouts.parent)))
    assert first == bundled
    partial.write_text(partial.read_text() + "<p>EDITED</p>\n")
    second, _ = render_html(content, "folder", environment(layout_dirs(layouts.parent)))
    assert "EDITED" in second


def test_the_cache_can_be_turned_off(own_cache, monkeypatch):
    monkeypatch.setenv("FOLDER_BUILDER_CACHE", "off")
    assert cache.cache_dir() is None and cache.template_cache() is None
    assert font_coverage(REGULAR)  # read from the file
    assert not own_cache.exists()


def test_a_cache_that_cannot_be_written_is_done_without(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    assert cache.cache_dir() is None
    content = load_content(copy_content(tmp_path))
    html, _ = render_html(content, "folder", environment(layout_dirs(None)))
    assert "<section" in html


def test_a_missing_character_is_found_with_a_warm_cache(own_cache, tmp_path):
    root = copy_content(tmp_path)
    check_glyphs(load_content(root), (FONTS,))  # fills the cache
    edit(root / "statements" / "chef.yaml", "Jeg er ansvarlig for den overordnede",
         "Jeg er ansvarlig for den \u2603 overordnede")
    with pytest.raises(ContentError) as caught:
        check_glyphs(load_content(root), (FONTS,))
    assert "U+2603 SNOWMAN" in caught.value.report()


@pytest.fixture
def lookups(own_cache, tmp_path, monkeypatch):
    """A linker index of our own, and a find_library that records what it is asked."""
    import ctypes.util

    index = tmp_path / "ld.so.cache"
    index.write_bytes(b"index one")
    monkeypatch.setattr(engine, "_LIBRARY_INDEX", index)
    asked: list[str] = []
    real = ctypes.util.find_library

    def find_library(name):
        asked.append(name)
        return real(name)

    monkeypatch.setattr(ctypes.util, "find_library", find_library)
    return index, asked


def _look_up(*names):
    import ctypes.util

    with engine.remembered_library_lookups():
        return [ctypes.util.find_library(name) for name in names]


def test_library_lookups_are_remembered_while_the_linker_index_is_unchanged(lookups, own_cache):
    import ctypes.util

    index, asked = lookups
    before = ctypes.util.find_library
    first = _look_up("c", "no-such-library-anywhere")
    assert first[0] and first[1] is None
    assert asked == ["c", "no-such-library-anywhere"]
    assert ctypes.util.find_library is before  # put back after the import
    assert _look_up("c", "no-such-library-anywhere") == first
    assert asked == ["c", "no-such-library-anywhere"]  # both answered from the cache
    index.write_bytes(b"index two, after a library was installed")
    assert _look_up("c", "no-such-library-anywhere") == first
    assert asked == ["c", "no-such-library-anywhere"] * 2


def test_a_remembered_library_that_no_longer_loads_is_looked_up_again(lookups, own_cache):
    import json

    _, asked = lookups
    [real] = _look_up("c")
    store = own_cache / "libraries.json"
    entry = json.loads(store.read_text())
    entry["found"]["c"] = "libgone-since-yesterday.so.9"
    store.write_text(json.dumps(entry))
    assert _look_up("c") == [real]
    assert asked == ["c", "c"]
    assert json.loads(store.read_text())["found"]["c"] == real


def test_a_remembered_not_found_is_looked_up_again_once_the_library_is_there(
        lookups, own_cache, tmp_path, monkeypatch):
    """"Not found" is checked like "found": a library of that name that has appeared
    in a library folder since is looked for again."""
    import json

    _, asked = lookups
    folder = tmp_path / "libs"
    folder.mkdir()
    monkeypatch.setenv("LD_LIBRARY_PATH", str(folder))
    assert _look_up("folder-builder-test") == [None]
    assert _look_up("folder-builder-test") == [None]
    assert asked == ["folder-builder-test"]  # the second answer came from the cache
    (folder / "libfolder-builder-test.so.1").write_bytes(b"")
    _look_up("folder-builder-test")
    assert asked == ["folder-builder-test"] * 2  # looked up again
    store = json.loads((own_cache / "libraries.json").read_text())
    assert "folder-builder-test" in store["found"]


def test_library_lookups_are_left_alone_without_a_cache(lookups, own_cache, monkeypatch):
    monkeypatch.setenv("FOLDER_BUILDER_CACHE", "off")
    _, asked = lookups
    _look_up("c")
    _look_up("c")
    assert asked == ["c", "c"]
    assert not own_cache.exists()


def test_weasyprint_loads_its_libraries_through_the_cache(own_cache):
    """Every library WeasyPrint needs is found by the lookups the cache keeps."""
    import json
    import subprocess
    import sys

    if not engine._LIBRARY_INDEX.is_file():
        pytest.skip("no linker index on this system")
    # A fresh process: this one imported WeasyPrint long ago.
    subprocess.run([sys.executable, "-c", "from folder_builder.layout import weasyprint; "
                    "weasyprint()"], check=True, env={**os.environ})
    found = json.loads((own_cache / "libraries.json").read_text())["found"]
    assert {"libpango-1.0.so.0", "libharfbuzz.so.0", "libfontconfig.so.1"} <= set(
        found.values())


def test_colour_conversions_are_kept_by_the_profile_bytes_and_damage_is_ignored(
        own_cache, tmp_path, monkeypatch):
    """The sRGB of a CMYK colour is kept (building the transform takes 45 ms of every
    start); an entry is the profile's, by its bytes, and a damaged one is worked out
    again, to the same value."""
    from folder_builder import colour
    from folder_builder.model import Colour
    from folder_builder.paths import DEFAULT_PROFILE

    def fresh() -> None:
        colour._conversions.cache_clear()
        colour._cache_key.cache_clear()

    profile = tmp_path / "press.icc"
    profile.write_bytes(DEFAULT_PROFILE.read_bytes())
    blue = Colour(100, 62, 0, 18)
    fresh()
    made = colour.to_srgb(blue, profile)
    [entry] = (own_cache / "srgb").iterdir()
    fresh()
    # From the cache now: building a transform would fail.
    with monkeypatch.context() as patched:
        patched.setattr(colour, "_transform", lambda _: pytest.fail("not from the cache"))
        assert colour.to_srgb(blue, profile) == made
    entry.write_text("{not json")
    fresh()
    assert colour.to_srgb(blue, profile) == made
    # Another profile under the same name is another entry, not this one's values.
    profile.write_bytes(profile.read_bytes()[:-4] + b"\0\0\0\1")
    fresh()
    assert colour._conversions(str(profile)) == {}
