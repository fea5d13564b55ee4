"""Lay out a print product in parts, side by side on the machine's cores.

WeasyPrint lays pages out one after another on one core, and for the folder
that is most of a build. The page plan makes the sections independent: each
starts where the plan puts it. So the print folder is laid out as a few
parts, each a whole document in which the sections of the other parts are
*stand-ins* (as many empty pages as the plan gives them). Page numbers,
running heads and page references in every part therefore come out exactly
as in the whole document; each part's own pages are then put together into
one PDF.

That holds only while every section lands where the plan puts it, so the
parts are compared before they are used: if any part disagrees with another
about where a section starts or ends, or about the page count, the build lays
the document out whole instead. It is never wrong, at worst slower.

The number of parts is fixed (not the number of cores), so the same content
gives the same bytes on every machine; with one core the parts are laid out
one after the other.
"""

from __future__ import annotations

import hashlib
import itertools
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, NamedTuple, TypeVar

from .engine import remove_font_folders_at_exit
from .plan import Section
from .render import Pieces

if TYPE_CHECKING:  # imported where used: "validate" must not pay for pikepdf
    import pikepdf

T = TypeVar("T")

def _parts() -> int:
    """Two parts, or as many as FOLDER_BUILDER_PARTS says (1: whole), which is there for
    benchmarks/run.py to measure whole against parts; the bytes differ between the two."""
    value = os.environ.get("FOLDER_BUILDER_PARTS", "")
    return int(value) if value.isdigit() and int(value) >= 1 else 2


#: How many parts a product is laid out in: two halves keep two cores busy,
#: and each further part costs the stand-in pages and a copy of the fonts.
PARTS = _parts()


@dataclass(frozen=True)
class Part:
    """One part: the sections laid out for real, and the pages it contributes."""

    sections: frozenset[str]
    #: First and last page (1-based, inclusive) this part's PDF contributes.
    first: int
    last: int


class PartKey(NamedTuple):
    """How a session keeps a leaflet's part that other leaflets share
    (Session._lay_out_shared): the digest of the HTML that laid it out, the variant,
    and who shares it: "department" (every role's leaflet for one department) or "role"
    (one role's leaflet for every department), which a batch needs to know to hand it
    to the worker making the next such leaflet."""

    digest: bytes
    variant: str
    shared_by: str


@dataclass(frozen=True)
class LaidPart:
    """What laying out one part gives back (from another process, pickled)."""

    pdf: bytes
    #: the page (1-based) of every anchor in the part's document
    anchors: dict[str, int]
    pages: int
    #: (level, label, page) of every bookmark
    bookmarks: tuple[tuple[int, str, int], ...] = ()
    #: the printed size (mm) of every department logo on the part's own pages
    logos: tuple[tuple[float, float], ...] = ()
    #: the part's own sections that ran over their pages in a plan that bends (fit.py)
    overflowing: frozenset[str] = frozenset()


def planned_pages(secs: Sequence[Section]) -> dict[str, tuple[int, int]]:
    """The first and last page the plan gives every section, as CSS would place them:
    a section that starts on a left (even) or right (odd) page skips one if needed."""
    out: dict[str, tuple[int, int]] = {}
    page = 1
    for sec in secs:
        if (sec.start == "left" and page % 2) or (sec.start == "right" and not page % 2):
            page += 1
        out[sec.id] = (page, page + sec.pages - 1)
        page += sec.pages
    return out


def split(pieces: Pieces, parts: int = PARTS) -> list[Part] | None:
    """Cut the sections into ``parts`` runs of about equal work, or None when the plan
    cannot be cut (a section that may grow, or that pads the product, moves everything
    after it, so only a whole layout knows where later sections land).

    The work of a section is taken to be the length of its HTML: layout time follows
    the text and elements far better than page counts (a page of the chain table
    costs twice a page of prose).
    """
    secs = pieces.secs
    if parts < 2 or len(secs) < parts or any(s.spec.grow or s.spec.pad for s in secs):
        return None
    done = list(itertools.accumulate(len(fragment) for fragment in pieces.fragments))
    cuts = [0]
    for n in range(1, parts):
        target = done[-1] * n / parts
        # section index i starts the next part: the work before it is done[i - 1]
        best = min(range(cuts[-1] + 1, len(secs) - (parts - n) + 1),
                   key=lambda i: abs(done[i - 1] - target))
        cuts.append(best)
    cuts.append(len(secs))
    planned = planned_pages(secs)
    total = planned[secs[-1].id][1]
    return [Part(frozenset(s.id for s in secs[start:end]),
                 1 if start == 0 else planned[secs[start].id][0],
                 total if end == len(secs) else planned[secs[end].id][0] - 1)
            for start, end in itertools.pairwise(cuts)]


