"""E-mail addresses in free text (a department's contact line) as live links.

A reader of the screen PDF should be able to write to the address by clicking it,
as on a web page; in print the link is dropped (finish.py) and the address reads
the same. The address is never hyphenated (class ``url`` in the stylesheet).
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

#: Deliberately plain: what people write in a contact line (name@host.tld).
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}")


def email_links(text: str) -> Markup:
    """``text``, escaped, with each e-mail address as a ``mailto:`` link."""
    parts: list[str] = []
    pos = 0
    for match in _EMAIL.finditer(text):
        parts.append(escape(text[pos:match.start()]))
        address = escape(match.group())
        parts.append(Markup('<a class="url email" href="mailto:{0}">{0}</a>').format(address))
        pos = match.end()
    parts.append(escape(text[pos:]))
    return Markup("").join(parts)
