"""Logo uploads: every rule is attacked here with the file that would break it."""

from __future__ import annotations

import io
import zlib

import pytest
from PIL import Image

from conftest import CONTENT, LAYOUTS
from folder_builder.web.uploads import (
    LOW_PPI,
    MAX_PIXELS,
    MAX_UPLOAD,
    LogoBox,
    UploadError,
    check_upload,
    effective_ppi,
    logo_box,
    printed_size,
    sniff,
    store,
)

LOGOS = CONTENT / "departments" / "logos"


def png(width: int, height: int, mode: str = "RGB", colour=(200, 30, 30), **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), colour).save(out, "PNG", **save)
    return out.getvalue()


def jpeg(width: int, height: int, mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, (width, height), (10, 120, 200) if mode == "RGB" else (0, 50, 100, 0)
              ).save(out, "JPEG")
    return out.getvalue()


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" '
       b'xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10">%s</svg>')


def svg(body: bytes | str) -> bytes:
    return SVG % (body.encode() if isinstance(body, str) else body)


# --- type, size ------------------------------------------------------------------


def test_the_type_comes_from_the_bytes_not_the_name():
    assert sniff(png(4, 4)) == "png"
    assert sniff(jpeg(4, 4)) == "jpeg"
    assert sniff(svg("")) == "svg"
    assert sniff(b"\xef\xbb\xbf  \n" + svg("")) == "svg"
    assert sniff((LOGOS / "eksempel-dagtilbud-nord.svg").read_bytes()) == "svg"


@pytest.mark.parametrize(("data", "words"), [
    (b"GIF89a" + b"\0" * 20, "GIF"),
    (b"%PDF-1.7\n", "PDF"),
    (b"PK\x03\x04rest", "ZIP"),
    (b"<html><script>alert(1)</script></html>", "none of them"),
    (b"MZ\x90\x00 an exe called logo.png", "none of them"),
    (b"<?xml version='1.0'?><note>not svg</note>", "none of them"),
])
def test_what_is_not_png_jpeg_or_svg_is_refused_by_its_bytes(data, words):
    with pytest.raises(UploadError, match=words):
        check_upload(data)


def test_a_png_header_on_other_bytes_is_refused():
    import weasyprint  # noqa: F401 - as in the server: it lets Pillow load truncated files
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES
    with pytest.raises(UploadError, match="cannot be read"):
        check_upload(b"\x89PNG\r\n\x1a\n" + b"garbage" * 100)
    truncated = png(300, 300, colour=(1, 2, 3))
    with pytest.raises(UploadError, match="cannot be read"):
        check_upload(truncated[: len(truncated) // 2])


def test_more_than_five_megabytes_is_refused_before_anything_is_read():
    data = b"\x89PNG\r\n\x1a\n" + b"\0" * MAX_UPLOAD
    with pytest.raises(UploadError, match="at most 5 MB"):
        check_upload(data)
    with pytest.raises(UploadError, match="empty"):
        check_upload(b"")


def test_a_decompression_bomb_is_refused_from_its_header():
    """10 000 × 10 000 pixels of one colour: 16 kB of PNG, 300 MB decoded."""
    bomb = png(10_000, 10_000, mode="1", colour=0)
    assert len(bomb) < 100_000
    with pytest.raises(UploadError, match="million pixels"):
        check_upload(bomb)
    assert MAX_PIXELS < 10_000 * 10_000


def test_a_bomb_whose_header_lies_small_cannot_pass_either():
    """An IHDR claiming huge dimensions with little data: refused without decoding."""
    header = b"\x89PNG\r\n\x1a\n"

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (len(body).to_bytes(4, "big") + kind + body
                + zlib.crc32(kind + body).to_bytes(4, "big"))

    ihdr = (60_000).to_bytes(4, "big") + (60_000).to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    data = header + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 1000)) + \
        chunk(b"IEND", b"")
    with pytest.raises(UploadError, match=r"too large|million pixels"):
        check_upload(data)


# --- raster logos are re-encoded --------------------------------------------------


def test_a_png_is_stored_as_pixels_only():
    payload = b"<script>alert(1)</script>"
    data = png(120, 40, pnginfo=None) + payload  # trailing bytes after IEND
    logo = check_upload(data)
    assert logo.kind == "png" and (logo.width_px, logo.height_px) == (120, 40)
    assert payload not in logo.data
    assert Image.open(io.BytesIO(logo.data)).getpixel((5, 5)) == (200, 30, 30)


def test_a_jpeg_is_accepted_and_stored_as_png_even_in_cmyk():
    for mode in ("RGB", "CMYK"):
        logo = check_upload(jpeg(90, 30, mode))
        assert logo.sniffed == "jpeg" and logo.kind == "png"
        image = Image.open(io.BytesIO(logo.data))
        assert image.format == "PNG" and image.mode == "RGB"


def test_transparency_is_kept():
    logo = check_upload(png(10, 10, mode="RGBA", colour=(0, 0, 0, 0)))
    assert Image.open(io.BytesIO(logo.data)).mode == "RGBA"


# --- SVG -------------------------------------------------------------------------


