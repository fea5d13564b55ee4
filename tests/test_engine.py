"""engine.py: WeasyPrint's workarounds, installed once, gated on versions, switchable."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from conftest import CONTENT

SCRIPT = """
import json, sys
from folder_builder import Session, engine
result = Session(sys.argv[1], jobs=1).build("leaflet", "print", role="chef")
print(json.dumps({"installed": engine.INSTALLED, "pages": result.pages,
                  "passed": result.report.passed}))
"""


def _script(source: str, *args: str, **env: str) -> dict:
    """Run ``source`` in a fresh Python (the engine installs its workarounds once per
    process) with ``env`` added, and read the JSON it prints last."""
    done = subprocess.run([sys.executable, "-c", source, *args], check=True,
                          capture_output=True, text=True, env={**os.environ, **env})
    return json.loads(done.stdout.splitlines()[-1])


def _run(**env: str) -> dict:
    return _script(SCRIPT, str(CONTENT), **env)


def test_the_workarounds_are_installed_on_the_versions_they_know():
    from importlib.metadata import version

    from folder_builder import engine

    assert version("weasyprint").startswith(engine.WEASYPRINT)
    got = _run()
    assert got["installed"] == ["library lookups remembered", "C types without pycparser",
                                "no margin boxes on stand-in pages",
                                "a hanging space does not hyphenate a line's first word",
                                "the HTML parser keeps its patterns",
                                "no note styles where there are no notes",
                                "one font description for each font",
                                "plain values without the cascade's detours"]
    assert got["pages"] == 8 and got["passed"]


def test_the_versions_read_without_importing_are_the_installed_ones():
    """The gate reads __version__ from the packages' sources (no importlib.metadata
    at start-up); it must agree with what is installed, or the fixes would be off."""
    from importlib.metadata import version

    from folder_builder import engine

    for package in ("weasyprint", "cffi", "tinyhtml5"):
        assert engine._version(package) == version(package)
    assert engine._version("no_such_package_here") == ""


def test_switched_off_the_build_is_the_same_without_them():
    got = _run(FOLDER_BUILDER_ENGINE_FIXES="off")
    assert got["installed"] == []
    assert got["pages"] == 8 and got["passed"]


def test_another_weasyprint_version_gets_no_workarounds(monkeypatch):
    """Gated: on a version they were not written against, none is installed."""
    from folder_builder import engine

    monkeypatch.setattr(engine, "WEASYPRINT", ("99.",))
    monkeypatch.setattr(engine, "_STARTED", False)
    monkeypatch.setattr(engine, "INSTALLED", [])
    engine.weasyprint()
    assert engine.INSTALLED == []


def test_stand_in_pages_first_and_continued_get_no_margin_boxes():
    """A stand-in's pages are never shown: none gets running heads, not even its first
    page, which keeps its section's page type; a real page keeps its margin boxes."""
    from folder_builder import engine

    wp = engine.weasyprint()
    assert "no margin boxes on stand-in pages" in engine.INSTALLED
    from weasyprint.formatting_structure.boxes import MarginBox

    css = ("@page { size: A5; @bottom-right { content: counter(page); } }"
           f".{engine.STAND_IN_PAGE} {{ page: {engine.STAND_IN_PAGE}; }}"
           f"@page {engine.STAND_IN_PAGE} {{ @bottom-right {{ content: none; }} }}"
           "div { break-before: page; }")
    html = (f"<style>{css}</style><div><p>Real text</p></div>"
            f'<div class="{engine.STAND_IN_FIRST}"></div>'
            f'<div class="{engine.STAND_IN_PAGE}"></div>'
            "<div><p>Real again</p></div>")
    document = wp.HTML(string=html).render()
    margins = [sum(isinstance(c, MarginBox) for c in page._page_box.children)
               for page in document.pages]
    assert margins == [1, 0, 0, 1]


HANGING = """
import json, sys
from folder_builder import engine
wp = engine.weasyprint()
words = "ressourcer til at skabe"
STYLE = "<style>p { font: 12pt sans-serif; hyphens: auto; margin: 0 }</style>"

def text_boxes(html):  # each line of the first page: its text, and its text's width
    page = wp.HTML(string='<html lang="da">' + STYLE + html).render().pages[0]._page_box
    found, stack = [], [page]
    while stack:
        box = stack.pop()
        if type(box).__name__ == "LineBox":
            texts = [t for t in box.descendants() if type(t).__name__ == "TextBox"]
            found.append(("".join(t.text for t in texts), sum(t.width for t in texts)))
        else:
            stack.extend(reversed(getattr(box, "children", [])))
    return found

# The words' own width, and a space's: a column a third of a space wider than the
# words takes them on one line, but not the space after them (the line break
# before </p>), which hangs.
(_, width), = text_boxes(f"<p>{words}</p>")
(_, spaced), = text_boxes("<p>a a</p>")
(_, packed), = text_boxes("<p>aa</p>")
html = f'<p style="width: {width + (spaced - packed) / 3}px">{words}\\n</p>'
print(json.dumps({"lines": [text for text, _ in text_boxes(html)],
                  "installed": engine.INSTALLED}))
"""


