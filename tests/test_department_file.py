"""Department files written by the studio: readable, validated first, atomic,
versioned, and never a lost update."""

from __future__ import annotations

import threading
from dataclasses import replace

import pytest

from conftest import copy_content
from folder_builder.content import load_content, load_department
from folder_builder.department_file import (
    MAX_QUESTIONS,
    ConflictError,
    DepartmentForm,
    FormError,
    create,
    department_path,
    list_history,
    read_form,
    render_yaml,
    restore,
    save,
    slugify,
    version_token,
)
from folder_builder.errors import InputError

EXAMPLE = "eksempel-dagtilbud-nord"


@pytest.fixture
def content_dir(tmp_path):
    return copy_content(tmp_path)


@pytest.fixture
def content(content_dir):
    return load_content(content_dir)


def example(content_dir, content):
    path = department_path(content_dir, EXAMPLE)
    form, token = read_form(path, content)
    return path, form, token


def test_the_written_file_loads_to_the_same_department_with_the_examples_comments(
        content_dir, content):
    path, form, _ = example(content_dir, content)
    original = load_department(path, content)
    comments = [ln for ln in path.read_text("utf-8").splitlines() if ln.startswith("#")]
    text = render_yaml(form, content, path)
    for line in comments:  # every explanation of the example file is kept
        assert line in text.splitlines()
    path.write_text(text, "utf-8")
    again = load_department(path, content)
    assert again == original
    # each note is headed by the statement it is about, for a person editing by hand
    statement = next(s for s in content.statements if s.id == "medarbejder-compliance-1")
    lines = text.splitlines()
    at = lines.index(next(ln for ln in lines if ln.strip().startswith(statement.id + ":")))
    assert lines[at - 1].strip() == f"# {statement.text}"


def test_a_new_department_gets_a_slug_and_the_example_files_explanations(content_dir, content):
    slug, path = create(content_dir, "Testafdeling Æblegård", content)
    assert slug == "testafdeling-aeblegaard"
    assert path == content_dir / "departments" / "testafdeling-aeblegaard.yaml"
    form, token = read_form(path, content)
    assert form.name == "Testafdeling Æblegård"
    assert token == version_token(path.read_bytes())
    form.questions = ["Hvad er vigtigst?"]
    form.notes = {"medarbejder-compliance-1": "Vores ord."}
    save(path, form, token, content)
    text = path.read_text("utf-8")
    example_text = (content_dir / "departments" / f"{EXAMPLE}.yaml").read_text("utf-8")
    notes_comment = example_text.split("\nnotes:")[0].rstrip().splitlines()[-1]
    assert notes_comment.startswith("#") and notes_comment in text
    assert "EKSEMPEL" not in text  # the example's own header describes only the example
    with pytest.raises(FormError) as raised:
        create(content_dir, "testafdeling  æblegård", content)
    assert "exists already" in str(raised.value.fields["name"][0])


@pytest.mark.parametrize(("name", "slug"), [
    ("Skole & Fritid Øst", "skole-fritid-oest"),
    ("../../etc/passwd", "etc-passwd"),
    ("Café Noël", "cafe-noel"),
    ("  Dagtilbud   Nord  ", "dagtilbud-nord"),
    ("x" * 200, "x" * 60),
])
def test_slugs_are_lower_case_ascii_letters_digits_and_hyphens(name, slug):
    assert slugify(name) == slug


@pytest.mark.parametrize("name", ["", "   ", "!!!", "日本"])
def test_a_name_without_letters_or_digits_is_refused(name):
    with pytest.raises(FormError) as raised:
        slugify(name)
    assert {k: [str(m) for m in v] for k, v in raised.value.fields.items()} == {
        "name": ["the name must contain letters or digits"]}


@pytest.mark.parametrize("slug", ["../roles", "..", "a/b", "Eksempel", "x.yaml", "", "-x",
                                  "x--y", "a\x00b", "x" * 61, "%2e%2e"])
def test_no_slug_leads_out_of_the_departments_folder(content_dir, slug):
    with pytest.raises(InputError, match="not a department id"):
        department_path(content_dir, slug)


def test_a_symlinked_department_file_that_leads_out_is_refused(content_dir, tmp_path):
    (tmp_path / "outside.yaml").write_text("name: x\n")
    (content_dir / "departments" / "sneaky.yaml").symlink_to(tmp_path / "outside.yaml")
    with pytest.raises(InputError, match="outside"):
        department_path(content_dir, "sneaky")


@pytest.mark.parametrize(("change", "field", "words"), [
    (lambda f: replace(f, notes={**f.notes, "medarbejder-complaince-1": "x"}),
     "notes.medarbejder-complaince-1", "did you mean 'medarbejder-compliance-1'"),
    (lambda f: replace(f, name="  "), "name", "needs a name"),
    (lambda f: replace(f, questions=[f"Spørgsmål {n}?" for n in range(MAX_QUESTIONS + 1)]),
     "questions", f"at most {MAX_QUESTIONS}"),
    (lambda f: replace(f, questions=["Godt?", "Skjult \u202e tekst"]), "questions[2]",
     "U+202E"),
    (lambda f: replace(f, contact="Ring 📞 12 34 56 78"), "contact", "not in the project's fonts"),
    (lambda f: replace(f, logo="../../../etc/passwd"), "logo", "inside the content folder"),
    (lambda f: replace(f, logo="logos/missing.png"), "logo", "no such file"),
])
def test_an_invalid_form_writes_nothing_and_names_the_form_field(content_dir, content, change,
                                                                  field, words):
    path, form, token = example(content_dir, content)
    before = path.read_bytes()
    with pytest.raises(FormError) as raised:
        save(path, change(form), token, content)
    assert field in raised.value.fields, raised.value.fields
    assert any(words in str(message) for message in raised.value.fields[field])
    assert path.read_bytes() == before
    assert list_history(path) == []
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) in (
        [], [".history"])  # no probe file left behind


