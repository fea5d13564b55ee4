"""preflight.py: each check passes on a PDF made the way the build makes it, and
fails, naming the figure that is wrong, on a PDF that breaks just that rule.

The PDFs are real WeasyPrint output (a few pages of text in the project's fonts),
some touched up or broken afterwards with pikepdf. Each is rendered once per module.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pikepdf
import pytest
import weasyprint
from PIL import Image
from weasyprint.text.fonts import FontConfiguration

from folder_builder.errors import InputError
from folder_builder.pdfa import make_archival
from folder_builder.preflight import VARIANTS, CheckResult, Report, preflight

ROOT = Path(__file__).resolve().parent.parent
FONTS_CSS = ROOT / "fonts" / "fonts.css"
CMYK_PROFILE = ROOT / "layouts" / "colour" / "FOGRA39-folder-builder.icc"
MM = 72 / 25.4

PRINT_CHECKS = ["pages", "trim box", "bleed box", "fonts", "colour", "output intent", "PDF/X",
                "trapped", "small text"]
SCREEN_CHECKS = ["pages", "page size", "fonts", "colour", "output intent", "PDF/A", "tagged",
                 "language", "title", "outline"]

#: Registers the CMYK profile, which makes WeasyPrint write it as the output intent.
CMYK_PROFILE_CSS = (f"@color-profile device-cmyk {{ src: url({CMYK_PROFILE.as_uri()}); "
                    "components: c, m, y, k }\n")
PRINT_CSS = CMYK_PROFILE_CSS + """
@page { size: A5; bleed: 3mm; margin: 15mm }
html { color: device-cmyk(0 0 0 1); font-family: "Source Sans 3" }
h1 { color: device-cmyk(1 0.5 0 0) }
section + section { break-before: page }
.band { background: device-cmyk(0 0 0 0.05); border-top: 1pt solid device-cmyk(0 1 1 0) }
"""

SCREEN_CSS = """
@page { size: A5; margin: 15mm }
html { color: rgb(20 20 20); font-family: "Source Sans 3" }
h1, h2 { color: #036 }
.band { background: rgb(240 240 240) }
"""


def sections(count: int, extra: dict[int, str] | None = None) -> str:
    """``count`` pages of text, one section each; ``extra`` adds HTML to a page (1-based)."""
    extra = extra or {}
    return "".join(
        f"<section><h1>Afsnit {n}</h1><p>Tekst på side {n} med <b>fed</b> og "
        f"<i>kursiv</i>.</p><p class=band>Bånd</p>{extra.get(n, '')}</section>"
        for n in range(1, count + 1)
    )


def render(body: str, css: str, *, base: Path = ROOT, lang: str | None = "da",
           title: str | None = "Sammen om Kerneopgaven", **options: object) -> bytes:
    """A PDF from WeasyPrint with the project's fonts (embedded and subset)."""
    fonts = FontConfiguration()
    profiles: dict[str, object] = {}  # where @color-profile lands; shared by CSS and PDF
    stylesheets = [
        weasyprint.CSS(filename=str(FONTS_CSS), font_config=fonts),
        weasyprint.CSS(string=css, font_config=fonts, color_profiles=profiles),
    ]
    lang_attr = f' lang="{lang}"' if lang else ""
    head = f"<title>{title}</title>" if title else ""
    html = f"<!doctype html><html{lang_attr}><head>{head}</head><body>{body}</body></html>"
    return weasyprint.HTML(string=html, base_url=str(base) + "/").write_pdf(
        stylesheets=stylesheets, font_config=fonts, color_profiles=profiles, **options)


def finish_for_print(data: bytes, *, bleed_box: bool = True) -> bytes:
    """What the build adds after WeasyPrint: an exact 3 mm BleedBox (unless
    ``bleed_box`` is false) and the output intent's RegistryName, which WeasyPrint
    70 does not write."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        for page in pdf.pages if bleed_box else ():
            x0, y0, x1, y1 = (float(v) for v in page.obj.TrimBox)
            bleed = 3 * MM
            page.obj.BleedBox = pikepdf.Array(
                [Decimal(f"{v:.6f}") for v in (x0 - bleed, y0 - bleed, x1 + bleed, y1 + bleed)])
        pdf.Root.OutputIntents[0].RegistryName = pikepdf.String("http://www.color.org")
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def edited(data: bytes, change) -> bytes:
    """``data`` after ``change(pdf)``."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        change(pdf)
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def result(report: Report, name: str) -> CheckResult:
    (found,) = [r for r in report.results if r.name == name]
    return found


def failed(report: Report) -> list[str]:
    return [r.name for r in report.failures]


def print_pdf(body: str, css: str = PRINT_CSS, *, bleed_box: bool = True,
              **options: object) -> bytes:
    return finish_for_print(render(body, css, pdf_variant="pdf/x-4", **options),
                            bleed_box=bleed_box)


def screen_pdf(body: str, css: str = SCREEN_CSS, **options: object) -> bytes:
    """A screen PDF as the build makes it: PDF/UA-1 from WeasyPrint, then PDF/A-2a."""
    options.setdefault("pdf_variant", "pdf/ua-1")
    with pikepdf.open(io.BytesIO(render(body, css, output_intent="srgb", **options))) as pdf:
        make_archival(pdf, "preflight test")
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


# --- the print PDF ----------------------------------------------------------------


@pytest.fixture(scope="module")
def good_print(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("preflight") / "print.pdf"
    path.write_bytes(print_pdf(sections(4)))
    return path


def test_weasyprint_bleed_box_is_its_media_box():
    """WeasyPrint puts the BleedBox on the MediaBox (trim + 3 mm), so the build's
    exact BleedBox changes nothing here; the check reads the box either way."""
    raw = render(sections(4), PRINT_CSS, pdf_variant="pdf/x-4")
    with pikepdf.open(io.BytesIO(raw)) as pdf:
        page = pdf.pages[0].obj
        trim = [float(v) for v in page.TrimBox]
        assert [float(v) for v in page.BleedBox] == pytest.approx(
            [float(v) for v in page.MediaBox], abs=1e-3)
        assert [float(v) for v in page.BleedBox] == pytest.approx(
            [trim[0] - 3 * MM, trim[1] - 3 * MM, trim[2] + 3 * MM, trim[3] + 3 * MM], abs=1e-3)
        assert "/RegistryName" not in pdf.Root.OutputIntents[0]


def test_good_print_pdf_passes_every_print_check(good_print):
    report = preflight(good_print, "print")
    assert report.variant == "print"
    assert [r.name for r in report.results] == PRINT_CHECKS
    assert report.passed, report.format()
    assert report.failures == ()
    assert result(report, "pages").detail == "4 pages, a multiple of 4"
    assert result(report, "trim box").detail == "148.0 × 210.0 mm on all 4 pages"
    assert result(report, "bleed box").detail.startswith("3.0 mm on every side of all 4 pages")
    # regular, bold and italic, each a subset
    assert result(report, "fonts").detail == "3 fonts, all embedded and subset"
    assert "DeviceCMYK" in result(report, "colour").detail
    intent = result(report, "output intent").detail
    assert intent.startswith("GTS_PDFX, FOGRA39 (CMYK ICC, ")
    assert intent.endswith("registry http://www.color.org")
    assert result(report, "PDF/X").detail == "declares PDF/X-4"
    assert result(report, "trapped").detail == "Info /Trapped is /False"
    assert result(report, "small text").detail == "no text below 9 pt in more than 2 inks"


def test_bytes_and_path_give_the_same_report(good_print):
    assert preflight(good_print.read_bytes(), "print") == preflight(good_print, "print")


def test_rgb_text_colour_fails_colour_naming_the_page():
    red = '<p style="color: rgb(255,0,0)">Rød tekst</p>'
    report = preflight(print_pdf(sections(4, {3: red})), "print")
    assert failed(report) == ["colour"]
    detail = result(report, "colour").detail
    assert "page 3: fill colour rg in page content" in detail
    assert "page 1" not in detail and "page 2" not in detail


def test_rgb_image_fails_colour_naming_the_image(tmp_path):
    Image.new("RGB", (8, 8), (200, 30, 30)).save(tmp_path / "photo.png")
    body = sections(4, {2: '<img src="photo.png" alt="" style="width: 2cm">'})
    report = preflight(print_pdf(body, base=tmp_path), "print")
    assert failed(report) == ["colour"]
    assert re.search(r"page 2: image /\S+ is DeviceRGB", result(report, "colour").detail)


def test_rgb_gradient_in_a_cmyk_shading_fails_colour():
    """WeasyPrint 70 writes gradient colours as sRGB numbers into a shading it says
    is CMYK (and cannot draw a device-cmyk() gradient at all)."""
    css = PRINT_CSS + ".fade { height: 1cm; background: linear-gradient(#fff, #036) }"
    report = preflight(print_pdf(sections(4, {1: '<div class="fade"></div>'}), css), "print")
    assert failed(report) == ["colour"]
    detail = result(report, "colour").detail
    assert re.search(r"page 1: shading /\S+ gives 3 numbers per colour to ICCBased CMYK, "
                     r"which takes 4", detail), detail


def test_rgb_transparency_group_fails_colour(good_print):
    def rgb_group(pdf):
        pdf.pages[1].obj.Group = pikepdf.Dictionary(
            Type=pikepdf.Name.Group, S=pikepdf.Name.Transparency, CS=pikepdf.Name.DeviceRGB)

    report = preflight(edited(good_print.read_bytes(), rgb_group), "print")
    assert failed(report) == ["colour"]
    assert "page 2: transparency group of page is RGB (DeviceRGB)" in result(
        report, "colour").detail


def test_rgb_is_found_wherever_a_pdf_can_hide_it():
    """Places WeasyPrint does not use but other PDFs do: an inline image, a shading
    pattern, an indexed image and a named ICC colour space inside a form, and an
    annotation's appearance."""
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(148 * MM, 210 * MM))
    page = pdf.pages[0].obj
    rgb_icc = pdf.make_stream(b"not checked", N=3)
    image = pdf.make_stream(
        b"\0\0\0", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image, Width=1, Height=1,
        BitsPerComponent=8,
        ColorSpace=pikepdf.Array([pikepdf.Name.Indexed, pikepdf.Name.DeviceRGB, 0, b"\0\0\0"]))
    form = pdf.make_stream(
        b"/Im1 Do /CS1 CS", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
        BBox=[0, 0, 10, 10], Resources=pikepdf.Dictionary(
            XObject=pikepdf.Dictionary(Im1=image),
            ColorSpace=pikepdf.Dictionary(CS1=pikepdf.Array([pikepdf.Name.ICCBased, rgb_icc]))))
    shading = pikepdf.Dictionary(
        ShadingType=2, ColorSpace=pikepdf.Name.DeviceRGB, Coords=[0, 0, 1, 1],
        Function=pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0], C1=[1, 1, 1],
                                    N=1))
    pattern = pdf.make_indirect(pikepdf.Dictionary(PatternType=2, Shading=shading))
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Fm1=form),
                                        Pattern=pikepdf.Dictionary(P1=pattern))
    page.Contents = pdf.make_stream(
        b"q BI /W 1 /H 1 /CS /RGB /BPC 8 ID \0\0\0 EI Q "
        b"/Pattern cs /P1 scn 0 0 10 10 re f /Fm1 Do")
    appearance = pdf.make_stream(b"1 0 0 RG 0 0 m 5 5 l S", Type=pikepdf.Name.XObject,
                                 Subtype=pikepdf.Name.Form, BBox=[0, 0, 10, 10])
    page.Annots = pikepdf.Array([pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Square, Rect=[0, 0, 10, 10],
        AP=pikepdf.Dictionary(N=appearance)))])
    out = io.BytesIO()
    pdf.save(out)

    report = preflight(out.getvalue(), "print")
    assert not result(report, "colour").passed
    assert result(report, "colour").detail == (
        "RGB used: page 1: inline image is DeviceRGB in page content; "
        "page 1: shading pattern /P1 is DeviceRGB in page content; "
        "page 1: image /Im1 is Indexed DeviceRGB in form /Fm1; "
        "page 1: stroke colour space /CS1 is ICCBased RGB (CS) in form /Fm1; "
        "page 1: stroke colour RG in annotation 1 appearance "
        "(colour spaces DeviceRGB, Indexed DeviceRGB, ICCBased RGB)")
    # a page without boxes has nothing to trim to
    assert result(report, "trim box").detail.startswith("page 1: no TrimBox")


