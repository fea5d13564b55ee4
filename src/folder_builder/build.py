"""What the command line builds: one product in one or more variants, written to files.

The pipeline itself is ``Session.build`` (session.py); here a build is a cold
session that delivers each variant (the bytes are reproducible) and writes it
atomically: a failed build never replaces a good PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from .changes import record
from .errors import ContentError, Problem
from .model import Content, Department, Role
from .notices import Notices
from .output import write_atomic
from .paths import BUNDLED_CONTENT
from .session import Session, leaflet_warnings, prepare, press
from .steps import step
from .variants import VARIANTS as _REGISTRY
from .variants import variant

if TYPE_CHECKING:
    from weasyprint.document import Document

#: The variant names, in the order "--variant all" makes them.
VARIANTS = tuple(_REGISTRY)


@dataclass(frozen=True)
class BuildOptions:
    content: Path = BUNDLED_CONTENT
    layouts: Path | None = None
    #: The PDF to write; with several variants, "-<variant>" is added to its name.
    output: Path | None = None
    product: str = "folder"
    variants: tuple[str, ...] = ("print",)
    #: None: as print.yaml says (default on).
    marks: bool | None = None
    #: The print shop's CMYK profile; overrides print.yaml.
    icc: Path | None = None
    #: For a leaflet: the role (id or display name) and the department (id or name).
    role: str | None = None
    department: str | None = None
    #: Also write the HTML beside each PDF, stylesheets linked, for debugging and for
    #: laying it out with plain WeasyPrint (benchmarks/).
    keep_html: bool = False
    #: Processes to work in; None: one per CPU core. The print folder is laid out in
    #: parts side by side (parts.py); the bytes do not depend on this.
    jobs: int | None = None

    def target(self, variant: str, role: Role | None = None,
               department: Department | None = None) -> Path:
        if self.output is not None:
            if len(self.variants) == 1:
                return self.output
            return self.output.with_name(f"{self.output.stem}-{variant}{self.output.suffix}")
        if role is not None:
            return Path("build") / "leaflets" / leaflet_name(role, department, variant)
        return Path("build") / f"{self.product}-{variant}.pdf"

    def session(self) -> Session:
        """A session over these options' content and layouts."""
        return Session(self.content, self.layouts, icc=self.icc, marks=self.marks,
                       jobs=self.jobs)


def leaflet_name(role: Role, department: Department | None, variant: str) -> str:
    """build/leaflets/ROLE[--DEPARTMENT]-VARIANT.pdf"""
    middle = f"--{department.id}" if department else ""
    return f"{role.id}{middle}-{variant}.pdf"


@dataclass(frozen=True)
class BuildResult:
    path: Path
    pages: int
    variant: str = "print"
    #: section id -> (first page, last page), 1-based
    landings: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: the preflight report the PDF passed
    report: str = ""
    #: what will silently go wrong though the PDF was written (notices.py), each a
    #: Problem with file, line and field
    warnings: tuple[Problem, ...] = ()


def validate(options: BuildOptions, notices: Notices | None = None, *,
             leaflets: bool = True) -> Content:
    """Load and validate content, departments and layouts; the warnings found on the
    way go to ``notices``. With ``leaflets``, the leaflet pages that show statements are
    also laid out, once, to warn of a statement that would break them (crosscheck.py);
    without, nothing is laid out and WeasyPrint is not even imported."""
    from .content import department_files, load_department
    from .glyphs import check_glyphs
    from .templates import layout_dirs

    dirs = layout_dirs(options.layouts)
    content, env, font_folders = prepare(Path(options.content), dirs)
    notices = notices if notices is not None else Notices()
    notices.extend(content.warnings)
    problems = []
    for path in department_files(content):
        try:
            department = load_department(path, content)
            check_glyphs(content, font_folders, department)
            notices.extend(department.warnings)
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)
    if leaflets and "leaflet" in content.plans:
        # A session (and WeasyPrint) only if the answer is not in the cache already.
        sessions: list[Session] = []

        def lay_out(html: str) -> Document:
            if not sessions:
                sessions.append(options.session())
            return sessions[0].document(html, "print")

        with step("leaflets"):
            notices.extend(leaflet_warnings(content, env, dirs,
                                            press(content, options.icc, options.marks),
                                            lay_out))
    return content


def build(options: BuildOptions) -> list[BuildResult]:
    """Build every requested variant of one product (the folder, or a leaflet for
    options.role) and write each; raise a FolderBuilderError on any problem. Variants
    already written stay written if a later one fails."""
    for name in options.variants:
        variant(name)  # an unknown name fails before anything is loaded
    session = options.session()
    role = session.role(options.role) if options.role else None
    department = session.department(options.department) if options.department else None
    product = "leaflet" if role and options.product == "folder" else options.product
    results = []
    for name in options.variants:
        target = options.target(name, role, department)
        result = session.build(product, name, role=role.id if role else None,
                               department=department.source.path if department else None,
                               deliver=True, proof_target=target)
        with step("write"):
            path = write_atomic(target, result.pdf)
            record(path, session.content, result, options.layouts)  # for `changes`
        if options.keep_html:
            write_atomic(target.with_suffix(".html"), session.standalone_html(result).encode())
        results.append(BuildResult(path=path, pages=result.pages, variant=result.variant,
                                   landings=result.landings, report=result.report.format(),
                                   warnings=result.warnings))
    if product == "folder":
        # The leaflets show the same statements on smaller pages (crosscheck.py).
        with step("leaflets"):
            found = tuple(session.leaflet_warnings())
        results = [replace(result, warnings=result.warnings + found) for result in results]
    return results