def shared_sections(pieces: Pieces, other: Pieces) -> frozenset[str]:
    """The sections whose HTML is the same in ``pieces`` and in ``other``, the same
    product rendered for another role: what a leaflet shares with every other role's
    leaflet for the same department (the model, the shared role's page, the back), laid
    out once and reused (Session._lay_out_shared). Empty when the two are not cut into
    the same sections."""
    if [sec.id for sec in pieces.secs] != [sec.id for sec in other.secs]:
        return frozenset()
    return frozenset(sec.id for sec, mine, theirs in zip(pieces.secs, pieces.fragments,
                                                         other.fragments, strict=True)
                     if mine == theirs)


def disagreement(secs: Sequence[Section], parts: Sequence[Part],
                 laid: Sequence[LaidPart]) -> str | None:
    """Why the parts cannot be put together, or None when every part has every
    section on the same pages as the part that lays it out for real."""
    if len({part.pages for part in laid}) != 1:
        return f"the parts have {', '.join(str(p.pages) for p in laid)} pages"
    owner = {sec_id: laid[i] for i, part in enumerate(parts) for sec_id in part.sections}
    for sec in secs:
        for anchor in (sec.anchor, sec.end_anchor):
            pages = {lp.anchors.get(anchor) for lp in laid}
            if len(pages) != 1:
                return (f"section '{sec.id}' is on page {owner[sec.id].anchors.get(anchor)} "
                        f"but its stand-in on {sorted(p or 0 for p in pages)}")
    return None


def merge(parts: Sequence[Part], laid: Sequence[LaidPart]) -> bytes:
    """One PDF of each part's own pages. The first part's document is the base: its
    metadata, and its outline, which (the parts agreeing) points at the right pages."""
    import pikepdf

    base = pikepdf.open(BytesIO(laid[0].pdf))
    outline = _outline_pages(base)
    # Named destinations serve links, and a print PDF has none (finish removes them).
    if "/Names" in base.Root and "/Dests" in base.Root.Names:
        del base.Root.Names["/Dests"]
    keep = parts[0]
    while len(base.pages) > keep.last:
        del base.pages[-1]
    used_tags = _font_tags(base.pages)
    sources = []  # pikepdf copies page contents on save: the sources stay open till then
    for index, (part, piece) in enumerate(zip(parts[1:], laid[1:], strict=True), 1):
        other = pikepdf.open(BytesIO(piece.pdf))
        sources.append(other)
        pages = list(other.pages)[part.first - 1:part.last]
        _retag_fonts(pages, used_tags, index)
        base.pages.extend(pages)
    for item, page_index in outline:
        dest = item.Dest
        dest[0] = base.pages[page_index].obj
    out = BytesIO()
    base.save(out, compress_streams=False, deterministic_id=True,
              object_stream_mode=pikepdf.ObjectStreamMode.disable)
    return out.getvalue()


def replace_pages(base_pdf: bytes, new_pdf: bytes, pages: Sequence[int],
                  titles: Sequence[str] | None = None, *,
                  deterministic: bool = False) -> bytes | None:
    """``base_pdf`` with its pages ``pages`` (1-based, ascending) replaced by the pages
    of ``new_pdf``, in order: a laid-out product whose changed sections were laid out
    again. The outline keeps pointing at the same page numbers; with ``titles`` its
    entries, in document order, are renamed (None if their number differs). The new
    pages' font subsets get tags of their own where the base uses theirs. With
    ``deterministic``, the same two PDFs give the same bytes (a delivered PDF); a
    proof saves the digest that takes."""
    return put_pages(base_pdf, [(new_pdf, pages)], titles, deterministic=deterministic)


def put_pages(base_pdf: bytes, sources: Sequence[tuple[bytes, Sequence[int]]],
              titles: Sequence[str] | None = None, *,
              deterministic: bool = False) -> bytes | None:
    """replace_pages from several PDFs at once, each with the pages (1-based, ascending)
    its pages go to: a leaflet's own part with the pages of the parts it shares with
    other leaflets put in, in one save. Each source's subsets get tags of their own
    where the base or an earlier source uses theirs."""
    import pikepdf

    base = pikepdf.open(BytesIO(base_pdf))
    if titles is not None:
        items = list(_outline_items(base))
        if len(items) != len(titles):
            return None
        for item, title in zip(items, titles, strict=True):
            item.Title = pikepdf.String(title)
    opened = [(pikepdf.open(BytesIO(pdf)), pages) for pdf, pages in sources]
    outline = _outline_pages(base)
    # Named destinations serve links, and a print PDF has none (finish removes them).
    if "/Names" in base.Root and "/Dests" in base.Root.Names:
        del base.Root.Names["/Dests"]
    replaced = {number for _, pages in sources for number in pages}
    kept_tags = _font_tags([page for number, page in enumerate(base.pages, 1)
                            if number not in replaced])
    for index, (new, pages) in enumerate(opened):
        incoming = list(new.pages)
        _retag_fonts(incoming, kept_tags, index, only_used=True)
        for number, page in zip(pages, incoming, strict=True):
            base.pages[number - 1] = page
    for item, page_index in outline:
        item.Dest[0] = base.pages[page_index].obj
    out = BytesIO()
    base.save(out, compress_streams=False, deterministic_id=deterministic,
              object_stream_mode=pikepdf.ObjectStreamMode.disable)
    for new, _ in opened:
        new.close()
    return out.getvalue()