def test_unembedded_font_fails_fonts(good_print):
    def add_helvetica(pdf):
        page = pdf.pages[0]
        font = pdf.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name.Helvetica))
        page.add_resource(font, pikepdf.Name.Font, pikepdf.Name.F9)
        page.contents_add(pdf.make_stream(b"BT /F9 12 Tf 72 72 Td (Hej) Tj ET"))

    report = preflight(edited(good_print.read_bytes(), add_helvetica), "print")
    assert failed(report) == ["fonts"]
    assert result(report, "fonts").detail == "1 of 4 fonts: Helvetica (not embedded, not subset)"


def test_a4_pages_fail_an_a5_trim_box():
    a4 = print_pdf(sections(4), PRINT_CSS.replace("size: A5", "size: A4"))
    report = preflight(a4, "print", trim_mm=(148, 210))
    assert failed(report) == ["trim box"]
    assert result(report, "trim box").detail == (
        "pages 1–4: 210.0 × 297.0 mm; expected 148.0 × 210.0 mm")
    # the same PDF is right for an A4 product, and is one size throughout
    assert preflight(a4, "print", trim_mm=(210, 297)).passed
    assert result(preflight(a4, "print"),
                  "trim box").detail == "210.0 × 297.0 mm on all 4 pages"


def test_without_a_size_every_page_must_have_the_first_pages(good_print):
    def shrink_last(pdf):
        pdf.pages[-1].obj.TrimBox = pikepdf.Array([0, 0, 100, 100])

    report = preflight(edited(good_print.read_bytes(), shrink_last), "print")
    assert "trim box" in failed(report)
    assert "page 4: 35.3 × 35.3 mm; expected 148.0 × 210.0 mm" in result(
        report, "trim box").detail


