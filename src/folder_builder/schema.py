"""How a content file is checked: its fields declared once, read the same way everywhere.

Each content file (publication.yaml, a perspective in perspectives.yaml, a
department file …) is a ``Schema``: a list of ``Field``s, each with its name, its
type, whether it is required and an optional further check. ``Schema.read``
reports, for one YAML mapping, every missing field, every unknown field (with
the nearest allowed name: ``notat:`` → "did you mean 'notes'?"), every value of
the wrong type and every value its check refuses — each at its file, line and
field — and gives back the values it could read. Nothing stops at the first
problem: a person who mistyped three things hears of all three in one run.

``SourceFile`` is one file being read: its path, the problems and warnings found
in it, and the names its references may use (sections, roles …), so that an
unknown name is reported with the nearest known one (names.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import richtext
from .cleanup import clean
from .errors import Problem
from .model import Colour, RichText, Source
from .names import did_you_mean, nearest, unknown
from .yamlsource import Node, Seq, load_yaml

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ID_RULE = "lower-case ASCII letters, digits and single hyphens (e.g. leder-af-leder)"

#: Characters that reorder how text is shown without showing themselves: in a
#: printed text they can only hide or scramble words.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


class _Invalid:
    """The value of a field that was written but is wrong (already reported)."""

    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()


class SourceFile:
    """The validation context of one YAML file: its path, its problems and warnings,
    and the names its references are checked against."""

    def __init__(
        self, path: Path, problems: list[Problem], section_ids: Iterable[str] = (),
        warnings: list[Problem] | None = None, *, root: Path | None = None,
        known: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.path = path
        self.problems = problems
        #: What the build will still do but should say: text cleaned on loading.
        self.warnings = warnings if warnings is not None else []
        self.section_ids = sorted(section_ids)
        #: The content folder (for checks of paths written in the file).
        self.root = root
        #: Names a reference may use, by kind ("role", "perspective" …).
        self.known: dict[str, list[str]] = {kind: list(names)
                                             for kind, names in (known or {}).items()}
        #: Ids written in a list file, valid or not: a broken entry is reported once,
        #: where it is, and not again by everything that refers to it.
        self.declared: set[str] = set()
        #: The file's top-level mapping, once loaded.
        self.root_node: Node | None = None

    def load(self) -> Node | None:
        """The file's top-level mapping, or None (with the reason recorded)."""
        data, problems = load_yaml(self.path)
        self.problems += problems
        if data is None:
            return None  # unreadable, empty or not YAML: already reported
        self.root_node = self.mapping(data, "", 1)
        return self.root_node

    def error(self, message: str, line: int | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(message, self.path, line, field))

    def source(self, line: int | None) -> Source:
        return Source(self.path, line)

    def refers(self, kind: str, value: str, line: int | None, field: str) -> bool:
        """Whether ``value`` is a known name of ``kind``; if not, say so with the
        nearest known name. With no names known (their own file is broken, and
        reported there) every reference passes."""
        names = self.known.get(kind)
        if not names or value in names:
            return True
        self.error(unknown(kind, value, names), line, field)
        return False

    # -- structure ---------------------------------------------------------

    def mapping(self, value: Any, field: str, line: int | None) -> Node | None:
        if isinstance(value, Node):
            return value
        self.error(f"expected a set of 'name: value' fields, found {kind_of(value)}", line,
                   field)
        return None

    def sequence(self, value: Any, field: str, line: int | None) -> Seq | None:
        if isinstance(value, Seq):
            return value
        self.error(f"expected a list of '- ' items, found {kind_of(value)}", line, field)
        return None

    def fields(
        self, node: Node, prefix: str, required: Iterable[str], optional: Iterable[str] = ()
    ) -> None:
        """Report missing required fields and unknown (often misspelt) ones."""
        required, optional = list(required), list(optional)
        allowed = required + optional
        unknown_names = [name for name in node if name not in allowed]
        hints = {name: did_you_mean(name, allowed) for name in unknown_names}
        # A misspelt required field is reported once, as misspelt, not also as missing.
        misspelt = {nearest(name, allowed) for name in unknown_names}
        for name in required:
            if name not in node and name not in misspelt:
                self.error("this field is missing", node.line, join(prefix, name))
        for name in unknown_names:
            self.error(f"unknown field{hints[name]}; allowed here: {', '.join(allowed)}",
                       node.key_lines.get(name), join(prefix, str(name)))

    # -- values ------------------------------------------------------------

    def text(self, node: Node, name: str, prefix: str, *, required: bool = True) -> str | None:
        """The text of field ``name`` on one line (white space collapsed); None when it
        is absent or wrong (reported)."""
        value = TEXT.read(self, node, name, prefix, required)
        return None if value is INVALID else value

    def rich(self, node: Node, name: str, prefix: str, *, required: bool = True) -> RichText:
        """The paragraphs of field ``name``; () when it is absent or wrong (reported)."""
        value = RICH.read(self, node, name, prefix, required)
        return () if value is INVALID or value is None else value

    def cleaned(self, value: str, line: int | None, field: str, *, paragraphs: bool) -> str:
        """``value`` cleaned of what pasting from Word brings (cleanup.py); what changed
        becomes a warning at the field's line."""
        text, changed = clean(value, paragraphs=paragraphs)
        if changed:
            self.warnings.append(Problem(changed, self.path, line, field))
        return text

    def ident(self, node: Node, name: str, prefix: str) -> str | None:
        value = IDENT.read(self, node, name, prefix, True)
        return None if value is INVALID else value


