"""The project's hyphenation list: where the booklet's own words may break.

WeasyPrint hyphenates with pyphen's patterns, which know Danish syllables but
not Danish compounds: they give "ker-neopgaven" and "samar-bejdskultur" where a
reader expects "kerne-opgaven" and "samarbejds-kultur". ``content/hyphenation.yaml``
lists words with the points where they may break (``kerne-opgave``); a word
written without a hyphen (a name) never breaks. Each entry applies wherever its
letters occur, also inside longer words and inflected forms: ``kerne-opgave``
governs "kerneopgaven", "kerneopgaverne" and "fælleskerneopgave" alike.

Each entry becomes a Liang pattern that outranks the stock patterns (which use
values up to 5): an odd 7 at every allowed point and an even 6 between all other
letters of the entry; an entry that contains another (kerne-opgave holds
op-gave) uses 9 and 8, so that its own points win inside it.
The stock patterns plus these are written as one dictionary file, and pyphen is
pointed at it for the publication's language.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from pathlib import Path

import pyphen

from .errors import ContentError, Problem
from .names import did_you_mean
from .yamlsource import Node, Seq, load_yaml

HYPHENATION_FILE = "hyphenation.yaml"
#: An entry: letters, with single hyphens between them.
_ENTRY = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
#: pyphen's own table of dictionaries, as it was before any list was installed.
_STOCK = dict(pyphen.LANGUAGES)
_written: dict[str, Path] = {}


def load_hyphenation(root: Path) -> tuple[str, ...]:
    """The entries of ``root``/hyphenation.yaml (none if there is no such file);
    raise ContentError naming file, line and entry for anything wrong."""
    path = Path(root) / HYPHENATION_FILE
    if not path.exists():
        return ()
    data, problems = load_yaml(path)
    words: list[tuple[object, int]] = []
    if isinstance(data, Node):
        for key in data:
            if key != "words":
                problems.append(Problem(f"unknown field '{key}'{did_you_mean(key, ['words'])}; "
                                        "the only field is 'words'",
                                        path, data.key_lines[key], str(key)))
        listed = data.get("words")
        if isinstance(listed, Seq):
            words = list(zip(listed, listed.item_lines, strict=True))
        else:
            problems.append(Problem("'words' must be a list of words, one per line "
                                    "(- kerne-opgave)", path, data.key_lines.get("words",
                                                                                 data.line),
                                    "words"))
    elif data is not None:
        problems.append(Problem("the file must have a 'words:' list", path, 1))
    seen: dict[str, int] = {}
    entries = []
    for index, (word, line) in enumerate(words):
        field = f"words[{index}]"
        if not isinstance(word, str) or not _ENTRY.fullmatch(word.strip()):
            problems.append(Problem(
                f"'{word}' is not a word with hyphens where it may break (kerne-opgave); "
                "use letters, and single hyphens between them", path, line, field))
            continue
        letters = word.strip().replace("-", "").lower()
        if letters in seen:
            problems.append(Problem(f"'{word}' is listed twice (first on line "
                                    f"{seen[letters]})", path, line, field))
            continue
        seen[letters] = line
        entries.append(word.strip().lower())
    if problems:
        raise ContentError(problems)
    return tuple(entries)


def pattern(entry: str, outer: bool = False) -> str:
    """The Liang pattern of one entry: kerne-opgave -> k6e6r6n6e7o6p6g6a6v6e.

    ``outer`` entries contain another entry's letters ("kerne-opgave" holds
    "op-gave") and outrank it with 9 and 8, so that "kerneop-gave" stays out.
    """
    allow, forbid = ("9", "8") if outer else ("7", "6")
    return allow.join(forbid.join(part) for part in entry.split("-"))


def patterns(entries: tuple[str, ...]) -> list[str]:
    """The patterns of all entries, each outranking the entries it contains."""
    letters = [entry.replace("-", "") for entry in entries]
    return [pattern(entry, outer=any(other != mine and other in mine for other in letters))
            for entry, mine in zip(entries, letters, strict=True)]


def install_hyphenation(content) -> tuple[str, ...]:
    """Make pyphen (and so WeasyPrint) hyphenate the publication's language with
    the stock patterns plus the content's list; return the list. Another content
    without a list gets the stock patterns back."""
    pyphen.LANGUAGES.clear()
    pyphen.LANGUAGES.update(_STOCK)
    entries = load_hyphenation(content.root)
    language = pyphen.language_fallback(content.publication.language or "")
    if not entries or language is None:
        return entries
    stock = _STOCK[language]
    path = _dictionary(stock, entries)
    for name, known in _STOCK.items():
        if known == stock:
            pyphen.LANGUAGES[name] = path
    return entries


def _dictionary(stock: Path, entries: tuple[str, ...]) -> Path:
    """The stock patterns and the entries' patterns as one UTF-8 dictionary file,
    written once per process for each list."""
    key = hashlib.sha256("\n".join([str(stock), *entries]).encode()).hexdigest()[:16]
    if key in _written and _written[key].exists():
        return _written[key]
    raw = Path(stock).read_bytes()
    encoding, _, body = raw.partition(b"\n")
    codec = encoding.decode().strip()
    text = body.decode("cp1251" if codec.lower() == "microsoft-cp1251" else codec)
    folder = Path(tempfile.gettempdir()) / "folder-builder-hyphenation"
    folder.mkdir(exist_ok=True)
    path = folder / f"hyph_{key}.dic"
    lines = ["UTF-8", text.rstrip("\n"), *patterns(entries), ""]
    temporary = path.with_suffix(f".{id(lines)}.tmp")
    temporary.write_text("\n".join(lines), encoding="utf-8")
    temporary.replace(path)
    _written[key] = path
    return path
