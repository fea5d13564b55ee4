"""Logo uploads: what a browser sends is checked before anything is stored.

A department head uploads a logo from the studio; whoever holds a department
link can send any bytes with any name. So:

- at most ``MAX_UPLOAD`` bytes (5 MB);
- the type is sniffed from the bytes, never taken from the name or the
  browser's Content-Type: PNG, JPEG or SVG, nothing else;
- a raster image's pixel count is checked against ``MAX_PIXELS`` from its header,
  before a single pixel is decoded (a 10 000 × 10 000 PNG of one colour is a few
  kilobytes and would decode to hundreds of megabytes: a decompression bomb),
  with Pillow's own bomb warning turned into a refusal as well;
- a raster image is decoded in full and stored re-encoded as PNG: no metadata,
  no trailing bytes, nothing but pixels survives (and a JPEG becomes a PNG,
  which is what the content loader accepts);
- an SVG is parsed with defusedxml (no DTD, no entities, no external
  resources) and refused if it holds a script, an event attribute (``on…``),
  an element that embeds other documents, a style sheet import, or a reference
  (``href``, ``url()``) to anything but a fragment of itself or a ``data:``
  raster image. It is stored re-serialised: no comments, no processing
  instructions.

The studio shows a logo at its printed size with its effective resolution:
``printed_size`` and ``effective_ppi`` compute them from the logo's box in the
stylesheet (``.department-logo``'s max-width and max-height).
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
import warnings
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from PIL import Image, ImageFile, UnidentifiedImageError

from ..errors import InputError
from .i18n import N_, Message

MAX_UPLOAD = 5 * 1024 * 1024
#: More pixels than any logo needs (a 40 mm logo at 1200 ppi is 1900 pixels wide).
MAX_PIXELS = 25_000_000
#: Below this effective resolution a raster logo prints visibly soft.
LOW_PPI = 300
#: CSS pixels per inch: a raster image without a set size is laid out at this.
CSS_PPI = 96

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
#: Elements that run code or pull in other documents.
_FORBIDDEN = {"script", "foreignobject", "iframe", "embed", "object", "handler", "listener",
              "audio", "video", "canvas", "feimage"}
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z", re.I)
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.I | re.S)
_KNOWN = {b"GIF8": "GIF", b"%PDF": "PDF", b"RIFF": "WebP/RIFF", b"PK\x03\x04": "ZIP/Office",
          b"BM": "BMP", b"II*\x00": "TIFF", b"MM\x00*": "TIFF"}


class UploadError(InputError):
    """The uploaded file is refused; ``field`` is the form field it came from."""

    def __init__(self, message: Message, field: str = "logo") -> None:
        super().__init__(str(message))
        self.say = message  # shown translated: say(language, error.say)
        self.field = field


@dataclass(frozen=True)
class Logo:
    """A checked logo, ready to store."""

    kind: str  # "png" or "svg": what is stored
    data: bytes
    #: The uploaded type, sniffed: "png", "jpeg" or "svg".
    sniffed: str
    width_px: int | None = None  # None for a vector logo
    height_px: int | None = None

    @property
    def suffix(self) -> str:
        return f".{self.kind}"


def sniff(data: bytes) -> str:
    """"png", "jpeg" or "svg", from the bytes; UploadError for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"<?xml", b"<svg", b"<!--", b"<!DOCTYPE", b"<!doctype")) and \
            re.search(rb"<svg[\s>]", data[:65536]):
        return "svg"
    for magic, name in _KNOWN.items():
        if data.startswith(magic):
            raise UploadError(N_("a logo must be a PNG, JPEG or SVG image; this file is "
                                 "{kind}", kind=name))
    raise UploadError(N_("a logo must be a PNG, JPEG or SVG image; this file is none of "
                         "them"))


