"""Render a product's page plan to one HTML document."""

from __future__ import annotations

import itertools
import re
import traceback
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import jinja2

from . import diagram
from .colour import PAPER
from .errors import ContentError, LayoutError, Problem
from .model import PAGES_PER_SHEET, Content, Department, Role
from .names import did_you_mean
from .paths import DEFAULT_PROFILE
from .plan import Section, planned_ranges, sections
from .printlinks import printed_link
from .templates import PRODUCT_TEMPLATE, section_template


def validate_layouts(content: Content, env: jinja2.Environment) -> None:
    """Every layout a plan names must exist and compile; report all that do not."""
    problems: list[Problem] = []
    names = [PRODUCT_TEMPLATE] + [
        section_template(spec.layout) for specs in content.plans.values() for spec in specs
    ]
    specs = [None] + [spec for specs in content.plans.values() for spec in specs]
    for name, spec in zip(names, specs, strict=True):
        try:
            env.get_template(name)
        except jinja2.TemplateNotFound:
            where = spec.source if spec else None
            hint = did_you_mean(spec.layout, _layouts(env)) if spec else ""
            problems.append(
                Problem(
                    f"unknown layout '{spec.layout if spec else name}'{hint}: there is no "
                    f"{name} in the layouts",
                    where.path if where else None,
                    where.line if where else None,
                    "layout" if spec else None,
                )
            )
        except jinja2.TemplateSyntaxError as exc:
            problems.append(
                Problem(f"template error: {exc.message}", Path(exc.filename or name), exc.lineno)
            )
    if problems:
        raise ContentError(list(dict.fromkeys(problems)))


def _layouts(env: jinja2.Environment) -> list[str]:
    """The layouts the template folders hold, by the name a plan gives them."""
    prefix, suffix = section_template("|").split("|")
    return [name.removeprefix(prefix).removesuffix(suffix) for name in env.list_templates()
            if name.startswith(prefix) and name.endswith(suffix)]


def render_html(
    content: Content,
    product: str,
    env: jinja2.Environment,
    *,
    variant: str = "print",
    profile: Path = DEFAULT_PROFILE,
    build_date: str | None = None,
    role: Role | None = None,
    department: Department | None = None,
    logo: str | None = None,
    extra_pages: int = 0,
    tight: frozenset[str] = frozenset(),
    shown: Callable[[tuple[Section, ...]], tuple[Section, ...]] | None = None,
) -> tuple[str, tuple[Section, ...]]:
    """The HTML of ``product`` in ``variant`` and the concrete sections it is made of
    (a Session renders through Renderer; this is the same for one-off use).

    ``profile`` is the CMYK profile the screen variant converts colours through;
    ``role`` and ``department`` are what a leaflet is made for, ``logo`` the
    department logo's source for this variant. ``tight`` names the sections that ran
    over their pages in a first layout: they get the class "tight", and the
    stylesheet sets them closer (see fit.py). ``shown`` picks the sections the
    document shows (a probe of a few sections: crosscheck.py); the sections returned
    are the plan's.
    """
    from .variants import Press
    from .variants import variant as find_variant

    press = Press(content.print_settings, profile, content.print_settings.marks)
    renderer = Renderer(env, content, product, role=role, context=context(
        content, product, variant=variant, colour=find_variant(variant).colour(press),
        build_date=build_date or f"{content.publication.date}T00:00:00Z", role=role,
        department=department, logo=logo))
    return renderer.render(extra_pages, tight, shown)


def _template_problem(exc: jinja2.TemplateError) -> Problem:
    """Point at the template line that failed, not at Python internals."""
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Problem(message, Path(exc.filename), exc.lineno)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".j2", ".html", ".svg")):
            return Problem(message, Path(frame.filename), frame.lineno)
    return Problem(message)


# --- the document cut into sections ------------------------------------------------

#: The template a stand-in section is rendered with: a section laid out elsewhere,
#: only its empty pages (folder_builder/internal/sections/stand-in.html.j2).
STAND_IN = "stand-in"


