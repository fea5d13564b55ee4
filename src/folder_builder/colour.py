"""Colours per variant: the print master is CMYK; the screen gets sRGB.

Content gives every colour once, in CMYK percentages, because the folder is
printed. The screen PDF converts them to sRGB through the same CMYK profile
the print PDF declares as its output intent (LittleCMS via Pillow's ImageCms,
which WeasyPrint already depends on), so the screen shows what the press
will print rather than a naive 255 × (1 − c)(1 − k) guess.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageCms

from .cache import load_entry, store_entry
from .model import Colour

#: Paper white, for strokes that separate coloured areas.
PAPER = Colour(0, 0, 0, 0)


def open_profile(path: Path | str) -> ImageCms.ImageCmsProfile:
    """The ICC profile at ``path``, read into memory.

    LittleCMS reads a profile opened from a file lazily, through the open file,
    for as long as the profile lives, and Pillow reads it whole again on every
    transform it applies. A process forked while a cached transform holds such a
    profile shares that file's offset with its siblings, and two of them reading
    at once read each other's bytes ("Could not determine profile size" in a
    batch). A profile in memory has no file to share.
    """
    return ImageCms.ImageCmsProfile(io.BytesIO(Path(path).read_bytes()))


@lru_cache(maxsize=8)
def _transform(profile: str) -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        open_profile(profile),
        ImageCms.createProfile("sRGB"),
        "CMYK",
        "RGB",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


def to_srgb(colour: Colour, profile: Path) -> tuple[int, int, int]:
    """``colour`` as 8-bit sRGB, as it prints under ``profile``. Conversions are kept
    in the per-user cache (cache.py), keyed by the profile's bytes: building the
    transform takes 45 ms, and every command that loads the content checks the
    perspective colours' contrast with it."""
    cmyk = tuple(round(v * 2.55) for v in (colour.c, colour.m, colour.y, colour.k))
    known = _conversions(str(profile))
    found = known.get(",".join(map(str, cmyk)))
    if found is None:
        pixel = Image.new("CMYK", (1, 1), cmyk)
        r, g, b = ImageCms.applyTransform(pixel, _transform(str(profile))).getpixel((0, 0))
        found = known[",".join(map(str, cmyk))] = [r, g, b]
        # A copy (made whole, in C): the server may convert in two threads at once.
        store_entry(_CACHE_KIND, _cache_key(profile), dict(known))
    r, g, b = found
    return r, g, b


_CACHE_KIND = "srgb"


@lru_cache(maxsize=8)
def _cache_key(profile: Path | str) -> str:
    """What a conversion depends on: the profile's bytes, LittleCMS (Pillow's) and how
    the transform is built (the version below, raised when _transform changes)."""
    import hashlib

    import PIL

    return hashlib.sha256(b"\0".join([b"srgb-1", PIL.__version__.encode(),
                                        Path(profile).read_bytes()])).hexdigest()


@lru_cache(maxsize=8)
def _conversions(profile: str) -> dict[str, list[int]]:
    """The conversions under ``profile`` known so far: cached ones, and this process's."""
    cached = load_entry(_CACHE_KIND, _cache_key(profile))
    if isinstance(cached, dict) and all(
            isinstance(rgb, list) and len(rgb) == 3 and all(isinstance(v, int) for v in rgb)
            for rgb in cached.values()):
        return cached
    return {}


def cmyk_css(value: Colour) -> str:
    """A content colour as the print variant writes it: CMYK, as given."""
    return value.cmyk_css


def srgb_css(profile: Path) -> Callable[[Colour], str]:
    """How the screen variant writes a content colour: in sRGB, as it prints under
    ``profile``."""

    def colour(value: Colour) -> str:
        r, g, b = to_srgb(value, profile)
        return f"rgb({r} {g} {b})"

    return colour


#: WCAG 2's least contrast for body-size text: perspective colours set headings,
#: labels and bars in the screen PDF, which must be readable.
MIN_CONTRAST = 4.5


def contrast_on_white(rgb: tuple[int, int, int]) -> float:
    """The WCAG 2 contrast ratio of the 8-bit sRGB colour ``rgb`` against white."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 1.05 / (0.2126 * r + 0.7152 * g + 0.0722 * b + 0.05)
