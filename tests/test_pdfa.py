"""The screen PDFs are PDF/A-2a and PDF/UA-1 at once (pdfa.py), as an independent
checker (page-validation) sees them, and their structure is what a screen reader
needs: folios as artifacts, one keyboard stop per link, figures boxed where they
are drawn, no layout table announced as a data table, e-mail addresses as links.
"""

from __future__ import annotations

from pathlib import Path

import page
import pikepdf
import pypdfium2 as pdfium
import pytest

from conftest import CONTENT, SCREEN_PDFS_CHECKED, SCREEN_PROFILES, independent_failures
from folder_builder import Session
from folder_builder.pdfa import _elements

DAGTILBUD = CONTENT / "departments" / "eksempel-dagtilbud-nord.yaml"


@pytest.fixture(scope="module")
def leaflet_screen(tmp_path_factory) -> Path:
    """A department's leaflet for screen (its contact line has an e-mail address)."""
    result = Session(CONTENT, jobs=1).build("leaflet", "screen", role="leder-af-medarbejder",
                                            department=DAGTILBUD, deliver=True)
    target = tmp_path_factory.mktemp("pdfa") / "lam-dagtilbud-screen.pdf"
    target.write_bytes(result.pdf)
    return target


@pytest.fixture(scope="module")
def folder_screen(folders) -> Path:
    return folders["screen"].path


@pytest.mark.parametrize("profile", SCREEN_PROFILES)
def test_folder_and_leaflet_pass_the_independent_checker(folder_screen, leaflet_screen,
                                                         profile):
    for path in (folder_screen, leaflet_screen):
        report = page.validate_pdf(path, profile=profile)
        failed = sorted({f.rule_id for f in report.failures})
        assert report.is_compliant, f"{path.name} {profile}: {failed}"
        assert report.rules.total > 100  # the profile's rules were really run
    assert len(SCREEN_PDFS_CHECKED) >= 2  # the session's own check (conftest) ran too


def test_the_checker_fails_what_weasyprint_alone_writes(tmp_path):
    """Without pdfa.py the same document is PDF/UA-1 but not PDF/A: the checker
    in the suite can fail, and fails on what the issue named."""
    session = Session(CONTENT, jobs=1)
    captured: list[bytes] = []
    original = session._export

    def keep(document, job, identity_source):
        pdf = original(document, job, identity_source)
        captured.append(pdf)
        return pdf

    session._export = keep
    session.build("leaflet", "screen", role="chef", deliver=True)
    failures = " ".join(independent_failures(captured[-1]))
    assert failures.startswith("pdfa-2a: ")
    for rule in ("ANNOTATION-FLAGS", "DEVICE-RGB", "ID-SCHEMA", "XMP-EXTENSION"):
        assert rule in failures, rule
    assert "ua1:" not in failures


def test_metadata_declares_pdfa2a_and_pdfua1_with_the_extension_schema(folder_screen):
    with pikepdf.open(folder_screen) as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        with pdf.open_metadata() as meta:
            assert meta["pdfaid:part"] == "2"
            assert meta["pdfaid:conformance"] == "A"
            assert meta["pdfuaid:part"] == "1"
            assert meta["dc:title"] == str(pdf.docinfo.Title)
            assert meta["pdf:Producer"] == str(pdf.docinfo.Producer)
        assert "<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/" in xmp
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1"
        assert int(intent.DestOutputProfile.N) == 3


def test_every_annotation_is_printable(folder_screen, leaflet_screen):
    for path in (folder_screen, leaflet_screen):
        with pikepdf.open(path) as pdf:
            annots = [a for p in pdf.pages for a in p.obj.get("/Annots", [])]
            assert annots
            assert all(int(a.F) & 4 for a in annots)


def _orphans_and_artifacts(pdf: pikepdf.Pdf) -> tuple[int, list[int]]:
    reachable = {e.objgen for e in _elements(pdf.Root.StructTreeRoot)}
    nums = pdf.Root.StructTreeRoot.ParentTree.Nums
    orphans = 0
    for i in range(1, len(nums), 2):
        entries = nums[i] if isinstance(nums[i], pikepdf.Array) else [nums[i]]
        orphans += sum(1 for e in entries
                       if isinstance(e, pikepdf.Dictionary) and e.objgen not in reachable)
    artifacts = []
    for page_obj in pdf.pages:
        artifacts.append(sum(
            1 for ins in pikepdf.parse_content_stream(page_obj)
            if str(ins.operator) == "BDC" and ins.operands[0] == "/Artifact"
            and ins.operands[1].get("/Type") == "/Pagination"))
    return orphans, artifacts