@dataclass(frozen=True)
class Pieces:
    """A rendered product cut at its section wrappers: the document is
    ``head + "".join(fragments) + tail``, fragment i being section i's."""

    secs: tuple[Section, ...]
    head: str
    fragments: tuple[str, ...]
    tail: str
    #: the pages given to the section planned with "pad: true"
    extra_pages: int = 0

    @property
    def html(self) -> str:
        return self.head + "".join(self.fragments) + self.tail

    def with_stand_ins(self, stand_ins: Pieces, real: set[str] | frozenset[str],
                       upto: int | None = None, own: Mapping[str, str] | None = None, *,
                       lead: int = 0, skip: str = "") -> str:
        """The document with the sections in ``real`` as they are and every other one
        taken from ``stand_ins`` (the same product rendered with stand-ins); with
        ``upto``, the sections from that index on left out; ``own`` gives a section's
        fragment instead (a section with some of its pages stood in: mixed_pages);
        ``skip`` replaces the ``lead`` sections before the first real one."""
        own = own or {}
        return self.head + skip + "".join(
            own.get(sec.id) or (fragment if sec.id in real else stand_ins.fragments[index])
            for index, (sec, fragment) in enumerate(zip(self.secs[:upto],
                                                        self.fragments[:upto],
                                                        strict=True)) if index >= lead
        ) + self.tail


def cut(html: str, secs: tuple[Section, ...], extra_pages: int = 0) -> Pieces | None:
    """``html`` cut at the element that carries each section's anchor, or None when the
    layouts do not wrap every section in an element with its anchor as id."""
    starts, position = [], 0
    for sec in secs:
        found = html.find(f'id="{sec.anchor}"', position)
        opening = html.rfind("<", position, found) if found >= 0 else -1
        if opening < 0:
            return None
        starts.append(opening)
        position = found
    end = html.rfind("</body>")
    if not starts or end < starts[-1]:
        return None
    bounds = [*starts, end]
    return Pieces(secs, html[:starts[0]],
                  tuple(html[a:b] for a, b in itertools.pairwise(bounds)),
                  html[end:], extra_pages)


#: The opening tag of a page part: an element of a section that starts a page of its
#: own (class "page-part"; see layouts/README.md).
PAGE_PART = re.compile(r'<div\b[^>]*\bclass="(?:[^"]*\s)?page-part(?:\s[^"]*)?"[^>]*>')
_DIV = re.compile(r"<(/?)div\b[^>]*>")


def page_parts(fragment: str) -> tuple[str, tuple[str, ...], str] | None:
    """A section's fragment cut at its page parts: ``(opening, parts, closing)``,
    joined again the fragment itself, each part one ``<div class="page-part">`` with
    the white space after it. None when the parts are not side by side at one level
    (something between them, or a page part after the closing)."""
    found = PAGE_PART.search(fragment)
    if found is None:
        return None
    opening, parts, position = fragment[:found.start()], [], found.start()
    while PAGE_PART.match(fragment, position):
        depth, end = 0, -1
        for tag in _DIV.finditer(fragment, position):
            depth += -1 if tag.group(1) else 1
            if depth == 0:
                end = tag.end()
                break
        if end < 0:
            return None
        after = len(fragment) - len(fragment[end:].lstrip())
        parts.append(fragment[position:after])
        position = after
    closing = fragment[position:]
    if PAGE_PART.search(closing):
        return None
    return opening, tuple(parts), closing


def mixed_pages(new: str, old: str, stand_in: str) -> tuple[str, tuple[int, ...]] | None:
    """A changed section's fragment with only its changed page parts as they are and
    the others stood in (from its stand-in's fragment), and the 0-based indexes of
    the changed parts; None when the sections' parts cannot be matched one to one."""
    cuts = [page_parts(fragment) for fragment in (new, old, stand_in)]
    if None in cuts:
        return None
    (opening, parts, closing), (old_opening, old_parts, old_closing), (_, standing, _) = cuts
    if (opening, closing) != (old_opening, old_closing) or \
            not len(parts) == len(old_parts) == len(standing):
        return None
    changed = tuple(i for i, (a, b) in enumerate(zip(parts, old_parts, strict=True)) if a != b)
    if not changed or len(changed) == len(parts):
        return None
    return opening + "".join(parts[i] if i in changed else standing[i]
                             for i in range(len(parts))) + closing, changed


