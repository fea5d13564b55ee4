"""The build pipeline: load → validate → render HTML → lay out → check → write.

One build makes one or more variants of a product: ``print`` (PDF/X-4, CMYK,
bleed and crop marks, for the print shop) and ``screen`` (PDF/UA-1, sRGB,
tagged, for the web). Each variant is checked by the same preflight that
``folder-builder check`` runs, and is written only if it passes.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from .content import (
    department_files,
    find_department,
    find_role,
    icc_problem,
    load_content,
    load_department,
)
from .errors import ContentError, InputError, PreflightError, Problem
from .glyphs import check_glyphs
from .logos import logo_source
from .model import Content, Department, PrintSettings, Role
from .output import write_atomic
from .parts import (
    PARTS,
    LaidPart,
    Part,
    disagreement,
    merge,
    run_side_by_side,
    split,
    with_stand_ins,
)
from .paths import BUNDLED_CONTENT, BUNDLED_FONTS, DEFAULT_PROFILE
from .plan import Section
from .render import render_html, validate_layouts
from .templates import STYLESHEET, environment, find_file, layout_dirs

if TYPE_CHECKING:
    import jinja2
    from weasyprint.document import Document

    from .finish import PrintFinish
    from .preflight import Report

log = logging.getLogger("folder_builder")
T = TypeVar("T")

FONTS_STYLESHEET = BUNDLED_FONTS / "fonts.css"
VARIANTS = ("print", "screen")


@dataclass(frozen=True)
class Variant:
    """How WeasyPrint is asked to make one kind of PDF."""

    name: str
    media_type: str
    pdf_variant: str
    output_intent: str


PRINT = Variant("print", "print", "pdf/x-4", "device-cmyk")
SCREEN = Variant("screen", "screen", "pdf/ua-1", "srgb")
_BY_NAME = {"print": PRINT, "screen": SCREEN}


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


@dataclass(frozen=True)
class Made:
    """One PDF made in memory, before it is written."""

    #: the finished, preflighted PDF
    pdf: bytes
    #: the laid-out PDF before finishing (uncompressed): what pages are compared on
    laid: bytes
    pages: int
    variant: str
    landings: dict[str, tuple[int, int]]
    report: Report
    html: str


def _step(name: str, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run one named pipeline step and log how long it took."""
    started = time.perf_counter()
    result = fn(*args, **kwargs)
    log.info("%-9s %6.3f s", name, time.perf_counter() - started)
    return result


def _prepare(options: BuildOptions) -> tuple[Content, tuple[Path, ...], jinja2.Environment,
                                              tuple[Path, ...]]:
    """The steps every command starts with: load the content, find the layouts,
    check that they compile and that the fonts have every character of the content.
    Returns the content, the layout folders, the template environment and the font
    folders."""
    content = _step("load", load_content, options.content)
    dirs = layout_dirs(options.layouts)
    env = environment(dirs)
    _step("validate", validate_layouts, content, env)
    font_folders = (BUNDLED_FONTS, *dirs[:-1])  # and the user's layouts, if any
    _step("glyphs", check_glyphs, content, font_folders)
    return content, dirs, env, font_folders


def validate(options: BuildOptions) -> Content:
    """Load and validate content, departments and layouts without laying anything out."""
    content, _, _, font_folders = _prepare(options)
    problems = []
    for path in department_files(content):
        try:
            check_glyphs(content, font_folders, load_department(path, content))
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)
    return content


def build(options: BuildOptions) -> list[BuildResult]:
    """Build every requested variant of one product (the folder, or a leaflet for
    options.role); raise a FolderBuilderError on any problem. Variants already
    written stay written if a later one fails."""
    builder = Builder(options)
    role = builder.leaflet_role(options.role) if options.role else None
    department = builder.department(options.department) if options.department else None
    product = "leaflet" if role and options.product == "folder" else options.product
    return [
        builder.make(name, product=product, role=role, department=department,
                     target=options.target(name, role, department))
        for name in options.variants
    ]


