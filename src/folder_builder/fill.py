"""Boxes that fill the rest of a page: lines for notes, and nothing past the foot.

The reflection page of a leaflet has lines for notes under the department's
questions, as many as the page has room for: none when the questions fill it.
CSS cannot say "as many as fit", so the layout hangs more lines than a page
holds from where the questions end, in a box placed absolutely (it takes no room
in the flow, so it never pushes a page on), marked with the class
``to-page-foot``. WeasyPrint breaks such a box at the foot of the page and
carries the rest to the next page; this module drops that rest before the PDF
is written, so each page keeps exactly the lines that fit on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from weasyprint.document import Document

#: The class a layout gives a box whose part past the page's foot is dropped.
TO_PAGE_FOOT = "to-page-foot"


def _marked(box: object) -> bool:
    # On its first page the box stands behind an AbsolutePlaceholder, which does not
    # pass every attribute on; its continuations are plain boxes.
    box = getattr(box, "_box", box)
    element = getattr(box, "element", None)
    if element is None or getattr(box, "element_tag", None) is None:
        return False
    return TO_PAGE_FOOT in (element.get("class") or "").split()


def drop_carried_over(document: Document) -> int:
    """Remove every fragment of a ``to-page-foot`` box but its first, page by page;
    return how many fragments were removed. The first fragment ends where
    WeasyPrint broke it, at the foot of its page."""
    seen: set[int] = set()
    removed = 0

    def visit(box: object) -> None:
        nonlocal removed
        children = getattr(box, "children", None)
        if not isinstance(children, (list, tuple)):  # a page box's are a tuple
            return
        kept = []
        for child in children:
            if _marked(child):
                key = id(child.element)
                if key in seen:
                    removed += 1
                    continue
                seen.add(key)
            else:
                visit(child)
            kept.append(child)
        if len(kept) != len(children):
            box.children = type(children)(kept)

    for page in document.pages:
        visit(page._page_box)
    return removed
