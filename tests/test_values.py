"""Values that cannot be meant are errors with their numbers: CMYK written as
fractions, and a perspective colour too light to read on white on screen."""

from __future__ import annotations

import pytest

from conftest import copy_content, edit, find_problem, line_of
from folder_builder.cli import main
from folder_builder.content import load_content
from folder_builder.errors import EXIT_BAD_INPUT, ContentError


def test_cmyk_written_as_fractions(tmp_path):
    root = copy_content(tmp_path)
    edit(root / "perspectives.yaml", "colour: [85, 5, 70, 30]", "colour: [0.6, 0.9, 0, 0]")
    with pytest.raises(ContentError) as info:
        load_content(root)
    find_problem(info.value, file="perspectives.yaml",
                 line=line_of(root / "perspectives.yaml", "[0.6, 0.9, 0, 0]"),
                 field="perspectives[performance].colour",
                 message="CMYK values are percentages from 0 to 100: write [60, 90, 0, 0], "
                         "not [0.6, 0.9, 0, 0]")
    assert len(info.value.problems) == 1, info.value.report()


def test_a_colour_too_light_to_read_on_screen(tmp_path, capsys):
    root = copy_content(tmp_path)
    edit(root / "perspectives.yaml", "colour: [0, 70, 100, 30]", "colour: [0, 20, 90, 0]")
    assert main(["validate", "--content", str(root)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    line = line_of(root / "perspectives.yaml", "[0, 20, 90, 0]")
    assert (f"perspectives.yaml:{line}: perspectives[emergens].colour: the colour "
            "[0, 20, 90, 0] is rgb(255, 205, 29) in the screen PDF and gives 1.5:1 contrast "
            "on white; text in it needs at least 4.5:1") in err
    # the other, darker colours pass
    assert err.count("contrast on white") == 1


def test_addresses_are_never_hyphenated(tmp_path):
    """E-mail and web addresses in any text are set as addresses: a break inside one
    adds no hyphen that a reader would type."""
    import re

    import pypdfium2 as pdfium

    from folder_builder.build import BuildOptions, build

    mail = "bo.eksempelsenvirkeligmeget.langtnavn@hjoerring-kommunes-skoleafdeling.dk"
    web = "www.hjoerring-kommunes-dagtilbud-og-skoler.dk/kontakt"
    root = copy_content(tmp_path)
    (root / "departments" / "mail.yaml").write_text(
        f'name: Mail\ncontact: "Kontakt: Pædagogisk konsulent Bo Eksempel, tlf. 87 65 43 21, '
        f'{mail} eller {web}"\nquestions:\n  - Skriv til paedagogiskkonsulentfordagtilbud'
        "@hjoerring.dk, hvis du har spørgsmål til udsagnene?\n", encoding="utf-8")
    [result] = build(BuildOptions(content=root, role="chef", department="mail",
                                  output=tmp_path / "m.pdf", keep_html=True))
    html = (tmp_path / "m.html").read_text(encoding="utf-8")
    for address in (mail, web, "paedagogiskkonsulentfordagtilbud@hjoerring.dk"):
        assert re.search(rf'<a class="url[^"]*" href="[^"]+">{re.escape(address)}</a>', html)
    pdf = pdfium.PdfDocument(str(result.path))
    raw = "".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    # PDFium reports a hyphen that ends a line as U+FFFE, whether the text has it (a
    # break after the address's own "-") or hyphenation added it (a character more).
    squeezed = re.sub(r"\s", "", raw).replace("\ufffe", "-")
    for address in (mail, web, "paedagogiskkonsulentfordagtilbud@hjoerring.dk"):
        assert address in squeezed  # no generated hyphen inside
