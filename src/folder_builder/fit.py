"""How a plan that may bend (a leaflet) is made to fit before the fit guard judges it.

A leaflet is made for whatever a department writes. A section that runs over the
pages the plan gives it is first laid out again "tight" (the class ``tight`` on
the section: the stylesheet decides what that means, e.g. a smaller model
diagram beside a long introduction); only if it still runs over does the fit
guard stop the build. The folder's plan does not bend: its spreads keep one
design, and a section that runs over is an error to fix in the text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .checks import anchor_pages, landings
from .errors import FitError, Problem
from .model import Content
from .plan import Section

if TYPE_CHECKING:
    from weasyprint.document import Document


def bends(secs: tuple[Section, ...]) -> bool:
    """Whether the plan may bend: it has a section that may grow or be padded."""
    return any(sec.spec.grow or sec.spec.pad for sec in secs)


def overflowing(document: Document, secs: tuple[Section, ...]) -> frozenset[str]:
    """The ids of the sections that take more pages than planned and may not grow, or
    that may grow and are planned on more than one page: the layouts may set those
    page by page first (a leaflet's role, like the folder's spreads) and let them
    flow only once they ran over ("tight")."""
    landed = landings(anchor_pages(document), secs)
    return frozenset(sec.id for sec in secs
                     if sec.id in landed and (not sec.spec.grow or sec.pages > 1)
                     and landed[sec.id].count > sec.pages)


def check_ceiling(total: int, product: str, content: Content) -> None:
    """Fail if a product that grows took more pages than "max_pages:" in the plan allows."""
    ceiling = content.max_pages.get(product)
    if ceiling is None or total <= ceiling[0]:
        return
    limit, source = ceiling
    raise FitError("the content does not fit the page plan; no PDF was written:", [Problem(
        f"the {product} would take {total} pages; the plan allows at most {limit}",
        source.path, source.line, f"max_pages.{product}")])
