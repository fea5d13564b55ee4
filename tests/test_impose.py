"""The office-printer edition: a leaflet imposed on A4 for saddle stitching.

The central test folds the printed sheets back: it reads the sheets the way a
person reads the folded, stapled booklet (the right half of each front going in,
the left half of each back, then the other halves coming out) and checks that
this gives the leaflet's pages in order, by the text on them.
"""

from __future__ import annotations

import io

import pikepdf
import pypdfium2 as pdfium
import pytest

from conftest import CONTENT, normalise, page_texts
from folder_builder.build import BuildOptions, build
from folder_builder.cli import main
from folder_builder.errors import InputError
from folder_builder.impose import INSTRUCTION, MM, fold_order, impose


def fold_back(sides) -> list[int | None]:
    """Pages in the order a reader of the folded booklet meets them: going in
    through the sheets (front right, back left), then out again (back right,
    front left)."""
    by_sheet: dict[int, dict[bool, object]] = {}
    for side in sides:
        by_sheet.setdefault(side.sheet, {})[side.front] = side
    sheets = [by_sheet[n] for n in sorted(by_sheet)]
    order: list[int | None] = []
    for sheet in sheets:
        order += [sheet[True].right, sheet[False].left]
    for sheet in reversed(sheets):
        order += [sheet[False].right, sheet[True].left]
    return order


@pytest.mark.parametrize("pages", [4, 8, 12, 16, 28])
def test_fold_order_folds_back_to_the_pages_in_order(pages):
    sides = fold_order(pages)
    assert len(sides) == pages // 2  # two pages a side, two sides a sheet
    assert [s.front for s in sides] == [True, False] * (pages // 4)  # duplex order
    assert fold_back(sides) == list(range(1, pages + 1))


def test_a_short_booklet_is_completed_with_blank_pages_at_the_end():
    sides = fold_order(6)
    assert fold_back(sides) == [1, 2, 3, 4, 5, 6, None, None]
    assert fold_order(1)[0].left is None and fold_order(1)[0].right == 1
    with pytest.raises(InputError):
        fold_order(0)


@pytest.fixture(scope="module")
def leaflets(tmp_path_factory):
    """The department leaflet of one role, print (with bleed and marks) and screen."""
    out = tmp_path_factory.mktemp("impose") / "leaflet.pdf"
    results = build(BuildOptions(content=CONTENT, role="chef",
                                 department="eksempel-dagtilbud-nord",
                                 variants=("print", "screen"), output=out))
    return {r.variant: r.path for r in results}


def half_texts(pdf: bytes) -> list[tuple[str, str]]:
    """The text of the left and the right half of every sheet side."""
    doc = pdfium.PdfDocument(pdf)
    halves = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            width, height = page.get_size()
            textpage = page.get_textpage()
            # Bounded text marks a hyphen the layout inserted as U+0002, where
            # page_texts() sees U+FFFE: the same normalisation then applies.
            halves.append(tuple(
                normalise(textpage.get_text_bounded(left, 0, left + width / 2, height)
                          .replace("\x02", "\ufffe"))
                for left in (0, width / 2)))
            textpage.close()
            page.close()
    finally:
        doc.close()
    return halves


@pytest.mark.parametrize("variant", ["screen", "print"])
def test_the_imposed_leaflet_folds_back_into_its_pages(leaflets, variant):
    source = leaflets[variant]
    pages = page_texts(source)
    imposed = impose(source.read_bytes())
    with pikepdf.open(io.BytesIO(imposed)) as pdf:
        assert len(pdf.pages) == len(pages) // 2
        for page in pdf.pages:  # A4 landscape, nothing else
            x0, y0, x1, y1 = (float(v) for v in page.mediabox)
            assert (round((x1 - x0) / MM), round((y1 - y0) / MM)) == (297, 210)
            assert "/TrimBox" not in page.obj or [float(v) for v in page.trimbox] == \
                [x0, y0, x1, y1]
    halves = half_texts(imposed)
    sides = fold_order(len(pages))
    for side, (left, right) in zip(sides, halves, strict=True):
        assert left == pages[side.left - 1] and right == pages[side.right - 1]
    by_number = {}
    for side, (left, right) in zip(sides, halves, strict=True):
        by_number[side.left], by_number[side.right] = left, right
    read = [by_number[n] for n in fold_back(sides)]
    assert read == pages
    assert all(text for text in read)  # every page has text, so the check means something


def test_the_print_pdf_is_cut_to_its_trim_no_bleed_or_marks_reach_the_sheet(leaflets):
    """The cover's ring bleeds off the page; imposed, it stops exactly at the trim,
    so the half millimetre between the A5 page and the A4 sheet's edge stays white."""
    imposed = impose(leaflets["print"].read_bytes())
    doc = pdfium.PdfDocument(imposed)
    try:
        scale = 300 / 72
        image = doc[0].render(scale=scale).to_pil().convert("RGB")  # 8, 1: the cover right
    finally:
        doc.close()
    width, height = image.size
    margin = int(0.5 * MM * scale) - 1  # the white strip beside the A5 page
    strips = [image.crop((0, 0, margin, height)), image.crop((width - margin, 0, width, height))]
    for strip in strips:
        assert strip.getextrema() == ((255, 255),) * 3
    inside = image.crop((width - margin - 12, 0, width - margin - 4, height))
    assert inside.getextrema() != ((255, 255),) * 3  # the ring does reach the trim


def test_impose_refuses_what_is_not_a_pdf_or_too_large_a_page():
    with pytest.raises(InputError, match="cannot be read"):
        impose(b"not a pdf")
    big = pikepdf.new()
    big.add_blank_page(page_size=(595, 842))  # an A4 page does not go two to an A4 side
    buffer = io.BytesIO()
    big.save(buffer)
    with pytest.raises(InputError, match="too large"):
        impose(buffer.getvalue())
    with pytest.raises(InputError, match="unknown sheet"):
        impose(buffer.getvalue(), "a3")


def test_leaflet_command_writes_the_office_printer_edition(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["leaflet", "--content", str(CONTENT), "--role", "Chef",
                 "--department", "eksempel-skoleafdelingen", "--imposed", "a4"]) == 0
    out = capsys.readouterr().out
    target = tmp_path / "build" / "leaflets" / "chef--eksempel-skoleafdelingen-a4.pdf"
    assert f"wrote {target.relative_to(tmp_path)} (2 sheets of A4: {INSTRUCTION})" in out
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # nothing else
    texts = [left + " " + right for left, right in half_texts(target.read_bytes())]
    assert "Skoleafdelingen (eksempel)" in texts[0]
    assert INSTRUCTION == "print both sides, flip on short edge, fold, staple"
