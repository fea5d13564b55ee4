"""Checks on the laid-out document, before anything is written.

The fit guard compares where each section actually landed with the pages the
plan gives it: a lengthened statement that pushes a spread onto a third page
must stop the build, not shift every later page of a printed booklet.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import FitError, LayoutError, Problem
from .model import PAGES_PER_SHEET
from .plan import Section

if TYPE_CHECKING:
    from weasyprint.document import Document



@dataclass(frozen=True)
class Landing:
    """The printed pages (1-based, inclusive) a section occupies."""

    first: int
    last: int

    @property
    def count(self) -> int:
        return self.last - self.first + 1


def anchor_pages(document: Document) -> dict[str, int]:
    """The 1-based page of every anchor (element id) in the document."""
    pages: dict[str, int] = {}
    for number, page in enumerate(document.pages, 1):
        for name in page.anchors:
            pages.setdefault(name, number)
    return pages


def landings(found: dict[str, int], secs: Iterable[Section]) -> dict[str, Landing]:
    out: dict[str, Landing] = {}
    for sec in secs:
        if sec.anchor in found and sec.end_anchor in found:
            out[sec.id] = Landing(found[sec.anchor], found[sec.end_anchor])
    return out


def check_fit(
    anchors: dict[str, int], total: int, secs: tuple[Section, ...]
) -> dict[str, Landing]:
    """Fail if a section takes more pages than planned (unless it may grow), starts on
    the wrong side, or the page count is not a whole number of sheets (the build pads
    a plan's "pad" section before it checks). ``anchors`` are the pages of the laid-out
    document's anchors (see anchor_pages), ``total`` its page count. Return where
    sections landed."""
    landed = landings(anchors, secs)
    problems: list[Problem] = []
    for sec in secs:
        spec = sec.spec
        land = landed.get(sec.id)
        if land is None:
            raise LayoutError(f"section '{sec.id}' is missing from the layout; does its "
                              "template keep the section wrapper from product.html.j2?")
        name = f"'{sec.id}' ({sec.title})" if sec.title else f"'{sec.id}'"
        if land.count > sec.pages and not spec.grow:
            problems.append(Problem(
                f"section {name} takes {land.count} pages "
                f"({land.first}–{land.last}) but the plan gives it {sec.pages}; shorten its "
                "text or give it more pages in the plan",
                spec.source.path, spec.source.line, "pages"))
        parity = {"left": 0, "right": 1}.get(sec.start)
        if parity is not None and land.first % 2 != parity:
            problems.append(Problem(
                f"section '{sec.id}' should start on a {sec.start} page but starts on page "
                f"{land.first}", spec.source.path, spec.source.line, "start"))
    if total % PAGES_PER_SHEET:
        problems.append(Problem(
            f"the product has {total} pages; a saddle-stitched booklet needs a multiple of "
            f"{PAGES_PER_SHEET} — adjust the page plan"))
    if problems:
        raise FitError("the content does not fit the page plan; no PDF was written:", problems)
    return landed


def check_fonts(document: Document, served: dict[str, str]) -> None:
    """Every font in the PDF must be one the project loaded itself, never a system font.

    A glyph missing from the project's fonts makes Pango fall back to whatever
    the machine has, and the booklet would then differ from machine to machine.
    """
    from weasyprint.text.fonts import get_hb_object_data

    # file_content is the subset by now; the HarfBuzz face still holds the original.
    foreign = sorted({
        font.family for font in document.fonts.values()
        if hashlib.sha256(get_hb_object_data(font.hb_face)).hexdigest() not in served
    })
    if foreign:
        raise LayoutError(
            "the PDF would embed fonts that are not in the project's fonts folder:",
            [Problem(f"'{family}' came from this machine; a character is missing from the "
                     "project's fonts, or a font-family has no @font-face rule")
             for family in foreign])


def missing_pages(document: Document) -> int:
    """How many pages short of a whole number of sheets the document is."""
    return -len(document.pages) % PAGES_PER_SHEET
