"""Preflight: check a finished PDF against what the print shop or the web needs.

WeasyPrint writes what the CSS asks for, and a stray ``rgb()``, a forgotten
``bleed`` or a font that came from the machine is easy to miss on screen and
costly on press. These checks read the PDF itself, not our idea of it, so they
work on any PDF (``folder-builder check``) and on the bytes a build has just
made, before they are written.
"""

from __future__ import annotations

import contextvars
import io
import re
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pikepdf

from .errors import InputError
from .model import PAGES_PER_SHEET
from .names import did_you_mean
from .smalltext import MAX_INKS, SMALL_PT, SmallText, small_text_on
from .variants import VARIANTS as _REGISTRY
from .variants import Variant

T = TypeVar("T")

#: The two products: the print-shop PDF and the web PDF (variants.py).
VARIANTS = tuple(_REGISTRY)

#: Points per millimetre.
PT_PER_MM = 72 / 25.4
#: How far a box may be off, in mm: well under what a guillotine can cut.
TOLERANCE_MM = 0.1
#: How many places an RGB (or CMYK) use is reported at before "and N more".
MAX_PLACES = 8

_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")


@dataclass(frozen=True)
class CheckResult:
    """One check: its short name, whether it passed, and the figure behind it."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class Report:
    """Every check made on one PDF for one variant."""

    variant: str
    results: tuple[CheckResult, ...]

    @property
    def passed(self) -> bool:
        return all(result.passed for result in self.results)

    @property
    def failures(self) -> tuple[CheckResult, ...]:
        return tuple(result for result in self.results if not result.passed)

    def format(self) -> str:
        """One aligned line per check; plain text, so it reads the same in a log."""
        width = max((len(result.name) for result in self.results), default=0) + 2
        return "\n".join(
            f"{'PASS' if result.passed else 'FAIL'}  {result.name:<{width}}{result.detail}"
            for result in self.results
        )


def preflight(
    source: bytes | Path,
    variant: str | Variant,
    *,
    trim_mm: tuple[float, float] | None = None,
    bleed_mm: float = 3.0,
) -> Report:
    """Check the PDF in ``source`` (its bytes, or a file) for ``variant``.

    ``trim_mm`` is the trimmed page size the PDF must have (a build passes the size
    its layouts gave the pages); None: every page must have the first page's size.

    The variant (variants.py) says which checks its PDF must pass.

    Raises InputError when the variant is unknown or the source is not a PDF.
    """
    if isinstance(variant, str):
        if variant not in VARIANTS:
            raise InputError(
                f"unknown variant '{variant}' for preflight{did_you_mean(variant, VARIANTS)}; "
                f"choose {' or '.join(VARIANTS)}")
        variant = _REGISTRY[variant]
    name = "the PDF" if isinstance(source, bytes) else str(source)
    try:
        if isinstance(source, bytes):
            pdf = pikepdf.open(io.BytesIO(source))
        else:
            pdf = pikepdf.open(Path(source))
    except pikepdf.PasswordError as exc:
        raise InputError(f"{name}: the PDF is encrypted and cannot be checked") from exc
    except pikepdf.PdfError as exc:
        raise InputError(f"{name}: not a PDF, or too damaged to read "
                         f"({_reason(exc, name)})") from exc
    except OSError as exc:
        raise InputError(f"{name}: cannot read the file ({exc.strerror or exc})") from exc
    digests = _DIGESTS.set({})
    with pdf:
        try:
            results = variant.checks(pdf, trim_mm or _first_page_size(pdf), bleed_mm)
        except pikepdf.PdfError as exc:
            raise InputError(f"{name}: the PDF is damaged ({_reason(exc, name)})") from exc
        finally:
            _DIGESTS.reset(digests)
    return Report(variant.name, results)


def _first_page_size(pdf: pikepdf.Pdf) -> tuple[float, float]:
    """The trimmed size of the first page in mm (its TrimBox, else its MediaBox)."""
    if not len(pdf.pages):
        return (0.0, 0.0)
    page = pdf.pages[0]
    box = _box(page.obj.get("/TrimBox")) or _box(page.mediabox) or (0, 0, 0, 0)
    return ((box[2] - box[0]) / PT_PER_MM, (box[3] - box[1]) / PT_PER_MM)


def print_checks(pdf: pikepdf.Pdf, trim_mm: tuple[float, float],
                 bleed_mm: float) -> tuple[CheckResult, ...]:
    """What the print shop needs: sheets of four, trim and bleed boxes, the project's
    fonts, no RGB, a CMYK output intent, PDF/X-4, trapping stated, no text too small
    for its inks (the print variant's checks, variants.py)."""
    return (
        check_pages(pdf, saddle_stitch=True),
        check_trim_box(pdf, trim_mm),
        check_bleed_box(pdf, bleed_mm),
        check_fonts(pdf),
        check_colour(pdf, "RGB"),
        check_output_intent(pdf, 4),
        check_pdfx(pdf),
        check_trapped(pdf),
        check_small_text(pdf),
    )


def screen_checks(pdf: pikepdf.Pdf, trim_mm: tuple[float, float],
                  bleed_mm: float) -> tuple[CheckResult, ...]:
    """What a reader on screen needs: one page size, the project's fonts, no CMYK, an
    sRGB output intent, PDF/A and PDF/UA (tagged, with a language, a title and an
    outline); the screen variant's checks, variants.py. The bleed does not apply."""
    return (
        check_pages(pdf, saddle_stitch=False),
        check_page_size(pdf, trim_mm),
        check_fonts(pdf),
        check_colour(pdf, "CMYK"),
        check_output_intent(pdf, 3),
        check_pdfa(pdf),
        check_tagged(pdf),
        check_language(pdf),
        check_title(pdf),
        check_outline(pdf),
    )


def _reason(exc: Exception, name: str = "") -> str:
    """qpdf's message without the file name it starts with (we give our own)."""
    text = str(exc).removeprefix(f"{name}: ")
    return re.sub(r"^stream <[^>]*>: ", "", text)


# --- pages and boxes -----------------------------------------------------------

Box = tuple[float, float, float, float]


def check_pages(pdf: pikepdf.Pdf, *, saddle_stitch: bool) -> CheckResult:
    """A saddle-stitched booklet is folded sheets of four pages; anything else is a
    blank page the printer adds where nobody planned one."""
    count = len(pdf.pages)
    noun = "page" if count == 1 else "pages"
    if count == 0:
        return CheckResult("pages", False, "no pages")
    if not saddle_stitch:
        return CheckResult("pages", True, f"{count} {noun}")
    if count % PAGES_PER_SHEET:
        return CheckResult("pages", False, f"{count} {noun}, not a multiple of "
                           f"{PAGES_PER_SHEET} (saddle stitch)")
    return CheckResult("pages", True, f"{count} {noun}, a multiple of {PAGES_PER_SHEET}")


def check_trim_box(pdf: pikepdf.Pdf, trim_mm: tuple[float, float]) -> CheckResult:
    """The TrimBox is where the guillotine cuts: it must be the booklet's size."""
    missing: list[int] = []
    wrong: dict[str, list[int]] = {}
    for number, page in enumerate(pdf.pages, 1):
        trim = _box(page.obj.get("/TrimBox"))
        if trim is None:
            missing.append(number)
        elif not _same_size(trim, trim_mm):
            wrong.setdefault(_size_mm(trim), []).append(number)
    expected = _size_text(trim_mm)
    problems = [f"{_pages(missing)}: no TrimBox"] if missing else []
    problems += [f"{_pages(pages)}: {size}" for size, pages in wrong.items()]
    if problems:
        return CheckResult("trim box", False, f"{'; '.join(problems)}; expected {expected}")
    return CheckResult("trim box", True, f"{expected} on {_all_pages(len(pdf.pages))}")


def check_bleed_box(pdf: pikepdf.Pdf, bleed_mm: float) -> CheckResult:
    """Colour that runs off the page must go on past the cut, or a hair's slip of
    the guillotine leaves a white edge; the printer reads how far from the BleedBox."""
    found: dict[str, list[int]] = {}
    problems: dict[str, list[int]] = {}
    for number, page in enumerate(pdf.pages, 1):
        trim = _box(page.obj.get("/TrimBox"))
        bleed = _box(page.obj.get("/BleedBox"))
        if trim is None or bleed is None:
            which = "TrimBox" if trim is None else "BleedBox"
            problems.setdefault(f"no {which}", []).append(number)
            continue
        sides = (trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3])
        sides_mm = tuple(side / PT_PER_MM for side in sides)
        text = _sides_text(sides_mm)
        found.setdefault(text, []).append(number)
        if any(abs(side - bleed_mm) > TOLERANCE_MM for side in sides_mm):
            problems.setdefault(text, []).append(number)
        if not _within(bleed, _box(page.mediabox) or bleed):
            problems.setdefault("BleedBox reaches beyond the MediaBox", []).append(number)
    if problems:
        listed = "; ".join(f"{_pages(pages)}: {what}" for what, pages in problems.items())
        return CheckResult("bleed box", False, f"{listed}; expected {bleed_mm:.1f} mm "
                           "beyond the TrimBox on every side")
    if len(found) == 1:
        (text,) = found
        detail = f"{text} on every side of {_all_pages(len(pdf.pages))}, within the MediaBox"
    else:
        detail = "; ".join(f"{_pages(pages)}: {text}" for text, pages in found.items())
    return CheckResult("bleed box", True, detail)