def test_27_pages_fail_pages():
    report = preflight(print_pdf(sections(27)), "print")
    assert failed(report) == ["pages"]
    assert result(report, "pages").detail == "27 pages, not a multiple of 4 (saddle stitch)"


def test_no_bleed_fails_bleed_box():
    css = PRINT_CSS.replace("bleed: 3mm; ", "")
    # as WeasyPrint writes it: TrimBox, BleedBox and MediaBox all the same
    report = preflight(print_pdf(sections(4), css, bleed_box=False), "print")
    assert failed(report) == ["bleed box"]
    assert result(report, "bleed box").detail.startswith("pages 1–4: 0.0 mm; expected 3.0 mm")


def test_bleed_box_beyond_the_media_box_fails(good_print):
    def crop_to_trim(pdf):
        for page in pdf.pages:
            page.obj.MediaBox = page.obj.TrimBox

    report = preflight(edited(good_print.read_bytes(), crop_to_trim), "print")
    assert "bleed box" in failed(report)
    assert "pages 1–4: BleedBox reaches beyond the MediaBox" in result(report, "bleed box").detail


def test_plain_pdf_fails_output_intent_pdfx_and_trapped():
    css = PRINT_CSS.removeprefix(CMYK_PROFILE_CSS)
    report = preflight(render(sections(4), css), "print")
    assert failed(report) == ["output intent", "PDF/X", "trapped"]
    assert result(report, "output intent").detail == "no /OutputIntents in the document catalog"
    assert result(report, "PDF/X").detail == "no GTS_PDFXVersion in the XMP metadata or Info"
    assert result(report, "trapped").detail == "no /Trapped in the Info dictionary"


