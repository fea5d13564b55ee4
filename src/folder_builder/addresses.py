"""E-mail and web addresses in running text, set as addresses and as live links.

A hyphen that hyphenation inserts into an address is a character a reader would
type, so an address is never hyphenated (class ``url`` in the stylesheet); one
that must break breaks without a hyphen. Each address is also a link, so a reader
of the screen PDF writes or opens it with a click; the print PDF keeps the same
text and drops the link annotations (finish.py).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

#: An e-mail address or a web address in running text.
_ADDRESS = re.compile(
    r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+|https?://[^\s<>\"“”]+|www\.[^\s<>\"“”]+")
#: What may follow an address in a sentence without being part of it.
_TRAILING = ".,;:)!?»”"


def href(address: str) -> str:
    """The link target of an address as it is written."""
    if "@" in address and "://" not in address:
        return f"mailto:{address}"
    if address.startswith("www."):
        return f"https://{address}"
    return address


def addresses(text: str) -> Markup:
    """``text`` escaped, each address in it an ``<a class="url">`` link."""
    out: list[str] = []
    pos = 0
    for match in _ADDRESS.finditer(text):
        address = match.group(0).rstrip(_TRAILING)
        kind = "url email" if href(address).startswith("mailto:") else "url"
        out.append(escape(text[pos:match.start()]))
        out.append(Markup('<a class="{}" href="{}">{}</a>').format(kind, href(address),
                                                                  address))
        pos = match.start() + len(address)
    out.append(escape(text[pos:]))
    return Markup("").join(out)
