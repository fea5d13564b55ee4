"""The YAML mistakes people really make get a plain-words hint on the line they made
it on, not the line where YAML noticed it. Each case is a department file as a
person would write it, loaded as `validate` and `leaflet` load it."""

from __future__ import annotations

import pytest

from conftest import CONTENT, find_problem
from folder_builder.cli import main
from folder_builder.content import load_content, load_department
from folder_builder.errors import EXIT_BAD_INPUT, EXIT_OK, ContentError


@pytest.fixture(scope="module")
def content():
    return load_content(CONTENT)


def problems_of(tmp_path, content, text: str) -> ContentError:
    path = tmp_path / "afdeling.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as info:
        load_department(path, content)
    return info.value


# Each case: the file, the line the mistake is on, and words the hint must contain.
CASES = {
    "an item indented one space": (
        "name: A\nquestions:\n  - Hvad virker?\n - Hvad virker ikke?\n  - Hvem gør hvad?\n",
        4, ["indented 1 space", "the line above 2 spaces", "indent it like the line above"]),
    "an item indented four spaces": (
        "name: A\nquestions:\n  - Hvad virker?\n    - Hvad virker ikke?\n  - Hvem gør hvad?\n",
        4, ["indented 4 spaces", "part of the item above", "indent it like the line above"]),
    "a note indented three spaces": (
        "name: A\nnotes:\n  compliance: Hos os.\n   medarbejder: Hos os.\n",
        4, ["indented 3 spaces", "indent it like the line above"]),
    "an introduction not indented": (
        "name: A\nintroduction: |\nI Nord arbejder vi med børn.\nDet er godt.\nquestions:\n"
        "  - Hvad?\n",
        3, ["the text under 'introduction:' (line 2) must be indented", "two spaces"]),
    "an introduction not indented, no |": (
        "name: A\nintroduction:\nI Nord arbejder vi med børn.\nquestions:\n  - Hvad?\n",
        3, ["the text under 'introduction:' (line 2) must be indented"]),
    "curly quotes instead of straight ones": (
        "name: A\ncontact: \u201cKontakt: Anne, tlf. 12 34 56 78\u201d\n",
        2, ["curly quotes", "straight double quotes"]),
    "a quote inside a double-quoted text": (
        'name: A\ncontact: "Kontakt: Anne "Eksempel" Hansen"\n',
        2, ['a " inside a double-quoted text ends the text early', '\\"']),
    "a tab": ("name: A\nquestions:\n\t- Hvad?\n", 3, ["a tab was used for indentation"]),
    "a colon in a plain value": (
        "name: A\ncontact: Kontakt: Anne\n", 2, ['text that contains ": " must be put in double']),
    # YAML notices these at the end of the file; the hint names the line the text began on.
    "a double quote never ended": (
        'name: A\ncontact: "Kontakt Anne\nquestions:\n  - Hvad virker?\n',
        2, ['the text that begins with " on this line is never ended', 'put a " at its end']),
    "a single quote never ended": (
        "name: A\nquestions:\n  - 'Hvad virker?\n  - Hvem gør hvad?\n",
        3, ["the text that begins with ' on this line is never ended"]),
    "a text that begins with [": (
        "name: A\ncontact: [Kontakt] Anne Hansen\n",
        2, ["a text cannot begin with [ in YAML", '"[Kontakt] Anne Hansen"']),
    "a question that begins with [ and has no ]": (
        "name: A\nquestions:\n  - [Valgfrit: Hvad virker?\n  - Hvem gør hvad?\n",
        3, ["a text cannot begin with [ in YAML", "double quotes"]),
    "a text that begins with @": (
        "name: A\ncontact: @hjoerring på sociale medier\n",
        2, ["a text cannot begin with @ in YAML", '"@hjoerring på sociale medier"']),
    "a text that begins with *": (
        "name: A\nquestions:\n  - *Vigtigt*: hvad virker?\n",
        3, ["a text cannot begin with * in YAML"]),
    # YAML reads these without complaint, and leaves the text out.
    "a text that begins with &": (
        "name: A\ncontact: &Co Kontakt Anne Hansen\n",
        2, ["a text cannot begin with & in YAML", '"&Co Kontakt Anne Hansen"']),
    "a text that is only &word": (
        "name: A\nquestions:\n  - Hvad virker?\n  - &Fælles\n",
        4, ["a text cannot begin with & in YAML", '"&Fælles"']),
}


@pytest.mark.parametrize("case", CASES)
def test_yaml_hint_on_the_line_of_the_mistake(tmp_path, content, case):
    text, line, words = CASES[case]
    error = problems_of(tmp_path, content, text)
    assert len(error.problems) == 1, error.report()
    find_problem(error, file="afdeling.yaml", line=line, message=words)


def test_notes_not_indented_under_their_key(tmp_path, content):
    error = problems_of(tmp_path, content, (
        "name: A\nnotes:\nmedarbejder-compliance-1: Hos os tager vi udgangspunkt i barnet.\n"
        "compliance: Hos os handler det om trygge rammer.\n"))
    for line, key in ((3, "medarbejder-compliance-1"), (4, "compliance")):
        find_problem(error, file="afdeling.yaml", line=line, field=key,
                     message=[f"'{key}' is a note, but it is not indented under 'notes:' "
                              "(line 2)", "put two spaces before it"])
    assert len(error.problems) == 2, error.report()


@pytest.mark.parametrize(("question", "shown"), [
    ("Hvad virker: nu?", '- "Hvad virker: nu?"'),
    ("\u201cSpørgsmål: Hvad virker?\u201d", "curly quotes"),
])
def test_a_colon_inside_a_question(tmp_path, content, question, shown):
    error = problems_of(tmp_path, content,
                        f"name: A\nquestions:\n  - Hvad?\n  - {question}\n  - Hvem?\n")
    find_problem(error, file="afdeling.yaml", line=4, field="questions[2]",
                 message=["contains ': '", "straight double quotes", shown])
    assert len(error.problems) == 1, error.report()


def test_validate_lists_the_department_files_it_checked(capsys):
    assert main(["validate"]) == EXIT_OK
    out = capsys.readouterr().out
    assert ("checked 2 department files: eksempel-dagtilbud-nord.yaml, "
            "eksempel-skoleafdelingen.yaml") in out


def test_validate_names_the_line_of_a_broken_department(tmp_path, capsys):
    import shutil

    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    (root / "departments" / "ny.yaml").write_text(
        "name: Ny\nquestions:\n  - Hvad virker?\n    - Hvad virker ikke?\n", encoding="utf-8")
    assert main(["validate", "--content", str(root)]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "ny.yaml:4: this '- ' item is indented 4 spaces" in err