def check_upload(data: bytes) -> Logo:
    """The logo in ``data``, checked and made safe to store; UploadError if refused."""
    if len(data) > MAX_UPLOAD:
        raise UploadError(N_("the file is {size:.1f} MB; a logo may be at most {limit} MB",
                             size=len(data) / 1024 / 1024, limit=MAX_UPLOAD // 1024 // 1024))
    if not data:
        raise UploadError(N_("the file is empty"))
    kind = sniff(data)
    if kind == "svg":
        return Logo("svg", clean_svg(data), "svg")
    return _raster(data, kind)


def _raster(data: bytes, kind: str) -> Logo:
    name = kind.upper()
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))  # reads the header only
            width, height = image.size
            if width * height > MAX_PIXELS or any(
                    issubclass(w.category, Image.DecompressionBombWarning) for w in caught):
                raise UploadError(N_(
                    "the image is {width} × {height} pixels, more than a logo can need (at "
                    "most {limit} million pixels); make it smaller", width=width,
                    height=height, limit=MAX_PIXELS // 1_000_000))
            if image.format != kind.upper():
                raise UploadError(N_("the file starts like a {kind} but is not one", kind=name))
            _load_whole(image)
    except UploadError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise UploadError(N_("the image is far too large to be a logo; make it smaller")
                          ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise UploadError(N_("the {kind} cannot be read; it may be damaged ({reason})",
                             kind=name, reason=exc)) from exc
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    if image.mode == "CMYK":  # a print shop's JPEG: the screen PDF wants RGB
        image = image.convert("RGB")
    image = image.convert("RGBA" if has_alpha else "RGB")
    out = io.BytesIO()
    image.save(out, "PNG", optimize=False)
    return Logo("png", out.getvalue(), kind, width, height)


_WHOLE = threading.Lock()


def _load_whole(image: Image.Image) -> None:
    """Decode every pixel, refusing a truncated file. WeasyPrint, imported in the
    same process, tells Pillow to fill what is missing in a truncated image with
    grey (``LOAD_TRUNCATED_IMAGES``); an upload must not pass that way, so the
    setting is off while the upload decodes (the stored logo is re-encoded whole,
    so a build never meets a truncated one)."""
    with _WHOLE:
        before = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            image.load()
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = before


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1]


def _reference_problem(value: str, tag: str) -> Message | None:
    """Why ``value`` (an href, or a url() inside a style) may not be referred to."""
    value = value.strip()
    if value.startswith("#") or _DATA_IMAGE.match(value):
        return None
    return N_("the SVG's <{tag}> refers to '{target}'; a logo may refer only to parts of "
              "itself", tag=tag, target=value[:60])


def clean_svg(data: bytes) -> bytes:
    """The SVG ``data`` re-serialised, or UploadError naming what is refused."""
    if re.search(rb"<\?xml-stylesheet", data, re.I):
        raise UploadError(N_("the SVG links a style sheet; a logo must be self-contained"))
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True,
                                 forbid_external=True)
    except DefusedXmlException as exc:
        raise UploadError(N_("the SVG declares a DTD or entities, which a logo must not "
                             "({reason})", reason=type(exc).__name__)) from exc
    except SafeET.ParseError as exc:
        raise UploadError(N_("the SVG cannot be read: {reason}", reason=exc)) from exc
    if root.tag != f"{{{SVG_NS}}}svg":
        raise UploadError(N_("the file is XML but not an SVG image (its root is '{root}')",
                             root=_local(root.tag)))
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = _local(element.tag)
        namespace = element.tag[1:].split("}")[0] if element.tag.startswith("{") else ""
        if tag.lower() in _FORBIDDEN or namespace not in (SVG_NS, ""):
            raise UploadError(N_("the SVG contains a <{tag}> element; a logo may hold only "
                                 "drawing", tag=tag))
        for attribute, value in element.attrib.items():
            name = _local(attribute)
            if name.lower().startswith("on"):
                raise UploadError(N_("the SVG has an event attribute '{name}' on <{tag}>; a "
                                     "logo may not run code", name=name, tag=tag))
            if name == "attributeName" and (value.strip().lower().startswith("on")
                                            or _local(value.strip()) == "href"):
                raise UploadError(N_("the SVG's <{tag}> animates '{name}'; a logo may not "
                                     "change its event attributes or references", tag=tag,
                                     name=value))
            if name == "href":
                problem = _reference_problem(value, tag)
                if problem:
                    raise UploadError(problem)
            if "javascript:" in value.lower().replace(" ", ""):
                raise UploadError(N_("the SVG's <{tag}> holds a script in '{name}'", tag=tag,
                                     name=name))
            for match in _URL.finditer(value):
                problem = _reference_problem(match.group(2), tag)
                if problem:
                    raise UploadError(problem)
        if tag == "style" and element.text:
            if "@import" in element.text.lower():
                raise UploadError(N_("the SVG's style sheet imports another; a logo must be "
                                     "self-contained"))
            for match in _URL.finditer(element.text):
                problem = _reference_problem(match.group(2), tag)
                if problem:
                    raise UploadError(problem)
    # Written back with the standard library's serialiser (parsing stays defused).
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)


# --- printed size and effective resolution ------------------------------------------


@dataclass(frozen=True)
class LogoBox:
    """The largest a logo prints (the stylesheet's max-width and max-height), in mm."""

    width_mm: float
    height_mm: float


_RULE = re.compile(r"\.department-logo\s*\{([^}]*)\}")


def logo_box(stylesheet: str) -> LogoBox:
    """The logo's box from the stylesheet's ``.department-logo`` rule."""
    sizes: dict[str, float] = {}
    for body in _RULE.findall(stylesheet):
        for prop in ("max-width", "max-height"):
            match = re.search(rf"(?<![\w-]){prop}\s*:\s*([\d.]+)mm", body)
            if match:
                sizes[prop] = float(match.group(1))
    if len(sizes) != 2:
        raise InputError("the stylesheet gives .department-logo no max-width and max-height "
                         "in mm, so the logo's printed size is unknown")
    return LogoBox(sizes["max-width"], sizes["max-height"])


def printed_size(width_px: float, height_px: float, box: LogoBox) -> tuple[float, float]:
    """The size in mm a raster logo prints at: its CSS size (``CSS_PPI``), scaled
    down, keeping its proportions, until it fits the box (CSS 2.1 §10.4)."""
    width = width_px * 25.4 / CSS_PPI
    height = height_px * 25.4 / CSS_PPI
    scale = min(1.0, box.width_mm / width, box.height_mm / height)
    return width * scale, height * scale


def effective_ppi(logo: Logo, box: LogoBox) -> float | None:
    """Pixels per inch at the printed size; None for a vector logo (sharp at any
    size)."""
    if logo.width_px is None or logo.height_px is None:
        return None
    width_mm, _ = printed_size(logo.width_px, logo.height_px, box)
    return logo.width_px / (width_mm / 25.4)


def stored_name(slug: str, logo: Logo) -> str:
    """``logos/<slug>-<digest>.<kind>``: a new name for new bytes, so the kept
    versions of the department file still show the logo they had."""
    digest = hashlib.sha256(logo.data).hexdigest()[:10]
    return f"logos/{slug}-{digest}{logo.suffix}"


def store(departments: Path, slug: str, logo: Logo) -> str:
    """Write ``logo`` beside the department files; returns its path relative to them."""
    from ..output import write_atomic

    relative = stored_name(slug, logo)
    target = departments / relative
    if not target.exists():
        write_atomic(target, logo.data)
    return relative
