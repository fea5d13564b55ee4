"""Every character of the content must be in the project's fonts.

A character the fonts lack makes Pango fall back to whatever font the machine
has: the booklet then differs from machine to machine, or shows a box. The
build would catch the system font after layout; this check catches it before,
and names the file, the line and the character, which a person can act on.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator
from dataclasses import fields, is_dataclass
from functools import lru_cache
from pathlib import Path

from .cache import load_font_coverage, store_font_coverage
from .errors import ContentError, Problem
from .model import BulletList, Content, Department, Paragraph, Text

FONT_SUFFIXES = (".ttf", ".otf", ".woff", ".woff2")


def font_files(folders: tuple[Path, ...]) -> tuple[Path, ...]:
    return tuple(sorted(p for folder in folders for p in folder.rglob("*")
                        if p.suffix.lower() in FONT_SUFFIXES))


@lru_cache(maxsize=4)
def coverage(files: tuple[Path, ...]) -> frozenset[int]:
    """The code points the fonts in ``files`` have glyphs for, together."""
    points: set[int] = set()
    for path in files:
        points |= font_coverage(path)
    return frozenset(points)


def font_coverage(path: Path) -> frozenset[int]:
    """The code points one font file has glyphs for (read once, then cached)."""
    points = load_font_coverage(path)
    if points is None:
        from fontTools.ttLib import TTFont  # fontTools comes with WeasyPrint

        try:
            points = frozenset(TTFont(path, lazy=True, fontNumber=0).getBestCmap() or {})
        except Exception:  # an unreadable font is WeasyPrint's to report, at layout
            return frozenset()
        store_font_coverage(path, points)
    return points


def _needs_glyph(char: str) -> bool:
    # Format characters (zero-width space and joiners, soft hyphen, marks for
    # direction) are not drawn; Pango needs no glyph for them.
    return unicodedata.category(char) not in ("Cf", "Cc")


def check_glyphs(content: Content, folders: tuple[Path, ...],
                 department: Department | None = None) -> None:
    """Raise ContentError naming every character the project's fonts cannot draw: in
    the content's texts, or, given a department, in the department's alone (the
    content's were checked when it was loaded, prepare(); a note edited in a proof
    or the studio need not check the 84 statements again)."""
    have = coverage(font_files(folders))
    if not have:
        return
    problems: list[Problem] = []
    seen: set[tuple[str, Path, int | None]] = set()
    for text, path, line, field in _texts(content, department):
        for char in dict.fromkeys(text):
            if _needs_glyph(char) and ord(char) not in have and (char, path, line) not in seen:
                seen.add((char, path, line))
                name = unicodedata.name(char, "unnamed character")
                problems.append(Problem(
                    f"the character '{char}' (U+{ord(char):04X} {name}) is not in the "
                    "project's fonts; the PDF would fall back to a font of this machine. "
                    "Write it differently, or add a font that has it to the layouts",
                    path, line, field))
    if problems:
        raise ContentError(problems)


def _texts(content: Content,
           department: Department | None) -> Iterator[tuple[str, Path, int | None, str]]:
    if department is not None:
        for field, value in _strings(department):
            yield value, department.source.path, None, field
        for key, note in department.notes.items():
            yield note, department.source.path, None, f"notes.{key}"
        return
    root = content.root
    for statement in content.statements:
        yield statement.text, statement.source.path, statement.source.line, statement.id
    for item in (*content.perspectives, *content.roles):
        for name, value in _strings(item):
            yield value, item.source.path, item.source.line, f"{item.id}.{name}"
    for name, obj in (("publication", content.publication), ("foreword", content.foreword),
                      ("guide", content.guide), ("synthesis", content.synthesis),
                      ("leaflet", content.leaflet)):
        for field, value in _strings(obj):
            yield value, root / f"{name}.yaml", None, field
    for specs in content.plans.values():
        for spec in specs:
            if spec.title:
                yield spec.title, spec.source.path, spec.source.line, f"{spec.id}.title"


def _strings(obj: object, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Every piece of text in a model object, with the name of its field."""
    if obj is None:
        return
    if isinstance(obj, str):
        yield prefix, obj
    elif isinstance(obj, Text):
        yield prefix, obj.text
    elif isinstance(obj, Paragraph):
        for part in obj.parts:
            yield from _strings(part, prefix)
    elif isinstance(obj, BulletList):
        for item in obj.items:
            for part in item:
                yield from _strings(part, prefix)
    elif isinstance(obj, tuple | list):
        for item in obj:
            yield from _strings(item, prefix)
    elif is_dataclass(obj):
        for f in fields(obj):
            if f.name not in ("source", "id", "logo", "notes", "colour"):
                yield from _strings(getattr(obj, f.name), f"{prefix}.{f.name}".lstrip("."))
