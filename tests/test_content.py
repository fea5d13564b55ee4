"""content.py: the bundled content loads, and every kind of mistake is reported
with file, line and field — all of them in one run."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from conftest import CONTENT, copy_content, edit, find_problem, line_of
from folder_builder.content import load_content
from folder_builder.errors import EXIT_BAD_INPUT, ContentError, InputError

ROLES = ["faelles", "medarbejder", "leder-af-medarbejder", "leder-af-leder", "chef", "direktoer"]
PERSPECTIVES = ["compliance", "performance", "emergens", "resiliens"]
#: statements per role for compliance, performance, emergens, resiliens
COUNTS = {
    "faelles": (3, 3, 2, 3),
    "medarbejder": (4, 4, 3, 3),
    "leder-af-medarbejder": (4, 4, 4, 3),
    "leder-af-leder": (4, 4, 4, 3),
    "chef": (4, 3, 3, 4),
    "direktoer": (4, 4, 3, 4),
}


def load_errors(root: Path) -> ContentError:
    with pytest.raises(ContentError) as info:
        load_content(root)
    return info.value


# --- the bundled content ---------------------------------------------------------


@pytest.fixture(scope="module")
def bundled():
    return load_content(CONTENT)


def test_bundled_content_has_84_statements_6_roles_4_perspectives(bundled):
    assert len(bundled.statements) == 84
    assert len(bundled.roles) == 6
    assert len(bundled.perspectives) == 4


def test_bundled_roles_are_in_chain_order_and_only_faelles_is_shared(bundled):
    assert [r.id for r in bundled.roles] == ROLES
    assert [r.id for r in bundled.roles if r.shared] == ["faelles"]
    assert bundled.role("faelles").title == "Det vi er fælles om"
    assert bundled.role("direktoer").name == "Direktør"


def test_bundled_perspectives_are_in_order(bundled):
    assert [p.id for p in bundled.perspectives] == PERSPECTIVES
    assert bundled.perspective("compliance").heading == "Sammen sikrer vi driften"
    assert bundled.perspective("resiliens").model == "Resiliens"


def test_bundled_publication(bundled):
    assert bundled.publication.language == "da"
    assert bundled.publication.title == "Sammen om Kerneopgaven"
    assert bundled.publication.year == "2021"


def test_statement_ids_are_unique(bundled):
    ids = [s.id for s in bundled.statements]
    duplicated = [i for i, n in Counter(ids).items() if n > 1]
    assert duplicated == []
    assert len(set(ids)) == 84


@pytest.mark.parametrize("role", ROLES)
def test_statement_counts_per_role_and_perspective(bundled, role):
    counts = tuple(len(bundled.statements_for(role, p)) for p in PERSPECTIVES)
    assert counts == COUNTS[role]


def test_statements_keep_file_order_text_and_source(bundled):
    cell = bundled.statements_for("chef", "performance")
    assert [s.id for s in cell] == ["chef-performance-1", "chef-performance-2",
                                    "chef-performance-3"]
    first = bundled.statements_for("faelles", "compliance")[0]
    assert first.text == ("Vi har tydelig ansvarsfordeling og højt fagligt niveau, som "
                          "sætter kerneopgaven i centrum.")
    assert first.source.path.name == "faelles.yaml"
    assert first.source.line == 2


def test_every_statement_belongs_to_a_known_role_and_perspective(bundled):
    assert {s.role for s in bundled.statements} == set(ROLES)
    assert {s.perspective for s in bundled.statements} == set(PERSPECTIVES)
    assert all(s.id.startswith(f"{s.role}-{s.perspective}-") for s in bundled.statements)


def test_folder_plan_is_loaded(bundled):
    ids = [spec.id for spec in bundled.plans["folder"]]
    assert ids == ["cover", "foreword", "guide", "model", "faelles", "roles", "perspectives",
                   "synthesis", "notes", "back"]
    roles = bundled.plans["folder"][5]
    assert (roles.layout, roles.each, roles.pages, roles.start) == ("role", "role", 2, "left")


# --- mistakes ------------------------------------------------------------------------


def test_misspelt_field_is_unknown_with_a_suggestion(tmp_path):
    root = copy_content(tmp_path)
    path = root / "perspectives.yaml"
    edit(path, "    heading: Sammen skaber", "    heding: Sammen skaber")
    error = load_errors(root)
    find_problem(error, file="perspectives.yaml", line=line_of(path, "heding:"),
                 field="perspectives[emergens].heding",
                 message=["unknown field", "did you mean 'heading'"])
    # the misspelling is the one mistake: not also reported as a missing 'heading'
    assert len(error.problems) == 1, error.report()
    assert error.exit_code == EXIT_BAD_INPUT
    assert isinstance(error, InputError)


def test_missing_required_field(tmp_path):
    root = copy_content(tmp_path)
    path = root / "perspectives.yaml"
    edit(path, "    model: Emergens\n", "")
    error = load_errors(root)
    find_problem(error, file="perspectives.yaml", line=line_of(path, "id: emergens"),
                 field="perspectives[emergens].model", message="this field is missing")
    assert len(error.problems) == 1, error.report()


def test_duplicate_statement_key_in_one_perspective(tmp_path):
    root = copy_content(tmp_path)
    path = root / "statements" / "chef.yaml"
    edit(path, "performance:\n", "  chef-compliance-1: Igen.\nperformance:\n")
    error = load_errors(root)
    problem = find_problem(error, file="chef.yaml", line=line_of(path, "Igen."),
                           message=["duplicate key 'chef-compliance-1'", "first given on line 2"])
    assert "chef-compliance-1" in str(problem)


def test_duplicate_statement_id_under_two_perspectives_of_one_file(tmp_path):
    root = copy_content(tmp_path)
    path = root / "statements" / "chef.yaml"
    edit(path, "emergens:\n", "  chef-compliance-1: Igen.\nemergens:\n")
    error = load_errors(root)
    find_problem(error, file="chef.yaml", line=line_of(path, "Igen."),
                 field="performance.chef-compliance-1",
                 message=["'chef-compliance-1' is already used", "chef.yaml:2"])
    assert len(error.problems) == 1, error.report()


def test_same_statement_id_in_two_files(tmp_path):
    root = copy_content(tmp_path)
    chef = root / "statements" / "chef.yaml"
    edit(chef, "emergens:\n", "  medarbejder-compliance-1: Igen.\nemergens:\n")
    error = load_errors(root)
    # files are read in name order, so the copy in chef.yaml is seen first and the
    # original in medarbejder.yaml is reported, pointing back at chef.yaml
    find_problem(error, file="medarbejder.yaml", line=2,
                 field="compliance.medarbejder-compliance-1",
                 message=["'medarbejder-compliance-1' is already used",
                          f"chef.yaml:{line_of(chef, 'Igen.')}"])
    assert len(error.problems) == 1, error.report()


def test_statement_under_unknown_perspective(tmp_path):
    root = copy_content(tmp_path)
    path = root / "statements" / "chef.yaml"
    edit(path, "resiliens:\n", "resilience:\n")
    error = load_errors(root)
    find_problem(error, file="chef.yaml", line=line_of(path, "resilience:"), field="resilience",
                 message=["unknown perspective 'resilience'", "did you mean 'resiliens'"])
    assert len(error.problems) == 1, error.report()


def test_statements_file_for_unknown_role(tmp_path):
    root = copy_content(tmp_path)
    shutil.copy(root / "statements" / "chef.yaml", root / "statements" / "cheff.yaml")
    error = load_errors(root)
    # the problem is the file's name, so there is no line or field to give
    problem = find_problem(error, file="cheff.yaml",
                           message=["no role 'cheff' in roles.yaml", "did you mean 'chef.yaml'"])
    assert "cheff.yaml" in str(problem)
    assert len(error.problems) == 1, error.report()


def test_role_without_statements_file(tmp_path):
    root = copy_content(tmp_path)
    (root / "statements" / "chef.yaml").unlink()
    error = load_errors(root)
    find_problem(error, file="statements", message="role 'chef' has no statements file")


@pytest.mark.parametrize(
    ("replacement", "message"),
    [('""', "the text is empty"), ('"   "', "the text is empty"), ("", "expected text")],
    ids=["empty-quotes", "blank", "nothing"],
)
def test_empty_statement_text(tmp_path, replacement, message):
    root = copy_content(tmp_path)
    path = root / "statements" / "chef.yaml"
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = line_of(path, "chef-emergens-2:")
    text[number - 1] = f"  chef-emergens-2: {replacement}\n"
    path.write_text("".join(text), encoding="utf-8")
    error = load_errors(root)
    find_problem(error, file="chef.yaml", line=number, field="emergens.chef-emergens-2",
                 message=message)
    assert len(error.problems) == 1, error.report()


def test_yaml_syntax_error_has_line_and_column(tmp_path):
    root = copy_content(tmp_path)
    path = root / "statements" / "chef.yaml"
    edit(path, "chef-compliance-2: Jeg", "chef-compliance-2: Bemærk: Jeg")
    error = load_errors(root)
    number = line_of(path, "Bemærk: Jeg")
    # 1-based column of the colon after "Bemærk", where the second mapping starts
    column = path.read_text(encoding="utf-8").splitlines()[number - 1].index("Bemærk:") + 7
    problem = find_problem(error, file="chef.yaml", line=number,
                           message=["YAML syntax error", 'must be put in double quotes'])
    assert problem.column == column
    assert f"chef.yaml:{number}:{problem.column}: " in str(problem)
    assert len(error.problems) == 1, error.report()


def test_yaml_tab_indentation_is_explained(tmp_path):
    root = copy_content(tmp_path)
    path = root / "roles.yaml"
    edit(path, "  - id: chef\n    name: Chef\n", "  - id: chef\n\tname: Chef\n")
    error = load_errors(root)
    problem = find_problem(error, file="roles.yaml", message=["YAML syntax error", "tab"])
    assert problem.line == line_of(path, "\tname: Chef")
    assert problem.column is not None


def test_non_utf8_file(tmp_path):
    root = copy_content(tmp_path)
    path = root / "roles.yaml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1"))
    error = load_errors(root)
    # "Fælles" is on line 3; its æ is the first byte that is not UTF-8
    find_problem(error, file="roles.yaml", line=3, message=["not UTF-8", "0xe6"])
    assert len(error.problems) == 1, error.report()


def test_utf8_with_byte_order_mark_loads(tmp_path):
    root = copy_content(tmp_path)
    path = root / "roles.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert load_content(root).role("faelles").name == "Fælles"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n\n# another\n"],
                         ids=["zero-bytes", "blank-lines", "comments"])
def test_empty_file(tmp_path, text):
    root = copy_content(tmp_path)
    (root / "synthesis.yaml").write_text(text, encoding="utf-8")
    error = load_errors(root)
    find_problem(error, file="synthesis.yaml", message="the file is empty")
    assert len(error.problems) == 1, error.report()


def test_missing_file(tmp_path):
    root = copy_content(tmp_path)
    (root / "foreword.yaml").unlink()
    error = load_errors(root)
    find_problem(error, file="foreword.yaml", message="file not found")


def test_missing_content_folder(tmp_path):
    error = load_errors(tmp_path / "nowhere")
    assert "does not exist" in error.report()
    assert "nowhere" in error.report()


def test_page_reference_to_unknown_section(tmp_path):
    root = copy_content(tmp_path)
    path = root / "guide.yaml"
    edit(path, "{pages:perspectives}", "{pages:nonexistent}")
    error = load_errors(root)
    # the line of the paragraph holding the reference, not the line of "body: |"
    find_problem(error, file="guide.yaml", line=line_of(path, "{pages:nonexistent}"),
                 field="body", message=["unknown section 'nonexistent'", "known: ",
                                        "perspectives"])
    assert len(error.problems) == 1, error.report()


def test_page_reference_typo_gets_a_suggestion(tmp_path):
    root = copy_content(tmp_path)
    path = root / "guide.yaml"
    edit(path, "{pages:synthesis}", "{pages:synthesys}")
    error = load_errors(root)
    find_problem(error, file="guide.yaml", line=line_of(path, "{pages:synthesys}"),
                 field="body", message="did you mean 'synthesis'")


def test_unknown_placeholder_is_reported(tmp_path):
    root = copy_content(tmp_path)
    path = root / "guide.yaml"
    edit(path, "{pages:roles}", "{page:roles}")
    error = load_errors(root)
    find_problem(error, file="guide.yaml", field="body",
                 message=["unknown placeholder '{page:roles}'", "{pages:SECTION-ID}"])


def test_unknown_placeholder_is_reported_on_its_own_line(tmp_path):
    root = copy_content(tmp_path)
    path = root / "guide.yaml"
    edit(path, "{pages:roles}", "{page:roles}")
    error = load_errors(root)
    find_problem(error, file="guide.yaml", line=line_of(path, "{page:roles}"), field="body",
                 message="unknown placeholder")


def test_plan_entry_with_unknown_role(tmp_path):
    root = copy_content(tmp_path)
    path = root / "plan.yaml"
    edit(path, "role: faelles\n    pages: 2", "role: faeles\n    pages: 2")
    error = load_errors(root)
    find_problem(error, file="plan.yaml", line=line_of(path, "role: faeles"),
                 field="folder[faelles].role",
                 message=["unknown role 'faeles'", "did you mean 'faelles'"])
    assert len(error.problems) == 1, error.report()


def test_plan_entry_with_bad_pages_and_start(tmp_path):
    root = copy_content(tmp_path)
    path = root / "plan.yaml"
    edit(path, "  - id: guide\n    layout: guide\n    title: Læsevejledning\n    pages: 1\n"
         "    start: left\n",
         "  - id: guide\n    layout: guide\n    title: Læsevejledning\n    pages: 0\n"
         "    start: middle\n")
    error = load_errors(root)
    find_problem(error, file="plan.yaml", line=line_of(path, "pages: 0"),
                 field="folder[guide].pages", message="whole number of pages")
    find_problem(error, file="plan.yaml", line=line_of(path, "start: middle"),
                 field="folder[guide].start", message="any, left, right")


def test_three_mistakes_in_three_files_are_all_reported_at_once(tmp_path):
    root = copy_content(tmp_path)
    perspectives = root / "perspectives.yaml"
    chef = root / "statements" / "chef.yaml"
    plan = root / "plan.yaml"
    edit(perspectives, "    heading: Sammen skaber", "    heding: Sammen skaber")
    edit(chef, "chef-compliance-2: ", 'chef-compliance-2: "" # ')
    edit(plan, "role: faelles\n    pages: 2", "role: faeles\n    pages: 2")
    error = load_errors(root)
    assert len(error.problems) == 3, error.report()
    assert error.report().startswith("the content has 3 problems:")
    find_problem(error, file="perspectives.yaml", line=line_of(perspectives, "heding:"),
                 field="perspectives[emergens].heding", message="unknown field")
    find_problem(error, file="chef.yaml", line=line_of(chef, "chef-compliance-2:"),
                 field="compliance.chef-compliance-2", message="the text is empty")
    find_problem(error, file="plan.yaml", line=line_of(plan, "role: faeles"),
                 field="folder[faelles].role", message="unknown role")


def test_mistake_under_a_broken_perspective_is_still_reported(tmp_path):
    root = copy_content(tmp_path)
    perspectives = root / "perspectives.yaml"
    chef = root / "statements" / "chef.yaml"
    edit(perspectives, "    heading: Sammen skaber", "    heding: Sammen skaber")
    edit(chef, "chef-emergens-2: ", 'chef-emergens-2: "" # ')
    error = load_errors(root)
    find_problem(error, file="perspectives.yaml", line=line_of(perspectives, "heding:"),
                 field="perspectives[emergens].heding", message="unknown field")
    find_problem(error, file="chef.yaml", line=line_of(chef, "chef-emergens-2:"),
                 field="emergens.chef-emergens-2", message="the text is empty")


def test_unreadable_perspectives_file_is_reported_once(tmp_path):
    root = copy_content(tmp_path)
    path = root / "perspectives.yaml"
    edit(path, "  - id: emergens\n", "  - id: emergens\n   model: Emergens\n")
    error = load_errors(root)
    find_problem(error, file="perspectives.yaml", message="YAML syntax error")
    assert len(error.problems) == 1, error.report()


def test_unreadable_roles_file_is_reported_once(tmp_path):
    root = copy_content(tmp_path)
    path = root / "roles.yaml"
    edit(path, "  - id: chef\n", "  - id: chef\n   name: Chef\n")
    error = load_errors(root)
    find_problem(error, file="roles.yaml", message="YAML syntax error")
    assert len(error.problems) == 1, error.report()