class Builder:
    """What every PDF of a build or a batch shares, loaded once: the validated
    content, the templates, the output profile and WeasyPrint's fonts."""

    def __init__(self, options: BuildOptions) -> None:
        from .layout import font_configuration

        for name in options.variants:
            if name not in _BY_NAME:
                raise InputError(f"unknown variant '{name}'; choose from {', '.join(VARIANTS)}")
        self.options = options
        self.content, self.dirs, self.env, self.font_folders = _prepare(options)
        self.profile = _output_profile(self.content, options)
        self.font_config = font_configuration()
        # Fonts load once per FontConfiguration, so the files the first PDF's fetcher
        # served are the project fonts every later PDF may embed.
        self.served_fonts: dict[str, str] = {}
        self.css_cache: dict = {}

    def leaflet_role(self, wanted: str) -> Role:
        """A role a leaflet can be made for: not the shared one, which every leaflet has."""
        role = find_role(self.content, wanted)
        if role.shared:
            others = ", ".join(r.id for r in self.content.roles if not r.shared)
            raise InputError(f"'{role.id}' is shared by every role and is in every leaflet; "
                             f"make a leaflet for one of: {others}")
        return role

    def department(self, wanted: str | Path) -> Department:
        """A department by id, name or file, loaded and checked against the content."""
        path = wanted if isinstance(wanted, Path) else find_department(self.content, wanted)
        department = load_department(path, self.content)
        check_glyphs(self.content, self.font_folders, department)
        return department

    def make(self, variant_name: str, *, product: str, target: Path,
             role: Role | None = None, department: Department | None = None) -> BuildResult:
        """Render, lay out, check, finish, preflight and write one PDF."""
        made = self.produce(variant_name, product=product, role=role, department=department)
        path = _step("write", write_atomic, target, made.pdf)
        if self.options.keep_html:
            extra = _print_css(self.content.print_settings.bleed_mm) \
                if variant_name == "print" else ""
            write_atomic(target.with_suffix(".html"), standalone_html(
                made.html, [FONTS_STYLESHEET, find_file(self.dirs, STYLESHEET)],
                extra).encode())
        return BuildResult(path=path, pages=made.pages, variant=made.variant,
                           landings=made.landings, report=made.report.format())

    def produce(self, variant_name: str, *, product: str, role: Role | None = None,
                department: Department | None = None, strict: bool = True) -> Made:
        """Render, lay out, check, finish and preflight one PDF, in memory. With
        ``strict``, a failed preflight raises PreflightError."""
        from .checks import check_fit
        from .finish import finish
        from .preflight import preflight

        variant = _BY_NAME[variant_name]
        log.info("variant   %s", variant.name)
        content, settings, profile = self.content, self.content.print_settings, self.profile
        is_print = variant is PRINT
        logo = logo_source(department.logo, variant.name, profile) \
            if department and department.logo else None
        render = functools.partial(
            _step, "render", render_html, content, product, self.env, variant=variant.name,
            profile=profile, build_date=_build_date(content), role=role,
            department=department, logo=logo)
        html, secs = render()
        # The print PDF in parts, side by side; the screen PDF is tagged as one
        # structure, so it is laid out whole (as is anything the parts disagree on).
        parts = split(secs, html, PARTS) if is_print else None
        laid = self._lay_out_in_parts(render, parts, variant, html) if parts else None
        if laid is None:
            html, secs, laid = self._lay_out_whole(render, variant, html, secs)
        landed = _step("check", check_fit, laid.anchors, laid.pages, secs)
        titles = {anchor: sec.title or content.publication.title
                  for sec in secs for anchor in (sec.anchor, sec.end_anchor)}
        pdf = _step("finish", finish, laid.pdf, identity=_identity(html, variant, settings,
                                                                     profile),
                    print_finish=_print_finish(settings, self.options, profile)
                    if is_print else None, link_titles=titles)
        report = _step("preflight", preflight, pdf, variant.name, bleed_mm=settings.bleed_mm)
        if strict and not report.passed:
            raise PreflightError(
                f"the {variant.name} PDF fails its preflight; it was not written:",
                [Problem(f"{r.name}: {r.detail}") for r in report.failures])
        return Made(pdf=pdf, laid=laid.pdf, pages=laid.pages, variant=variant.name,
                    landings={key: (land.first, land.last) for key, land in landed.items()},
                    report=report, html=html)

    def _lay_out_whole(self, render, variant: Variant, html: str, secs: tuple[Section, ...]
                       ) -> tuple[str, tuple[Section, ...], LaidPart]:
        """Lay the document out in one piece; a section planned with "pad: true" then
        takes the pages up to whole sheets, which needs a second layout."""
        from .checks import missing_pages

        document = self._lay_out(html, variant)
        short = missing_pages(document)
        if short and any(sec.spec.pad for sec in secs):
            html, secs = render(extra_pages=short)
            document = self._lay_out(html, variant)
        return html, secs, self._export(document, variant, html)

    def _lay_out_in_parts(self, render, parts: list[Part], variant: Variant, html: str
                          ) -> LaidPart | None:
        """Lay the parts out side by side and put them together; None if they disagree
        about where a section lands (the caller then lays the document out whole).
        ``html`` is the whole document's: the PDF's identifiers derive from it."""
        rendered = [render(stand_ins=functools.partial(with_stand_ins, part=part))
                    for part in parts]
        secs = rendered[0][1]
        laid = _step("parts", run_side_by_side, self.options.jobs, [
            functools.partial(self._lay_out_and_export, part_html, variant, html)
            for part_html, _ in rendered])
        problem = disagreement(secs, parts, laid)
        if problem:
            log.info("parts     disagree (%s); laying the document out whole", problem)
            return None
        # Agreeing, every part has every section where the whole document would.
        pdf = _step("merge", merge, parts, laid)
        return LaidPart(pdf, laid[0].anchors, laid[0].pages)

    def _lay_out_and_export(self, html: str, variant: Variant, identity_source: str
                            ) -> LaidPart:
        return self._export(self._lay_out(html, variant), variant, identity_source)

    def _lay_out(self, html: str, variant: Variant) -> Document:
        from .layout import lay_out

        document, fetcher = _step(
            "layout", lay_out, html,
            base_url=self.content.root,
            stylesheets=[FONTS_STYLESHEET, find_file(self.dirs, STYLESHEET)],
            roots=(self.content.root, *self.dirs, BUNDLED_FONTS),
            media_type=variant.media_type,
            extra_css=_print_css(self.content.print_settings.bleed_mm)
            if variant is PRINT else "",
            font_config=self.font_config,
            css_cache=self.css_cache,
        )
        self.served_fonts.update(fetcher.served)
        return document

    def _export(self, document: Document, variant: Variant, identity_source: str
                ) -> LaidPart:
        """The PDF of a laid-out document, once its fonts are known to be the project's."""
        from .checks import anchor_pages, check_fonts
        from .layout import export_pdf

        identity = _identity(identity_source, variant, self.content.print_settings,
                             self.profile)
        # Uncompressed: finish() deflates every stream once, in qpdf, which is faster
        # than WeasyPrint's level-9 deflate in Python.
        pdf = _step("export", export_pdf, document, pdf_variant=variant.pdf_variant,
                    output_intent=variant.output_intent, uncompressed_pdf=True,
                    pdf_identifier=identity[:32].encode())
        check_fonts(document, self.served_fonts)
        return LaidPart(pdf, anchor_pages(document), len(document.pages))


