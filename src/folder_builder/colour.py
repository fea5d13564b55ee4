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
    """``colour`` as 8-bit sRGB, as it prints under ``profile``."""
    cmyk = tuple(round(v * 2.55) for v in (colour.c, colour.m, colour.y, colour.k))
    pixel = Image.new("CMYK", (1, 1), cmyk)
    r, g, b = ImageCms.applyTransform(pixel, _transform(str(profile))).getpixel((0, 0))
    return r, g, b


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
