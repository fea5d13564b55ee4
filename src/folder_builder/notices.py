"""Warnings: things that will silently go wrong, said while the build still succeeds.

A warning is a ``Problem`` (file, line, field, message) like an error, but it
does not stop the build. Each step that finds one adds it to a ``Notices``
collector; a ``BuildResult`` carries the warnings of its PDF
(``BuildResult.warnings``), and the CLI prints them after the paths it wrote,
as ``warning: <file>:<line>: <field>: <message>``, and counts them in its
summary. A web app shows the same list.

The warnings today:

* a department's note on a statement (perspective, role) of another role: it
  cannot appear in this role's leaflet; the warning says which leaflets it does
  appear in;
* a raster logo whose effective resolution at its printed size is below 300 ppi;
* a character replaced or dropped when pasted text was cleaned (content.py);
* a statement long enough to break the leaflets but not the folder (crosscheck.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problem
from .model import Content, Department, Role

if TYPE_CHECKING:
    from weasyprint.document import Document

#: The resolution a printed raster image needs, in pixels per inch.
PRINT_PPI = 300
#: The attribute a template puts on a department logo, so its printed size can be read.
LOGO_MARK = "data-logo"


@dataclass
class Notices:
    """A collector of warnings, in the order found, each once."""

    items: list[Problem] = field(default_factory=list)

    def add(self, message: str, path: Path | None = None, line: int | None = None,
            field_name: str | None = None) -> None:
        self.extend([Problem(message, path, line, field_name)])

    def extend(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        for problem in problems:
            if problem not in self.items:
                self.items.append(problem)

    def __bool__(self) -> bool:
        return bool(self.items)


def notes_elsewhere(content: Content, department: Department,
                    roles: list[Role] | tuple[Role, ...]) -> list[Problem]:
    """The department's notes that none of the leaflets for ``roles`` can show: a note
    on a statement, or on a role, of another role than these (shared statements and
    perspectives appear in every leaflet)."""
    wanted = {role.id for role in roles}
    statements = {s.id: s for s in content.statements}
    by_id = {r.id: r for r in content.roles}
    out = []
    for key in department.notes:
        owner = statements[key].role if key in statements else key if key in by_id else None
        if owner is None or by_id[owner].shared or owner in wanted:
            continue
        role = by_id[owner]
        what = f"the statement {key}" if key in statements else f"the role {role.name}"
        these = ", ".join(r.name for r in roles)
        out.append(Problem(
            f"a note on {what} of {role.name}: it cannot appear in the leaflet for {these}; "
            f"it appears in the leaflet for {role.name}", department.source.path,
            department.lines.get(f"notes.{key}"), f"notes.{key}"))
    return out


def printed_logos(document: Document) -> list[tuple[float, float]]:
    """The printed width and height in millimetres of every marked logo on the pages."""
    from weasyprint.formatting_structure import boxes

    found = []
    for page in document.pages:
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if isinstance(box, boxes.ReplacedBox) and element is not None \
                    and element.get(LOGO_MARK) is not None:
                found.append((box.width * 25.4 / 96, box.height * 25.4 / 96))
            stack.extend(getattr(box, "children", ()))
    return found


def logo_resolution(department: Department, printed: list[tuple[float, float]]
                    ) -> list[Problem]:
    """A warning when a raster logo prints at less than PRINT_PPI."""
    logo = department.logo
    if logo is None or logo.suffix.lower() != ".png" or not printed:
        return []
    from PIL import Image  # Pillow comes with WeasyPrint

    with Image.open(logo) as image:
        pixels_wide, pixels_high = image.size
    width_mm, height_mm = max(printed)
    ppi = min(pixels_wide / (width_mm / 25.4), pixels_high / (height_mm / 25.4))
    if ppi >= PRINT_PPI:
        return []
    need = (round(width_mm / 25.4 * PRINT_PPI), round(height_mm / 25.4 * PRINT_PPI))
    return [Problem(
        f"the logo {logo.name} ({pixels_wide} × {pixels_high} pixels) is printed at "
        f"{width_mm:.0f} × {height_mm:.0f} mm, which gives it {ppi:.0f} ppi; "
        f"print needs {PRINT_PPI} ppi: give a PNG of at least {need[0]} × {need[1]} pixels "
        "(or an SVG)", department.source.path, department.lines.get("logo"), "logo")]
