"""engine.py: WeasyPrint's workarounds, installed once, gated on versions, switchable."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from conftest import CONTENT

SCRIPT = """
import json, sys
from folder_builder import Session, engine
result = Session(sys.argv[1], jobs=1).build("leaflet", "print", role="chef")
print(json.dumps({"installed": engine.INSTALLED, "pages": result.pages,
                  "passed": result.report.passed}))
"""


def _run(**env: str) -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(CONTENT)], check=True,
                          capture_output=True, text=True, env={**os.environ, **env})
    return json.loads(done.stdout.splitlines()[-1])


def test_the_workarounds_are_installed_on_the_versions_they_know():
    from importlib.metadata import version

    from folder_builder import engine

    assert version("weasyprint").startswith(engine.WEASYPRINT)
    got = _run()
    assert got["installed"] == ["library lookups remembered", "C types without pycparser",
                                "no margin boxes on stand-in pages"]
    assert got["pages"] == 8 and got["passed"]


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