def check_page_size(pdf: pikepdf.Pdf, trim_mm: tuple[float, float]) -> CheckResult:
    """A screen PDF is seen whole: the page is the trimmed size, with no bleed
    around it and no box that says otherwise."""
    problems: dict[str, list[int]] = {}
    for number, page in enumerate(pdf.pages, 1):
        media = _box(page.mediabox)
        if media is None:
            problems.setdefault("no MediaBox", []).append(number)
            continue
        if not _same_size(media, trim_mm):
            problems.setdefault(f"MediaBox {_size_mm(media)}", []).append(number)
        for key in ("/TrimBox", "/BleedBox"):
            box = _box(page.obj.get(key))
            if box is not None and not _same_box(box, media):
                problems.setdefault(f"{key[1:]} {_size_mm(box)} differs from the MediaBox",
                                    []).append(number)
    expected = _size_text(trim_mm)
    if problems:
        listed = "; ".join(f"{_pages(pages)}: {what}" for what, pages in problems.items())
        return CheckResult("page size", False, f"{listed}; expected {expected} with no bleed")
    return CheckResult("page size", True, f"{expected} on {_all_pages(len(pdf.pages))}, "
                       "no bleed")


def _box(value: object) -> Box | None:
    """A PDF rectangle as (left, bottom, right, top), whatever corners it was given by."""
    if not isinstance(value, pikepdf.Array) or len(value) != 4:
        return None
    try:
        x0, y0, x1, y1 = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    return (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


def _size_mm(box: Box) -> str:
    return _size_text(((box[2] - box[0]) / PT_PER_MM, (box[3] - box[1]) / PT_PER_MM))


def _size_text(size_mm: tuple[float, float]) -> str:
    return f"{size_mm[0]:.1f} × {size_mm[1]:.1f} mm"


def _same_size(box: Box, trim_mm: tuple[float, float]) -> bool:
    width, height = (box[2] - box[0]) / PT_PER_MM, (box[3] - box[1]) / PT_PER_MM
    return abs(width - trim_mm[0]) <= TOLERANCE_MM and abs(height - trim_mm[1]) <= TOLERANCE_MM


def _same_box(a: Box, b: Box) -> bool:
    return all(abs(p - q) / PT_PER_MM <= TOLERANCE_MM for p, q in zip(a, b, strict=True))


def _within(inner: Box, outer: Box) -> bool:
    slack = TOLERANCE_MM * PT_PER_MM
    return (inner[0] >= outer[0] - slack and inner[1] >= outer[1] - slack
            and inner[2] <= outer[2] + slack and inner[3] <= outer[3] + slack)


def _sides_text(sides_mm: tuple[float, ...]) -> str:
    rounded = [f"{side:.1f}" for side in sides_mm]
    if len(set(rounded)) == 1:
        return f"{rounded[0]} mm"
    left, bottom, right, top = rounded
    return f"left {left}, bottom {bottom}, right {right}, top {top} mm"


def _pages(numbers: list[int]) -> str:
    """'page 3' or 'pages 1–4, 7': page numbers as a reader would write them."""
    runs: list[list[int]] = []
    for number in sorted(numbers):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    text = ", ".join(f"{run[0]}–{run[-1]}" if len(run) > 1 else f"{run[0]}" for run in runs)
    return f"page {text}" if len(numbers) == 1 else f"pages {text}"


def _all_pages(count: int) -> str:
    return "the only page" if count == 1 else f"all {count} pages"


# --- what the pages draw with --------------------------------------------------


@dataclass(frozen=True)
class _Canvas:
    """Anything with its own content and resources: a page, a form, a tiling
    pattern, a soft mask or an annotation's appearance."""

    page: int
    #: What it is, for messages: "page content", "form /x0", "pattern /p0 > form /x0".
    label: str
    content: pikepdf.Page | pikepdf.Stream
    resources: pikepdf.Dictionary
    #: The transparency group, whose colour space colours the blending.
    group: pikepdf.Object | None


def _canvases(pdf: pikepdf.Pdf) -> Iterator[_Canvas]:
    """Every canvas reachable from the pages, each once (the first page it is on)."""
    seen: set[tuple[int, int]] = set()
    for number, page in enumerate(pdf.pages, 1):
        yield from _page_canvases(number, page, seen)


def _page_canvases(number: int, page: pikepdf.Page, seen: set[tuple[int, int]]
                   ) -> Iterator[_Canvas]:
    """The canvases one page draws, but for those in ``seen``."""
    resources = _inherited(page.obj, "/Resources")
    resources = resources if isinstance(resources, pikepdf.Dictionary) else pikepdf.Dictionary()
    top = _Canvas(number, "page content", page, resources, page.obj.get("/Group"))
    yield from _walk(top, seen)
    for index, annot in enumerate(_array(page.obj.get("/Annots")), 1):
        appearances = annot.get("/AP") if isinstance(annot, pikepdf.Dictionary) else None
        if not isinstance(appearances, pikepdf.Dictionary):
            continue
        for key in ("/N", "/R", "/D"):
            states = appearances.get(key)
            streams = ([states] if isinstance(states, pikepdf.Stream) else
                       list(states.values()) if isinstance(states, pikepdf.Dictionary)
                       else [])
            for stream in streams:
                if isinstance(stream, pikepdf.Stream):
                    yield from _walk(_form(number, f"annotation {index} appearance",
                                           stream, resources), seen)


def _walk(canvas: _Canvas, seen: set[tuple[int, int]]) -> Iterator[_Canvas]:
    objgen = canvas.content.objgen if isinstance(canvas.content, pikepdf.Stream) else (0, 0)
    if objgen != (0, 0):
        if objgen in seen:
            return
        seen.add(objgen)
    yield canvas
    resources = canvas.resources
    inside = "" if canvas.label == "page content" else f"{canvas.label} > "
    for name, xobject in _items(resources.get("/XObject")):
        if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Form":
            yield from _walk(_form(canvas.page, f"{inside}form {name}", xobject, resources), seen)
    for name, pattern in _items(resources.get("/Pattern")):
        if isinstance(pattern, pikepdf.Stream) and pattern.get("/PatternType") == 1:
            yield from _walk(_form(canvas.page, f"{inside}pattern {name}", pattern, resources),
                             seen)
    for name, state in _items(resources.get("/ExtGState")):
        mask = state.get("/SMask") if isinstance(state, pikepdf.Dictionary) else None
        group = mask.get("/G") if isinstance(mask, pikepdf.Dictionary) else None
        if isinstance(group, pikepdf.Stream):
            yield from _walk(_form(canvas.page, f"{inside}soft mask of {name}", group,
                                   resources), seen)


def _form(page: int, label: str, stream: pikepdf.Stream,
          outer: pikepdf.Dictionary) -> _Canvas:
    """A form-like stream; without its own resources it uses those around it."""
    resources = stream.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        resources = outer
    return _Canvas(page, label, stream, resources, stream.get("/Group"))


def _inherited(node: pikepdf.Dictionary, key: str) -> pikepdf.Object | None:
    """A page attribute, looked up through the page tree as the PDF spec allows."""
    for _ in range(64):
        if key in node:
            return node[key]
        parent = node.get("/Parent")
        if not isinstance(parent, pikepdf.Dictionary):
            return None
        node = parent
    return None


def _items(value: object) -> Iterator[tuple[str, pikepdf.Object]]:
    if isinstance(value, pikepdf.Dictionary):
        yield from value.items()


def _array(value: object) -> list[pikepdf.Object]:
    return list(value) if isinstance(value, pikepdf.Array) else []


# --- fonts -----------------------------------------------------------------------


def check_fonts(pdf: pikepdf.Pdf) -> CheckResult:
    """A font the PDF does not carry is replaced by whatever the printer's or
    reader's machine has; a whole font (not a subset) carries more than it needs."""
    fonts: dict[object, pikepdf.Dictionary] = {}
    for canvas in _canvases(pdf):
        for _, font in _items(canvas.resources.get("/Font")):
            if isinstance(font, pikepdf.Dictionary):
                # a font written inline in the resources has no object number
                key = font.objgen if font.objgen != (0, 0) else font.unparse()
                fonts.setdefault(key, font)
    problems = []
    for font in fonts.values():
        name = _font_name(font)
        faults = []
        if not _embedded(font):
            faults.append("not embedded")
        if font.get("/Subtype") != "/Type3" and not _SUBSET_TAG.match(name):
            faults.append("not subset")
        if faults:
            problems.append(f"{name} ({', '.join(faults)})")
    count = len(fonts)
    noun = "font" if count == 1 else "fonts"
    if problems:
        return CheckResult("fonts", False, f"{len(problems)} of {count} {noun}: "
                           + "; ".join(sorted(problems)))
    if not count:
        return CheckResult("fonts", True, "no fonts")
    return CheckResult("fonts", True, f"{count} {noun}, all embedded and subset")


def _font_name(font: pikepdf.Dictionary) -> str:
    base = font.get("/BaseFont")
    if base is None:
        return f"unnamed {str(font.get('/Subtype', '/font'))[1:]} font"
    return str(base).removeprefix("/")


def _embedded(font: pikepdf.Dictionary) -> bool:
    """Type 3 glyphs are drawn by the PDF itself; other fonts need a font file."""
    if font.get("/Subtype") == "/Type3":
        return True
    if font.get("/Subtype") == "/Type0":
        descendants = _array(font.get("/DescendantFonts"))
        if not descendants or not isinstance(descendants[0], pikepdf.Dictionary):
            return False
        font = descendants[0]
    descriptor = font.get("/FontDescriptor")
    return isinstance(descriptor, pikepdf.Dictionary) and any(
        isinstance(descriptor.get(key), pikepdf.Stream) for key in _FONT_FILES)


# --- colour ----------------------------------------------------------------------

_DEVICE = {"/DeviceRGB": "RGB", "/DeviceCMYK": "CMYK", "/DeviceGray": "Gray"}
_DEVICE_COMPONENTS = {"RGB": 3, "CMYK": 4, "Gray": 1}
_DICTS = (pikepdf.Dictionary, pikepdf.Stream)
_ICC_FAMILY = {1: "Gray", 3: "RGB", 4: "CMYK"}
_INLINE_ABBREVIATIONS = {"/RGB": "/DeviceRGB", "/CMYK": "/DeviceCMYK", "/G": "/DeviceGray",
                         "/I": "/Indexed"}
_OPERATOR_FAMILY = {"rg": "RGB", "RG": "RGB", "k": "CMYK", "K": "CMYK", "g": "Gray", "G": "Gray"}
#: The operators the colour scan reads (_scan_content), inline images included: qpdf
#: hands Python only these, not the text and paths that make most of a page.
_COLOUR_OPERATORS = " ".join([*_OPERATOR_FAMILY, "cs", "CS", "sh", "scn", "SCN", "Do",
                              "BI", "ID", "EI"])


def _colour_space(space: object, resources: pikepdf.Dictionary,
                  depth: int = 0) -> tuple[str, str]:
    """(family, label) of a colour space: family is RGB, CMYK, Gray or other, the
    label is what a person would call it ("ICCBased CMYK", "Indexed DeviceRGB")."""
    if depth > 8:
        return ("other", "unresolvable colour space")
    if isinstance(space, pikepdf.Name):
        key = str(space)
        key = _INLINE_ABBREVIATIONS.get(key, key)
        if key in _DEVICE:
            return (_DEVICE[key], key[1:])
        if key == "/Pattern":
            return ("other", "Pattern")
        named = resources.get("/ColorSpace")
        if isinstance(named, pikepdf.Dictionary) and key in named:
            return _colour_space(named[key], resources, depth + 1)
        return ("other", f"unknown colour space {key}")
    if isinstance(space, pikepdf.Array) and len(space) > 0:
        kind = str(space[0])
        if kind == "/ICCBased" and len(space) > 1 and isinstance(space[1], pikepdf.Stream):
            components = int(space[1].get("/N", 0))
            family = _ICC_FAMILY.get(components, "other")
            return (family, f"ICCBased {family if family != 'other' else components}")
        if kind in ("/CalRGB", "/CalGray"):
            return ("RGB" if kind == "/CalRGB" else "Gray", kind[1:])
        if kind in ("/Indexed", "/I") and len(space) > 1:
            family, label = _colour_space(space[1], resources, depth + 1)
            return (family, f"Indexed {label}")
        if kind == "/Pattern" and len(space) > 1:
            return _colour_space(space[1], resources, depth + 1)
        if kind in ("/Separation", "/DeviceN") and len(space) > 2:
            # The alternate is what a device without the ink (a screen) shows.
            family, label = _colour_space(space[2], resources, depth + 1)
            return (family, f"{kind[1:]} over {label}")
        if kind in _DEVICE:  # a one-element array, as some writers do
            return (_DEVICE[kind], kind[1:])
        return ("other", kind[1:])
    return ("other", "unknown colour space")


@dataclass
class _Colours:
    """What the colour walk found: every space used, and the pages each use of the
    banned family is on (keyed by what and where on the page, so that text in RGB
    on every page is one line, not twenty-eight)."""

    banned: str
    used: dict[str, None]
    places: dict[str, list[int]]

    def use(self, family: str, label: str, page: int, place: str) -> None:
        if label != "Pattern":
            self.used.setdefault(label, None)
        if family == self.banned:
            self.fault(page, place)

    def fault(self, page: int, place: str) -> None:
        pages = self.places.setdefault(place, [])
        if page not in pages:
            pages.append(page)


def check_colour(pdf: pikepdf.Pdf, banned: str) -> CheckResult:
    """Print is CMYK: RGB left in the file is converted by the printer's RIP, with
    colours we never saw. The web is RGB: CMYK there is converted by each browser.

    Page by page, and a page seen before (the same digest, pagedigest.py) is not
    read again: a warm session's proof changes a few pages of many."""
    found = _Colours(banned, {}, {})
    seen: set[tuple[int, int]] = set()
    for number, page in enumerate(pdf.pages, 1):
        for canvas in _page_canvases(number, page, seen):
            _scan_group(canvas, found)
            if canvas.label != "page content":
                _scan_content(canvas, found)
                continue
            for family, label, place in _per_page(("colour", banned), page,
                                                  lambda _, c=canvas: _colours_of(c, banned)):
                if family is None:
                    found.fault(number, place)
                else:
                    found.use(family, label, number, place)
    used = ", ".join(found.used) or "no colour set"
    if not found.places:
        return CheckResult("colour", True, f"no {banned}; colour spaces {used}")
    listed = [f"{_pages(pages)}: {place}" for place, pages in found.places.items()]
    more = len(listed) - MAX_PLACES
    text = "; ".join(listed[:MAX_PLACES]) + (f"; and {more} more" if more > 0 else "")
    return CheckResult("colour", False, f"{banned} used: {text} (colour spaces {used})")


class _Recorded(_Colours):
    """What the colour walk finds on one page, kept to be told again."""

    def __init__(self, banned: str) -> None:
        super().__init__(banned, {}, {})
        self.calls: list[tuple[str | None, str, str]] = []

    def use(self, family: str, label: str, page: int, place: str) -> None:
        self.calls.append((family, label, place))

    def fault(self, page: int, place: str) -> None:
        self.calls.append((None, "", place))


def _colours_of(canvas: _Canvas, banned: str) -> tuple[tuple[str | None, str, str], ...]:
    """What one canvas's content draws with, as (family, label, place) to tell again
    (family None: a fault)."""
    recorded = _Recorded(banned)
    _scan_content(canvas, recorded)
    return tuple(recorded.calls)


#: The digest of each page (by object number) of the PDF preflight() is checking, made
#: once for the checks that read every page (per thread: a server checks in several).
_DIGESTS: contextvars.ContextVar[dict[tuple[int, int], bytes] | None] = \
    contextvars.ContextVar("page_digests", default=None)
#: What the page-by-page checks found on pages seen before, by (check, page digest).
_SEEN_PAGES: OrderedDict[tuple[object, bytes], Any] = OrderedDict()
_SEEN_MAX = 1024


def _per_page(check: object, page: pikepdf.Page, scan: Callable[[pikepdf.Page], T]) -> T:
    """``scan(page)``, or what it gave for a page with the same digest before: the
    scans of a page's own content read nothing the digest does not cover. A page that
    inherits its resources from the page tree is always read."""
    from .pagedigest import page_digest

    if "/Resources" not in page.obj:
        return scan(page)
    digests, number = _DIGESTS.get(), page.obj.objgen
    digest = digests.get(number) if digests is not None else None
    if digest is None:
        digest = page_digest(page)
        if digests is not None and number != (0, 0):
            digests[number] = digest
    key = (check, digest)
    if key in _SEEN_PAGES:
        _SEEN_PAGES.move_to_end(key)
        return _SEEN_PAGES[key]
    result = _SEEN_PAGES[key] = scan(page)
    while len(_SEEN_PAGES) > _SEEN_MAX:
        _SEEN_PAGES.popitem(last=False)
    return result


def _scan_group(canvas: _Canvas, found: _Colours) -> None:
    group = canvas.group
    if not isinstance(group, pikepdf.Dictionary) or "/CS" not in group:
        return
    family, label = _colour_space(group["/CS"], canvas.resources)
    whose = "page" if canvas.label == "page content" else canvas.label
    found.use(family, label, canvas.page,
              f"transparency group of {whose} is {family} ({label})")


def _scan_content(canvas: _Canvas, found: _Colours) -> None:
    resources = canvas.resources
    at = canvas.page
    where = f"in {canvas.label}"
    try:
        instructions = pikepdf.parse_content_stream(canvas.content, _COLOUR_OPERATORS)
    except pikepdf.PdfError as exc:
        found.fault(at, f"cannot read the content of {canvas.label} ({_reason(exc)})")
        return
    for instruction in instructions:
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            image = instruction.iimage.obj
            if image.get("/ImageMask") is True or "/ColorSpace" not in image:
                continue
            family, label = _colour_space(image["/ColorSpace"], resources)
            found.use(family, label, at, f"inline image is {label} {where}")
            continue
        op = str(instruction.operator)
        operands = instruction.operands
        stroke = "stroke" if op.isupper() else "fill"
        if op in _OPERATOR_FAMILY:
            family = _OPERATOR_FAMILY[op]
            label = {"RGB": "DeviceRGB", "CMYK": "DeviceCMYK", "Gray": "DeviceGray"}[family]
            found.use(family, label, at, f"{stroke} colour {op} {where}")
        elif op in ("cs", "CS") and operands:
            family, label = _colour_space(operands[0], resources)
            name = str(operands[0])
            shown = f"{label} ({op})" if name[1:] == label else f"{name} is {label} ({op})"
            found.use(family, label, at, f"{stroke} colour space {shown} {where}")
        elif op == "sh" and operands:
            shading = _get(resources, "/Shading", operands[0])
            _use_shading(shading, f"shading {operands[0]}", resources, found, at, where)
        elif op in ("scn", "SCN") and operands and isinstance(operands[-1], pikepdf.Name):
            pattern = _get(resources, "/Pattern", operands[-1])
            if isinstance(pattern, _DICTS) and pattern.get("/PatternType") == 2:
                _use_shading(pattern.get("/Shading"), f"shading pattern {operands[-1]}",
                             resources, found, at, where)
        elif op == "Do" and operands:
            xobject = _get(resources, "/XObject", operands[0])
            if (isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == "/Image"
                    and xobject.get("/ImageMask") is not True and "/ColorSpace" in xobject):
                family, label = _colour_space(xobject["/ColorSpace"], resources)
                found.use(family, label, at,
                          f"image {operands[0]} is {label}{_unless_page(where)}")


def _use_shading(shading: object, what: str, resources: pikepdf.Dictionary,
                 found: _Colours, at: int, where: str) -> None:
    if not isinstance(shading, _DICTS) or "/ColorSpace" not in shading:
        return
    space = shading["/ColorSpace"]
    family, label = _colour_space(space, resources)
    found.use(family, label, at, f"{what} is {label} {where}")
    # WeasyPrint 70 writes gradients as sRGB numbers whatever the colour space it
    # names: three numbers in a CMYK shading are RGB, and wrong on press.
    given = _function_outputs(shading.get("/Function"))
    wanted = _components(space, resources)
    if given is not None and wanted is not None and given != wanted:
        found.fault(at, f"{what} gives {given} numbers per colour to {label}, which takes "
                        f"{wanted} {where}")


def _components(space: object, resources: pikepdf.Dictionary, depth: int = 0) -> int | None:
    """How many numbers make one colour in ``space`` (None when we cannot tell)."""
    if isinstance(space, pikepdf.Name):
        key = _INLINE_ABBREVIATIONS.get(str(space), str(space))
        if key in _DEVICE:
            return _DEVICE_COMPONENTS[_DEVICE[key]]
        named = resources.get("/ColorSpace")
        if depth < 8 and isinstance(named, pikepdf.Dictionary) and key in named:
            return _components(named[key], resources, depth + 1)
        return None
    if not isinstance(space, pikepdf.Array) or len(space) == 0:
        return None
    kind = str(space[0])
    if kind == "/ICCBased" and len(space) > 1 and isinstance(space[1], pikepdf.Stream):
        return int(space[1].get("/N", 0)) or None
    if kind in ("/CalRGB", "/Lab"):
        return 3
    if kind in ("/CalGray", "/Indexed", "/I", "/Separation"):
        return 1
    if kind == "/DeviceN" and len(space) > 1 and isinstance(space[1], pikepdf.Array):
        return len(space[1])
    if kind in _DEVICE:
        return _DEVICE_COMPONENTS[_DEVICE[kind]]
    return None


def _function_outputs(function: object, depth: int = 0) -> int | None:
    """How many numbers a PDF function gives (None when we cannot tell)."""
    if isinstance(function, pikepdf.Array):
        return len(function)  # one single-output function per component
    if not isinstance(function, _DICTS) or depth > 8:
        return None
    kind = function.get("/FunctionType")
    if kind == 2:
        c0 = function.get("/C0")
        return len(c0) if isinstance(c0, pikepdf.Array) else 1
    if kind == 3:
        parts = _array(function.get("/Functions"))
        return _function_outputs(parts[0], depth + 1) if parts else None
    ranges = function.get("/Range")
    return len(ranges) // 2 if isinstance(ranges, pikepdf.Array) else None


def _unless_page(where: str) -> str:
    return "" if where == "in page content" else f" {where}"


def _get(resources: pikepdf.Dictionary, category: str, name: object) -> pikepdf.Object | None:
    group = resources.get(category)
    if isinstance(group, pikepdf.Dictionary) and isinstance(name, pikepdf.Name):
        return group.get(str(name))
    return None


# --- document-level promises -------------------------------------------------------


def check_output_intent(pdf: pikepdf.Pdf, components: int) -> CheckResult:
    """The output intent tells the print shop (or the viewer) what the colour
    numbers mean: for print the press condition (a CMYK profile such as FOGRA39),
    for the web sRGB."""
    intents = [i for i in _array(pdf.Root.get("/OutputIntents"))
               if isinstance(i, pikepdf.Dictionary)]
    if not intents:
        return CheckResult("output intent", False, "no /OutputIntents in the document catalog")
    family = _ICC_FAMILY[components]
    problems = []
    for intent in intents:
        kind = str(intent.get("/S", "/?"))[1:]
        ident = _text(intent.get("/OutputConditionIdentifier"))
        name = ident if ident and ident != "Custom" else _text(intent.get("/Info")) or ident
        profile = intent.get("/DestOutputProfile")
        faults = []
        if components == 4 and kind != "GTS_PDFX":
            faults.append(f"/S is /{kind}, not /GTS_PDFX")
        size = 0.0
        if not isinstance(profile, pikepdf.Stream):
            faults.append("no ICC profile embedded")
        else:
            n = int(profile.get("/N", 0))
            if n != components:
                faults.append(f"the profile is {_ICC_FAMILY.get(n, n)}, not {family}")
            size = len(profile.read_raw_bytes()) / 1000
        if not ident:
            faults.append("no /OutputConditionIdentifier")
        registry = _text(intent.get("/RegistryName"))
        if components == 4 and not registry:
            faults.append("no /RegistryName")
        if not faults:
            detail = f"{kind}, {name} ({family} ICC, {size:.0f} kB embedded)"
            return CheckResult("output intent", True,
                               detail + (f", registry {registry}" if registry else ""))
        problems.append(f"{kind} {name or '(unnamed)'}: {', '.join(faults)}")
    return CheckResult("output intent", False, "; ".join(problems))


def check_small_text(pdf: pikepdf.Pdf) -> CheckResult:
    """Text below 9 pt in three or four inks blurs with the slightest misregister
    on press (smalltext.py); print shops reject it."""
    found = SmallText()
    for number, page in enumerate(pdf.pages, 1):
        sizes, inks = _per_page("small text", page, small_text_on)
        if sizes:
            found.pages[number] = set(sizes)
            found.inks |= inks
    if not found.pages:
        return CheckResult("small text", True,
                           f"no text below {SMALL_PT:g} pt in more than {MAX_INKS} inks")
    sizes = sorted(set().union(*found.pages.values()))
    shown = f"{sizes[0]:g} pt" if len(sizes) == 1 else f"{sizes[0]:g}–{sizes[-1]:g} pt"
    inks = "–".join(str(n) for n in sorted(found.inks)[:: max(1, len(found.inks) - 1)])
    return CheckResult("small text", False,
                       f"text below {SMALL_PT:g} pt in {inks} inks (misregister risk): "
                       f"{_pages(sorted(found.pages))}, {shown}; set it in "
                       f"{MAX_INKS} inks at most, or larger")


def check_pdfx(pdf: pikepdf.Pdf) -> CheckResult:
    """A print shop's preflight takes the PDF/X version the file claims as the rules
    to check it by; without a claim it does not know what it has been given."""
    meta = pdf.open_metadata()
    version = (_text(meta.get("pdfxid:GTS_PDFXVersion"))
               or _text(meta.get("pdfx:GTS_PDFXVersion"))
               or _text(pdf.docinfo.get("/GTS_PDFXVersion")))
    if version.startswith("PDF/X-"):
        return CheckResult("PDF/X", True, f"declares {version}")
    if version:
        return CheckResult("PDF/X", False, f"declares '{version}', not a PDF/X version")
    return CheckResult("PDF/X", False, "no GTS_PDFXVersion in the XMP metadata or Info")


def check_trapped(pdf: pikepdf.Pdf) -> CheckResult:
    """PDF/X requires the file to say whether it is trapped, so the printer knows
    whether to trap it."""
    trapped = pdf.docinfo.get("/Trapped")
    if trapped in (pikepdf.Name("/True"), pikepdf.Name("/False")):
        return CheckResult("trapped", True, f"Info /Trapped is {trapped}")
    if trapped is None:
        return CheckResult("trapped", False, "no /Trapped in the Info dictionary")
    return CheckResult("trapped", False, f"Info /Trapped is {_show(trapped)}; it must be "
                       "/True or /False")


def check_pdfa(pdf: pikepdf.Pdf) -> CheckResult:
    """An archive (and the PDF Association's advice for public documents) wants
    the web PDF to be PDF/A as well as PDF/UA: it must say so in its metadata,
    give its colours a PDF/A output intent and make every annotation printable.
    The full rules are checked by an independent validator in the test suite."""
    problems = []
    meta = pdf.open_metadata()
    part = _text(meta.get("pdfaid:part"))
    level = _text(meta.get("pdfaid:conformance"))
    if part != "2" or level not in ("A", "B", "U"):
        problems.append(f"XMP declares PDF/A part {part or '?'} level {level or '?'}, not 2a, "
                        "2u or 2b" if part else "XMP does not declare PDF/A (pdfaid:part 2)")
    kinds = {str(i.get("/S")) for i in _array(pdf.Root.get("/OutputIntents"))
             if isinstance(i, pikepdf.Dictionary)}
    if "/GTS_PDFA1" not in kinds:
        problems.append("no /GTS_PDFA1 output intent")
    annots = [(n, a) for n, page in enumerate(pdf.pages, 1)
              for a in _array(page.obj.get("/Annots")) if isinstance(a, pikepdf.Dictionary)]
    hidden = sorted({n for n, a in annots if not int(a.get("/F", 0)) & 4})
    if hidden:
        problems.append(f"annotations without the Print flag on {_pages(hidden)}")
    if problems:
        return CheckResult("PDF/A", False, "; ".join(problems))
    return CheckResult("PDF/A", True, f"declares PDF/A-2{level.lower()}, output intent "
                                      f"GTS_PDFA1, {len(annots)} annotations printable")


def check_tagged(pdf: pikepdf.Pdf) -> CheckResult:
    """A screen reader reads the structure tree, not the page: without tags the
    web PDF is a picture of text to a blind reader."""
    problems = []
    mark = pdf.Root.get("/MarkInfo")
    if not (isinstance(mark, pikepdf.Dictionary) and mark.get("/Marked") is True):
        problems.append("not marked as tagged (/MarkInfo /Marked true)")
    tree = pdf.Root.get("/StructTreeRoot")
    kinds: Counter[str] = Counter()
    if isinstance(tree, pikepdf.Dictionary):
        _count_elements(tree.get("/K"), kinds, set())
    if not kinds:
        problems.append("no structure tree" if tree is None else "an empty structure tree")
    part = _text(pdf.open_metadata().get("pdfuaid:part"))
    if part != "1":
        problems.append(f"XMP declares PDF/UA part {part}" if part else
                        "XMP does not declare PDF/UA (pdfuaid:part 1)")
    total = sum(kinds.values())
    shown = ", ".join(f"{kind} {count}" for kind, count in list(kinds.items())[:10])
    shown += ", …" if len(kinds) > 10 else ""
    tree_text = f"structure tree with {total} elements ({shown})" if total else ""
    if problems:
        return CheckResult("tagged", False, "; ".join(problems + ([tree_text] if total else [])))
    return CheckResult("tagged", True, f"{tree_text}, PDF/UA-1")


def _count_elements(node: object, kinds: Counter[str], seen: set[tuple[int, int]]) -> None:
    """Count structure elements by type; marked-content ids and object references
    in /K are leaves, not elements."""
    if isinstance(node, pikepdf.Array):
        for child in node:
            _count_elements(child, kinds, seen)
        return
    if not isinstance(node, pikepdf.Dictionary) or "/S" not in node:
        return
    if node.objgen != (0, 0):
        if node.objgen in seen:
            return
        seen.add(node.objgen)
    kinds[str(node["/S"])[1:]] += 1
    _count_elements(node.get("/K"), kinds, seen)


def check_language(pdf: pikepdf.Pdf) -> CheckResult:
    """Screen readers choose their voice by the document language."""
    lang = _text(pdf.Root.get("/Lang"))
    if not lang:
        return CheckResult("language", False, "no /Lang in the document catalog")
    return CheckResult("language", True, lang)


def check_title(pdf: pikepdf.Pdf) -> CheckResult:
    """A viewer shows the file name unless the PDF has a title and asks for it to
    be shown; PDF/UA requires both."""
    title = (_text(pdf.docinfo.get("/Title"))
             or _text(pdf.open_metadata().get("dc:title")))
    prefs = pdf.Root.get("/ViewerPreferences")
    shown = isinstance(prefs, pikepdf.Dictionary) and prefs.get("/DisplayDocTitle") is True
    if not title:
        return CheckResult("title", False, "no title in Info /Title or XMP dc:title")
    if not shown:
        return CheckResult("title", False, f"“{title}”, but /ViewerPreferences "
                           "/DisplayDocTitle is not true, so viewers show the file name")
    return CheckResult("title", True, f"“{title}”, shown as the window title")


def check_outline(pdf: pikepdf.Pdf) -> CheckResult:
    """The outline (bookmarks) is how a reader moves about a PDF on screen."""
    outlines = pdf.Root.get("/Outlines")
    count = 0
    if isinstance(outlines, pikepdf.Dictionary):
        count = _count_outline(outlines.get("/First"), set())
    if not count:
        return CheckResult("outline", False, "no outline (bookmarks)")
    return CheckResult("outline", True, f"{count} {'entry' if count == 1 else 'entries'}")


def _count_outline(item: object, seen: set[tuple[int, int]]) -> int:
    count = 0
    while isinstance(item, pikepdf.Dictionary) and item.objgen not in seen:
        if item.objgen != (0, 0):
            seen.add(item.objgen)
        count += 1 + _count_outline(item.get("/First"), seen)
        item = item.get("/Next")
    return count


def _text(value: object) -> str:
    """A PDF or XMP string as plain text ('' when absent)."""
    if value is None:
        return ""
    if isinstance(value, pikepdf.Name):
        return str(value)[1:]
    return str(value).strip()


def _show(value: object) -> str:
    return str(value) if isinstance(value, pikepdf.Name) else f"({value})"