def _hanging(**env: str) -> dict:
    return _script(HANGING, **env)


def test_a_line_that_overflows_only_by_its_end_space_keeps_its_first_word_whole():
    """The space at the end of a line hangs and is dropped: a line that fits without
    it is not broken. WeasyPrint 70 broke it inside its first word ("ressour-" alone
    on a line: every leaflet's Fælles page); with the workaround the words stay on
    one line, and switched off the misprint shows (so this test can fail)."""
    fixed = _hanging()
    assert "a hanging space does not hyphenate a line's first word" in fixed["installed"]
    assert fixed["lines"] == ["ressourcer til at skabe"]
    plain = _hanging(FOLDER_BUILDER_ENGINE_FIXES="off")
    assert plain["installed"] == []
    assert len(plain["lines"]) > 1 and plain["lines"][0].startswith("res")


PARSING = """
import json, re, sys, xml.etree.ElementTree as ET
from folder_builder import engine
engine.weasyprint()
import tinyhtml5
from tinyhtml5 import inputstream
html = open(sys.argv[1], encoding="utf-8").read()
first = ET.tostring(tinyhtml5.parse(html))
# Parsed again, every pattern must come from the cache: compiling one now fails.
class NoCompiling:
    def __getattr__(self, name):
        return getattr(re, name)
    def compile(self, *args):
        raise AssertionError("a pattern was built again")
inputstream.re = NoCompiling()
try:
    again = ET.tostring(tinyhtml5.parse(html))
    cached = True
except AssertionError:
    again, cached = first, False
print(json.dumps({"installed": engine.INSTALLED, "cached": cached,
                  "same": first == again, "tree": first.decode()}))
"""


def _parsing(path: str, **env: str) -> dict:
    return _script(PARSING, path, **env)


def test_the_html_parser_finds_the_patterns_it_keeps(tmp_path):
    """tinyhtml5 stores each scan's pattern under a key it never looks up, so it
    builds the pattern again on every scan (a third of parsing). With the workaround
    a second parse builds none, and the tree is the very tree tinyhtml5 gives
    without it; switched off, the patterns are built again (so this test can fail)."""
    page = tmp_path / "page.html"
    page.write_text('<!DOCTYPE html><html lang="da"><head><title>T</title></head>'
                    '<body class="a b"><p id="x">Tekst &amp; <b>fed</b>\u00a0tekst</p>'
                    '<ul><li data-x=\'1\'>en<li>to</ul><!-- note --><svg viewBox="0 0 1 1">'
                    '<path d="M0 0"/></svg></body></html>', encoding="utf-8")
    fixed = _parsing(str(page))
    assert "the HTML parser keeps its patterns" in fixed["installed"]
    assert fixed["cached"] and fixed["same"]
    plain = _parsing(str(page), FOLDER_BUILDER_ENGINE_FIXES="off")
    assert plain["installed"] == [] and not plain["cached"]
    assert plain["tree"] == fixed["tree"]


DESCRIPTIONS = """
import json, sys
from weasyprint.text import fonts, line_break
made = []
real = fonts.get_font_description
def counting(style):
    made.append(1)
    return real(style)
fonts.get_font_description = line_break.get_font_description = counting
from folder_builder import Session, engine
session = Session(sys.argv[1], jobs=1)
first = session.build("leaflet", "print", role="chef", deliver=True).pdf
before = len(made)
again = session.build("leaflet", "print", role="chef", deliver=True).pdf
again_made = len(made) - before
line_break.get_font_description = counting  # this workaround alone taken out
plain = session.build("leaflet", "print", role="chef", deliver=True).pdf
print(json.dumps({"installed": engine.INSTALLED, "first": before, "again": again_made,
                  "plain": len(made) - before - again_made,
                  "same": first == again == plain}))
"""


def test_a_font_description_is_made_once_for_each_font():
    """WeasyPrint made a Pango font description for every piece of text it laid out
    or drew (a leaflet's own pages, its shared ones kept: about 140). Kept, a leaflet
    built again makes none, and the PDF has the bytes it has with a description made
    every time; switched off, they are made again (so this test can fail)."""
    kept = _script(DESCRIPTIONS, str(CONTENT))
    assert "one font description for each font" in kept["installed"]
    assert 0 < kept["first"] < 100 and kept["again"] == 0
    assert kept["plain"] > 100 and kept["same"]
    made = _script(DESCRIPTIONS, str(CONTENT), FOLDER_BUILDER_ENGINE_FIXES="off")
    assert made["installed"] == [] and made["again"] > 100


PLAIN_VALUES = """
import json, sys
import weasyprint.css as css
whole = css.ComputedStyle.__missing__
asked = []
def counting(self, key):
    asked.append(key)
    return whole(self, key)
css.ComputedStyle.__missing__ = counting
from folder_builder import Session, engine
pdfs, calls = [], []
for _ in range(2):
    session = Session(sys.argv[1], jobs=1)
    asked.clear()
    pdfs.append(session.build("leaflet", "print", role="chef", deliver=True).pdf)
    calls.append(len(asked))
    css.ComputedStyle.__missing__ = counting  # this workaround alone taken out
print(json.dumps({"installed": engine.INSTALLED, "calls": calls, "same": pdfs[0] == pdfs[1]}))
"""


