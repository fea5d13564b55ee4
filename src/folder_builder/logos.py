"""Department logos, made fit for the variant they go into.

A logo is the one thing in a leaflet that content does not give in CMYK: a PNG
is RGB, and an SVG's colours are RGB. For the print PDF they are converted
through the print profile (LittleCMS, via Pillow): a PNG becomes a CMYK JPEG
at high quality, and every colour in an SVG becomes device-cmyk(). The screen
PDF takes the logo file as it is.
"""

from __future__ import annotations

import base64
import io
import re
import xml.etree.ElementTree as ET
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageCms, ImageColor

from .colour import open_profile
from .errors import InputError

SVG_NS = "http://www.w3.org/2000/svg"
COLOUR_PROPERTIES = ("fill", "stroke", "stop-color", "flood-color", "lighting-color", "color")
_KEEP = {"none", "currentcolor", "inherit", "transparent", "context-fill", "context-stroke"}
_STYLE_RULE = re.compile(
    r"(?P<prop>" + "|".join(COLOUR_PROPERTIES) + r")\s*:\s*(?P<value>[^;}\"]+)")


def logo_as_is(path: Path, profile: Path) -> str:
    """The ``src`` of the logo at ``path`` as the file is (the screen variant)."""
    return path.as_uri()


def logo_in_cmyk(path: Path, profile: Path) -> str:
    """The ``src`` of the logo at ``path`` converted to CMYK through ``profile`` (the
    print variant): a PNG as a CMYK JPEG, an SVG with device-cmyk() colours."""
    try:
        if path.suffix.lower() == ".png":
            return _data_uri("image/jpeg", _png_to_cmyk_jpeg(path, profile))
        return _data_uri("image/svg+xml", _svg_to_cmyk(path, profile))
    except (OSError, ET.ParseError, ValueError) as exc:
        raise InputError(f"{path}: the logo cannot be read ({exc})") from exc


def _data_uri(mime: str, data: bytes) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode()}"


@lru_cache(maxsize=4)
def _to_cmyk(profile: str) -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(
        ImageCms.createProfile("sRGB"), open_profile(profile), "RGB", "CMYK",
        renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC,
        flags=ImageCms.Flags.BLACKPOINTCOMPENSATION,
    )


def _png_to_cmyk_jpeg(path: Path, profile: Path) -> bytes:
    image = Image.open(path)
    image.load()
    rgba = image.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))  # paper white under transparency
    flat.paste(rgba, mask=rgba.getchannel("A"))
    cmyk = ImageCms.applyTransform(flat, _to_cmyk(str(profile)))
    out = io.BytesIO()
    cmyk.save(out, "JPEG", quality=95, subsampling=0)
    return out.getvalue()


def _cmyk_css(value: str, profile: Path) -> str:
    value = value.strip()
    if value.lower() in _KEEP or value.lower().startswith(("url(", "device-cmyk(", "var(")):
        return value
    rgb = ImageColor.getrgb(value)[:3]  # ValueError for what is not a colour
    pixel = Image.new("RGB", (1, 1), rgb)
    c, m, y, k = ImageCms.applyTransform(pixel, _to_cmyk(str(profile))).getpixel((0, 0))
    return "device-cmyk({:.1f}% {:.1f}% {:.1f}% {:.1f}%)".format(
        *(v / 2.55 for v in (c, m, y, k)))


def _svg_to_cmyk(path: Path, profile: Path) -> bytes:
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
    tree = ET.parse(path)
    for element in tree.iter():
        for prop in COLOUR_PROPERTIES:
            if prop in element.attrib:
                element.set(prop, _cmyk_css(element.get(prop), profile))
        if "style" in element.attrib:
            element.set("style", _STYLE_RULE.sub(
                lambda m: f"{m['prop']}: {_cmyk_css(m['value'], profile)}", element.get("style")))
        if element.tag == f"{{{SVG_NS}}}style" and element.text:
            element.text = _STYLE_RULE.sub(
                lambda m: f"{m['prop']}: {_cmyk_css(m['value'], profile)}", element.text)
    return ET.tostring(tree.getroot(), encoding="utf-8", xml_declaration=True)
