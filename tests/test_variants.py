"""The print and screen variants of the folder, as the print shop and the web get them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pytest
from PIL import ImageCms

from conftest import CONTENT, LAYOUTS, copy_content, page_texts, small_plan
from folder_builder.build import BuildOptions, build
from folder_builder.cli import main
from folder_builder.content import load_content
from folder_builder.errors import InputError, PreflightError
from folder_builder.preflight import preflight
from folder_builder.printlinks import load_links

MM = 72 / 25.4
A5 = (148 * MM, 210 * MM)
BLEED = 3 * MM


@pytest.fixture(scope="module")
def print_pdf(folders):
    with pikepdf.open(folders["print"].path) as pdf:
        yield pdf


@pytest.fixture(scope="module")
def screen_pdf(folders):
    with pikepdf.open(folders["screen"].path) as pdf:
        yield pdf


def box(page: pikepdf.Page, name: str) -> list[float]:
    return [float(v) for v in page.obj[name]]


# --- print ---------------------------------------------------------------------------


def test_both_variants_pass_preflight(folders):
    for variant, result in folders.items():
        report = preflight(result.path, variant)
        assert report.passed, report.format()
        assert result.report == report.format()


def test_print_boxes_trim_a5_with_3mm_bleed_and_room_for_marks(print_pdf):
    for number, page in enumerate(print_pdf.pages, 1):
        x0, y0, x1, y1 = box(page, "/TrimBox")
        assert (x1 - x0, y1 - y0) == pytest.approx(A5, abs=0.01), number
        assert box(page, "/BleedBox") == pytest.approx(
            [x0 - BLEED, y0 - BLEED, x1 + BLEED, y1 + BLEED], abs=0.01), number
        mx0, my0, mx1, my1 = box(page, "/MediaBox")
        assert mx0 < x0 - BLEED - 5 * MM and mx1 > x1 + BLEED + 5 * MM, number
        assert my0 < y0 - BLEED - 5 * MM and my1 > y1 + BLEED + 5 * MM, number


def test_crop_marks_are_registration_lines_outside_the_bleed(print_pdf):
    """Crop marks print on every plate: a Separation /All colour at 100 %."""
    page = print_pdf.pages[4]
    x0, y0, x1, y1 = box(page, "/TrimBox")
    ops = pikepdf.parse_content_stream(page)
    [at] = [i for i, op in enumerate(ops)
            if str(op.operator) == "CS" and str(op.operands[0]) == "/Registration"]
    space = page.resources.ColorSpace.Registration
    assert [str(v) for v in space[:3]] == ["/Separation", "/All", "/DeviceCMYK"]
    assert [float(v) for v in space[3].C1] == [1, 1, 1, 1]
    marks = ops[at + 1:]
    assert str(marks[0].operator) == "SCN" and [float(v) for v in marks[0].operands] == [1]
    assert [str(op.operator) for op in marks].count("S") == 8
    assert not {str(op.operator) for op in marks} & {"K", "k", "RG", "rg", "CS", "cs", "G"}
    ops = ops[at:]
    lines = []
    points = [op for op in ops if str(op.operator) in ("m", "l")]
    for move, line in zip(points[::2], points[1::2], strict=False):
        lines.append([float(v) for v in (*move.operands, *line.operands)])
    corner_marks = [
        ln for ln in lines
        if min(abs(ln[0] - x0), abs(ln[0] - x1), abs(ln[1] - y0), abs(ln[1] - y1)) < 0.01
        and (ln[0] < x0 - BLEED + 0.01 or ln[0] > x1 + BLEED - 0.01
             or ln[1] < y0 - BLEED + 0.01 or ln[1] > y1 + BLEED - 0.01)
    ]
    assert len(corner_marks) == 8  # two per corner, each starting outside the bleed


def test_print_has_no_rgb_and_declares_pdfx4_with_a_fogra39_intent(print_pdf, folders):
    report = preflight(folders["print"].path, "print")
    by_name = {r.name: r for r in report.results}
    assert by_name["colour"].passed and "RGB" not in by_name["colour"].detail.split("no ")[0]
    intent = print_pdf.Root.OutputIntents[0]
    assert str(intent.S) == "/GTS_PDFX"
    assert str(intent.OutputConditionIdentifier) == "FOGRA39"
    assert str(intent.RegistryName) == "http://www.color.org"
    assert int(intent.DestOutputProfile.N) == 4
    with print_pdf.open_metadata() as meta:
        assert meta["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
    assert str(print_pdf.trailer.Info.Trapped) == "/False"


def test_print_has_no_interactive_annotations(print_pdf):
    assert not any("/Annots" in page.obj for page in print_pdf.pages)


def test_cover_art_runs_on_into_the_bleed(folders):
    """The ring on the cover touches the right and bottom trim edges; it must go on
    to the bleed edge, where the crop marks begin."""
    doc = pdfium.PdfDocument(str(folders["print"].path))
    page = doc[0]
    scale = 4
    image = page.render(scale=scale).to_pil().convert("RGB")
    media = box_of(folders["print"].path, 0, "/MediaBox")
    trim = box_of(folders["print"].path, 0, "/TrimBox")

    def pixel(x_pt: float, y_pt: float) -> tuple[int, int, int]:
        return image.getpixel((round((x_pt - media[0]) * scale),
                               round((media[3] - y_pt) * scale)))

    # Halfway into the bleed below the trim, under the ring's lower-right part.
    inside_bleed = pixel(trim[2] - 10 * MM, trim[1] - BLEED / 2)
    assert sum(inside_bleed) < 3 * 240, inside_bleed
    # Beyond the bleed the sheet is white.
    assert pixel(trim[2] - 10 * MM, trim[1] - BLEED - 1 * MM) == (255, 255, 255)


def box_of(path: Path, index: int, name: str) -> list[float]:
    with pikepdf.open(path) as pdf:
        return box(pdf.pages[index], name)


def small_folder(tmp_path: Path) -> Path:
    """A content copy whose folder is the small plan (4 pages): for a test that reads
    what every page or the document has, not the 28 pages."""
    root = copy_content(tmp_path)
    small_plan(root)
    return root


def test_no_marks_leaves_the_sheet_at_the_bleed(tmp_path):
    [result] = build(BuildOptions(content=small_folder(tmp_path), output=tmp_path / "f.pdf",
                                  marks=False))
    with pikepdf.open(result.path) as pdf:
        page = pdf.pages[0]
        assert box(page, "/MediaBox") == pytest.approx(box(page, "/BleedBox"), abs=0.01)
        assert not any(str(op.operator) == "CS" and op.operands[0] == "/Registration"
                       for op in pikepdf.parse_content_stream(page))


# --- screen --------------------------------------------------------------------------


def test_screen_pages_are_a5_without_bleed(screen_pdf):
    for number, page in enumerate(screen_pdf.pages, 1):
        x0, y0, x1, y1 = box(page, "/MediaBox")
        assert (x1 - x0, y1 - y0) == pytest.approx(A5, abs=0.01), number
        for name in ("/TrimBox", "/BleedBox"):
            if name in page.obj:
                assert box(page, name) == pytest.approx([x0, y0, x1, y1], abs=0.01)


def test_screen_is_tagged_ua_with_language_title_and_srgb(screen_pdf):
    root = screen_pdf.Root
    assert bool(root.MarkInfo.Marked)
    assert "/StructTreeRoot" in root
    assert str(root.Lang) == "da"
    assert bool(root.ViewerPreferences.DisplayDocTitle)
    assert str(screen_pdf.trailer.Info.Title) == "Sammen om Kerneopgaven"
    assert int(root.OutputIntents[0].DestOutputProfile.N) == 3
    with screen_pdf.open_metadata() as meta:
        assert meta["pdfuaid:part"] == "1"


def test_outline_has_one_entry_per_section(screen_pdf, folders):
    with screen_pdf.open_outline() as outline:
        titles = [item.title for item in outline.root]
    sections = folders["screen"].landings
    assert len(titles) == len(sections) == 17
    assert titles[:5] == ["Forside", "Forord", "Læsevejledning", "Modellen", "Det vi er fælles om"]
    assert "Leder af medarbejder" in titles
    assert "Sammen udvikler vi en bæredygtig organisation" in titles
    assert titles[-3:] == ["Den Nye Syntese", "Noter", "Bagside"]


def structure_elements(pdf: pikepdf.Pdf) -> list[pikepdf.Dictionary]:
    found, todo = [], [pdf.Root.StructTreeRoot]
    while todo:
        node = todo.pop()
        if isinstance(node, pikepdf.Dictionary):
            if "/S" in node:
                found.append(node)
            kids = node.get("/K")
            if isinstance(kids, pikepdf.Array):
                todo.extend(kids)
            elif isinstance(kids, pikepdf.Dictionary):
                todo.append(kids)
    return found


def test_model_diagram_has_alternative_text_from_content(screen_pdf):
    figures = [e for e in structure_elements(screen_pdf) if str(e.S) == "/Figure"]
    assert figures and all("/Alt" in f for f in figures)
    alt = str(figures[0].Alt)
    for heading in ("Sammen sikrer vi driften", "Sammen udvikler vi en bæredygtig organisation",
                    "Compliance", "Resiliens"):
        assert heading in alt


def test_headings_and_lists_are_tagged(screen_pdf):
    kinds = {str(e.S) for e in structure_elements(screen_pdf)}
    assert {"/H1", "/H2", "/H3", "/L", "/LI", "/Table", "/TH", "/Link"} <= kinds


def test_reading_guide_page_references_link_to_their_sections(screen_pdf, folders):
    landings = folders["screen"].landings
    guide_page = screen_pdf.pages[landings["guide"][0] - 1]
    targets = set()
    page_numbers = {page.objgen: n for n, page in enumerate(screen_pdf.pages, 1)}
    names = {}
    dests = screen_pdf.Root.Names.Dests.Names
    for name, dest in zip(dests[::2], dests[1::2], strict=True):
        names[str(name)] = page_numbers[dest[0].objgen]
    for annot in guide_page.obj.get("/Annots", []):
        dest = annot.get("/Dest")
        if dest is None and "/A" in annot:
            dest = annot.A.get("/D")
        if dest is not None:
            targets.add(names[str(dest)] if isinstance(dest, pikepdf.String)
                        else page_numbers[dest[0].objgen])
    contents = {str(a.get("/Contents")) for a in guide_page.obj.get("/Annots", [])}
    assert {"Det vi er fælles om", "Medarbejder", "Sammen sikrer vi driften",
            "Den Nye Syntese"} <= contents  # what a screen reader says, not an anchor id
    expected = {landings[s][0] for s in ("faelles", "roles-medarbejder",
                                         "perspectives-compliance", "synthesis")}
    expected |= {landings["faelles"][1], landings["roles-direktoer"][1],
                 landings["perspectives-resiliens"][1]}
    assert expected <= targets


def test_screen_and_print_carry_the_same_text(folders):
    """The same words, except the label over a QR code, which only print has."""
    printed = page_texts(folders["print"].path)
    links = load_links(CONTENT)
    synthesis = folders["print"].landings["synthesis"][0] - 1
    for item in load_content(CONTENT).synthesis.further:
        if item.url in links and links[item.url].qr:
            assert printed[synthesis].count(item.label) == 2
            printed[synthesis] = printed[synthesis].replace(item.label + " ", "", 1)
    assert page_texts(folders["screen"].path) == printed


# --- profiles, reproducibility, failing preflight -----------------------------------


def test_icc_option_embeds_the_given_profile(tmp_path):
    shop = tmp_path / "trykkeri.icc"
    shutil.copy(LAYOUTS / "colour" / "FOGRA39-folder-builder.icc", shop)
    [result] = build(BuildOptions(content=small_folder(tmp_path), output=tmp_path / "f.pdf",
                                  icc=shop))
    with pikepdf.open(result.path) as pdf:
        intent = pdf.Root.OutputIntents[0]
        # Named by the profile itself, not by print.yaml's condition text.
        assert str(intent.Info) == "Coated FOGRA39 (folder-builder, from FOGRA39L.ti3)"
        embedded = ImageCms.ImageCmsProfile(
            __import__("io").BytesIO(intent.DestOutputProfile.read_bytes()))
        assert embedded.profile.xcolor_space.strip() == "CMYK"


def test_an_rgb_profile_is_refused(tmp_path):
    rgb = tmp_path / "srgb.icc"
    rgb.write_bytes(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
    with pytest.raises(InputError, match="not for CMYK"):
        build(BuildOptions(content=CONTENT, output=tmp_path / "f.pdf", icc=rgb))


def test_print_yaml_profile_must_be_a_cmyk_icc_inside_the_content(tmp_path):
    root = copy_content(tmp_path)
    (root / "print.yaml").write_text("profile: ../elsewhere.icc\n", encoding="utf-8")
    assert main(["validate", "--content", str(root)]) == 2


def test_two_builds_are_byte_identical(tmp_path, folders, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    again = build(BuildOptions(content=CONTENT, output=tmp_path / "again.pdf",
                               variants=("print", "screen")))
    for result in again:
        assert result.path.read_bytes() == folders[result.variant].path.read_bytes()


def test_source_date_epoch_sets_the_dates(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    [result] = build(BuildOptions(content=small_folder(tmp_path), output=tmp_path / "f.pdf",
                                  variants=("screen",)))
    with pikepdf.open(result.path) as pdf:
        assert str(pdf.trailer.Info.CreationDate).startswith("D:20231114")


def test_a_layout_that_brings_rgb_fails_preflight_and_writes_nothing(tmp_path):
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    style = (LAYOUTS / "style.css").read_text(encoding="utf-8")
    (layouts / "style.css").write_text(style + "\n.cover-title { color: rgb(200 0 0); }\n",
                                       encoding="utf-8")
    root = small_folder(tmp_path)  # the cover is all it takes
    target = tmp_path / "f.pdf"
    with pytest.raises(PreflightError) as caught:
        build(BuildOptions(content=root, layouts=layouts, output=target))
    assert "colour" in caught.value.report()
    assert "page 1" in caught.value.report()
    assert not target.exists()
    assert list(tmp_path.glob("*.part")) == []


def test_check_command_passes_the_built_pdfs_and_fails_the_wrong_variant(folders, capsys):
    assert main(["check", str(folders["print"].path)]) == 0
    out = capsys.readouterr().out
    assert "PASS" in out and "FAIL" not in out
    assert main(["check", str(folders["screen"].path), "--variant", "screen"]) == 0
    capsys.readouterr()
    assert main(["check", str(folders["screen"].path), "--variant", "print"]) == 1
    out = capsys.readouterr().out
    assert "FAIL" in out and "bleed" in out


def test_build_all_writes_both_variants(tmp_path, capsys):
    assert main(["build", "--variant", "all", "-o", str(tmp_path / "f.pdf")]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'f-print.pdf'} (28 pages, print, preflight passed)" in out
    assert f"wrote {tmp_path / 'f-screen.pdf'} (28 pages, screen, preflight passed)" in out
