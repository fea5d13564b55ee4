"""Read YAML so that every value still knows the line it came from.

PyYAML's plain loaders forget positions and silently keep the last of two
duplicate keys. Content is edited by hand, so both matter: error messages must
name file and line, and a duplicated statement id must not vanish quietly.
"""

from __future__ import annotations

import re
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
    fast = _fast(text, path)
    if fast is not None:
        return fast
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
        hint, line = _hint(text, mark, exc.context_mark, exc.context)
        column = mark.column + 1 if mark else None
        began = exc.context_mark
        if mark is not None and line != mark.line + 1:
            # The mistake is on another line than where YAML noticed it: the column is
            # where YAML began to read it, if that is the line, else unknown.
            column = began.column + 1 if began is not None and line == began.line + 1 \
                else None
        return None, [
            Problem(f"YAML syntax error: {what}{hint}", path, line, column=column)
        ]
    except yaml.YAMLError as exc:
        return None, [Problem(f"YAML syntax error: {exc}", path)]
    finally:
        loader.dispose()
    return data, loader.problems + _swallowed_items(text, path) + _anchors(text, path)


if getattr(yaml, "__with_libyaml__", False):

    class _FastLoader(yaml.CSafeLoader):  # type: ignore[name-defined,misc]
        """The same loader on libyaml's parser, 5-7 times faster; the constructors
        (lines, duplicate keys) and the resolvers are the Python loader's."""

        def __init__(self, stream: str, path: Path) -> None:
            super().__init__(stream)
            self.path = path
            self.problems: list[Problem] = []

    _FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                                _Loader.construct_mapping)
    _FastLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG,
                                _Loader.construct_sequence)
    _FastLoader.yaml_implicit_resolvers = _Loader.yaml_implicit_resolvers
else:  # pragma: no cover - PyYAML built without libyaml
    _FastLoader = None


def _fast(text: str, path: Path) -> tuple[Any, list[Problem]] | None:
    """The file through libyaml, or None to go the Python loader's way: whenever the
    text is not plain, well-formed YAML, the Python loader says what is wrong, so
    the messages (and their hints) are the same whichever parser a machine has."""
    if _FastLoader is None or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    loader = _FastLoader(text, path)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError:
        return None
    finally:
        loader.dispose()
    return data, loader.problems + _swallowed_items(text, path) + _anchors(text, path)


