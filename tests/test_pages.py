"""Page images (web/pages.py): PNGs PDFium renders, encoded by the module's own small
PNG writer, pixel for pixel what Pillow makes of the same bitmap."""

from __future__ import annotations

import io
import zlib

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import Image

from folder_builder.web.pages import PageImages, png_rgb, snap_width


def _pdf() -> bytes:
    """Two pages with a TrimBox inside the MediaBox and something coloured on them."""
    pdf = pikepdf.new()
    for colour in ("1 0 0", "0 0.5 1"):
        page = pdf.add_blank_page(page_size=(436.5, 612.3))
        page.obj.TrimBox = pikepdf.Array([8.5, 8.5, 428, 603.8])
        page.obj.Contents = pdf.make_stream(
            f"{colour} rg 20 30 200 300 re f 0 g 100 500 m 400 20 l 3 w S".encode())
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


def test_png_rgb_is_a_valid_png_of_exactly_the_pixels_given():
    width, height, stride = 5, 3, 17  # rows padded past their 15 bytes
    pixels = bytes((i * 37 + i // stride * 11) % 256 for i in range(stride * height))
    data = png_rgb(pixels, stride, width, height)
    image = Image.open(io.BytesIO(data))
    image.verify()  # chunk CRCs and structure
    image = Image.open(io.BytesIO(data))
    assert (image.mode, image.size) == ("RGB", (width, height))
    assert image.tobytes() == b"".join(pixels[y * stride:y * stride + width * 3]
                                       for y in range(height))
    # one IDAT, deflated
    idat = data.index(b"IDAT")
    length = int.from_bytes(data[idat - 4:idat], "big")
    assert zlib.decompress(data[idat + 4:idat + 4 + length])[0] == 0  # filter None


@pytest.mark.parametrize(("asked", "box"), [(480, "trim"), (640, "bleed"), (241, "trim")])
def test_page_images_are_what_pillow_makes_of_pdfiums_bitmap(asked, box):
    width = snap_width(asked)  # 241 → 320
    pdf = _pdf()
    images = PageImages(pdf)
    document = pdfium.PdfDocument(pdf)
    try:
        for index in range(2):
            png = Image.open(io.BytesIO(images.png(index, asked, box)))
            assert png.width == width and png.mode == "RGB"
            g = images.geometry[index]
            if box == "trim":
                left, top, w, h = g.trim
                crop = (left * g.media_w, (1 - top - h) * g.media_h,
                        (1 - left - w) * g.media_w, top * g.media_h)
                scale = (width + 0.99) / g.trim_w
            else:
                crop, scale = (0, 0, 0, 0), (width + 0.99) / g.media_w
            reference = document[index].render(scale=scale, crop=crop,
                                               may_draw_forms=False).to_pil()
            reference = reference.crop((0, 0, width, reference.height))
            assert png.tobytes() == reference.tobytes()
            # the colours came through in their order (a red, then a blue, page)
            r, _, b = png.getpixel((png.width // 4, png.height * 3 // 4))
            assert (r > 200 and b < 50) if index == 0 else (b > 200 and r < 50)
    finally:
        document.close()
