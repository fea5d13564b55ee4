"""How full a department's leaflet is, read from its laid-out proof.

The studio shows limits before they are hit: how much of the reflection page the
questions take and how many lines for notes are left under them, and how many
pages the leaflet has of the most its plan allows. Counting characters would
guess; the proof knows. The reflection layout hangs lines for notes from where
the questions end, and the build keeps exactly those that fit on the page
(fill.py), so the page of the proof PDF itself says how much room is left:

- the lines for notes are the wide, line-high path objects on the reflection
  page (each note line is a box with a rule under it);
- the room for questions and notes runs from the foot of the section's heading
  (the page's first line of text) to the foot of the lowest note line;
- the questions take from the heading's foot to the foot of the last question.

Read with PDFium from the PDF the proof shows, after every build: nothing of the
layout is assumed but that the note lines are as wide as the text column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: A note line is at least this share of the page's trimmed width wide...
_LINE_WIDTH = 0.5
#: ...and between these heights (pt): one line of handwriting.
_LINE_HEIGHT = (12.0, 40.0)


@dataclass(frozen=True)
class Fullness:
    """How full the leaflet is (None where the leaflet has no such thing)."""

    pages: int
    #: the most pages the plan lets the leaflet grow to ("max_pages:")
    ceiling: int | None = None
    #: the reflection page (1-based)
    page: int | None = None
    #: the share of the reflection page's writing room the questions take, 0–100
    percent: int | None = None
    #: lines for notes left under the questions on that page
    lines: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"pages": self.pages, "ceiling": self.ceiling, "page": self.page,
                "percent": self.percent, "lines": self.lines}


def reflection_section(content: Any, product: str = "leaflet") -> str | None:
    """The id of the product's section laid out as the reflection page, if any."""
    return next((spec.id for spec in content.plans.get(product, ())
                 if spec.layout == "reflection"), None)


def measure(pdf: bytes, pages: int, landings: dict[str, tuple[int, int]], content: Any
            ) -> Fullness:
    """How full the leaflet in ``pdf`` is (see the module)."""
    limit = content.max_pages.get("leaflet")
    ceiling = int(limit[0]) if limit else None
    section = reflection_section(content)
    if section is None or section not in landings:
        return Fullness(pages, ceiling)
    page = landings[section][0]
    percent, lines = _reflection_room(pdf, page - 1)
    return Fullness(pages, ceiling, page, percent, lines)


def _reflection_room(pdf: bytes, index: int) -> tuple[int | None, int | None]:
    import pypdfium2 as pdfium
    import pypdfium2.raw as raw

    from .pages import PDFIUM_LOCK

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            page = document[index]
            left, _, right, _ = page.get_trimbox()
            width = right - left
            lines = []
            for obj in page.get_objects(max_depth=4):
                if obj.type != raw.FPDF_PAGEOBJ_PATH:
                    continue
                x0, y0, x1, y1 = obj.get_bounds()
                if x1 - x0 >= _LINE_WIDTH * width and \
                        _LINE_HEIGHT[0] <= y1 - y0 <= _LINE_HEIGHT[1]:
                    lines.append((y0, y1))
            textpage = page.get_textpage()
            rects = [textpage.get_rect(i) for i in range(textpage.count_rects())]
            textpage.close()
        finally:
            document.close()
    if not rects:
        return None, len(lines)
    heading_foot = max(rect[3] for rect in rects) - _first_line_height(rects)
    if not lines:
        return 100, 0
    lines_top = max(y1 for _, y1 in lines)
    room_foot = min(y0 for y0, _ in lines)
    # the questions: text between the heading and the first note line
    questions = [r for r in rects if r[1] >= lines_top - 1 and r[3] < heading_foot - 0.5]
    used = heading_foot - min((r[1] for r in questions), default=heading_foot)
    room = heading_foot - room_foot
    percent = round(100 * used / room) if room > 0 else 100
    return max(0, min(100, percent)), len(lines)


def _first_line_height(rects: list[tuple[float, float, float, float]]) -> float:
    """The height of the page's first line of text (the heading), from its top."""
    top = max(rect[3] for rect in rects)
    first = [rect for rect in rects if rect[3] >= top - 2]
    return top - min(rect[1] for rect in first)
