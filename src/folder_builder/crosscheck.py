"""After the folder, the leaflet pages that show the same statements.

The folder and the leaflets are cut from the same statements, on pages of
different sizes: a shared statement lengthened by 35 words still fits its
folder spread but no longer fits the leaflet's one page for the shared
statements, and every leaflet would fail the next time a department builds
one. So after a folder build (and in ``validate``) the leaflet's sections that
cannot grow and show statements are laid out on their own, one small document,
once per role where the section depends on the role: a few pages, not every
leaflet. A section that runs over becomes a warning naming the statements.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .cache import load_entry, store_entry
from .checks import anchor_pages, landings
from .errors import Problem
from .model import Content, Role
from .overflow import Sources, amount, overruns, read_pages
from .plan import Section, sections
from .render import render_html

if TYPE_CHECKING:
    import jinja2
    from weasyprint.document import Document

LEAFLET = "leaflet"
#: Where the results are cached, and a version to bump when what they mean changes.
CACHE_KIND = "leaflet-check"
CACHE_VERSION = b"1"
#: The attribute templates mark a statement with (overflow.py).
STATEMENT_MARK = "data-statement"


def probe_sections(content: Content, env: jinja2.Environment, profile: Path
                   ) -> list[tuple[Section, Role]]:
    """The leaflet sections that may not grow and show statements: each with the role
    it is laid out for; a section not made for one fixed role, once per role."""
    roles = [r for r in content.roles if not r.shared]
    if LEAFLET not in content.plans or content.leaflet is None or not roles:
        return []
    out: list[tuple[Section, Role]] = []
    for sec in sections(content, LEAFLET, roles[0]):
        if sec.spec.grow or sec.spec.pad:
            continue
        html, _ = render_html(content, LEAFLET, env, profile=profile, role=roles[0],
                              shown=lambda secs, sec=sec: (sec,))
        if STATEMENT_MARK not in html:
            continue
        fixed = sec.spec.role is not None
        for role in roles[:1] if fixed else roles:
            same = sec if fixed else dataclasses.replace(
                sec, id=f"{sec.id}--{role.id}", role=role if sec.role is None else sec.role,
                title=sec.title)
            out.append((same, role))
    return out


def leaflet_warnings(content: Content, env: jinja2.Environment, profile: Path,
                     lay_out: Callable[[str], Document], styles: bytes = b"") -> list[Problem]:
    """Warnings for the statements that would make a leaflet section run over.

    The answer depends only on the probe's HTML, the stylesheets (``styles``: their
    bytes) and where each statement is written, so it is kept in the per-user cache
    (cache.py) under their digest: a folder built again with the same statements
    does not lay the probe out again.
    """
    probe = probe_sections(content, env, profile)
    if not probe:
        return []
    secs = tuple(sec for sec, _ in probe)
    html, _ = render_html(content, LEAFLET, env, profile=profile, role=probe[0][1],
                          shown=lambda _: secs)
    # The messages name files and lines: where each statement is written is part of it.
    where = repr([(s.id, str(s.source.path), s.source.line) for s in content.statements])
    key = hashlib.sha256(b"\0".join([CACHE_VERSION, html.encode(), styles,
                                      where.encode()])).hexdigest()
    cached = load_entry(CACHE_KIND, key)
    if isinstance(cached, list):
        try:
            return [Problem(item["message"], Path(item["path"]) if item["path"] else None,
                            item["line"], item["field"]) for item in cached]
        except (KeyError, TypeError):
            pass
    found = _probe_warnings(content, probe, html, lay_out)
    store_entry(CACHE_KIND, key, [
        {"message": p.message, "path": str(p.path) if p.path else None, "line": p.line,
         "field": p.field} for p in found])
    return found


def _probe_warnings(content: Content, probe: list[tuple[Section, Role]], html: str,
                    lay_out: Callable[[str], Document]) -> list[Problem]:
    secs = tuple(sec for sec, _ in probe)
    roles = {sec.id: role for sec, role in probe}
    document = lay_out(html)
    landed = {key: (land.first, land.last)
              for key, land in landings(anchor_pages(document), secs).items()}
    sources = Sources(content)
    by_section: dict[str, list] = {}
    for run in overruns(read_pages(document), landed, secs):
        by_section.setdefault(run.section.spec.id, []).append(run)
    out: list[Problem] = []
    for runs in by_section.values():
        fixed = runs[0].section.spec.role is not None
        who = "every leaflet" if fixed or len(runs) == len(
            [r for r in content.roles if not r.shared]) else "the leaflets for " + ", ".join(
            roles[run.section.id].name for run in runs)
        run = max(runs, key=lambda r: r.millimetres)
        name = run.section.spec.title or run.section.title or run.section.spec.id
        longest = run.longest
        if longest is None:
            continue
        what, path, line, field_name = sources.locate(longest[0])
        named = [sources.locate(p) for p in run.placed if p.mark == STATEMENT_MARK]
        others = ", ".join(dict.fromkeys(n[0].removeprefix("the statement ") for n in named))
        out.append(Problem(
            f"{what} fits the folder, but the leaflet's page '{name}' runs over with it in "
            f"{who}: {amount(run.lines, run.millimetres)} too much"
            + (f" (pushed past the page: {others})" if others else "")
            + "; shorten it, or the leaflet cannot be built", path, line, field_name))
    return out