# --- types ------------------------------------------------------------------------------
#
# A type reads the value of one field of a mapping: the value, None when the field
# is optional and written empty, or INVALID (reported) when it is not of the type.


@dataclass(frozen=True)
class Type:
    """How a field's value is read: ``read(file, node, name, prefix, required)``."""

    #: what the value is, in a reader's words (for docs and messages)
    description: str
    reader: Callable[[SourceFile, Node, str, str, bool], Any]

    def read(self, f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
        if name not in node:
            return None  # reported by SourceFile.fields() when required
        if node[name] is None and not required:
            return None  # an optional field written empty is as if it were not written
        return self.reader(f, node, name, prefix, required)


def _text(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
    value, line, where = node[name], node.key_lines[name], join(prefix, name)
    if isinstance(value, bool) or value is None:
        if value is None and not required:
            return None
        f.error(f"expected text, found {kind_of(value)}", line, where)
        return INVALID
    if isinstance(value, int | float):
        value = str(value)
    if not isinstance(value, str):
        f.error(f"expected text, found {kind_of(value)}", line, where)
        return INVALID
    value = " ".join(f.cleaned(value, line, where, paragraphs=False).split())
    if not value:
        f.error("the text is empty", line, where)
        return INVALID
    bad = control_character(value)
    if bad:
        f.error(bad, line, where)
        return INVALID
    return value


def _rich(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
    value, line, where = node[name], node.key_lines[name], join(prefix, name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        f.error(f"expected text, found {kind_of(value)}" if not isinstance(value, str)
                else "the text is empty", line, where)
        return INVALID
    value = f.cleaned(value, line, where, paragraphs=True)
    bad = control_character(value.replace("\n", " "))
    if bad:
        f.error(bad, line, where)
        return INVALID
    blocks, problems = richtext.parse(value)
    for message, token in problems:
        f.error(message, line_of(value, token, line), where)
    for ref in dict.fromkeys(richtext.page_refs(blocks)):
        if f.section_ids and ref not in f.section_ids:
            f.error(unknown("section", ref, f.section_ids),
                    line_of(value, "{pages:" + ref + "}", line), where)
    return blocks


def _ident(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
    value = _text(f, node, name, prefix, required)
    if isinstance(value, str) and not ID_PATTERN.fullmatch(value):
        f.error(f"'{value}' is not a valid id: use {ID_RULE}", node.key_lines[name],
                join(prefix, name))
        return INVALID
    return value


def _yes_no(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
    value = node[name]
    if isinstance(value, bool):
        return value
    f.error("expected yes/no (true or false)", node.key_lines[name], join(prefix, name))
    return INVALID


def _pages(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
    value = node[name]
    if isinstance(value, int) and not isinstance(value, bool) and value >= 1:
        return value
    f.error("expected a whole number of pages, 1 or more", node.key_lines[name],
            join(prefix, name))
    return INVALID


def _cmyk(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
    value, line, where = node[name], node.key_lines[name], join(prefix, name)
    ok = (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and all(0 <= v <= 100 for v in value)
    )
    if not ok:
        f.error("expected four CMYK percentages from 0 to 100, e.g. [100, 60, 0, 20]", line,
                where)
        return INVALID
    if all(v <= 1 for v in value) and any(v != int(v) for v in value):
        meant = ", ".join(f"{v * 100:g}" for v in value)
        f.error(f"CMYK values are percentages from 0 to 100: write [{meant}], not "
                f"[{', '.join(f'{v:g}' for v in value)}]", line, where)
        return INVALID
    return Colour(*(float(v) for v in value))


def _list(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
    value = f.sequence(node[name], join(prefix, name), node.key_lines[name])
    return INVALID if value is None else value


def _mapping(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
    value = f.mapping(node[name], join(prefix, name), node.key_lines[name])
    return INVALID if value is None else value


TEXT = Type("text on one line", _text)
RICH = Type("text of paragraphs (blank lines between them, '- ' for a list item)", _rich)
IDENT = Type(f"an id: {ID_RULE}", _ident)
YES_NO = Type("yes/no (true or false)", _yes_no)
PAGES = Type("a whole number of pages, 1 or more", _pages)
CMYK = Type("four CMYK percentages from 0 to 100, e.g. [100, 60, 0, 20]", _cmyk)
LIST = Type("a list of '- ' items", _list)
MAPPING = Type("a set of 'name: value' fields", _mapping)


def one_of(choices: Sequence[str]) -> Type:
    """A value that must be one of ``choices``."""

    def read(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
        value = node[name]
        if value in choices:
            return value
        f.error(f"expected one of: {', '.join(choices)}", node.key_lines[name],
                join(prefix, name))
        return INVALID

    return Type(f"one of: {', '.join(choices)}", read)


def number(low: float, high: float, message: str) -> Type:
    """A number from ``low`` to ``high``; ``message`` says what was expected."""

    def read(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
        value = node[name]
        if isinstance(value, int | float) and not isinstance(value, bool) \
                and low <= value <= high:
            return float(value)
        f.error(message, node.key_lines[name], join(prefix, name))
        return INVALID

    return Type(message.removeprefix("expected "), read)


# --- fields and schemas -------------------------------------------------------------------

#: A further check of a value of the right type: the problem, in words, or None.
Check = Callable[[Any, SourceFile], str | None]


@dataclass(frozen=True)
class Field:
    """One field of a content file: its name, its type, whether it must be given,
    a further check, and the value it has when it is not written."""

    name: str
    type: Type
    required: bool = True
    check: Check | None = None
    default: Any = None


@dataclass(frozen=True)
class Schema:
    """The fields of one kind of YAML mapping, declared once; ``read`` checks a
    mapping against them."""

    #: what the mapping is, in a reader's words ("a perspective")
    what: str
    fields: tuple[Field, ...]
    _by_name: dict[str, Field] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {f.name: f for f in self.fields})

    @property
    def names(self) -> tuple[str, ...]:
        """Every field's name, required ones first: the order "allowed here" lists."""
        return (*self.required, *self.optional)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def optional(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if not f.required)

    def __getitem__(self, name: str) -> Field:
        return self._by_name[name]

    def read(self, f: SourceFile, node: Node, prefix: str = "") -> Reading:
        """Every field's value (its default when absent or wrong), whether every
        required field was given and right, and which fields were written wrong.
        Every problem is reported in ``f``."""
        f.fields(node, prefix, self.required, self.optional)
        values: dict[str, Any] = {}
        ok, wrong = True, set()
        for spec in self.fields:
            value = spec.type.read(f, node, spec.name, prefix, spec.required)
            if spec.check is not None and value is not None and value is not INVALID:
                problem = spec.check(value, f)
                if problem:
                    f.error(problem, node.key_lines[spec.name], join(prefix, spec.name))
                    value = INVALID
            if value is INVALID:
                wrong.add(spec.name)
            if value is None or value is INVALID:
                ok = ok and not spec.required
                value = spec.default
            values[spec.name] = value
        return Reading(values, ok, frozenset(wrong))


@dataclass(frozen=True)
class Reading:
    """What ``Schema.read`` found in one mapping."""

    #: every field's value; its default when it was not written or is wrong
    values: dict[str, Any]
    #: every required field was written, and right
    ok: bool
    #: the fields written with a wrong value (each reported)
    wrong: frozenset[str]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


# --- helpers --------------------------------------------------------------------------------


def join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def line_of(value: str, token: str, key_line: int) -> int:
    """The file line of ``token`` inside a multi-line value that starts after ``key_line``."""
    if "\n" not in value.rstrip("\n"):
        return key_line
    return key_line + 1 + value[: max(value.find(token), 0)].count("\n")


def kind_of(value: Any) -> str:
    """What a YAML value is, in a reader's words."""
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, dict):
        return "a set of fields"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return "text"


def control_character(value: str) -> str | None:
    """Why ``value`` cannot be printed as it is: an invisible control character."""
    for ch in value:
        if ch < " " or "\x7f" <= ch < "\xa0" or ch in BIDI_CONTROLS:
            return f"contains an invisible control character (U+{ord(ch):04X}); remove it"
    return None
