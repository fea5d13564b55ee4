"""The frozen, typed model of the content.

Everything is loaded and validated once, up front (see ``content.py``), then
passed down unchanged; no later step reads a content file again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import ClassVar

# --- rich text ---------------------------------------------------------------
# Content text is plain: paragraphs split by blank lines, "- " starts a list
# item, {pages:ID} stands for the pages a section lands on, URLs become links.


@dataclass(frozen=True)
class Text:
    text: str
    kind: ClassVar[str] = "text"


@dataclass(frozen=True)
class PageRef:
    """The page or pages a section lands on, filled in by the layout engine."""

    section: str
    kind: ClassVar[str] = "pageref"


@dataclass(frozen=True)
class Link:
    url: str
    kind: ClassVar[str] = "link"


Inline = Text | PageRef | Link


@dataclass(frozen=True)
class Paragraph:
    parts: tuple[Inline, ...]
    kind: ClassVar[str] = "paragraph"


@dataclass(frozen=True)
class BulletList:
    items: tuple[tuple[Inline, ...], ...]
    kind: ClassVar[str] = "list"


Block = Paragraph | BulletList
RichText = tuple[Block, ...]


# --- the publication ---------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """Where a piece of content was written, for messages."""

    path: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)


@dataclass(frozen=True)
class Colour:
    """A process colour in CMYK percentages; the print master."""

    c: float
    m: float
    y: float
    k: float

    @property
    def cmyk_css(self) -> str:
        return f"device-cmyk({self.c:g}% {self.m:g}% {self.y:g}% {self.k:g}%)"


@dataclass(frozen=True)
class Publication:
    language: str
    title: str
    subtitle: str
    organisation: str
    year: str
    core_task: str
    #: ISO date (YYYY-MM-DD) written into the PDF as its creation and modification
    #: date, so that the same content always gives the same bytes.
    date: str


@dataclass(frozen=True)
class PrintSettings:
    """How the print PDF is made; from print.yaml, every field optional."""

    bleed_mm: float = 3.0
    marks: bool = True
    #: The print shop's CMYK ICC profile; None means the bundled FOGRA39 profile.
    profile: Path | None = None
    #: Output intent fields; None means "take it from the profile".
    output_condition: str | None = None
    output_condition_info: str | None = None
    registry: str = "http://www.color.org"


@dataclass(frozen=True)
class Perspective:
    id: str
    heading: str
    model: str
    colour: Colour
    source: Source = field(compare=False)


@dataclass(frozen=True)
class Role:
    id: str
    name: str
    heading: str | None
    shared: bool
    source: Source = field(compare=False)

    @property
    def title(self) -> str:
        return self.heading or self.name


@dataclass(frozen=True)
class Statement:
    id: str
    role: str
    perspective: str
    text: str
    source: Source = field(compare=False)


@dataclass(frozen=True)
class Signature:
    name: str
    title: str
    date: str


@dataclass(frozen=True)
class Foreword:
    body: RichText
    signature: Signature


@dataclass(frozen=True)
class Guide:
    intro: RichText
    after_list: RichText
    body: RichText


@dataclass(frozen=True)
class Reference:
    label: str
    text: str | None
    url: str | None


@dataclass(frozen=True)
class Synthesis:
    heading: str
    body: RichText
    further_heading: str
    further: tuple[Reference, ...]


# --- the page plan -----------------------------------------------------------

#: Saddle-stitched booklets are printed on sheets of four pages.
PAGES_PER_SHEET = 4

STARTS = ("any", "left", "right")
EACH = ("role", "perspective")


@dataclass(frozen=True)
class SectionSpec:
    """One entry of a product's page plan, as written in plan.yaml."""

    id: str
    layout: str
    pages: int
    start: str
    title: str | None
    role: str | None
    each: str | None
    items: tuple[str, ...] | None
    source: Source = field(compare=False)
    #: The section may take more pages than planned (the product then grows).
    grow: bool = False
    #: The section takes the blank pages that make the total a multiple of four.
    pad: bool = False


#: The folder of a content folder that holds the department files.
DEPARTMENTS = "departments"

#: In a plan, ``role: "*"`` stands for the role a leaflet is made for.
CHOSEN_ROLE = "*"


