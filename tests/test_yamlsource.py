"""yamlsource.py: YAML that remembers lines and refuses duplicate keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from folder_builder import yamlsource
from folder_builder.yamlsource import Node, Seq, load_yaml


def write(tmp_path: Path, text: str | bytes, name: str = "file.yaml") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_mappings_remember_their_line_and_the_line_of_each_key(tmp_path):
    path = write(tmp_path, "# comment\nfirst: 1\n\nsecond:\n  inner: x\n  other: y\n")
    data, problems = load_yaml(path)
    assert problems == []
    assert isinstance(data, Node)
    assert data == {"first": 1, "second": {"inner": "x", "other": "y"}}
    assert data.line == 2
    assert data.key_lines == {"first": 2, "second": 4}
    assert isinstance(data["second"], Node)
    assert data["second"].line == 5
    assert data["second"].key_lines == {"inner": 5, "other": 6}


def test_sequences_remember_the_line_of_each_item(tmp_path):
    path = write(tmp_path, "items:\n  - a\n\n  - id: b\n    name: B\n  - [1, 2]\n")
    data, problems = load_yaml(path)
    assert problems == []
    items = data["items"]
    assert isinstance(items, Seq)
    assert items.line == 2
    assert items.item_lines == [2, 4, 6]
    assert items[1].line == 4
    assert items[1].key_lines == {"id": 4, "name": 5}
    assert isinstance(items[2], Seq) and items[2] == [1, 2]


def test_duplicate_key_is_reported_with_both_lines_and_first_value_kept(tmp_path):
    path = write(tmp_path, "a: 1\nb: 2\na: 3\n")
    data, problems = load_yaml(path)
    assert data == {"a": 1, "b": 2}
    assert len(problems) == 1
    problem = problems[0]
    assert problem.path == path
    assert problem.line == 3
    assert "duplicate key 'a'" in problem.message
    assert "first given on line 1" in problem.message


def test_duplicate_keys_in_nested_mappings_are_each_reported(tmp_path):
    path = write(tmp_path, "x:\n  k: 1\n  k: 2\ny:\n  k: 1\n  j: 2\n  j: 3\n")
    _, problems = load_yaml(path)
    assert [(p.line, "'k'" in p.message, "'j'" in p.message) for p in problems] == [
        (3, True, False), (7, False, True)]


def test_same_key_in_different_mappings_is_not_a_duplicate(tmp_path):
    path = write(tmp_path, "x:\n  k: 1\ny:\n  k: 2\n")
    data, problems = load_yaml(path)
    assert problems == []
    assert data["x"]["k"] == 1 and data["y"]["k"] == 2


def test_dates_stay_text(tmp_path):
    path = write(tmp_path, "date: 2021-05-01\nyear: 2021\n")
    data, _ = load_yaml(path)
    assert data["date"] == "2021-05-01"
    assert data["year"] == 2021


def test_a_key_that_is_not_plain_text(tmp_path):
    path = write(tmp_path, "ok: 1\n? [a, b]\n: 2\n")
    data, problems = load_yaml(path)
    assert data == {"ok": 1}
    assert [(p.line, p.message) for p in problems] == [(2, "a key must be plain text")]


def test_syntax_error_has_line_column_and_hint(tmp_path):
    path = write(tmp_path, "a: 1\nb: text: more\n")
    data, problems = load_yaml(path)
    assert data is None
    assert len(problems) == 1
    problem = problems[0]
    assert (problem.line, problem.column) == (2, 8)
    assert problem.message.startswith("YAML syntax error: mapping values are not allowed here")
    assert 'text that contains ": " must be put in double quotes' in problem.message
    assert str(problem).endswith(
        f"file.yaml:2:8: {problem.message}")


def test_tab_indentation_hint(tmp_path):
    path = write(tmp_path, "a:\n\tb: 1\n")
    data, problems = load_yaml(path)
    assert data is None
    assert problems[0].line == 2
    assert "a tab was used for indentation, use spaces" in problems[0].message


def test_unclosed_quote(tmp_path):
    path = write(tmp_path, 'a: "open\nb: 2\n')
    data, problems = load_yaml(path)
    assert data is None
    assert problems[0].message.startswith("YAML syntax error")
    assert problems[0].line is not None and problems[0].column is not None


@pytest.mark.parametrize(
    ("raw", "line", "byte"),
    [(b"a: caf\xe9\n", 1, "0xe9"), (b"a: 1\nb: \xc3\xa6\nc: \xff\xfe\n", 3, "0xff")],
)
def test_not_utf8_names_the_line_of_the_first_bad_byte(tmp_path, raw, line, byte):
    path = write(tmp_path, raw)
    data, problems = load_yaml(path)
    assert data is None
    assert [p.line for p in problems] == [line]
    assert "is not UTF-8" in problems[0].message
    assert byte in problems[0].message


def test_byte_order_mark_is_ignored(tmp_path):
    path = write(tmp_path, "\ufeffa: 1\n")
    data, problems = load_yaml(path)
    assert problems == []
    assert data == {"a": 1}


@pytest.mark.parametrize("text", ["", "   \n\n", "# nothing\n  # indented comment\n"])
def test_empty_file(tmp_path, text):
    path = write(tmp_path, text)
    data, problems = load_yaml(path)
    assert data is None
    assert [(p.message, p.line) for p in problems] == [("the file is empty", None)]


def test_missing_file(tmp_path):
    data, problems = load_yaml(tmp_path / "absent.yaml")
    assert data is None
    assert [p.message for p in problems] == ["file not found"]
    assert problems[0].path.name == "absent.yaml"


def test_unicode_text_survives(tmp_path):
    path = write(tmp_path, "a: Fælles “citat” – ø å\n")
    data, problems = load_yaml(path)
    assert problems == []
    assert data["a"] == "Fælles “citat” – ø å"


def _tree(value):
    """A loaded value with the lines it remembers, to compare two loaders' results."""
    if isinstance(value, dict):
        return ("map", value.line, dict(value.key_lines),
                {k: _tree(v) for k, v in value.items()})
    if isinstance(value, list):
        return ("seq", value.line, list(value.item_lines), [_tree(v) for v in value])
    return (type(value).__name__, value)


