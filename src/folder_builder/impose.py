"""The office-printer edition: a leaflet imposed for saddle stitching on A4.

A department without a print shop prints its leaflet on the office printer: A4
sheets, both sides, flipped on the short edge, folded in the middle and stapled
on the fold. For that the A5 pages must stand two to a side in *fold order*:
the outer sheet carries the last and the first page on its front, the second
and the second-to-last on its back, and so on inwards. Getting that order by
hand is the classic mistake; this module does it.

The pages are placed whole, unscaled, as form XObjects (pikepdf/qpdf page
placement: the page's content stream becomes one object drawn twice per sheet
at most, with its fonts and images shared, not copied). Each page is cut to its
trim box, so a print PDF with bleed and crop marks gives the same sheets as the
screen PDF: no bleed and no marks reach the office printer, and the two pages of
a side meet exactly on the fold. A page count that is not a multiple of four is
completed with blank pages at the end, as a printer would.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf

from .errors import InputError
from .names import did_you_mean

if TYPE_CHECKING:
    from .build import BuildOptions

MM = 72 / 25.4
#: Sheet sizes an imposition can be made for, in points, landscape (width, height).
SHEETS = {"a4": (297 * MM, 210 * MM)}


@dataclass(frozen=True)
class Side:
    """One side of one sheet: the 1-based page numbers standing left and right
    (None for a blank page that completes the last sheet)."""

    sheet: int  # 1-based, the outermost sheet first
    front: bool
    left: int | None
    right: int | None


def fold_order(pages: int) -> list[Side]:
    """The sides, in the order a duplex printer prints them, for a booklet of
    ``pages`` pages stitched in the middle (front and back of sheet 1, then of
    sheet 2 …). Pages past ``pages`` (up to the next multiple of four) are blank."""
    if pages < 1:
        raise InputError("there are no pages to impose")
    total = -(-pages // 4) * 4
    sides: list[Side] = []

    def real(page: int) -> int | None:
        return page if page <= pages else None

    for index in range(total // 4):
        outer_low, outer_high = 2 * index + 1, total - 2 * index
        sides.append(Side(index + 1, True, real(outer_high), real(outer_low)))
        sides.append(Side(index + 1, False, real(outer_low + 1), real(outer_high - 1)))
    return sides


def _trim(page: pikepdf.Page) -> tuple[float, float, float, float]:
    """The page's trim box (the finished page), falling back as PDF does."""
    for key in ("/TrimBox", "/CropBox", "/MediaBox"):
        box = page.obj.get(key)
        if box is not None:
            x0, y0, x1, y1 = (float(Decimal(str(v))) for v in box)
            return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)
    raise InputError("a page of the PDF has no size (no MediaBox)")


def impose(pdf: bytes, sheet: str = "a4") -> bytes:
    """The PDF ``pdf`` (A5 pages, in reading order) imposed two pages per side on
    ``sheet`` landscape, in fold order for saddle stitching; duplex, flip on the
    short edge (so no side is turned upside down)."""
    if sheet not in SHEETS:
        raise InputError(f"unknown sheet size '{sheet}'{did_you_mean(sheet, SHEETS)}; choose "
                         f"from {', '.join(SHEETS)}")
    width, height = SHEETS[sheet]
    try:
        source = pikepdf.open(io.BytesIO(pdf))
    except pikepdf.PdfError as exc:
        raise InputError(f"the PDF to impose cannot be read ({exc})") from exc
    with source, pikepdf.new() as out:
        forms: dict[int, pikepdf.Object] = {}
        for number, page in enumerate(source.pages, 1):
            x0, y0, x1, y1 = _trim(page)
            if x1 - x0 > width / 2 + 0.5 or y1 - y0 > height + 0.5:
                raise InputError(
                    f"page {number} ({(x1 - x0) / MM:.0f} × {(y1 - y0) / MM:.0f} mm) is too "
                    f"large to stand two to a side on {sheet.upper()}")
            form = page.as_form_xobject()
            form.BBox = pikepdf.Array([x0, y0, x1, y1])  # cut to the trim: no bleed, no marks
            forms[number] = out.copy_foreign(form)
        for side in fold_order(len(source.pages)):
            target = out.add_blank_page(page_size=(width, height))
            for number, right_half in ((side.left, False), (side.right, True)):
                if number is None:
                    continue
                x0, y0, x1, y1 = _trim(source.pages[number - 1])
                w, h = x1 - x0, y1 - y0
                left = width / 2 if right_half else width / 2 - w
                bottom = (height - h) / 2
                target.add_overlay(forms[number], pikepdf.Rectangle(
                    left, bottom, left + w, bottom + h))
        title = source.docinfo.get("/Title")
        if title is not None:
            out.docinfo["/Title"] = pikepdf.String(str(title))
        if "/Lang" in source.Root:
            out.Root.Lang = pikepdf.String(str(source.Root.Lang))
        buffer = io.BytesIO()
        out.save(buffer, deterministic_id=True)
    return buffer.getvalue()


#: Printed beside the download and by the CLI: the whole instruction, in one line.
#: (The studio shows it in the content's language from its message catalogue.)
INSTRUCTION = "print both sides, flip on short edge, fold, staple"


def build_imposed(options: BuildOptions, sheet: str = "a4") -> tuple[Path, int]:
    """Build the leaflet of ``options`` and write its office-printer edition.

    The pages come from the screen PDF: sRGB, which is what an office printer
    expects, already without bleed. It is made in memory by a Session, exactly as
    the CLI delivers it (``deliver=True``); only the imposed PDF is written,
    atomically, to ``options.output`` or ``build/leaflets/ROLE[--DEPT]-SHEET.pdf``.
    Returns the path written and the number of sheets.
    """
    from dataclasses import replace

    from .output import write_atomic
    from .session import Session

    if sheet not in SHEETS:
        raise InputError(f"unknown sheet size '{sheet}'{did_you_mean(sheet, SHEETS)}; choose "
                         f"from {', '.join(SHEETS)}")
    session = Session(options.content, options.layouts)
    role = session.role(options.role or "")
    department = session.department(options.department) if options.department else None
    target = options.output
    if target is None:
        screen = replace(options, variants=("screen",)).target("screen", role, department)
        target = screen.with_name(screen.name.removesuffix("-screen.pdf") + f"-{sheet}.pdf")
    result = session.build("leaflet", variant="screen", role=role.id,
                           department=department.id if department else None,
                           deliver=True)
    write_atomic(target, impose(result.pdf, sheet))
    return target, -(-result.pages // 4)