@dataclass(frozen=True)
class Leaflet:
    """Words the leaflet needs that the folder has none of (leaflet.yaml)."""

    synthesis_brief: RichText
    full_folder: RichText


@dataclass(frozen=True)
class Department:
    """A department's own leaflet material (departments/<id>.yaml)."""

    id: str
    name: str
    logo: Path | None
    introduction: RichText
    #: statement, perspective or role id -> the department's note on it
    notes: Mapping[str, str]
    questions: tuple[str, ...]
    contact: str | None
    source: Source = field(compare=False)
    #: The file line of each field, for messages about the words: "introduction",
    #: "contact", "notes.<key>", "questions[<n>]" (1-based) -> line.
    lines: Mapping[str, int] = field(default_factory=dict, compare=False)
    #: Warnings found on loading: text cleaned of what pasting brought (cleanup.py).
    warnings: tuple = field(default=(), compare=False)


@dataclass(frozen=True)
class Content:
    """The whole validated content set: the one object every step receives."""

    root: Path
    publication: Publication
    perspectives: tuple[Perspective, ...]
    roles: tuple[Role, ...]
    statements: tuple[Statement, ...]
    foreword: Foreword
    guide: Guide
    synthesis: Synthesis
    plans: Mapping[str, tuple[SectionSpec, ...]]
    print_settings: PrintSettings = PrintSettings()
    leaflet: Leaflet | None = None
    #: product -> the most pages it may grow to ("max_pages:" in plan.yaml), and the
    #: line that says so.
    max_pages: Mapping[str, tuple[int, Source]] = field(default_factory=dict)
    #: Warnings found on loading: text cleaned of what pasting brought (cleanup.py).
    warnings: tuple = field(default=(), compare=False)
    _by_cell: Mapping[tuple[str, str], tuple[Statement, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        cells: dict[tuple[str, str], list[Statement]] = {}
        for st in self.statements:
            cells.setdefault((st.role, st.perspective), []).append(st)
        frozen = {key: tuple(value) for key, value in cells.items()}
        object.__setattr__(self, "_by_cell", MappingProxyType(frozen))

    def statements_for(
        self, role: Role | str, perspective: Perspective | str
    ) -> tuple[Statement, ...]:
        role_id = role if isinstance(role, str) else role.id
        persp_id = perspective if isinstance(perspective, str) else perspective.id
        return self._by_cell.get((role_id, persp_id), ())

    def role(self, role_id: str) -> Role:
        return next(r for r in self.roles if r.id == role_id)

    def find_role(self, wanted: str) -> Role:
        """A role by its id or its display name (in any case), as a person names it on
        the command line or in a URL; an InputError with the nearest one otherwise."""
        for role in self.roles:
            if wanted == role.id or wanted.casefold() == role.name.casefold():
                return role
        from .errors import InputError
        from .names import did_you_mean

        names = [r.id for r in self.roles] + [r.name for r in self.roles]
        known = ", ".join(r.id for r in self.roles)
        raise InputError(f"no role '{wanted}' in roles.yaml{did_you_mean(wanted, names)} "
                         f"(known: {known})")

    def department_files(self) -> list[Path]:
        """The department files of the content folder, in name order."""
        folder = self.root / DEPARTMENTS
        return sorted(folder.glob("*.yaml")) if folder.is_dir() else []

    def find_department(self, wanted: str) -> Path:
        """A department file by its id (file name) or by the name written in it; an
        InputError with the nearest one otherwise. Only the file is found here, not
        checked: ``content.load_department`` does that."""
        files = self.department_files()
        for path in files:
            if path.stem == wanted or path.name == wanted:
                return path
        from .yamlsource import load_yaml

        names: list[str] = []
        for path in files:
            data, _ = load_yaml(path)
            name = str(data.get("name", "")) if isinstance(data, dict) else ""
            if name.casefold() == wanted.casefold():
                return path
            names += [path.stem, name] if name else [path.stem]
        from .errors import InputError
        from .names import did_you_mean

        known = ", ".join(p.stem for p in files) or "none"
        raise InputError(f"no department '{wanted}' in {self.root / DEPARTMENTS}"
                         f"{did_you_mean(wanted, names)} (known: {known})")

    def perspective(self, perspective_id: str) -> Perspective:
        return next(p for p in self.perspectives if p.id == perspective_id)
