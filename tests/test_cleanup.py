"""Text pasted from Word is cleaned the same way in every field, and a warning says
what changed (cleanup.py)."""

from __future__ import annotations

from conftest import copy_content, edit, line_of, normalise, page_texts
from folder_builder.build import BuildOptions, build
from folder_builder.cleanup import clean
from folder_builder.content import load_content
from folder_builder.model import BulletList, Paragraph

WORD = (
    "name: Word\n"
    "introduction: |\n"
    "  Hos os\u00a0arbejder vi \u201csammen\u201d om\u200b kerneopgaven.\n"
    "\n"
    "  \u2022 Vi lytter.\n"
    "  \u2022\tVi handler.\n"
    'contact: "Kontakt:\tAnne\u00a0Hansen"\n'
    "questions:\n"
    '  - "Hvad\u00a0virker?"\n'
)


def test_clean_keeps_curly_quotes_and_says_what_it_changed():
    text, said = clean("\u201cHej\u201d\u00a0du\u200b\tder", paragraphs=False)
    assert text == "\u201cHej\u201d du der"
    assert said == ("pasted text was cleaned: 1 non-breaking space and 1 tab → plain space; "
                    "1 zero-width space (U+200B) removed")
    assert clean("Intet at rette – “citat”", paragraphs=True) == ("Intet at rette – “citat”",
                                                                   None)


def test_bullets_become_a_list_only_in_a_text_of_paragraphs():
    text, said = clean("Indledning.\n\n• Et\n•\tTo\n", paragraphs=True)
    assert text == "Indledning.\n\n- Et\n- To\n"
    assert "2 lines starting with a bullet such as “•” → list item" in said
    assert clean("• Et", paragraphs=False)[0] == "• Et"


def test_a_department_pasted_from_word_builds_and_warns(tmp_path):
    root = copy_content(tmp_path)
    path = root / "departments" / "word.yaml"
    path.write_text(WORD, encoding="utf-8")
    [result] = build(BuildOptions(content=root, role="chef", department="word",
                                  output=tmp_path / "word.pdf"))
    page = page_texts(result.path)[1]
    assert "Hos os arbejder vi \u201csammen\u201d om kerneopgaven." in page
    assert "Vi lytter." in page and "Vi handler." in page
    by_field = {w.field: w for w in result.warnings}
    intro = by_field["introduction"]
    assert (intro.path, intro.line) == (path, 2)
    assert intro.message == (
        "pasted text was cleaned: 1 non-breaking space and 1 tab → plain space; "
        "1 zero-width space (U+200B) removed; 2 lines starting with a bullet such as “•” "
        "→ list item")
    assert by_field["contact"].line == 7
    assert by_field["questions[1]"].line == 9
    assert "Hvad virker?" in page_texts(result.path)[6]


def test_statements_are_cleaned_the_same_way(tmp_path):
    root = copy_content(tmp_path)
    path = root / "statements" / "chef.yaml"
    edit(path, "chef-compliance-1: Jeg", "chef-compliance-1: Jeg\u00a0")
    content = load_content(root)
    [warning] = content.warnings
    assert (warning.path, warning.line, warning.field) == (
        path, line_of(path, "chef-compliance-1:"), "compliance.chef-compliance-1")
    assert "1 non-breaking space → plain space" in warning.message
    statement = next(s for s in content.statements if s.id == "chef-compliance-1")
    assert "\u00a0" not in statement.text and normalise(statement.text) == statement.text


def test_the_introductions_bullets_are_a_list(tmp_path):
    root = copy_content(tmp_path)
    (root / "departments" / "word.yaml").write_text(WORD, encoding="utf-8")
    from folder_builder.content import load_department

    department = load_department(root / "departments" / "word.yaml", load_content(root))
    first, second = department.introduction
    assert isinstance(first, Paragraph) and isinstance(second, BulletList)
    assert len(second.items) == 2