def test_running_heads_and_folios_are_artifacts(folder_screen, folders):
    """Each page with a folio has it as a pagination artifact, and no marked
    content belongs to a structure element outside the tree (which is what
    WeasyPrint makes of margin boxes, and what a screen reader would read)."""
    with pikepdf.open(folder_screen) as pdf:
        orphans, artifacts = _orphans_and_artifacts(pdf)
    assert orphans == 0
    # The covers have no folio; every other page has one margin box with text.
    assert artifacts[0] == 0 and artifacts[-1] == 0
    assert all(count == 1 for count in artifacts[1:-1]), artifacts
    texts = [pdfium.PdfDocument(str(folder_screen))[i].get_textpage().get_text_range()
             for i in (3, 4)]
    assert "4" in texts[0] and "5" in texts[1]  # still drawn, only not read


def test_each_link_is_one_annotation(folder_screen):
    """The reading guide's page references: one annotation per link, each the
    only one over its rectangle, each in a Link element that holds its text."""
    with pikepdf.open(folder_screen) as pdf:
        nums = pdf.Root.StructTreeRoot.ParentTree.Nums
        parents = {int(nums[i]): nums[i + 1] for i in range(0, len(nums), 2)}
        for number, page_obj in enumerate(pdf.pages, 1):
            annots = list(page_obj.obj.get("/Annots", []))
            places = [(tuple(round(float(v), 1) for v in a.Rect),
                       str(a.get("/Dest") or a.get("/A"))) for a in annots]
            assert len(places) == len(set(places)), f"page {number}: {places}"
            for annot in annots:
                element = parents[int(annot.StructParent)]
                assert element.S == "/Link"
                kids = list(element.K)
                assert any(isinstance(k, int) for k in kids), "the link holds its text"
                assert element.P.S != "/Link"
        guide = list(pdf.pages[3].obj.Annots)
        assert len(guide) == 7  # seven page references on the reading guide


def test_figure_boxes_are_where_the_figure_is_drawn(folder_screen):
    """The model diagram's BBox is in PDF points and holds every coloured pixel
    of the ring as it is drawn on the page."""
    with pikepdf.open(folder_screen) as pdf:
        model = pdf.pages[4]
        boxes = [list(map(float, e.A.BBox)) for e in _elements(pdf.Root.StructTreeRoot)
                 if e.S == "/Figure" and e.Pg.objgen == model.obj.objgen]
        width, height = (float(v) for v in model.mediabox[2:])
    [(x0, y0, x1, y1)] = boxes
    assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height
    image = pdfium.PdfDocument(str(folder_screen))[4].render(scale=1).to_pil().convert("RGB")
    coloured = [(x, y) for x in range(image.width) for y in range(image.height)
                if max(image.getpixel((x, y))) - min(image.getpixel((x, y))) > 60]
    assert len(coloured) > 1000
    for x, y in coloured[::25]:
        assert x0 - 1 <= x <= x1 + 1 and y0 - 1 <= height - y <= y1 + 1, (x, y)


def test_leaflet_has_no_layout_table_and_its_email_is_a_link(leaflet_screen):
    with pikepdf.open(leaflet_screen) as pdf:
        kinds = {str(e.S) for e in _elements(pdf.Root.StructTreeRoot)}
        assert not kinds & {"/Table", "/TR", "/TD", "/TH"}
        uris = [str(a.A.URI) for p in pdf.pages for a in p.obj.get("/Annots", [])
                if "/A" in a]
        assert "mailto:anne.eksempel@example.dk" in uris


def _flate_ending_in_cr() -> tuple[bytes, bytes]:
    """A content stream whose compressed bytes end in CR (zlib's checksum does so
    for about one text in 256)."""
    import zlib

    for i in range(1024):
        text = b"q Q %" + b"a" * i + b"\n"  # a PDF comment; each "a" moves the checksum
        packed = zlib.compress(text)
        if packed.endswith(b"\r"):
            return text, packed
    raise AssertionError("no such text")  # pragma: no cover


def test_a_stream_whose_data_ends_in_cr_is_written_so_checkers_read_its_length():
    """The checker read CR LF before endstream as the end-of-line and called /Length
    one byte too long (PDFA2A-STREAM-LENGTH-001); finish hex-encodes such a stream."""
    from io import BytesIO

    from folder_builder.finish import _ending_in_cr, _saved

    text, packed = _flate_ending_in_cr()
    pdf = pikepdf.new()
    pdf.add_blank_page()
    stream = pikepdf.Stream(pdf, packed)
    stream.Filter = pikepdf.Name.FlateDecode
    pdf.pages[0].obj.Contents = pdf.make_indirect(stream)
    plain = BytesIO()
    pdf.save(plain, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    assert _ending_in_cr(plain.getvalue())  # the case is real in a plain save

    data = _saved(pdf)
    assert not _ending_in_cr(data)
    assert _saved(pdf) == data  # still reproducible
    with pikepdf.open(BytesIO(data)) as again:
        assert again.pages[0].obj.Contents.read_bytes() == text  # same content
