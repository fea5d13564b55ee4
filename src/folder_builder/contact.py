"""A department's contact line, with its e-mail addresses and phone numbers found.

In the screen PDF a reader clicks an address to write and a number to call, so
the leaflet's back page makes them links (``mailto:``, ``tel:``); in print they
are the same text. Neither is ever hyphenated: a hyphen inserted into an e-mail
address or a phone number changes what a reader types. Only the shape of an
address or a number is recognised, never a word.
"""

from __future__ import annotations

import re
from typing import NamedTuple

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
#: Eight or more digits, optionally after "+", in groups separated by single spaces
#: (12 34 56 78, +45 12 34 56 78, 12345678).
PHONE = re.compile(r"(?<![\w+])\+?\d(?:[ \u00a0]?\d){7,14}(?!\w)")


class ContactPart(NamedTuple):
    kind: str  # "text", "email" or "phone"
    text: str
    href: str | None


def contact_parts(text: str) -> list[ContactPart]:
    """``text`` cut into plain text, e-mail addresses and phone numbers, in order."""
    found = sorted(
        [(m.start(), m.end(), "email") for m in EMAIL.finditer(text)]
        + [(m.start(), m.end(), "phone") for m in PHONE.finditer(text)])
    parts: list[ContactPart] = []
    at = 0
    for start, end, kind in found:
        if start < at:  # a number inside an address: the address wins
            continue
        if start > at:
            parts.append(ContactPart("text", text[at:start], None))
        value = text[start:end]
        href = f"mailto:{value}" if kind == "email" else "tel:" + re.sub(r"[ \u00a0]", "",
                                                                          value)
        parts.append(ContactPart(kind, value, href))
        at = end
    if at < len(text):
        parts.append(ContactPart("text", text[at:], None))
    return parts