class Versions(Mapping[int, tuple[str, tuple[Section, ...]]]):
    """A product's HTML by the extra pages its pad section takes (Renderer.versions),
    each rendered when first asked for."""

    def __init__(self, renderer: Renderer, extras: range,
                 plain: tuple[str, tuple[Section, ...]]) -> None:
        self._renderer, self._extras, self._made = renderer, extras, {0: plain}

    def __getitem__(self, extra: int) -> tuple[str, tuple[Section, ...]]:
        if extra not in self._extras:
            raise KeyError(extra)
        if extra not in self._made:
            self._made[extra] = self._renderer.render(extra)
        return self._made[extra]

    def __iter__(self) -> Iterator[int]:
        return iter(self._extras)

    def __len__(self) -> int:
        return len(self._extras)


class Renderer:
    """Renders one product (a job: product, variant, role, department) to pieces, and
    its stand-ins; everything that is the same between renders is kept."""

    def __init__(self, env: jinja2.Environment, content: Content, product: str, *,
                 context: Mapping[str, Any], role: Role | None = None) -> None:
        self.env, self.content, self.product, self.role = env, content, product, role
        self.context = dict(context)

    def render(self, extra_pages: int = 0, tight: frozenset[str] = frozenset(),
               shown: Callable[[tuple[Section, ...]], tuple[Section, ...]] | None = None
               ) -> tuple[str, tuple[Section, ...]]:
        """The whole document and its sections, with ``extra_pages`` for a pad section,
        the sections in ``tight`` set closer (fit.py), and only the sections ``shown``
        picks, if given."""
        secs = sections(self.content, self.product, self.role, extra_pages)
        return self._html(shown(secs) if shown else secs, secs, tight), secs

    def versions(self) -> Versions:
        """Every version the layout may need: without extra pages, and, when the plan
        pads a section up to whole sheets, with each number of extra pages it may
        take; each of those is rendered when the layout first asks for it (most
        builds need none: a leaflet's warm edit rendered three for nothing)."""
        plain = self.render()
        pads = any(sec.spec.pad for sec in plain[1])
        return Versions(self, range(PAGES_PER_SHEET) if pads else range(1), plain)

    def stand_ins(self, secs: tuple[Section, ...], pages: Mapping[str, int]) -> Pieces | None:
        """The product with every section a stand-in of ``pages[id]`` pages (default:
        as many as ``secs`` gives it), cut into pieces."""
        standing = tuple(replace(sec, layout=STAND_IN, pages=pages.get(sec.id, sec.pages))
                         for sec in secs)
        return cut(self._html(standing, secs), standing)

    def _html(self, shown: tuple[Section, ...], secs: tuple[Section, ...],
              tight: frozenset[str] = frozenset()) -> str:
        context = {**self.context, "sections": shown, "ranges": planned_ranges(secs),
                   "tight": tight}
        try:
            return self.env.get_template(PRODUCT_TEMPLATE).render(context)
        except jinja2.TemplateError as exc:
            raise LayoutError("a layout template failed:", [_template_problem(exc)]) from exc


def context(content: Content, product: str, *, variant: str, colour: Callable[[Any], str],
            build_date: str, role: Role | None, department: Department | None,
            logo: str | None) -> dict[str, Any]:
    """The template context of a product, but for its sections (documented in
    layouts/README.md)."""
    return {
        "content": content,
        "publication": content.publication,
        "product": product,
        "variant": variant,
        "wheel": diagram.wheel(content.perspectives),
        "colour": colour,
        "printed_link": printed_link(content.root),
        "paper": PAPER,
        "build_date": build_date,
        "subject": role,
        "department": department,
        "logo": logo,
        "leaflet": content.leaflet,
    }