def _anchors(text: str, path: Path) -> list[Problem]:
    """Texts that begin with "&": YAML reads "&Co" as a name of its own for the value
    after it (an anchor) and drops it, so "contact: &Co" gives no contact at all, and
    the file loads without a word. An anchor that no "*name" repeats elsewhere in the
    file is such a text: each is an error that says which quotes to add. (An anchor
    that is repeated is YAML used on purpose, as a tool writes it.)"""
    if "&" not in text:
        return []
    lines = text.splitlines()
    problems, anchored, repeated = [], [], set()
    try:
        for event in yaml.parse(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if isinstance(event, yaml.AliasEvent):
                repeated.add(event.anchor)
            elif getattr(event, "anchor", None) is not None:
                anchored.append(event)
    except yaml.YAMLError:  # the loader has reported it already
        return []
    for event in anchored:
        if event.anchor not in repeated:
            mark = event.start_mark
            value = _value(lines[mark.line]) if mark.line < len(lines) else ""
            problems.append(Problem(
                "YAML syntax error: YAML takes a text that begins with & for a name of its "
                "own and leaves it out; "
                + _cannot_begin(value if value.startswith("&") else "&" + event.anchor),
                path, mark.line + 1, column=mark.column + 1))
    return problems


def _code(character: int | str) -> int:
    return character if isinstance(character, int) else ord(character)


#: A key with nothing after it, or a block of text to follow ("introduction: |").
_OPENS_BLOCK = re.compile(r"^(?P<indent> *)(?:- )?(?P<key>[^\s#:][^:#]*):\s*(?:[|>][-+]?\s*)?$")
_ITEM = re.compile(r"^(?P<indent> *)- ")
_CURLY = "\u201c\u201d\u201e"
#: Characters that YAML reads as its own when a text begins with them (a list, a
#: mapping, an anchor, an alias, a tag, a directive, reserved ones).
_CANNOT_BEGIN = frozenset("[{&*!%@`")
#: A line's value: after an item's "- " and a key's "key: " (a key never begins with
#: one of YAML's own characters, so "- [Valgfrit: Hvad?" is all value).
_VALUE = re.compile(r"^\s*(?:-\s+)?(?:[^\s:#\[\]{}\"'*&!%@`|>-][^:#]*?:\s+)?(?P<value>.*)$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _spaces(count: int) -> str:
    return "1 space" if count == 1 else f"{count} spaces"


def _above(lines: list[str], index: int) -> int | None:
    """The index of the nearest line above ``index`` with something on it."""
    for j in range(index - 1, -1, -1):
        if lines[j].strip() and not lines[j].lstrip().startswith("#"):
            return j
    return None


def _value(line: str) -> str:
    """What comes after "- " and "key: " on ``line`` (the whole line if neither)."""
    found = _VALUE.match(line)
    return found["value"].strip() if found else ""


def _cannot_begin(value: str) -> str:
    """The hint for a text that begins with one of YAML's own characters: the whole
    text (up to 40 characters) in the quotes it needs."""
    shown = value if len(value) <= 40 else value[:37] + "…"
    return (f"a text cannot begin with {value[0]} in YAML: put the whole text in double "
            f'quotes, "{shown}"')


def _hint(text: str, mark: yaml.Mark | None, context_mark: yaml.Mark | None = None,
          context: str | None = None) -> tuple[str, int | None]:
    """A plain-words hint for the mistakes hand-editors make, and the 1-based line
    the mistake is on (YAML often notices it a line later, or at the end of the
    file; ``context_mark`` is where YAML began to read what it could not finish)."""
    if mark is None:
        return "", None
    lines = text.splitlines()
    index = min(mark.line, len(lines) - 1) if lines else 0
    line = lines[index] if lines else ""
    if "\t" in line[: max(mark.column, 1) + 1] or line.startswith("\t"):
        return "; a tab was used for indentation, use spaces", index + 1
    began = context_mark.line if context_mark is not None and \
        context_mark.line < len(lines) else None
    if began is not None and context == "while scanning a quoted scalar":
        quote = lines[began][context_mark.column:context_mark.column + 1] or '"'
        return (f"; the text that begins with {quote} on this line is never ended: put a "
                f"{quote} at its end", began + 1)
    for at in (began, index):
        value = _value(lines[at]) if at is not None else ""
        if value[:1] in _CANNOT_BEGIN:
            return "; " + _cannot_begin(value), at + 1
    # Text under "introduction: |" or "notes:" that is not indented under its key.
    for j in range(index, max(index - 40, -1), -1):
        opener = _OPENS_BLOCK.match(lines[j]) if j < len(lines) else None
        if opener is None:
            continue
        following = next((k for k in range(j + 1, len(lines)) if lines[k].strip()), None)
        if following is not None and following <= index \
                and _indent(lines[following]) <= len(opener["indent"]) \
                and not _OPENS_BLOCK.match(lines[following]) \
                and not _ITEM.match(lines[following]) \
                and ": " not in lines[following]:
            key = opener["key"].strip()
            return (f"; the text under '{key}:' (line {j + 1}) must be indented: put two "
                    f"spaces before each of its lines", following + 1)
    if any(ch in line for ch in _CURLY):
        return ('; curly quotes \u201c \u201d are not quotes in YAML: put the text in straight '
                'double quotes "..." (curly ones may stay inside them)', index + 1)
    value = _value(line)
    if value.startswith('"') and value.replace('\\"', "").count('"') > 2:
        return ('; a " inside a double-quoted text ends the text early: write \\" for it, or '
                "use curly quotes \u201c \u201d inside the text", index + 1)
    above = _above(lines, index)
    if above is not None and line.strip() and _indent(line) != _indent(lines[above]) \
            and not _OPENS_BLOCK.match(lines[above]) \
            and (_ITEM.match(line) or re.match(r"^ *[^\s:]+:( |$)", line)):
        return (f"; this line is indented {_spaces(_indent(line))} and the line above "
                f"{_spaces(_indent(lines[above]))}: indent it like the line above", index + 1)
    if ": " in line.split(":", 1)[-1]:
        return '; text that contains ": " must be put in double quotes', mark.line + 1
    return "", mark.line + 1


def _swallowed_items(text: str, path: Path) -> list[Problem]:
    """List items indented deeper than the item above them. YAML reads such a line
    as more words of the item above ("- Hvad virker? - Hvad virker ikke?"), so no
    syntax error says so: one question silently becomes part of another."""
    problems = []
    lines = text.splitlines()
    for index, line in enumerate(lines):
        item = _ITEM.match(line)
        above = _above(lines, index)
        if item is None or above is None:
            continue
        previous = _ITEM.match(lines[above])
        if previous is None or len(item["indent"]) <= len(previous["indent"]):
            continue
        if _OPENS_BLOCK.match(lines[above]) or lines[above].rstrip().endswith(("|", ">")):
            continue  # "- key:" followed by a nested list is fine
        problems.append(Problem(
            f"this '- ' item is indented {_spaces(len(item['indent']))} and the item above "
            f"{_spaces(len(previous['indent']))}, so YAML reads it as part of the item above: "
            "indent it like the line above", path, index + 1))
    return problems
