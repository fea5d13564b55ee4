"""Page images of a proof: PNGs rendered by PDFium from the very bytes delivered.

The browser is shown pictures of the PDF, not an HTML imitation of it, so what
is proofed is what is printed. Each page is rendered at the width the browser
asks for (its layout width times its device pixel ratio, so it is sharp on a
high-resolution screen), either trimmed to the TrimBox or whole, with bleed and
crop marks. Images are kept in a small cache, so that a page is rendered once
per width however many browsers show it.

PDFium is not thread-safe: every call into it holds ``PDFIUM_LOCK``.
"""

from __future__ import annotations

import io
import struct
import threading
import zlib
from collections import OrderedDict
from dataclasses import dataclass

import pypdfium2 as pdfium

PDFIUM_LOCK = threading.Lock()
#: The widths (device pixels) a browser may ask for; others are rounded up to one,
#: so that the cache stays small and the image URLs few.
WIDTHS = (240, 320, 480, 640, 800, 960, 1280, 1600, 2000, 2400)
BOXES = ("trim", "bleed")
#: Images kept per PDF (a page at 1600 px is about 1 MB)
CACHE_ITEMS = 120
MM = 72 / 25.4


@dataclass(frozen=True)
class Geometry:
    """Where a page's TrimBox lies in its MediaBox, in points and as fractions of the
    MediaBox (for the trim and safe-area lines drawn over the image)."""

    media_w: float
    media_h: float
    #: the TrimBox: left, top, width, height as fractions of the MediaBox
    trim: tuple[float, float, float, float]
    #: the TrimBox's size in points
    trim_w: float
    trim_h: float

    def safe(self, inset_mm: float, box: str) -> tuple[float, float, float, float]:
        """The safe area ``inset_mm`` inside the trim, as fractions of the image shown
        (the trimmed page, or the whole MediaBox)."""
        inset = inset_mm * MM
        if box == "trim":
            return (inset / self.trim_w, inset / self.trim_h,
                    1 - 2 * inset / self.trim_w, 1 - 2 * inset / self.trim_h)
        left, top, width, height = self.trim
        return (left + inset / self.media_w, top + inset / self.media_h,
                width - 2 * inset / self.media_w, height - 2 * inset / self.media_h)


def snap_width(width: int) -> int:
    """The smallest cached width at least ``width`` (the largest if none is)."""
    return next((w for w in WIDTHS if w >= width), WIDTHS[-1])


class PageImages:
    """The pages of one PDF, as geometry and PNGs."""

    def __init__(self, pdf: bytes, *, before: PageImages | None = None,
                 changed: frozenset[int] = frozenset()) -> None:
        """The pages of ``pdf``; with ``before``, the proof shown before this one, the
        geometry of the pages not in ``changed`` (1-based) is taken from it when it
        had as many pages (loading each of 28 pages to read its boxes took 0.02 s)."""
        self._pdf = pdf
        self._cache: OrderedDict[tuple[int, int, str], bytes] = OrderedDict()
        self._texts: tuple[str, ...] | None = None
        with PDFIUM_LOCK:
            document = pdfium.PdfDocument(pdf)
            try:
                count = len(document)
                known = before.geometry if before is not None and before.pages == count \
                    else None
                self.geometry = tuple(
                    known[i] if known is not None and i + 1 not in changed
                    else _geometry(document[i]) for i in range(count))
            finally:
                document.close()

    def texts(self, changed: frozenset[int] = frozenset(),
              before: PageImages | None = None) -> tuple[str, ...]:
        """Every page's text as changes.page_texts gives it (to find wording on): read
        from this PDF for the pages in ``changed`` (1-based), kept from ``before`` (the
        proof shown before this one, when it had as many pages and read its texts) for
        the others. Read once; a save's proof reads the two or four pages it changed,
        not 28."""
        from ..changes import page_text

        if self._texts is None:
            known = before._texts if before is not None and before.pages == self.pages \
                else None
            with PDFIUM_LOCK:
                document = pdfium.PdfDocument(self._pdf)
                try:
                    self._texts = tuple(
                        known[i] if known is not None and i + 1 not in changed
                        else page_text(document[i]) for i in range(self.pages))
                finally:
                    document.close()
        return self._texts

    @property
    def pages(self) -> int:
        return len(self.geometry)

    def png(self, index: int, width: int, box: str = "trim") -> bytes:
        """Page ``index`` (0-based) as a PNG ``width`` device pixels wide."""
        width = snap_width(width)
        key = (index, width, box)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        with PDFIUM_LOCK:
            cached = self._cache.get(key)
            if cached is not None:
                return cached
            document = pdfium.PdfDocument(self._pdf)
            try:
                png = _render(document[index], self.geometry[index], width, box)
            finally:
                document.close()
            self._cache[key] = png
            while len(self._cache) > CACHE_ITEMS:
                self._cache.popitem(last=False)
        return png

    def aspect(self, index: int, box: str) -> float:
        """Height over width of the image of page ``index``."""
        g = self.geometry[index]
        return g.trim_h / g.trim_w if box == "trim" else g.media_h / g.media_w


def _geometry(page: pdfium.PdfPage) -> Geometry:
    ml, mb, mr, mt = page.get_mediabox()
    tl, tb, tr, tt = page.get_trimbox()
    mw, mh = mr - ml, mt - mb
    return Geometry(mw, mh, ((tl - ml) / mw, (mt - tt) / mh, (tr - tl) / mw, (tt - tb) / mh),
                    tr - tl, tt - tb)


def _render(page: pdfium.PdfPage, g: Geometry, width: int, box: str) -> bytes:
    if box == "trim":
        left, top, w, h = g.trim
        crop = (left * g.media_w, (1 - top - h) * g.media_h,
                (1 - left - w) * g.media_w, top * g.media_h)
        scale = (width + 0.99) / g.trim_w  # PDFium rounds the size down
    else:
        crop, scale = (0, 0, 0, 0), (width + 0.99) / g.media_w
    bitmap = page.render(scale=scale, crop=crop, may_draw_forms=False, rev_byteorder=True)
    # PDFium rounds some sizes up, some down: at most ``width`` pixels wide
    if bitmap.mode == "RGB":
        return png_rgb(bitmap.buffer, bitmap.stride, min(width, bitmap.width), bitmap.height)
    image = bitmap.to_pil()
    if image.width > width:
        image = image.crop((0, 0, width, image.height))
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def png_rgb(pixels: object, stride: int, width: int, height: int) -> bytes:
    """A PNG of 8-bit RGB rows (``stride`` bytes apart in ``pixels``, a buffer), each
    row unfiltered and the whole deflated at level 1. A proof image is made for a
    browser close by, so speed wins: Pillow's encoder filters every row first, 20–26 ms
    for a 640-pixel page against 7 ms here, for a file about a quarter larger."""
    view = memoryview(pixels).cast("B")
    row = width * 3
    # filter type 0 (None) before every row
    raw = b"".join(b"\0" + view[y * stride:y * stride + row] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(raw, 1)) + chunk(b"IEND", b""))
