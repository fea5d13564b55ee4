"""Web addresses on paper: a short form to read and type, and a QR code to scan.

A long address such as a video's (``https://www.youtube.com/watch?v=…``) cannot
be clicked on paper, is tedious to type and breaks badly across lines.
``content/links.yaml`` gives, for an address, the short form printed in its
place (``youtu.be/…``) and whether a QR code goes beside it. The QR code is
drawn as vector paths (segno makes the matrix) in one ink, the text colour, so
it is sharp at any size and in register. In the screen PDF the address stays a
live link to the full address.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import segno

from .errors import ContentError, Problem
from .model import Colour
from .names import did_you_mean
from .yamlsource import Node, Seq, load_yaml

LINKS_FILE = "links.yaml"
#: The QR code prints in the text ink alone: one plate, nothing to misregister.
QR_INK = Colour(0, 0, 0, 100)
#: Modules of white around the code, as the QR standard asks for scanning.
QUIET_ZONE = 4


@dataclass(frozen=True)
class QrCode:
    """A QR code as SVG geometry: a square of ``size`` units, the dark modules
    as one path."""

    size: int
    path: str
    ink: Colour = QR_INK


#: The fields of an entry of links.yaml.
LINK_FIELDS = ("url", "print", "qr")


@dataclass(frozen=True)
class PrintedLink:
    url: str
    #: What is printed (and, on screen, what the live link reads).
    text: str
    qr: QrCode | None = None


def load_links(root: Path) -> dict[str, PrintedLink]:
    """The addresses ``root``/links.yaml gives a printed form, by address; raise
    ContentError naming file, line and field for anything wrong."""
    path = Path(root) / LINKS_FILE
    if not path.exists():
        return {}
    data, problems = load_yaml(path)
    found: dict[str, PrintedLink] = {}
    items = data.get("links") if isinstance(data, Node) else None
    if data is not None and not isinstance(items, Seq):
        problems.append(Problem("the file must have a 'links:' list", path,
                                getattr(data, "line", 1), "links"))
        items = None
    for index, item in enumerate(items or []):
        line = items.item_lines[index]
        field = f"links[{index}]"
        if not isinstance(item, Node):
            problems.append(Problem("each link needs url: and print:", path, line, field))
            continue
        for key in item:
            if key not in LINK_FIELDS:
                problems.append(Problem(f"unknown field '{key}'"
                                        f"{did_you_mean(key, LINK_FIELDS)}; allowed here: "
                                        f"{', '.join(LINK_FIELDS)}",
                                        path, item.key_lines[key], f"{field}.{key}"))
        url, text, qr = item.get("url"), item.get("print"), item.get("qr", False)
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            problems.append(Problem("url: must be a web address (https://…)", path,
                                    item.key_lines.get("url", item.line), f"{field}.url"))
            continue
        if not isinstance(text, str) or not text.strip():
            problems.append(Problem("print: must be the text printed for the address",
                                    path, item.key_lines.get("print", item.line),
                                    f"{field}.print"))
            continue
        if not isinstance(qr, bool):
            problems.append(Problem("qr: must be true or false", path,
                                    item.key_lines.get("qr", item.line), f"{field}.qr"))
            continue
        found[url] = PrintedLink(url, text.strip(), qr_code(url) if qr else None)
    if problems:
        raise ContentError(problems)
    return found


@functools.lru_cache(maxsize=64)
def qr_code(url: str) -> QrCode:
    """The QR code of ``url`` (error correction M: a scuff or a fold still scans),
    each row's runs of dark modules as rectangles of one path. Kept: every render
    of a warm session asks again, and segno's mask search takes 25 ms."""
    code = segno.make(url, error="m", micro=False)
    runs = []
    for y, row in enumerate(code.matrix):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + QUIET_ZONE} {y + QUIET_ZONE}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    return QrCode(len(code.matrix) + 2 * QUIET_ZONE, "".join(runs))


def printed_link(root: Path) -> Callable[[str], PrintedLink]:
    """The ``printed_link()`` function templates use: an address's printed form
    (the address itself when links.yaml does not mention it)."""
    links = load_links(root)

    def lookup(url: str) -> PrintedLink:
        return links.get(url) or PrintedLink(url, url)

    return lookup
