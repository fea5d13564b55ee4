"""Clean text pasted from Word the same way in every field, and say what changed.

People paste from Word: non-breaking spaces around dashes and quotes, tabs,
invisible zero-width characters, "•" bullets. Each text field goes through
``clean`` before it is used; curly quotes and dashes are kept as they are, and
nothing is changed silently: every replacement or removal is counted and turned
into one warning for the field (notices.py), with its file and line.
"""

from __future__ import annotations

import re
from collections import Counter

#: Spaces that do not break, and odd widths of space: each becomes a plain space.
SPACES = {"\u00a0": "non-breaking space", "\u202f": "narrow non-breaking space",
          "\u2007": "figure space", "\u2009": "thin space", "\t": "tab"}
#: Characters that show nothing and mean nothing in print: removed.
INVISIBLE = {"\u200b": "zero-width space", "\u2060": "word joiner", "\ufeff": "byte order mark",
             "\u200c": "zero-width non-joiner", "\u200d": "zero-width joiner"}
#: Word's line and paragraph separators become line breaks in a text of paragraphs.
BREAKS = {"\u2028": "line separator", "\u2029": "paragraph separator", "\x0b": "line break (Word)"}
#: A line of a text field that starts with one of these is a list item ("- ").
BULLETS = "•◦▪‣∙·●"
#: Any character ``clean`` replaces or removes (most texts have none: a quick look).
_SPECIAL = re.compile("[" + re.escape("".join({**SPACES, **INVISIBLE, **BREAKS})) + "]")
_BULLET_LINE = re.compile(rf"^([ ]*)[{BULLETS}][ \t\u00a0]+", re.MULTILINE)


def clean(value: str, *, paragraphs: bool) -> tuple[str, str | None]:
    """``value`` cleaned, and a sentence saying what changed (None: nothing).

    ``paragraphs`` is true for text fields made of paragraphs and lists (rich text):
    there Word's line separators become line breaks and a leading bullet a list item.
    In a one-line field they become spaces.
    """
    counts: Counter[str] = Counter()
    text = value if _SPECIAL.search(value) is None else _replaced(value, paragraphs, counts)
    if paragraphs:
        text, bullets = _BULLET_LINE.subn(r"\1- ", text)
        if bullets:
            counts["line starting with a bullet such as “•”|list"] += bullets
    return text, _describe(counts)


def _replaced(value: str, paragraphs: bool, counts: Counter[str]) -> str:
    """``value`` with every special character replaced or removed, each counted."""
    out = []
    for ch in value:
        if ch in SPACES:
            counts[f"{SPACES[ch]}|space"] += 1
            out.append(" ")
        elif ch in INVISIBLE:
            counts[f"{INVISIBLE[ch]} (U+{ord(ch):04X})|removed"] += 1
        elif ch in BREAKS:
            counts[f"{BREAKS[ch]}|{'break' if paragraphs else 'space'}"] += 1
            out.append("\n" if paragraphs else " ")
        else:
            out.append(ch)
    return "".join(out)


def _describe(counts: Counter[str]) -> str | None:
    """"2 non-breaking spaces became plain spaces; 1 zero-width space was removed"."""
    if not counts:
        return None
    groups: dict[str, list[str]] = {}
    for key, count in counts.items():
        name, what = key.split("|")
        groups.setdefault(what, []).append(_plural(count, name))
    endings = {"space": "→ plain space", "removed": "removed",
               "break": "→ line break", "list": "→ list item"}
    parts = [f"{' and '.join(names)} {endings[what]}" for what, names in groups.items()]
    return "pasted text was cleaned: " + "; ".join(parts)


def _plural(count: int, name: str) -> str:
    head, _, tail = name.partition(" (")
    noun = head if count == 1 else _pluralise(head)
    return f"{count} {noun}" + (f" ({tail}" if tail else "")


def _pluralise(noun: str) -> str:
    if noun.startswith("line starting"):
        return noun.replace("line starting", "lines starting", 1)
    if noun.endswith("space"):
        return noun + "s"
    if noun.endswith("break"):
        return noun.replace("break", "breaks")
    words = noun.split(" ")
    words[-1] += "s"
    return " ".join(words)
