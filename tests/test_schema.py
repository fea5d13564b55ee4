"""schema.py and names.py: each file's fields declared once, read the same way, and one
"did you mean" wherever a name is looked up — a field, a role, a department, a
layout, a product, a variant."""

from __future__ import annotations

import pytest

from conftest import CONTENT, copy_content, edit, find_problem, line_of
from folder_builder import department_file
from folder_builder.content import DEPARTMENT, PERSPECTIVE, SCHEMAS, load_content, load_department
from folder_builder.errors import ContentError, InputError
from folder_builder.names import did_you_mean, nearest, unknown
from folder_builder.variants import variant

DEPARTMENT_FILE = "eksempel-dagtilbud-nord.yaml"


@pytest.fixture(scope="module")
def bundled():
    return load_content(CONTENT)


def department_errors(root, name: str = DEPARTMENT_FILE) -> ContentError:
    content = load_content(root)
    with pytest.raises(ContentError) as info:
        load_department(root / "departments" / name, content)
    return info.value


# --- the one "did you mean" --------------------------------------------------------------


@pytest.mark.parametrize(("wanted", "meant"), [
    ("notat", "notes"),  # nearer 'notes' by its start, though 'contact' shares more letters
    ("qestions", "questions"),
    ("Name", "name"),
    ("kontakt", "contact"),
])
def test_the_nearest_field_of_a_department_file(wanted, meant):
    assert nearest(wanted, DEPARTMENT.names) == meant
    assert did_you_mean(wanted, DEPARTMENT.names) == f" (did you mean '{meant}'?)"


def test_nothing_alike_is_offered_and_the_known_names_are_listed():
    assert nearest("xyz", DEPARTMENT.names) is None
    assert did_you_mean("xyz", DEPARTMENT.names) == ""
    assert unknown("role", "xyz", ["chef", "medarbejder"]) == \
        "unknown role 'xyz'; known: chef, medarbejder"


def test_an_unknown_key_in_a_department_file_is_named_with_the_nearest_field(tmp_path):
    root = copy_content(tmp_path)
    path = root / "departments" / DEPARTMENT_FILE
    edit(path, "notes:\n", "notat:\n")
    error = department_errors(root)
    problem = find_problem(error, file=DEPARTMENT_FILE, line=line_of(path, "notat:"),
                           field="notat", message=["unknown field (did you mean 'notes'?)",
                                                   "allowed here: name, logo, introduction, "
                                                   "notes, questions, contact"])
    assert "notat: unknown field (did you mean 'notes'?)" in str(problem)


def test_a_misspelt_required_field_is_reported_once_as_misspelt(tmp_path):
    root = copy_content(tmp_path)
    path = root / "departments" / DEPARTMENT_FILE
    edit(path, "name: Dagtilbud", "nam: Dagtilbud")
    error = department_errors(root)
    find_problem(error, file=DEPARTMENT_FILE, line=line_of(path, "nam: Dagtilbud"), field="nam",
                 message="did you mean 'name'?")
    assert not [p for p in error.problems if "missing" in p.message], error.report()


# --- the wrong type, named with its field and line -------------------------------------


def test_a_list_where_text_belongs_is_named_with_field_and_line(tmp_path):
    root = copy_content(tmp_path)
    path = root / "perspectives.yaml"
    edit(path, "heading: Sammen sikrer vi driften", "heading: [Sammen, driften]")
    with pytest.raises(ContentError) as info:
        load_content(root)
    find_problem(info.value, file="perspectives.yaml", line=line_of(path, "[Sammen, driften]"),
                 field="perspectives[compliance].heading",
                 message="expected text, found a list")


def test_text_where_a_list_belongs_is_named_with_field_and_line(tmp_path):
    root = copy_content(tmp_path)
    path = root / "departments" / DEPARTMENT_FILE
    text = path.read_text(encoding="utf-8")
    start = text.index("questions:\n")
    path.write_text(text[:start] + "questions: Hvad virker?\n", encoding="utf-8")
    error = department_errors(root)
    find_problem(error, file=DEPARTMENT_FILE, line=line_of(path, "questions:"),
                 field="questions", message="expected a list of '- ' items, found text")


