"""Expand a product's page plan into the concrete sections to render.

The plan in content says "one spread per role"; this turns it into one
section per role, each with its own anchor ids, so that templates and the fit
guard work on plain, concrete sections.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import InputError
from .model import CHOSEN_ROLE, Content, Perspective, Role, SectionSpec
from .names import did_you_mean


@dataclass(frozen=True)
class Section:
    """One section of a product, ready for its template."""

    id: str
    layout: str
    #: What the section is called in running heads and messages; None when the
    #: content gives it no name.
    title: str | None
    pages: int
    start: str
    spec: SectionSpec
    role: Role | None = None
    perspective: Perspective | None = None
    #: For repeated sections: the group id (the plan entry's id) ...
    group: str | None = None
    #: ... and whether this is the first or last member of the group.
    first: bool = True
    last: bool = True

    @property
    def anchor(self) -> str:
        return f"section-{self.id}"

    @property
    def end_anchor(self) -> str:
        return f"section-{self.id}-end"


def sections(
    content: Content,
    product: str,
    role: Role | None = None,
    extra_pages: int = 0,
) -> tuple[Section, ...]:
    """The concrete sections of ``product``, in print order.

    ``role`` is the role a leaflet is made for (``role: "*"`` in the plan);
    ``extra_pages`` go to the section planned with ``pad: true``.
    """
    try:
        specs = content.plans[product]
    except KeyError:
        known = ", ".join(content.plans) or "none"
        raise InputError(f"no page plan for '{product}' in plan.yaml"
                         f"{did_you_mean(product, content.plans)} (planned: {known})") from None
    if role is None and any(spec.role == CHOSEN_ROLE for spec in specs):
        raise InputError(f"a {product} is made for one role: name it with --role")
    out: list[Section] = []
    for spec in specs:
        if spec.each is None:
            chosen = role if spec.role == CHOSEN_ROLE else None
            section_role = chosen or (content.role(spec.role) if spec.role else None)
            title = spec.title or (section_role.title if section_role else None)
            pages = spec.pages + (extra_pages if spec.pad else 0)
            out.append(Section(spec.id, spec.layout, title, pages, spec.start, spec,
                               section_role))
            continue
        members: list[Role] | list[Perspective]
        if spec.each == "role":
            members = [r for r in content.roles if not r.shared]
            if spec.items:
                members = [content.role(i) for i in spec.items]
        else:
            members = list(content.perspectives)
            if spec.items:
                members = [content.perspective(i) for i in spec.items]
        for index, member in enumerate(members):
            is_role = isinstance(member, Role)
            out.append(
                Section(
                    id=f"{spec.id}-{member.id}",
                    layout=spec.layout,
                    title=member.title if is_role else member.heading,
                    pages=spec.pages,
                    start=spec.start,
                    spec=spec,
                    role=member if is_role else None,
                    perspective=None if is_role else member,
                    group=spec.id,
                    first=index == 0,
                    last=index == len(members) - 1,
                )
            )
    return tuple(out)


def planned_ranges(secs: tuple[Section, ...]) -> dict[str, tuple[Section, Section]]:
    """Map every section id and group id to its first and last section."""
    ranges: dict[str, tuple[Section, Section]] = {}
    for sec in secs:
        ranges[sec.id] = (sec, sec)
        if sec.group:
            first = ranges.get(sec.group, (sec, sec))[0]
            ranges[sec.group] = (first, sec)
    return ranges