@pytest.mark.parametrize("text", [
    'Et "citat": med kolon # og havelåge',
    "- starter som en liste",
    "!!python/object/apply:os.system ['rm -rf /']",
    "{ ikke: en mapping }",
    "yes",
    "null",
    "123",
    "  mellemrum  ",
    "linje\nskift",
    "'enkelt' og \\ backslash",
])
def test_whatever_is_typed_reads_back_as_typed(content_dir, content, text):
    path, form, token = example(content_dir, content)
    form = replace(form, name=f"Afdeling {text}", contact=text,
                   notes={"compliance": text}, questions=[text])
    save(path, form, token, content)
    department = load_department(path, content)
    squeezed = " ".join(text.split())
    assert department.name == " ".join(f"Afdeling {text}".split())
    assert department.contact == squeezed
    assert department.notes == {"compliance": squeezed}
    assert department.questions == (squeezed,)


def test_a_stale_token_is_refused_and_both_versions_are_kept(content_dir, content):
    path, form, token = example(content_dir, content)
    hand_edit = path.read_text("utf-8").replace("Dagtilbud Nord (eksempel)", "Dagtilbud Nord")
    path.write_text(hand_edit, "utf-8")  # someone edits the file by hand meanwhile
    mine = replace(form, contact="Min nye kontaktlinje")
    with pytest.raises(ConflictError, match="changed since you opened it") as raised:
        save(path, mine, token, content)
    assert path.read_text("utf-8") == hand_edit  # theirs untouched
    assert raised.value.current == hand_edit
    refused = raised.value.refused
    assert refused.kind == "refused" and "Min nye kontaktlinje" in refused.path.read_text()
    assert [e.id for e in list_history(path)] == [refused.id]
    # the person chooses: reload, and save again on the current version
    _, fresh = read_form(path, content)
    save(path, mine, fresh, content)
    assert "Min nye kontaktlinje" in path.read_text("utf-8")


def test_a_new_file_is_not_created_over_one_that_appeared(content_dir, content):
    path = department_path(content_dir, "ny")
    path.write_text("name: Først\n", "utf-8")
    with pytest.raises(ConflictError):
        save(path, DepartmentForm(name="Anden"), None, content)
    assert path.read_text("utf-8") == "name: Først\n"


def test_every_save_keeps_the_previous_version_which_can_be_restored(content_dir, content):
    path, form, token = example(content_dir, content)
    original = path.read_bytes()
    token = save(path, replace(form, contact="Version 2"), token, content)
    token = save(path, replace(form, contact="Version 3"), token, content)
    assert save(path, replace(form, contact="Version 3"), token, content) == token  # no-op
    history = list_history(path)
    assert [e.kind for e in history] == ["previous", "previous"]
    assert history[-1].path.read_bytes() == original  # the oldest is the hand-made file
    assert "Version 2" in history[0].path.read_text()
    token = restore(path, history[-1].id, token, content)
    assert path.read_bytes() == original
    assert "Version 3" in list_history(path)[0].path.read_text()  # kept in turn
    with pytest.raises(ConflictError):
        restore(path, history[0].id, "stale", content)
    with pytest.raises(InputError, match="no kept version"):
        restore(path, "../../roles.yaml", token, content)


def test_concurrent_saves_on_one_version_let_exactly_one_through(content_dir, content):
    path, form, token = example(content_dir, content)
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def worker(n: int) -> None:
        barrier.wait()
        try:
            save(path, replace(form, contact=f"Klient {n}"), token, content)
            outcomes.append(f"saved {n}")
        except ConflictError:
            outcomes.append("conflict")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    saved = [o for o in outcomes if o.startswith("saved")]
    assert len(saved) == 1 and outcomes.count("conflict") == 7
    winner = saved[0].split()[1]
    assert f"Klient {winner}" in path.read_text("utf-8")
    history = list_history(path)
    assert sorted(e.kind for e in history) == ["previous"] + ["refused"] * 7
    kept = {e.path.read_text("utf-8").split("contact: ")[-1].strip() for e in history
            if e.kind == "refused"}
    assert kept == {f"Klient {n}" for n in range(8)} - {f"Klient {winner}"}  # none lost


def test_the_history_is_not_taken_for_a_department(content_dir, content):
    path, form, token = example(content_dir, content)
    save(path, replace(form, contact="Ny"), token, content)
    again = load_content(content_dir)
    from folder_builder.content import department_files

    assert [p.stem for p in department_files(again)] == sorted(
        p.stem for p in (content_dir / "departments").glob("*.yaml"))
    assert all(".history" not in str(p) for p in department_files(again))

