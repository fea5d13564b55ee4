"""Render a product's page plan to one HTML document."""

from __future__ import annotations

import traceback
from collections.abc import Callable
from pathlib import Path

import jinja2

from . import diagram
from .colour import PAPER, css_function
from .errors import ContentError, LayoutError, Problem
from .model import Content, Department, Role
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
            problems.append(
                Problem(
                    f"unknown layout '{spec.layout if spec else name}': there is no {name} "
                    "in the layouts",
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
    stand_ins: Callable[[tuple[Section, ...]], tuple[Section, ...]] | None = None,
    tight: frozenset[str] = frozenset(),
) -> tuple[str, tuple[Section, ...]]:
    """The HTML of ``product`` in ``variant`` and the concrete sections it is made of.

    ``profile`` is the CMYK profile the screen variant converts colours through;
    ``role`` and ``department`` are what a leaflet is made for, ``logo`` the
    department logo's source for this variant. ``stand_ins`` replaces sections that
    another process lays out (see parts.py); the sections returned are the real ones.
    ``tight`` names the sections that ran over their pages in a first layout: they get
    the class "tight", and the stylesheet sets them closer (see fit.py).
    """
    secs = sections(content, product, role, extra_pages)
    context = {
        "content": content,
        "publication": content.publication,
        "product": product,
        "variant": variant,
        "sections": stand_ins(secs) if stand_ins else secs,
        "ranges": planned_ranges(secs),
        "wheel": diagram.wheel(content.perspectives),
        "colour": css_function(variant, profile),
        "printed_link": printed_link(content.root),
        "paper": PAPER,
        "build_date": build_date or f"{content.publication.date}T00:00:00Z",
        "subject": role,
        "department": department,
        "logo": logo,
        "leaflet": content.leaflet,
        "tight": tight,
    }
    try:
        html = env.get_template(PRODUCT_TEMPLATE).render(context)
    except jinja2.TemplateError as exc:
        raise LayoutError("a layout template failed:", [_template_problem(exc)]) from exc
    return html, secs


def _template_problem(exc: jinja2.TemplateError) -> Problem:
    """Point at the template line that failed, not at Python internals."""
    message = getattr(exc, "message", None) or str(exc)
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        return Problem(message, Path(exc.filename), exc.lineno)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename.endswith((".j2", ".html", ".svg")):
            return Problem(message, Path(frame.filename), frame.lineno)
    return Problem(message)
