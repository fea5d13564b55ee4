"""Parse the plain-text markup used in content files.

Editors write paragraphs separated by blank lines, start list items with
"- ", write {pages:SECTION} where the pages a section lands on belong, and
paste URLs as they are. Nothing else is special, so nothing else can break.
"""

from __future__ import annotations

import re

from .model import Block, BulletList, Inline, Link, PageRef, Paragraph, RichText, Text

_TOKEN = re.compile(r"\{([^{}]*)\}|(https?://[^\s<>\"“”]+)")
_PAGEREF = re.compile(r"pages:([a-z0-9]+(?:-[a-z0-9]+)*)")
_TRAILING = ".,;:)!?»”"


def parse(source: str) -> tuple[RichText, list[tuple[str, str]]]:
    """Return the blocks of ``source`` and its markup problems as (message, token)."""
    problems: list[tuple[str, str]] = []
    blocks: list[Block] = []
    for chunk in re.split(r"\n[ \t]*\n", source.strip()):
        lines = [ln.strip() for ln in chunk.splitlines() if ln.strip()]
        if not lines:
            continue
        if lines[0].startswith("- "):
            items: list[list[str]] = []
            for ln in lines:
                if ln.startswith("- "):
                    items.append([ln[2:].strip()])
                else:  # a wrapped continuation of the item above
                    items[-1].append(ln)
            blocks.append(
                BulletList(tuple(_inline(" ".join(item), problems) for item in items))
            )
        else:
            blocks.append(Paragraph(_inline(" ".join(lines), problems)))
    return tuple(blocks), problems


def _inline(text: str, problems: list[tuple[str, str]]) -> tuple[Inline, ...]:
    parts: list[Inline] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        start, end = match.span()
        token, url = match.group(1), match.group(2)
        if url is not None:
            stripped = url.rstrip(_TRAILING)
            end = start + len(stripped)
            _append_text(parts, text[pos:start])
            parts.append(Link(stripped))
        else:
            ref = _PAGEREF.fullmatch(token.strip())
            _append_text(parts, text[pos:start])
            if ref:
                parts.append(PageRef(ref.group(1)))
            else:
                problems.append((
                    f"unknown placeholder '{{{token}}}'; the only one is {{pages:SECTION-ID}}",
                    match.group(0),
                ))
                _append_text(parts, match.group(0))
        pos = end
    _append_text(parts, text[pos:])
    return tuple(parts)


def _append_text(parts: list[Inline], text: str) -> None:
    if not text:
        return
    if parts and isinstance(parts[-1], Text):
        parts[-1] = Text(parts[-1].text + text)
    else:
        parts.append(Text(text))


def page_refs(blocks: RichText) -> list[str]:
    """Every section id referred to by {pages:ID} in ``blocks``."""
    refs: list[str] = []
    for block in blocks:
        runs = block.items if isinstance(block, BulletList) else (block.parts,)
        refs += [part.section for run in runs for part in run if isinstance(part, PageRef)]
    return refs


def plain(blocks: RichText) -> str:
    """The text of ``blocks`` without markup (for checks and alt text)."""
    out: list[str] = []
    for block in blocks:
        runs = block.items if isinstance(block, BulletList) else (block.parts,)
        for run in runs:
            out.append(
                "".join(
                    p.text if isinstance(p, Text) else p.url if isinstance(p, Link) else ""
                    for p in run
                )
            )
    return "\n".join(out)
