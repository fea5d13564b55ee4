"""What a page shows, as a digest: equal digests, equal pages.

The warm session marks the pages that changed since the last build by comparing
digests (session.py), and preflight checks again only the pages whose digest it
has not seen (preflight.py). A digest reads a page's boxes, its content streams,
and everything its resources draw (images' and forms' data and dictionaries,
colour spaces, graphics states), and names its fonts without their subset tags:
WeasyPrint keeps glyph ids when it subsets, so the same text draws the same
glyphs. Object numbers never enter it, so the same page in two files (qpdf
numbers objects anew on every save) has the same digest.
"""

from __future__ import annotations

import hashlib
from io import BytesIO
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pikepdf

#: Stream dictionary entries that say how the data is stored, not what it is.
_STORAGE = frozenset({"/Length", "/Filter", "/DecodeParms", "/Resources"})


def page_digest(page: pikepdf.Page) -> bytes:
    """The digest of one page (see the module)."""
    import pikepdf

    digest = hashlib.sha256()
    for key in ("/MediaBox", "/TrimBox", "/BleedBox", "/Group"):
        digest.update(repr(page.obj.get(key)).encode())
    contents = page.obj.get("/Contents")
    for stream in contents if isinstance(contents, pikepdf.Array) else [contents]:
        if isinstance(stream, pikepdf.Stream):
            digest.update(stream.read_bytes())
    _digest_resources(page.obj.get("/Resources"), digest, set())
    return digest.digest()


def page_digests(pdf_bytes: bytes) -> list[bytes]:
    """The digest of every page of a PDF, in order."""
    import pikepdf

    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        return [page_digest(page) for page in pdf.pages]


def _digest_resources(resources: object, digest: hashlib._Hash,
                      seen: set[tuple[int, int]]) -> None:
    import pikepdf

    if not isinstance(resources, pikepdf.Dictionary):
        return
    for category in sorted(resources.keys()):
        entries = resources[category]
        if not isinstance(entries, pikepdf.Dictionary):
            digest.update(f"{category}={entries!r}".encode())
            continue
        for name in sorted(entries.keys()):
            value = entries[name]
            digest.update(f"{category}{name}".encode())
            if category == "/Font":
                base = str(value.get("/BaseFont", ""))
                digest.update(base.split("+", 1)[-1].encode())
            elif isinstance(value, pikepdf.Stream):
                if value.objgen in seen and value.objgen != (0, 0):
                    continue
                seen.add(value.objgen)
                digest.update(value.read_raw_bytes())
                for key in sorted(value.stream_dict.keys()):
                    if key not in _STORAGE:
                        digest.update(f"{key}={value.stream_dict[key]!r}".encode())
                _digest_resources(value.get("/Resources"), digest, seen)
            else:
                digest.update(repr(value).encode())