def _outline_items(pdf: pikepdf.Pdf):
    """Every outline item in document order (each before its children)."""
    def walk(item):
        while item is not None:
            yield item
            yield from walk(item.get("/First"))
            item = item.get("/Next")

    yield from walk(pdf.Root.Outlines.get("/First") if "/Outlines" in pdf.Root else None)


def _outline_pages(pdf: pikepdf.Pdf) -> list[tuple[pikepdf.Dictionary, int]]:
    """Every outline item with an explicit destination, and the index of its page."""
    import pikepdf

    index = {page.objgen: i for i, page in enumerate(pdf.pages)}
    found = []
    stack = [pdf.Root.Outlines.get("/First")] if "/Outlines" in pdf.Root else []
    while stack:
        item = stack.pop()
        if item is None:
            continue
        dest = item.get("/Dest")
        if isinstance(dest, pikepdf.Array) and len(dest) and dest[0].objgen in index:
            found.append((item, index[dest[0].objgen]))
        stack += [item.get("/Next"), item.get("/First")]
    return found


def _fonts(pages: Sequence[pikepdf.Page]):
    """Every font dictionary the pages use (WeasyPrint writes Type 0 fonts)."""
    seen = set()
    for page in pages:
        fonts = page.obj.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            if font.objgen not in seen:
                seen.add(font.objgen)
                yield font


def _font_tags(pages: Sequence[pikepdf.Page]) -> set[str]:
    return {str(font.BaseFont)[1:7] for font in _fonts(pages)}


def _retag_fonts(pages: Sequence[pikepdf.Page], used: set[str], part: int,
                 only_used: bool = False) -> None:
    """Give this part's font subsets tags of their own (with ``only_used``: only those
    whose tag is in ``used``).

    WeasyPrint names a subset after the font (the same in every part), but the PDF
    standard wants different subsets in one file to carry different tags (ISO
    32000-1, 9.6.4), and some RIPs mix same-named subsets up.
    """
    import pikepdf

    for font in _fonts(pages):
        old = str(font.BaseFont)[1:]
        if len(old) < 7 or old[6] != "+":
            continue
        if only_used and old[:6] not in used:
            used.add(old[:6])
            continue
        digest = hashlib.sha256(f"{old}:{part}".encode()).digest()
        tag = "".join(chr(65 + b % 26) for b in digest[:6])
        while tag in used:
            digest = hashlib.sha256(digest).digest()
            tag = "".join(chr(65 + b % 26) for b in digest[:6])
        used.add(tag)
        name = pikepdf.Name("/" + tag + old[6:])
        font.BaseFont = name
        for descendant in font.get("/DescendantFonts", []):
            descendant.BaseFont = name
            if "/FontDescriptor" in descendant:
                descendant.FontDescriptor.FontName = name


_TASKS: Sequence[Callable[[], object]] = ()


def _run(index: int) -> object:
    return _TASKS[index]()


def cores() -> int:
    """The CPU cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def run_side_by_side(jobs: int | None, tasks: Sequence[Callable[[], T]]) -> list[T]:
    """Run ``tasks`` in up to ``jobs`` processes (None: one per core): the first here,
    the next ones in forked processes that inherit everything this one has loaded
    (content, templates, fonts), one each, and any beyond one a process here after the
    first (a leaflet's own part and its role's part, while the department's larger
    part is laid out beside them); one after the other where there is one process or
    no fork. An exception in a task is raised here."""
    global _TASKS
    jobs = min(jobs or cores(), len(tasks))
    if jobs < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [task() for task in tasks]
    _TASKS = tasks
    try:
        with ProcessPoolExecutor(max_workers=jobs - 1,
                                 mp_context=multiprocessing.get_context("fork"),
                                 initializer=remove_font_folders_at_exit) as pool:
            futures = [pool.submit(_run, i) for i in range(1, jobs)]
            first = tasks[0]()
            rest = [task() for task in tasks[jobs:]]
            return [first, *(future.result() for future in futures), *rest]
    finally:
        _TASKS = ()