def _identity(html: str, variant: Variant, settings: PrintSettings, profile: Path) -> str:
    """A digest of everything that decides the bytes, so that identifiers are stable."""
    return hashlib.sha256(
        "\0".join([html, variant.name, str(settings), profile.name]).encode()).hexdigest()


def standalone_html(html: str, stylesheets: list[Path], extra_css: str) -> str:
    """``html`` with its stylesheets linked by absolute URL, so that plain WeasyPrint
    lays out the same document."""
    links = "".join(f'<link rel="stylesheet" href="{path.resolve().as_uri()}">\n'
                    for path in stylesheets)
    if extra_css:
        links += f"<style>{extra_css}</style>\n"
    return html.replace("</head>", links + "</head>", 1)


def _output_profile(content: Content, options: BuildOptions) -> Path:
    """The CMYK profile: --icc, else print.yaml's, else the bundled FOGRA39."""
    if options.icc is not None:
        problem = icc_problem(options.icc.resolve())
        if problem:
            raise InputError(f"--icc {options.icc}: {problem}")
        return options.icc.resolve()
    return content.print_settings.profile or DEFAULT_PROFILE


def _print_css(bleed_mm: float) -> str:
    """The print variant's own rule: the bleed (the output profile is added in finish)."""
    return f"@page {{ bleed: {bleed_mm:g}mm; }}\n:root {{ --bleed: {bleed_mm:g}mm; }}\n"


def _print_finish(settings: PrintSettings, options: BuildOptions, profile: Path) -> PrintFinish:
    """Crop marks and the output intent's names. A profile given with --icc names its
    own printing condition; otherwise print.yaml may name it."""
    from .colour import open_profile
    from .finish import PrintFinish

    described = open_profile(profile).profile
    name = (described.model or described.profile_description).strip()
    info = (described.profile_description or name).strip()
    if options.icc is None:
        name = settings.output_condition or name
        info = settings.output_condition_info or info
    return PrintFinish(
        bleed_mm=settings.bleed_mm,
        marks=settings.marks if options.marks is None else options.marks,
        output_condition=name,
        output_condition_info=info,
        registry=settings.registry,
        profile=profile.read_bytes(),
    )


def _build_date(content: Content) -> str:
    """The date written into the PDF: SOURCE_DATE_EPOCH if set, else the content's date."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            stamp = datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        except (ValueError, OverflowError, OSError) as exc:
            raise InputError(f"SOURCE_DATE_EPOCH={epoch!r} is not a Unix time") from exc
        return stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{content.publication.date}T00:00:00Z"