def test_a_plain_svg_passes_and_is_stored_without_comments():
    logo = check_upload(svg('<!-- hi --><rect width="5" height="5" fill="#c33"/>'
                            '<use xlink:href="#a"/><rect id="a" style="fill:url(#g)"/>'))
    assert logo.kind == "svg" and logo.width_px is None
    assert b"hi" not in logo.data and b"<rect" in logo.data
    check_upload((LOGOS / "eksempel-dagtilbud-nord.svg").read_bytes())


@pytest.mark.parametrize(("body", "words"), [
    ("<script>alert(1)</script>", "<script>"),
    ('<script xlink:href="https://evil.example/x.js"/>', "<script>"),
    ('<rect onload="alert(1)"/>', "event attribute 'onload'"),
    ('<rect ONCLICK="alert(1)"/>', "event attribute"),
    ('<set attributeName="onmouseover" to="alert(1)"/>', "event attribute|script"),
    ('<a href="javascript:alert(1)"><rect/></a>', "javascript|refers to"),
    ('<image href="https://evil.example/track.png"/>', "refers to 'https://evil"),
    ('<image xlink:href="file:///etc/passwd"/>', "refers to 'file:///etc/passwd'"),
    ('<image href="../../roles.yaml"/>', "refers to"),
    ('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>', "refers to 'data:image/svg"),
    ('<use href="other.svg#x"/>', "refers to 'other.svg#x'"),
    ('<rect style="fill: url(https://evil.example/f)"/>', "refers to 'https://evil"),
    ('<rect fill="url(\'http://x/y#z\')"/>', "refers to"),
    ("<style>@import url(#x); rect{fill:red}</style>", "imports"),
    ("<style>rect{background:url(http://evil.example/i.png)}</style>", "refers to"),
    ('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>',
     "foreignObject"),
    ('<html:iframe xmlns:html="http://www.w3.org/1999/xhtml" src="x"/>', "iframe"),
    ('<feImage href="https://evil.example/x"/>', "feImage|refers to"),
])
def test_svg_scripts_events_and_external_references_are_refused(body, words):
    with pytest.raises(UploadError, match=words):
        check_upload(svg(body))


def test_a_data_image_inside_an_svg_is_allowed():
    check_upload(svg('<image href="data:image/png;base64,iVBORw0KGgo=" width="5"/>'))


@pytest.mark.parametrize("data", [
    # billion laughs
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">'
    b']><svg xmlns="http://www.w3.org/2000/svg"><text>&b;</text></svg>',
    # external entity (XXE)
    b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
    # a bare DTD
    b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg"/>',
])
def test_svg_entities_and_dtds_are_refused(data):
    with pytest.raises(UploadError, match="DTD or entities"):
        check_upload(data)


def test_svg_style_sheet_links_and_broken_xml_and_non_svg_roots_are_refused():
    with pytest.raises(UploadError, match="style sheet"):
        check_upload(b'<?xml-stylesheet href="http://evil.example/s.css"?>' + svg(""))
    with pytest.raises(UploadError, match="cannot be read"):
        check_upload(b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>')
    with pytest.raises(UploadError, match="not an SVG"):
        check_upload(b'<?xml version="1.0"?><html><svg></svg></html>')


# --- printed size and resolution ----------------------------------------------------


def test_the_logo_box_comes_from_the_stylesheet():
    box = logo_box((LAYOUTS / "style.css").read_text("utf-8"))
    assert box.width_mm > 0 and box.height_mm > 0
    with pytest.raises(Exception, match="printed size is unknown"):
        logo_box("p { color: red }")


def test_effective_resolution_at_the_printed_size():
    box = LogoBox(40, 14)
    # the bundled PNG: 480 × 160 px fills the 40 mm width: 480 / (40 / 25.4) ppi
    logo = check_upload((LOGOS / "eksempel-skoleafdelingen.png").read_bytes())
    assert printed_size(480, 160, box) == pytest.approx((40, 40 / 3))
    assert effective_ppi(logo, box) == pytest.approx(304.8)
    assert effective_ppi(logo, box) >= LOW_PPI
    # a small logo prints at its CSS size (96 per inch) and is too soft for print
    small = check_upload(png(100, 30))
    assert printed_size(100, 30, box) == pytest.approx((100 * 25.4 / 96, 30 * 25.4 / 96))
    assert effective_ppi(small, box) == pytest.approx(96)
    # a tall logo is limited by the height
    tall = check_upload(png(200, 400))
    assert printed_size(200, 400, box)[1] == pytest.approx(14)
    assert effective_ppi(tall, box) == pytest.approx(400 / (14 / 25.4))
    assert effective_ppi(check_upload(svg("")), box) is None


def test_stored_logos_get_a_new_name_for_new_bytes(tmp_path):
    first = store(tmp_path, "testafdeling", check_upload(png(10, 10)))
    second = store(tmp_path, "testafdeling", check_upload(png(10, 10, colour=(0, 0, 0))))
    assert first != second and first.startswith("logos/testafdeling-")
    assert (tmp_path / first).is_file() and (tmp_path / second).is_file()
    assert store(tmp_path, "testafdeling", check_upload(png(10, 10))) == first
