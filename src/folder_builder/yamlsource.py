"""Read YAML so that every value still knows the line it came from.

PyYAML's plain loaders forget positions and silently keep the last of two
duplicate keys. Content is edited by hand, so both matter: error messages must
name file and line, and a duplicated statement id must not vanish quietly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .errors import Problem


class Node(dict):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int
    key_lines: dict[Any, int]


class Seq(list):
    """A YAML sequence that remembers its own line and the line of each item."""

    line: int
    item_lines: list[int]


class _Loader(yaml.SafeLoader):
    """SafeLoader that records lines and reports duplicate keys."""

    def __init__(self, stream: str, path: Path) -> None:
        super().__init__(stream)
        self.path = path
        self.problems: list[Problem] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Node:
        result = Node()
        result.line = node.start_mark.line + 1
        result.key_lines = {}
        self.flatten_mapping(node)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str | int | float | bool) or key is None:
                self.problems.append(
                    Problem("a key must be plain text", self.path, line)
                )
                continue
            if key in result:
                self.problems.append(
                    Problem(
                        f"duplicate key '{key}' (first given on line "
                        f"{result.key_lines[key]}); each key may appear only once",
                        self.path,
                        line,
                        str(key),
                    )
                )
                continue
            result[key] = self.construct_object(value_node, deep=True)
            result.key_lines[key] = line
        return result

    def construct_sequence(self, node: yaml.SequenceNode, deep: bool = False) -> Seq:
        result = Seq(self.construct_object(child, deep=True) for child in node.value)
        result.line = node.start_mark.line + 1
        result.item_lines = [child.start_mark.line + 1 for child in node.value]
        return result


_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_mapping
)
_Loader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _Loader.construct_sequence
)
# Dates and times stay text: "2021-05-01" in a signature is words, not a date.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """Load one YAML file; return its data (None on failure) and its problems."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, [Problem("file not found", path)]
    except OSError as exc:
        return None, [Problem(f"cannot be read ({exc.strerror})", path)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        return None, [
            Problem(
                f"is not UTF-8 text (byte 0x{raw[exc.start]:02x} cannot be read); "
                "save the file as UTF-8",
                path,
                line,
            )
        ]
    text = text.removeprefix("\ufeff")
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        return None, [Problem("the file is empty", path)]
    try:
        loader = _Loader(text, path)
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        before = text[: exc.position]
        return None, [
            Problem(
                f"the character U+{_code(exc.character):04X} is not allowed in a YAML file "
                "(an invisible control character); remove it",
                path,
                before.count("\n") + 1,
                column=len(before) - before.rfind("\n"),
            )
        ]
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or "invalid YAML"
        if exc.context:
            what = f"{what} ({exc.context})"
        hint = _hint(text, mark)
        return None, [
            Problem(
                f"YAML syntax error: {what}{hint}",
                path,
                mark.line + 1 if mark else None,
                column=mark.column + 1 if mark else None,
            )
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(f"YAML syntax error: {exc}", path)]
    finally:
        loader.dispose()
    return data, loader.problems


def _code(character: int | str) -> int:
    return character if isinstance(character, int) else ord(character)


def _hint(text: str, mark: yaml.Mark | None) -> str:
    """A plain-words hint for the two mistakes hand-editors make most."""
    if mark is None:
        return ""
    lines = text.splitlines()
    line = lines[mark.line] if mark.line < len(lines) else ""
    if "\t" in line[: max(mark.column, 1) + 1] or line.startswith("\t"):
        return "; a tab was used for indentation, use spaces"
    if ": " in line.split(":", 1)[-1]:
        return '; text that contains ": " must be put in double quotes'
    return ""