def test_output_intent_needs_a_registry_name_and_trapped_a_value(good_print):
    def undo(pdf):
        del pdf.Root.OutputIntents[0].RegistryName
        pdf.docinfo.Trapped = pikepdf.Name.Unknown

    report = preflight(edited(good_print.read_bytes(), undo), "print")
    assert failed(report) == ["output intent", "trapped"]
    assert result(report, "output intent").detail == "GTS_PDFX FOGRA39: no /RegistryName"
    assert result(report, "trapped").detail == (
        "Info /Trapped is /Unknown; it must be /True or /False")


# --- the screen PDF -----------------------------------------------------------------

SCREEN_BODY = ("<h1>Sammen om Kerneopgaven</h1><h2>Formål</h2><p>Tekst med <b>fed</b>.</p>"
               "<ul><li>Et punkt</li></ul><h2>Roller</h2><p class=band>Mere tekst.</p>")


@pytest.fixture(scope="module")
def good_screen(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("preflight") / "screen.pdf"
    path.write_bytes(screen_pdf(SCREEN_BODY))
    return path


def test_good_screen_pdf_passes_every_screen_check(good_screen):
    report = preflight(good_screen, "screen")
    assert [r.name for r in report.results] == SCREEN_CHECKS
    assert report.passed, report.format()
    assert result(report, "pages").detail == "1 page"
    assert result(report, "page size").detail == (
        "148.0 × 210.0 mm on the only page, no bleed")
    assert result(report, "fonts").detail == "2 fonts, all embedded and subset"
    assert "DeviceRGB" in result(report, "colour").detail
    assert "sRGB (RGB ICC" in result(report, "output intent").detail
    assert result(report, "PDF/A").detail == (
        "declares PDF/A-2a, output intent GTS_PDFA1, 0 annotations printable")
    tagged = result(report, "tagged").detail
    assert re.match(r"structure tree with \d+ elements \(Document 1, H1 1, ", tagged), tagged
    assert "H2 2" in tagged and "L 1" in tagged and tagged.endswith(", PDF/UA-1")
    assert result(report, "language").detail == "da"
    assert result(report, "title").detail == "“Sammen om Kerneopgaven”, shown as the window title"
    assert result(report, "outline").detail == "3 entries"  # h1 with two h2 inside


def test_print_pdf_is_not_a_screen_pdf_and_back(good_print, good_screen):
    as_screen = preflight(good_print, "screen")
    assert set(failed(as_screen)) == {"page size", "colour", "output intent", "PDF/A", "tagged",
                                      "title"}
    assert "MediaBox 154.0 × 216.0 mm" in result(as_screen, "page size").detail
    as_print = preflight(good_screen, "print")
    # the screen page is A5, so its TrimBox (WeasyPrint writes one) is right
    assert set(failed(as_print)) == {"pages", "bleed box", "colour", "output intent",
                                     "PDF/X", "trapped"}


def test_untagged_screen_pdf_fails_tagged():
    report = preflight(screen_pdf(SCREEN_BODY, pdf_variant=None), "screen")
    assert "tagged" in failed(report)
    detail = result(report, "tagged").detail
    assert "not marked as tagged" in detail and "no structure tree" in detail
    assert "pdfuaid:part 1" in detail
    # WeasyPrint sets DisplayDocTitle only for PDF/UA; PDF/A is made on top of
    # PDF/UA; nothing else is missing
    assert set(failed(report)) == {"tagged", "title", "PDF/A"}


def test_cmyk_colour_in_screen_pdf_fails_colour():
    body = SCREEN_BODY + '<p style="color: device-cmyk(0 1 0 0)">Magenta</p>'
    report = preflight(screen_pdf(body), "screen")
    assert failed(report) == ["colour"]
    assert "page 1: fill colour space DeviceCMYK (cs) in page content" in result(
        report, "colour").detail


def test_missing_language_fails_language():
    report = preflight(screen_pdf(SCREEN_BODY, lang=None), "screen")
    assert failed(report) == ["language"]
    assert result(report, "language").detail == "no /Lang in the document catalog"


def test_missing_title_and_outline_fail(good_screen):
    def strip(pdf):
        del pdf.docinfo.Title
        del pdf.Root.Outlines
        with pdf.open_metadata() as meta:
            del meta["dc:title"]

    report = preflight(edited(good_screen.read_bytes(), strip), "screen")
    assert failed(report) == ["title", "outline"]
    assert result(report, "outline").detail == "no outline (bookmarks)"


# --- input and the report -------------------------------------------------------------


def test_a_file_that_is_not_a_pdf_is_an_input_error(tmp_path):
    path = tmp_path / "notes.pdf"
    path.write_text("Dette er ikke en PDF.\n")
    with pytest.raises(InputError) as info:
        preflight(path, "print")
    assert str(path) in info.value.message
    assert "not a PDF" in info.value.message
    assert "Traceback" not in info.value.report()


def test_a_missing_file_is_an_input_error(tmp_path):
    path = tmp_path / "missing.pdf"
    with pytest.raises(InputError, match=r"missing\.pdf: cannot read the file"):
        preflight(path, "print")


def test_bytes_that_are_not_a_pdf_are_an_input_error():
    with pytest.raises(InputError, match="the PDF: not a PDF"):
        preflight(b"<html></html>", "screen")


def test_unknown_variant_is_an_input_error(good_print):
    assert VARIANTS == ("print", "screen")
    with pytest.raises(InputError, match="unknown variant 'web'"):
        preflight(good_print, "web")


def test_format_is_one_aligned_line_per_check(good_print):
    report = preflight(good_print, "screen")
    lines = report.format().splitlines()
    assert len(lines) == len(report.results)
    width = max(len(name) for name in SCREEN_CHECKS) + 2
    for line, check in zip(lines, report.results, strict=True):
        status = "PASS" if check.passed else "FAIL"
        assert line == f"{status}  {check.name.ljust(width)}{check.detail}"
    assert "\x1b" not in report.format()
    assert lines[0] == "PASS  pages          4 pages"
    assert lines[1].startswith("FAIL  page size      ")


def test_report_passed_and_failures():
    ok = CheckResult("pages", True, "4 pages")
    bad = CheckResult("colour", False, "RGB")
    assert Report("print", (ok,)).passed
    report = Report("print", (ok, bad))
    assert not report.passed
    assert report.failures == (bad,)


# --- small text in many inks ------------------------------------------------------


def test_small_text_in_three_or_four_inks_fails_with_pages_and_sizes():
    """7 pt in a four-ink blue on pages 2 and 3 fails; the same size in two inks,
    and 12 pt in four, pass."""
    small = ('<p style="font-size: 7pt; color: device-cmyk(1 0.62 0.1 0.18)">Lille</p>'
             '<p style="font-size: 8.5pt; color: device-cmyk(0 0.7 1 0.3)">Mindre</p>')
    fine = ('<p style="font-size: 7pt; color: device-cmyk(1 0.6 0 0)">To farver</p>'
            '<p style="font-size: 12pt; color: device-cmyk(1 0.62 0 0.18)">Stor</p>')
    report = preflight(print_pdf(sections(4, {2: small, 3: small, 4: fine})), "print")
    assert failed(report) == ["small text"]
    assert result(report, "small text").detail == (
        "text below 9 pt in 3–4 inks (misregister risk): pages 2–3, 7–8.5 pt; "
        "set it in 2 inks at most, or larger")
    assert preflight(print_pdf(sections(4, {4: fine})), "print").passed


def test_small_text_is_measured_as_drawn_on_the_page():
    """Scaled type counts at the size it lands: 18 pt text scaled by a half is 9 pt
    (passes), by a third it is 6 pt (fails)."""
    def scaled(factor: str) -> str:
        return (f'<p style="font-size: 18pt; transform: scale({factor}); '
                'color: device-cmyk(0.08 0.92 0.48 0.08)">Skaleret</p>')

    assert preflight(print_pdf(sections(4, {1: scaled("0.5")})), "print").passed
    report = preflight(print_pdf(sections(4, {1: scaled("0.3333")})), "print")
    assert result(report, "small text").detail.startswith(
        "text below 9 pt in 4 inks (misregister risk): page 1, 6 pt")


def test_screen_pdf_without_pdfa_fails_pdfa_naming_what_is_missing():
    raw = render(SCREEN_BODY + '<p><a href="https://example.com">link</a></p>', SCREEN_CSS,
                 pdf_variant="pdf/ua-1", output_intent="srgb")
    report = preflight(raw, "screen")
    assert failed(report) == ["PDF/A"]
    assert result(report, "PDF/A").detail == (
        "XMP does not declare PDF/A (pdfaid:part 2); no /GTS_PDFA1 output intent; "
        "annotations without the Print flag on page 1")


def test_a_page_seen_before_is_not_read_again_but_reported_where_it_is_now(monkeypatch):
    """A warm session's proof changes a few pages of many: preflight reads only pages
    whose digest it has not seen. A page seen before is reported on the page it is on
    in this PDF, with what it was found to hold."""
    small = '<p style="font-size: 7pt; color: device-cmyk(1 0.62 0.1 0.18)">Lille</p>'
    rgb = '<p style="color: rgb(200, 0, 0)">Rød</p>'
    data = print_pdf(sections(4, {2: small + rgb}))
    first = preflight(data, "print")
    assert "page 2" in result(first, "small text").detail
    assert "page 2:" in result(first, "colour").detail

    def moved(pdf):  # the flawed page now stands third
        pdf.pages.insert(0, pdf.pages[2])
        del pdf.pages[3]

    parsed = []
    original = pikepdf.parse_content_stream
    monkeypatch.setattr(pikepdf, "parse_content_stream",
                        lambda stream, *a: parsed.append(stream) or original(stream, *a))
    again = preflight(edited(data, moved), "print")
    assert parsed == []  # every page seen before: nothing read again
    assert "page 3" in result(again, "small text").detail
    assert "page 3:" in result(again, "colour").detail and "page 2" not in \
        result(again, "colour").detail
    # a page never seen is read
    preflight(print_pdf(sections(4, {1: small})), "print")
    assert parsed


def test_the_variant_owns_which_checks_run(good_print):
    """preflight() runs the checks the Variant holds, not a list picked by its name."""
    from dataclasses import replace

    from folder_builder.variants import PRINT

    assert [r.name for r in preflight(good_print, PRINT).results] == \
        [r.name for r in preflight(good_print, "print").results]
    seen = []

    def one_check(pdf, trim_mm, bleed_mm):
        seen.append((len(pdf.pages), bleed_mm))
        return (CheckResult("pages counted", True, f"{len(pdf.pages)} pages"),)

    own = replace(PRINT, name="proof", checks=one_check)
    report = preflight(good_print, own, bleed_mm=5)
    assert report.variant == "proof"
    assert [r.name for r in report.results] == ["pages counted"]
    assert seen and seen[0][1] == 5


def test_no_module_of_the_core_picks_by_a_variant_name():
    """What differs between print and screen is asked of the Variant (variants.py);
    no module of the core tests a variant's name."""
    import folder_builder

    package = Path(folder_builder.__file__).parent
    name_test = re.compile(r"""(==|!=)\s*["'](print|screen)["']|["'](print|screen)["']\s*(==|!=)""")
    offenders = [f"{path.relative_to(package)}:{number}"
                 for path in sorted(package.glob("*.py")) if path.name != "variants.py"
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if name_test.search(line)]
    assert not offenders, offenders