def test_plain_values_are_taken_directly_with_the_same_pages():
    """A property no rule sets takes the parent's value or its initial value; WeasyPrint
    took each through its whole cascade code. Taken directly, a leaflet asks that code
    for a small share of the properties it did, and has the same bytes; switched off,
    every property goes through it (so this test can fail)."""
    fixed = _script(PLAIN_VALUES, str(CONTENT))
    assert "plain values without the cascade's detours" in fixed["installed"]
    direct, whole = fixed["calls"]
    assert whole > 10_000 and direct < whole / 4, fixed["calls"]
    assert fixed["same"]
    plain = _script(PLAIN_VALUES, str(CONTENT), FOLDER_BUILDER_ENGINE_FIXES="off")
    assert plain["installed"] == [] and plain["calls"][0] > 10_000


NOTES_CSS = "@page { size: A6; margin: 15mm } body { font-family: sans-serif }"


def _ua_sheets(html: str, css: str = NOTES_CSS) -> list:
    from folder_builder import engine

    wp = engine.weasyprint()
    source = engine.document(html, [wp.CSS(string=css)])
    return source._ua_stylesheets()


def _styles_notes(sheets: list) -> bool:
    from folder_builder import engine

    return any(entry[3] in engine._NOTE_PSEUDO_ELEMENTS for sheet in sheets
               for entry in engine._selector_entries(sheet.matcher))


@pytest.mark.parametrize(("html", "css", "notes"), [
    ("<p>Plain text</p>", NOTES_CSS, False),
    ('<p style="--accent: red; color: var(--accent)">Custom colours</p>', NOTES_CSS, False),
    ("<p>A<span class=n>note</span></p>", NOTES_CSS + ".n { float: footnote }", True),
    ("<p>A<span class=n>note</span></p>", NOTES_CSS + ".n { float: var(--f) }", True),
    ("<p>A<span class=n>note</span></p>", NOTES_CSS + ".n { position: note(side) }", True),
    ("<p>A<span class=n>note</span></p>", NOTES_CSS + ".n { float: left }", False),
    ('<p>A<span style="float: footnote">note</span></p>', NOTES_CSS, True),
    ('<p>A<span STYLE="FLOAT:left">note</span></p>', NOTES_CSS, True),
    ('<p>A<span style="fl\\6f at: footnote">note</span></p>', NOTES_CSS, True),
    ("<style>.n { float: footnote }</style><p>A<span class=n>n</span></p>", NOTES_CSS, True),
])
def test_note_styles_are_left_out_only_where_no_note_can_be(html, css, notes):
    """The user-agent rules of footnotes' and notes' pseudo-elements go only where no
    element can be floated as a footnote or positioned as a note: read from the
    stylesheets as WeasyPrint validated them (var() could be anything), and from the
    document's own style attributes and stylesheets, where any doubt keeps them."""
    assert _styles_notes(_ua_sheets(f"<!DOCTYPE html><html><body>{html}</body></html>",
                                    css)) == notes


def test_footnotes_are_set_as_weasyprint_sets_them():
    """A document with a footnote keeps WeasyPrint's own styles for it: the call and
    the marker are numbered (left out, WeasyPrint cannot set the footnote: so this
    test can fail). A
    document that can have none gets the stylesheet without them, and the same text."""
    import pypdfium2

    from folder_builder import engine

    wp = engine.weasyprint()

    def texts(source, css) -> str:
        pdf = pypdfium2.PdfDocument(source.render(stylesheets=css).write_pdf())
        return " ".join(page.get_textpage().get_text_range() for page in pdf)

    noted = [wp.CSS(string=NOTES_CSS + ".n { float: footnote }")]
    html = ("<!DOCTYPE html><html lang=en><body><p>Text with a note<span class=n>"
            "The note.</span> after.</p></body></html>")
    ours = texts(engine.document(html, noted), noted)
    assert ours == texts(wp.HTML(string=html), noted)
    assert "note1" in ours.replace(" ", "") and "1. The note." in ours
    forced = wp.HTML(string=html)
    whole = forced._ua_stylesheets
    forced._ua_stylesheets = lambda forms=False: [
        engine._WITHOUT_NOTES.get(id(sheet), (None, sheet))[1] for sheet in whole(forms)]
    try:  # WeasyPrint 70 fails on a footnote whose marker has no style at all
        unstyled = texts(forced, noted)
    except TypeError:
        unstyled = ""
    assert "1. The note." not in unstyled

    plain = [wp.CSS(string=NOTES_CSS)]
    html = "<!DOCTYPE html><html lang=en><body><p>Text with no note.</p></body></html>"
    source = engine.document(html, plain)
    assert not _styles_notes(source._ua_stylesheets())
    assert texts(source, plain) == texts(wp.HTML(string=html), plain)
