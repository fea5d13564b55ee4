"""The contact line: e-mail addresses and phone numbers become links in the screen
PDF and are never hyphenated."""

from __future__ import annotations

import pikepdf
import pytest

from conftest import copy_content, edit, page_texts
from folder_builder.build import BuildOptions, build
from folder_builder.contact import contact_parts


@pytest.mark.parametrize(("text", "links"), [
    ("Kontakt: Anne, tlf. 12 34 56 78, anne.eksempel@example.dk",
     [("phone", "12 34 56 78", "tel:12345678"),
      ("email", "anne.eksempel@example.dk", "mailto:anne.eksempel@example.dk")]),
    ("Ring +45 98 76 54 32 eller skriv til bo@skole.hjoerring.dk.",
     [("phone", "+45 98 76 54 32", "tel:+4598765432"),
      ("email", "bo@skole.hjoerring.dk", "mailto:bo@skole.hjoerring.dk")]),
    ("Telefon 12345678", [("phone", "12345678", "tel:12345678")]),
    ("Åbent 2021–2026, lokale 123, postnr. 9800", []),  # years, rooms, postcodes: no
    ("x@y", []),
])
def test_addresses_and_numbers_are_found_by_their_shape(text, links):
    parts = contact_parts(text)
    assert "".join(p.text for p in parts) == text  # nothing lost, nothing added
    assert [(p.kind, p.text, p.href) for p in parts if p.href] == links


def test_the_screen_pdf_links_them_and_never_hyphenates_them(tmp_path):
    content = copy_content(tmp_path)
    long_address = "kommunikationsafdelingen.boerne-og-ungeforvaltningen@example.dk"
    edit(content / "departments" / "eksempel-skoleafdelingen.yaml",
         'contact: "Kontakt: Skolechef Bo Eksempel, tlf. 87 65 43 21, bo.eksempel@example.dk"',
         f'contact: "Kontakt: Skolechef Bo Eksempel med et langt navn, tlf. 87 65 43 21, '
         f'{long_address}"')
    results = build(BuildOptions(content=content, role="chef",
                                 department="eksempel-skoleafdelingen",
                                 variants=("screen", "print"), output=tmp_path / "l.pdf"))
    screen = next(r.path for r in results if r.variant == "screen")
    with pikepdf.open(screen) as pdf:
        uris = {str(a.A.URI) for a in pdf.pages[-1].obj.get("/Annots", [])
                if "/A" in a and "/URI" in a.A}
    assert {"tel:87654321", f"mailto:{long_address}"} <= uris
    for result in results:
        back = page_texts(result.path)[-1]
        assert "87 65 43 21" in back  # the number on one line, unbroken
        raw = raw_back_page(result.path)
        line = raw[raw.index("Kontakt"):raw.index("example.dk") + len("example.dk")]
        assert "\ufffe" not in line and "\x02" not in line  # no hyphen inserted
        assert "87 65 43 21" in line
        assert long_address in "".join(line.split())


def raw_back_page(path) -> str:
    """The last page's text as PDFium gives it, hyphens the layout inserted marked."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(path))
    try:
        textpage = document[len(document) - 1].get_textpage()
        return textpage.get_text_range()
    finally:
        document.close()