def test_a_number_where_yes_no_belongs_is_named_with_field_and_line(tmp_path):
    root = copy_content(tmp_path)
    path = root / "roles.yaml"
    edit(path, "shared: true", "shared: 1")
    with pytest.raises(ContentError) as info:
        load_content(root)
    find_problem(info.value, file="roles.yaml", line=line_of(path, "shared: 1"),
                 field="roles[faelles].shared", message="expected yes/no (true or false)")


def test_every_problem_of_one_file_is_reported_in_one_run(tmp_path):
    root = copy_content(tmp_path)
    path = root / "departments" / DEPARTMENT_FILE
    edit(path, "notes:\n", "notat:\n")
    edit(path, "name: Dagtilbud Nord (eksempel)", "name: [Dagtilbud]")
    edit(path, "logo: logos/eksempel-dagtilbud-nord.svg", "logo: logos/nord.gif")
    error = department_errors(root)
    assert {p.field for p in error.problems} >= {"notat", "name", "logo"}, error.report()


def test_an_optional_field_written_empty_is_as_if_not_written(tmp_path):
    root = copy_content(tmp_path)
    with (root / "roles.yaml").open("a", encoding="utf-8") as roles:
        roles.write("  - id: gaest\n    name: Gæst\n    shared:\n    heading:\n")
    (root / "statements" / "gaest.yaml").write_text(
        "compliance:\n  gaest-compliance-1: Jeg er gæst.\n", encoding="utf-8")
    content = load_content(root)
    guest = content.role("gaest")
    assert (guest.shared, guest.heading, guest.title) == (False, None, "Gæst")


# --- declared once -------------------------------------------------------------------------


def test_the_department_form_saves_the_fields_the_schema_declares():
    """The studio writes a department file in the order of department_file.FIELDS; the
    loader reads it through DEPARTMENT: the two are one list."""
    assert DEPARTMENT.names == department_file.FIELDS
    assert DEPARTMENT.required == ("name",)


def test_every_schema_names_each_field_once_and_says_what_it_describes():
    assert PERSPECTIVE.names == ("id", "heading", "model", "colour")
    for what, schema in SCHEMAS.items():
        assert what == schema.what
        assert len(set(schema.names)) == len(schema.fields), what


# --- names looked up outside the files -------------------------------------------------------


def test_a_misspelt_role_on_the_command_line_gets_the_nearest(bundled):
    with pytest.raises(InputError, match=r"no role 'chfe' in roles.yaml \(did you mean 'chef'\?\)"):
        bundled.find_role("chfe")
    assert bundled.find_role("Leder af leder").id == "leder-af-leder"


def test_a_misspelt_department_gets_the_nearest(bundled):
    assert bundled.find_department("Dagtilbud Nord (eksempel)").name == DEPARTMENT_FILE
    with pytest.raises(InputError, match="did you mean 'eksempel-dagtilbud-nord'"):
        bundled.find_department("eksempel-dagtilbud-nrod")


def test_a_misspelt_variant_gets_the_nearest():
    with pytest.raises(InputError, match="unknown variant 'prnt' \\(did you mean 'print'\\?\\)"):
        variant("prnt")


def test_a_misspelt_layout_in_the_plan_gets_the_nearest(tmp_path):
    from folder_builder.paths import BUNDLED_LAYOUTS
    from folder_builder.render import validate_layouts
    from folder_builder.templates import environment

    root = copy_content(tmp_path)
    path = root / "plan.yaml"
    edit(path, "layout: synthesis", "layout: synthesys")
    with pytest.raises(ContentError) as info:
        validate_layouts(load_content(root), environment((BUNDLED_LAYOUTS,)))
    # the section's line: where the entry with the wrong layout starts
    find_problem(info.value, file="plan.yaml", line=line_of(path, "id: synthesis"),
                 field="layout",
                 message="unknown layout 'synthesys' (did you mean 'synthesis'?)")