@pytest.mark.skipif(yamlsource._FastLoader is None, reason="PyYAML without libyaml")
def test_libyaml_gives_every_content_file_exactly_as_the_python_loader(monkeypatch):
    from folder_builder.paths import BUNDLED_CONTENT

    files = sorted(BUNDLED_CONTENT.rglob("*.yaml"))
    assert len(files) > 10
    fast = {f: yamlsource.load_yaml(f) for f in files}
    monkeypatch.setattr(yamlsource, "_FastLoader", None)
    for f in files:
        data, problems = yamlsource.load_yaml(f)
        assert _tree(fast[f][0]) == _tree(data), f
        assert fast[f][1] == problems


@pytest.mark.skipif(yamlsource._FastLoader is None, reason="PyYAML without libyaml")
def test_a_broken_file_gets_the_python_loaders_message_and_hint(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("notes:\n  a: one\n   b: two\n", encoding="utf-8")
    assert yamlsource._fast(path.read_text(), path) is None  # libyaml declines it
    data, problems = yamlsource.load_yaml(path)
    assert data is None and problems[0].line in (2, 3) and "YAML syntax error" in \
        problems[0].message
    dup = tmp_path / "dup.yaml"
    dup.write_text("a: 1\na: 2\n", encoding="utf-8")
    assert "duplicate key 'a'" in yamlsource.load_yaml(dup)[1][0].message


@pytest.mark.parametrize("fast", [True, False])
def test_an_anchor_repeated_by_an_alias_is_yaml_on_purpose(tmp_path, monkeypatch, fast):
    """A tool that writes YAML (yaml.safe_dump) names a value it repeats with & and *:
    that loads. An anchor nothing repeats is a text that began with & (load_yaml's
    hint in test_yaml_hints)."""
    if not fast:
        monkeypatch.setattr(yamlsource, "_FastLoader", None)
    path = tmp_path / "plan.yaml"
    path.write_text("a: &cover\n  id: cover\nb:\n  - *cover\nc: &Co Kontakt\n",
                    encoding="utf-8")
    data, problems = load_yaml(path)
    assert data["b"] == [{"id": "cover"}] and data["c"] == "Kontakt"
    assert [(p.line, "&Co Kontakt" in p.message) for p in problems] == [(5, True)]
