"""A warm build session: the pipeline, and what it keeps between builds.

A web proof, an editor or a batch worker builds the same content again and
again with small edits in between. A ``Session`` keeps what does not change
from one build to the next: the loaded content, the template environment, the
font configuration, the parsed stylesheets and the laid-out pages of every
product it built. ``refresh()`` re-reads the files that changed on disk;
``build()`` lays out again only the sections whose HTML changed, and returns
the PDF in memory with the pages that differ from the previous build.

    session = Session(content=Path("content"))
    result = session.build("folder", variant="print")
    result.pdf, result.pages, result.changed_pages

``Session.build`` is the whole pipeline, one line per step. A session is used
from one thread at a time.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import functools
import hashlib
import logging
import os
import re
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ContentError, FolderBuilderError, InputError, PreflightError, Problem
from .fill import TO_PAGE_FOOT, drop_carried_over
from .model import PAGES_PER_SHEET
from .names import did_you_mean
from .pagedigest import page_digests
from .paths import BUNDLED_CONTENT, BUNDLED_FONTS, DEFAULT_PROFILE
from .steps import step
from .variants import Press, Variant, variant

if TYPE_CHECKING:
    import jinja2
    from weasyprint.document import Document

    from .checks import Landing
    from .crosspage import Traits
    from .model import Content, Department, Role
    from .parts import LaidPart, Part, PartKey
    from .plan import Section
    from .preflight import Report
    from .render import Pieces, Renderer, Versions

log = logging.getLogger("folder_builder")

#: A page reference in a section's HTML (target-counter() needs its target's page).
PAGE_REFERENCE = 'href="#'
#: Words in a document's HTML (a style attribute, a <style> element) that may carry
#: a value from one page to a later one (crosspage.py).
CARRIED_IN_HTML = ("string-set", "counter-", "running(", "footnote", "<style")
#: How many laid-out products a session keeps to reuse pages of.
KEPT_PRODUCTS = 32
#: Files whose every effect on a PDF shows in the rendered HTML: an edit to one of
#: them is found by comparing each section's HTML with the last build's.
TEXT_SUFFIXES = (".yaml", ".yml")
#: What a delivered build imports on first use, beyond the session's own imports:
#: merging parts, the fit guard, finishing, the preflight (Session.warm_up).
_FIRST_BUILD_MODULES = ("pikepdf", ".checks", ".crosspage", ".finish", ".fit", ".notices",
                        ".parts", ".preflight", ".proof", ".smalltext")
#: The smallest document: laying it out parses a variant's stylesheets and loads
#: their fonts (Session.warm_up).
_PROBE_HTML = ('<!DOCTYPE html><html lang="{language}"><head></head>'
               '<body><p>.</p></body></html>')


@dataclass(frozen=True)
class Result:
    """One PDF a session built, in memory."""

    #: the finished, preflighted PDF
    pdf: bytes
    #: the page count
    pages: int
    #: 1-based pages that differ from the previous build of the same product
    #: (product, variant, role, department); every page on the first build
    changed_pages: frozenset[int]
    #: section id -> (first page, last page), 1-based
    landings: dict[str, tuple[int, int]]
    #: the preflight report (.passed, .failures, .format())
    report: Report
    #: "print" or "screen"
    variant: str
    product: str = "folder"
    role: str | None = None
    department: str | None = None
    #: the HTML the PDF was laid out from (for --keep-html)
    html: str = field(default="", repr=False)
    #: what will silently go wrong though the PDF was made (notices.py), each a
    #: Problem with file, line and field
    warnings: tuple[Problem, ...] = ()
    #: the text of every page as changes.page_texts gives it, where the build already
    #: read it (a delivered leaflet, from its parts); None: not read
    texts: tuple[str, ...] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class DepartmentFile:
    """A department file of the content: its id (file name), its name and its path."""

    id: str
    name: str
    path: Path


@dataclass(frozen=True)
class Job:
    """What one build makes."""

    product: str
    variant: Variant
    role: Role | None = None
    department: Department | None = None

    @property
    def key(self) -> tuple[str, str, str | None, str | None]:
        return (self.product, self.variant.name, self.role.id if self.role else None,
                self.department.id if self.department else None)


@dataclass(frozen=True)
class Skip:
    """What stands in for the sections before a warm build's first changed one
    (Session._skip_before): ``html`` (none: nothing is skipped; its pages carry no
    bookmark), the pages by which the document's page numbers fall short of the
    product's (``offset``), and the pages skipped."""

    html: str = ""
    offset: int = 0
    pages: int = 0


class Cold(enum.Enum):
    """How a product that cannot reuse earlier pages is laid out from scratch."""

    #: as the command line does: in parts side by side where the variant allows
    SCRATCH = "scratch"
    #: whole: a warm attempt saw a changed section run past the pages the plan gives
    #: it, so parts would only disagree (and the fit guard reads the whole layout)
    WHOLE = "whole"


@dataclass(frozen=True)
class Rendered:
    """A product rendered to HTML: each version the layout may need (by the extra
    pages a "pad" section takes: 0, and 1-3 when the plan pads), and the renderer
    that makes its stand-ins."""

    renderer: Renderer
    versions: Versions


@dataclass(frozen=True)
class Laid:
    """A laid-out product before finishing: what a later build reuses pages of."""

    #: the PDF as WeasyPrint wrote it (uncompressed), pages put together
    pdf: bytes
    #: the page of every anchor
    anchors: dict[str, int]
    pages: int
    html: str
    secs: tuple[Section, ...]
    #: the HTML cut into sections (None: the layouts cannot be cut)
    pieces: Pieces | None
    #: (level, label, page) of every bookmark
    bookmarks: tuple[tuple[int, str, int], ...]
    #: what each page shows (see page_digests)
    digests: tuple[bytes, ...]
    #: the trimmed page size in mm, as the layouts' @page rule gives it
    trim_mm: tuple[float, float]
    #: sections of a plan that bends which ran over their pages (fit.py)
    overflowing: frozenset[str] = frozenset()
    #: the printed size (mm) of every department logo laid out (notices.py)
    logos: tuple[tuple[float, float], ...] = ()
    #: the text of every page (changes.page_texts), read where the PDF is delivered
    #: and made of parts (_page_texts); None: not read
    texts: tuple[str, ...] | None = None


class Session:
    """Everything a build needs, loaded once and kept warm between builds."""

    def __init__(self, content: Path = BUNDLED_CONTENT, layouts: Path | None = None, *,
                 icc: Path | None = None, marks: bool | None = None,
                 jobs: int | None = None) -> None:
        """Load and validate the content and layouts; raise a FolderBuilderError
        (ContentError with every problem) when they are wrong. ``icc`` and ``marks``
        override print.yaml; ``jobs`` is how many processes a print folder laid out
        cold may use (None: one per core; 1 keeps everything in this process)."""
        from .templates import layout_dirs

        self._root, self._icc, self._marks, self.jobs = Path(content), icc, marks, jobs
        self._dirs = layout_dirs(layouts)
        self._content, self._env, self._font_folders = prepare(self._root, self._dirs)
        self._press = press(self._content, icc, marks)
        self._files = _snapshot(self._watched())
        #: the pages a leaflet shares with the other roles' leaflets for its department,
        #: or with its role's for the other departments (_lay_out_shared)
        self._shared: OrderedDict[PartKey, LaidPart] = OrderedDict()
        #: the page texts of the kept shared parts, read once (_page_texts)
        self._shared_texts: dict[PartKey, tuple[str, ...]] = {}
        #: the latest renders, by product, and what each was made from (_render)
        self._renders: OrderedDict[tuple, tuple[tuple, Rendered]] = OrderedDict()
        self._new_engine()
        #: the last build of every product: what later builds reuse pages of
        self._laid: OrderedDict[tuple, Laid] = OrderedDict()
        #: the finished PDF of the last build of every product, by the Laid it came from
        self._finished: dict[tuple, tuple[Laid, bytes, Report]] = {}
        #: page digests of the last build of every product, for changed_pages
        self._last_pages: dict[tuple, tuple[tuple, tuple[bytes, ...]]] = {}
        self._departments: dict[Path, tuple[tuple[int, int], Department]] = {}
        self._logos: dict[tuple[Path, str, tuple[int, int]], str] = {}
        #: The roles whose leaflets this run makes (a batch sets them all), so that a
        #: department's note is a warning only if none of them shows it.
        self.leaflet_roles: tuple[Role, ...] | None = None
        #: the last whole layout and the Laid it made, until the fit guard has looked:
        #: a product that does not fit is explained from its boxes (not laid out again)
        self._whole: tuple[Laid, Document] | None = None

    def _new_engine(self) -> None:
        """A new font configuration and stylesheet cache (fonts load once for each)."""
        from .layout import font_configuration

        self._font_config = font_configuration()
        self._css_cache: dict = {}
        self._shared.clear()  # laid out by the engine before
        self._shared_texts.clear()
        #: what the stylesheets do across pages (crosspage.py), once read
        self._traits: Traits | None = None
        # Fonts load once per FontConfiguration, so the files the first PDF's fetcher
        # served are the project fonts every later PDF may embed.
        self._served_fonts: dict[str, str] = {}

    # -- what the session holds ---------------------------------------------------

    @property
    def content(self) -> Content:
        """The loaded, validated, frozen content."""
        return self._content

    def departments(self) -> list[DepartmentFile]:
        """The department files of the content, in name order, with the name written
        in each (a file that cannot be read is listed under its file name)."""
        from .content import department_files

        out = []
        for path in department_files(self._content):
            try:
                name = self.department(path).name
            except InputError:
                name = path.stem
            out.append(DepartmentFile(path.stem, name, path))
        return out

    def department(self, wanted: str | Path) -> Department:
        """A department by id, name or file, loaded and checked (kept until its file
        changes)."""
        from .content import load_department
        from .glyphs import check_glyphs

        path = wanted if isinstance(wanted, Path) else self._content.find_department(wanted)
        signature = _signature(path)
        kept = self._departments.get(path)
        if kept is not None and kept[0] == signature:
            return kept[1]
        department = load_department(path, self._content)
        check_glyphs(self._content, self._font_folders, department)
        self._departments[path] = (signature, department)
        return department

    def role(self, wanted: str) -> Role:
        """A role a leaflet can be made for, by id or display name: not the shared
        one, which every leaflet has."""
        role = self._content.find_role(wanted)
        if role.shared:
            others = ", ".join(r.id for r in self._content.roles if not r.shared)
            raise InputError(f"'{role.id}' is shared by every role and is in every leaflet; "
                             f"make a leaflet for one of: {others}")
        return role

    # -- refresh -------------------------------------------------------------------

    def refresh(self) -> frozenset[Path]:
        """Re-read the files that changed on disk since the session last looked
        (content, layouts, fonts); return them (empty when nothing changed).

        Raises ContentError (or another FolderBuilderError) when the changed files
        are invalid; the session then keeps its last good state, and a later
        refresh, after a fix, picks the files up again."""
        now = _snapshot(self._watched(), self._files)
        changed = frozenset(path for path in now.keys() | self._files.keys()
                            if now.get(path, (None, b""))[1]
                            != self._files.get(path, (None, b""))[1])
        if not changed:
            self._files = now  # touched but unchanged files: remember their new times
            return changed
        from .content import DEPARTMENTS

        departments = (self._root / DEPARTMENTS).resolve()
        if all(path.is_relative_to(departments) for path in changed):
            # Only department files or their logos: nothing loaded up front depends on
            # them (a department is loaded and checked when a leaflet asks for it), so
            # a studio's saves do not reload the content.
            self._files = now
            self._departments = {path: kept for path, kept in self._departments.items()
                                 if path.resolve() not in changed}
            if any(path.suffix.lower() not in TEXT_SUFFIXES for path in changed):
                self._forget_pages()  # a logo's bytes are not all in the HTML
            return changed
        layouts = [d.resolve() for d in self._dirs]
        new_layouts = any(path.is_relative_to(d) for path in changed for d in layouts)
        new_fonts = any(path.is_relative_to(BUNDLED_FONTS.resolve()) for path in changed)
        if new_layouts or new_fonts:
            from .glyphs import coverage

            coverage.cache_clear()
        # Loading raises on invalid files, before anything of the session is replaced.
        content, env, font_folders = prepare(self._root, self._dirs,
                                             None if new_layouts else self._env)
        settings = press(content, self._icc, self._marks)
        self._content, self._env, self._font_folders, self._files = (
            content, env, font_folders, now)
        if new_layouts or new_fonts:
            self._new_engine()
        # What the HTML does not show (a layout, a font, a logo, the print settings)
        # may change any page: nothing laid out before is reused.
        if settings != self._press or any(path.suffix.lower() not in TEXT_SUFFIXES
                                       for path in changed):
            self._forget_pages()
        self._press = settings
        self._departments = {path: kept for path, kept in self._departments.items()
                             if path.resolve() not in changed}
        return changed

    def _forget_pages(self) -> None:
        """Reuse nothing laid out before: a file whose effect the HTML does not show (a
        layout, a font, a logo, the print settings) changed."""
        self._laid.clear()
        self._finished.clear()
        self._logos.clear()
        self._shared.clear()
        self._shared_texts.clear()
        self._renders.clear()

    def _watched(self) -> list[Path]:
        """The folders whose files make the PDFs: the content, the layouts, the fonts."""
        return [self._root, *self._dirs, BUNDLED_FONTS]

    # -- warming and sharing, for processes that build side by side --------------------

    def warm_up(self, variants: Iterable[str] = ("print",)) -> None:
        """Do now what the first build of this session does whatever it builds: import
        what a delivered PDF needs (finishing, the preflight, merging parts), parse the
        stylesheets of each variant and load their fonts (0.2-0.3 CPU-s). Processes
        forked after this (a batch's workers) then share that work instead of each
        doing it; a studio worker does it before its first proof is asked for.

        A probe that fails is no error here: the build that needs the layout fails with
        the message, where it can name what it was making."""
        import importlib

        for module in _FIRST_BUILD_MODULES:
            importlib.import_module(module, __package__)
        self._layout_traits()
        # In the publication's language: its hyphenation patterns load too.
        probe = _PROBE_HTML.format(language=escape(self._content.publication.language))
        for name in variants:
            job = Job("probe", variant(name))
            try:
                self._export(self._weasyprint(probe, job), job, probe)
            except FolderBuilderError as exc:
                log.info("warm-up   %s: %s", name, exc)

    def shared_parts(self) -> dict[PartKey, LaidPart]:
        """The leaflet pages kept for other leaflets (_lay_out_shared): a department's
        for every role's leaflet, a role's for every department's."""
        return dict(self._shared)

    def keep_shared_parts(self, parts: dict[PartKey, LaidPart]) -> None:
        """Keep pages another session of the same content and layouts laid out for
        other leaflets (a batch's other worker): they are canonical, so the leaflets
        come out the same as with pages laid out here. Each is found by the digest of
        its HTML, so a part whose HTML this session would not make is never used."""
        for key, part in parts.items():
            self._shared.setdefault(key, part)
            self._shared.move_to_end(key)
        while len(self._shared) > KEPT_PRODUCTS:
            self._shared_texts.pop(self._shared.popitem(last=False)[0], None)

    # -- the pipeline -------------------------------------------------------------------

    def build(self, product: str = "folder", variant: str = "print", *,
              role: str | None = None, department: str | Path | None = None,
              strict: bool = True, deliver: bool = False,
              proof_target: Path | None = None) -> Result:
        """Build one PDF of ``product`` ("folder", or "leaflet" for ``role`` and
        optionally ``department``) in ``variant`` ("print" or "screen").

        Raises a FolderBuilderError when the content does not fit the plan, the layout
        fails, or (with ``strict``, the default) the preflight fails; with
        ``strict=False`` a failed preflight is in ``result.report``. The default may
        reuse the pages of sections that did not change since an earlier build (a
        proof: the same pages as a cold build); ``deliver=True`` lays the product out
        from scratch, giving the bytes a cold command-line build gives. When the
        content does not fit, the FitError names the words that ran over and carries a
        proof PDF (proof.py), also written beside ``proof_target`` if one is given."""
        job = self._job(product, variant, role, department)
        with step("render"):
            rendered = self._render(job)
        with step("layout"):
            laid = self._lay_out(job, rendered, deliver)
        with step("fit"):
            landed = self._fit(job, laid, proof_target)
        with step("finish"):
            pdf = self._finish(job, laid, compress=deliver)
        with step("preflight"):
            report = self._preflight(job, laid, pdf)
        if strict and not report.passed:
            raise PreflightError(
                f"the {job.variant.name} PDF fails its preflight; it was not written:",
                [Problem(f"{r.name}: {r.detail}") for r in report.failures])
        self._finished[job.key] = (laid, pdf, report)
        return Result(pdf=pdf, pages=laid.pages, changed_pages=self._changed(job, laid),
                      landings={key: (land.first, land.last) for key, land in landed.items()},
                      report=report, variant=job.variant.name, product=product,
                      role=job.key[2], department=job.key[3], html=laid.html,
                      warnings=self._warnings(job, laid), texts=laid.texts)

    def _fit(self, job: Job, laid: Laid, proof_target: Path | None) -> dict[str, Landing]:
        """The fit guard (checks.py) and the plan's ceiling (fit.py); a failure is
        explained with the words that ran over and a proof (proof.py)."""
        from .checks import check_fit, landings
        from .errors import FitError
        from .fit import check_ceiling
        from .proof import Ceiling, explain

        whole, self._whole = self._whole, None
        try:
            landed = check_fit(laid.anchors, laid.pages, laid.secs)
            check_ceiling(laid.pages, job.product, self._content)
            return landed
        except FitError as error:
            # The words' boxes are needed: those of the whole layout just made, else
            # laid out once more, whole (that was 1.7 s of a folder statement's 7.0 s
            # to run over in one process; with no parts tried first, now 3.3 s).
            document = whole[1] if whole is not None and whole[0] is laid \
                else self._weasyprint(laid.html, job)
            ceiling = self._content.max_pages.get(job.product)
            over = Ceiling(laid.pages, ceiling[0], ceiling[1].path, ceiling[1].line,
                           job.product) if ceiling and laid.pages > ceiling[0] else None
            landed_pages = {key: (land.first, land.last)
                            for key, land in landings(laid.anchors, laid.secs).items()}
            raise explain(error, document, laid.secs, landed_pages, self._content,
                          job.department, proof_target, ceiling=over) from None

    def _warnings(self, job: Job, laid: Laid) -> tuple[Problem, ...]:
        """What will silently go wrong though the PDF was made (notices.py)."""
        from .notices import Notices, logo_resolution, notes_elsewhere

        notices = Notices()
        notices.extend(self._content.warnings)
        if job.department is not None:
            notices.extend(job.department.warnings)
            if job.role is not None:
                notices.extend(notes_elsewhere(self._content, job.department,
                                               self.leaflet_roles or (job.role,)))
                if job.variant.needs_print_resolution:
                    notices.extend(logo_resolution(job.department, list(laid.logos)))
        return tuple(notices.items)

    def leaflet_warnings(self) -> list[Problem]:
        """Warnings for statements that fit the folder but would make a leaflet page
        run over (crosscheck.py): a few pages laid out, not every leaflet."""
        return leaflet_warnings(self._content, self._env, self._dirs, self._press,
                                lambda html: self.document(html, "print"))

    def document(self, html: str, variant_name: str = "print") -> Document:
        """WeasyPrint's layout of any HTML of this content (a probe: crosscheck.py)."""
        return self._weasyprint(html, Job("probe", variant(variant_name)))

    def _job(self, product: str, variant_name: str, role: str | None,
             department: str | Path | None) -> Job:
        """What to make, every name checked."""
        if product not in self._content.plans:
            planned = ", ".join(self._content.plans)
            raise InputError(f"unknown product '{product}'"
                             f"{did_you_mean(product, self._content.plans)}: plan.yaml plans "
                             f"{planned}")
        chosen = variant(variant_name)
        subject = self.role(role) if role is not None else None
        if product == "leaflet" and subject is None:
            raise InputError("a leaflet is made for one role: name it with role=")
        unit = self.department(department) if department is not None else None
        return Job(product, chosen, subject, unit)

    # -- render ---------------------------------------------------------------------------

    def _render(self, job: Job) -> Rendered:
        """The product's HTML, every version the layout may need; kept while what it is
        made from is the same (the content, the layouts, the print settings, the
        department and its logo): a leaflet's shared parts are found by rendering two
        other leaflets, which the next leaflets of the role and of the department ask
        for again (4 ms each)."""
        from .render import Renderer, context

        logo = self._logo(job) if job.department and job.department.logo else None
        made_from = (self._content, self._env, self._press, job.department, logo)
        kept = self._renders.get(job.key)
        if kept is not None and all(a is b for a, b in zip(kept[0], made_from, strict=True)):
            self._renders.move_to_end(job.key)
            return kept[1]
        renderer = Renderer(self._env, self._content, job.product, role=job.role,
                            context=context(self._content, job.product,
                                            variant=job.variant.name,
                                            colour=job.variant.colour(self._press),
                                            build_date=_build_date(self._content),
                                            role=job.role, department=job.department,
                                            logo=logo))
        rendered = Rendered(renderer, renderer.versions())
        self._renders[job.key] = (made_from, rendered)
        while len(self._renders) > KEPT_PRODUCTS:
            self._renders.popitem(last=False)
        return rendered

    def _logo(self, job: Job) -> str:
        """The department logo's src for the variant (a CMYK conversion, kept)."""
        path = job.department.logo
        key = (path, job.variant.name, _signature(path))
        if key not in self._logos:
            self._logos[key] = job.variant.logo(path, self._press.profile)
        return self._logos[key]

    # -- lay out ----------------------------------------------------------------------

    def _lay_out(self, job: Job, rendered: Rendered, deliver: bool) -> Laid:
        """Lay the product out: only the sections that changed since an earlier build
        when the others would land where they did (a proof), else from scratch."""
        laid = Cold.SCRATCH if deliver else self._reuse(job, rendered)
        if isinstance(laid, Cold):
            laid = self._lay_out_cold(job, rendered, parts=laid is Cold.SCRATCH,
                                      deliver=deliver)
        self._laid.pop(job.key, None)
        self._laid[job.key] = laid
        while len(self._laid) > KEPT_PRODUCTS:
            self._laid.popitem(last=False)
        return laid

    def _lay_out_cold(self, job: Job, rendered: Rendered, parts: bool = True,
                      deliver: bool = True) -> Laid:
        """From scratch, as a command-line build: the print PDF of a plan that cannot
        grow in parts side by side (parts.py), a leaflet in a shared part and its own,
        anything else whole; a section planned with "pad: true" then takes the pages
        that complete the last sheet. Without ``parts`` (a proof whose warm attempt saw
        a section run over: the parts would disagree), whole."""
        from .parts import PARTS, split
        from .render import cut

        html, secs = rendered.versions[0]
        pieces = cut(html, secs)
        cuts = split(pieces, PARTS) if parts and pieces and job.variant.pieces else None
        laid = self._lay_out_parts(job, rendered, pieces, cuts) if cuts else None
        if laid is None and parts and pieces is not None:
            laid = self._lay_out_shared(job, rendered, pieces, deliver)
        if laid is None:
            laid = self._lay_out_whole(job, html, secs, pieces)
        # A plan that bends (a leaflet) sets a section that ran over closer first.
        tight = laid.overflowing
        if tight:
            html, secs = rendered.renderer.render(0, tight)
            laid = self._lay_out_whole(job, html, secs, cut(html, secs))
        short = -laid.pages % PAGES_PER_SHEET
        if short and short in rendered.versions:
            html, secs = rendered.renderer.render(short, tight) if tight \
                else rendered.versions[short]
            laid = self._lay_out_whole(job, html, secs, cut(html, secs, short))
        return laid

    def _lay_out_whole(self, job: Job, html: str, secs: tuple[Section, ...],
                       pieces: Pieces | None) -> Laid:
        from .checks import anchor_pages
        from .fit import bends, overflowing
        from .notices import LOGO_MARK, printed_logos

        document = self._weasyprint(html, job)
        pdf = self._export(document, job, html)
        laid = Laid(pdf, anchor_pages(document), len(document.pages), html, secs, pieces,
                    _bookmarks(document), tuple(page_digests(pdf)), _trim_mm(pdf),
                    overflowing(document, secs) if bends(secs) else frozenset(),
                    tuple(printed_logos(document)) if LOGO_MARK in html else ())
        self._whole = (laid, document)
        return laid

    def _lay_out_parts(self, job: Job, rendered: Rendered, pieces: Pieces,
                       parts: list[Part]) -> Laid | None:
        """Lay the parts out side by side and put them together; None if they disagree
        about where a section lands (the caller then lays the product out whole)."""
        from .parts import disagreement, merge, run_side_by_side

        stand_ins = rendered.renderer.stand_ins(pieces.secs, {})
        if stand_ins is None:
            return None
        html = pieces.html
        with step("parts"):
            laid = run_side_by_side(self.jobs, [
                functools.partial(self._lay_out_part, pieces.with_stand_ins(stand_ins,
                                                                            part.sections),
                                  job, html)
                for part in parts])
        problem = disagreement(pieces.secs, parts, laid)
        if problem:
            log.info("parts     disagree (%s); laying the product out whole", problem)
            return None
        # Agreeing, every part has every section where the whole document would.
        with step("merge"):
            pdf = merge(parts, laid)
        return Laid(pdf, laid[0].anchors, laid[0].pages, html, pieces.secs, pieces,
                    laid[0].bookmarks, tuple(page_digests(pdf)), _trim_mm(pdf))

    def _lay_out_part(self, html: str, job: Job, identity_source: str,
                      secs: tuple[Section, ...] = (), only: frozenset[str] | None = None,
                      every_page: bool = False) -> LaidPart:
        """Lay out and export one part (in a forked process, side by side); with
        ``only``, the part's own sections of ``secs``: note the logos printed and the
        sections that ran over (the plan bending), and export only their pages unless
        ``every_page`` (the part the others' pages go into)."""
        from .checks import anchor_pages
        from .fit import bends, overflowing
        from .notices import LOGO_MARK, printed_logos
        from .parts import LaidPart

        document = self._weasyprint(html, job)
        anchors, pages = anchor_pages(document), len(document.pages)
        if only is None:
            return LaidPart(self._export(document, job, identity_source), anchors, pages,
                            _bookmarks(document))
        over = overflowing(document, secs) & only if bends(secs) else frozenset()
        own = _own_pages(anchors, secs, only)
        if own is not None and not every_page:
            document = document.copy([document.pages[page - 1] for page in own])
        return LaidPart(self._export(document, job, identity_source, elsewhere=anchors),
                        anchors, pages, _bookmarks(document),
                        tuple(printed_logos(document)) if LOGO_MARK in html else (), over)

    def _lay_out_shared(self, job: Job, rendered: Rendered, pieces: Pieces,
                        deliver: bool = True) -> Laid | None:
        """A leaflet in parts, each with stand-ins for the others' sections: the
        sections that are the same in every role's leaflet for the department (the
        model, the shared role's page, the back, say); delivered, the role's sections
        that are the same for every department (the chain, say); and the leaflet's own.
        The first two are laid out once in a session and reused by the next role's
        leaflet, and the next department's. The parts are canonical, so the PDF is the
        same whichever leaflets the session built before: the department's part is
        always the first role's, the role's part always the leaflet's without a
        department. None when nothing is shared, or when the parts disagree on where a
        section lands (a role's pages that grew); and for a proof in one process
        without the department's pages kept: two parts one after the other cost more
        than a whole layout, and a proof for another role reuses the pages of this one
        anyway (_reuse)."""
        from .parts import Part, PartKey, disagreement, put_pages, run_side_by_side

        if job.role is None or not job.variant.pieces or \
                self._carried_between_pages(pieces.html):
            return None
        canonical = self._canonical(job, rendered, pieces)
        stand_ins = rendered.renderer.stand_ins(pieces.secs, {})
        if canonical is None or stand_ins is None:
            return None
        shared = {"department": canonical}
        by_role = self._canonical_for_role(job, rendered, pieces, canonical[1]) \
            if deliver else None
        if by_role is not None:
            shared["role"] = by_role
        keys = [PartKey(hashlib.sha256(html.encode()).digest(), job.variant.name, scope)
                for scope, (html, _) in shared.items()]
        kept = [self._shared.get(key) for key in keys]
        if kept[0] is None and not deliver and self.jobs == 1:
            return None
        own = frozenset(sec.id for sec in pieces.secs).difference(
            *(sections for _, sections in shared.values()))
        tasks = [functools.partial(self._lay_out_part, pieces.with_stand_ins(stand_ins, own),
                                   job, pieces.html, pieces.secs, own, every_page=True)]
        tasks += [functools.partial(self._lay_out_part, html, job, html, pieces.secs, sections)
                  for (html, sections), part in zip(shared.values(), kept, strict=True)
                  if part is None]
        with step("parts", ", ".join(f"{scope}'s part kept" for scope, part
                                     in zip(shared, kept, strict=True) if part)):
            laid = iter(run_side_by_side(self.jobs, tasks))
        mine = next(laid)
        theirs = [part or next(laid) for part in kept]
        problem = disagreement(pieces.secs, [Part(own, 0, 0)] + [
            Part(sections, 0, 0) for _, sections in shared.values()], [mine, *theirs])
        pages = [_own_pages(mine.anchors, pieces.secs, sections)
                 for _, sections in shared.values()]
        if problem or None in pages:
            log.info("parts     disagree (%s); laying the leaflet out whole",
                     problem or "a section has no anchor")
            return None
        self.keep_shared_parts(dict(zip(keys, theirs, strict=True)))
        with step("merge"):
            pdf = put_pages(mine.pdf, [(part.pdf, numbers) for part, numbers
                                       in zip(theirs, pages, strict=True)],
                            deterministic=True)
        if pdf is None:
            return None
        texts = self._page_texts(mine, list(zip(keys, theirs, pages, strict=True))) \
            if deliver and job.variant.records_delivery else None
        return Laid(pdf, mine.anchors, mine.pages, pieces.html, pieces.secs, pieces,
                    mine.bookmarks, tuple(page_digests(pdf)), _trim_mm(pdf),
                    mine.overflowing.union(*(part.overflowing for part in theirs)),
                    mine.logos + tuple(logo for part in theirs for logo in part.logos),
                    texts)

    def _page_texts(self, mine: LaidPart,
                    shared: list[tuple[PartKey, LaidPart, list[int]]]) -> tuple[str, ...]:
        """The text of every page of a leaflet put together from ``mine`` and the
        ``shared`` parts (each with the pages it gave), for the manifest of a delivery
        (changes.record): a shared part's pages are read once a session, not once a
        leaflet. Putting pages together and finishing leave their text as it is: a
        part's page keeps its own fonts (put_pages only renames their subsets), and
        finishing draws no text."""
        from .changes import page_texts

        texts: list[str | None] = [None] * mine.pages
        for key, part, numbers in shared:
            known = self._shared_texts.get(key)
            if known is None:
                known = self._shared_texts[key] = tuple(page_texts(part.pdf))
            for number, text in zip(numbers, known, strict=True):
                texts[number - 1] = text
        own = [number for number, text in enumerate(texts, 1) if text is None]
        for number, text in zip(own, page_texts(mine.pdf, own), strict=True):
            texts[number - 1] = text
        return tuple(text or "" for text in texts)

    def _canonical(self, job: Job, rendered: Rendered, pieces: Pieces
                   ) -> tuple[str, frozenset[str]] | None:
        """What ``job``'s leaflet shares with every role's (_shared_with): the sections
        whose HTML is the same for this role and the first (for the first role itself:
        the same as for the second), laid out as the first role's leaflet. None when
        there is no other role."""
        chain = [role for role in self._content.roles if not role.shared]
        if len(chain) < 2 or job.role is None:
            return None
        first = job.role.id == chain[0].id
        other = dataclasses.replace(job, role=chain[1] if first else chain[0])
        return self._shared_with(job, rendered, pieces, other, mine=first)

    def _canonical_for_role(self, job: Job, rendered: Rendered, pieces: Pieces,
                            taken: frozenset[str]) -> tuple[str, frozenset[str]] | None:
        """What ``job``'s leaflet shares with the role's leaflet for every department
        (the chain, say; _shared_with): the sections whose HTML is the same with and
        without the department and that are not in the department's part (``taken``),
        laid out as the role's leaflet without a department. For the leaflet without
        a department: those it shares with the first department's. None when there is
        no department file, or the first one has a mistake."""
        if job.department is not None:
            return self._shared_with(job, rendered, pieces,
                                     dataclasses.replace(job, department=None),
                                     mine=False, taken=taken)
        files = self._content.department_files()
        try:
            unit = self.department(files[0]) if files else None
        except FolderBuilderError:  # reported where that department's leaflet is made
            unit = None
        if unit is None:
            return None
        return self._shared_with(job, rendered, pieces,
                                 dataclasses.replace(job, department=unit),
                                 mine=True, taken=taken)

    def _shared_with(self, job: Job, rendered: Rendered, pieces: Pieces, other: Job, *,
                     mine: bool, taken: frozenset[str] = frozenset()
                     ) -> tuple[str, frozenset[str]] | None:
        """The part ``job``'s leaflet shares with ``other``'s: the sections whose HTML is
        the same in both and not in ``taken``, and the HTML that lays them out, always
        the same one of the two leaflets (this one if ``mine``) with stand-ins for
        every other section, so the part is canonical. None when the documents' heads
        differ, when nothing is shared, or when nothing of the leaflet's own is left."""
        from .parts import shared_sections
        from .render import cut

        made = self._render(other)
        theirs = cut(*made.versions[0])
        # A document head that differs (a class on <body>, say) may style the shared
        # sections differently too: nothing is shared then.
        if theirs is None or (theirs.head, theirs.tail) != (pieces.head, pieces.tail):
            return None
        shared = shared_sections(pieces, theirs) - taken
        if not shared or len(shared | taken) == len(pieces.secs):
            return None
        base, renderer = (pieces, rendered.renderer) if mine else (theirs, made.renderer)
        stand_ins = renderer.stand_ins(base.secs, {})
        if stand_ins is None:
            return None
        return base.with_stand_ins(stand_ins, shared), shared

    def _reuse(self, job: Job, rendered: Rendered) -> Laid | Cold:
        """The product with only its changed sections laid out again, the pages of the
        others taken from the closest earlier build; else how to lay it out from
        scratch: when there is none, or when the changed sections would move where
        sections land (then only a whole layout knows)."""
        from .checks import anchor_pages
        from .parts import planned_pages, replace_pages
        from .render import mixed_pages

        found = self._closest(job, rendered)
        if found is None:
            return Cold.SCRATCH
        before, pieces, changed = found
        if not changed:
            return before
        if not job.variant.pieces:
            return Cold.SCRATCH
        if self._carried_between_pages(pieces.html):
            log.info("reuse     the layouts carry values from page to page; laying the "
                     "product out from scratch")
            return Cold.SCRATCH
        ranges = section_pages(before)
        counts = {sec.id: before.anchors[sec.end_anchor] - before.anchors[sec.anchor] + 1
                  for sec in before.secs}
        stand_ins = rendered.renderer.stand_ins(pieces.secs, counts)
        if stand_ins is None:
            return Cold.SCRATCH
        # What follows the last changed section changes nothing before it, unless a
        # changed section refers to its pages or the layouts print a page total: it
        # is then left out (its stand-ins were a third of a warm statement edit). A
        # page total in the document's own <style> made it "carried" above.
        upto = 1 + max(index for index, sec in enumerate(pieces.secs) if sec.id in changed)
        if upto < len(pieces.secs) and (self._layout_traits().page_total or any(
                PAGE_REFERENCE in fragment for sec, fragment in zip(
                    pieces.secs, pieces.fragments, strict=True) if sec.id in changed)):
            upto = len(pieces.secs)
        present, left_out = pieces.secs[:upto], pieces.secs[upto:]
        # A changed section whose pages are page parts of their own lays out only the
        # parts that changed, the others stood in (a statement edit: one page of each
        # spread it is on, not both).
        own, pages, stood = {}, [], set()
        for index, sec in enumerate(present):
            if sec.id not in changed:
                continue
            fragment = pieces.fragments[index]
            alone = PAGE_REFERENCE not in fragment and self._layout_traits().parts_start_pages
            mixed = mixed_pages(fragment, before.pieces.fragments[index],
                                stand_ins.fragments[index]) if alone else None
            if mixed is None:
                pages += ranges[sec.id]
            else:
                own[sec.id], first = mixed[0], before.anchors[sec.anchor]
                again = {first + part for part in mixed[1]}
                pages += again
                stood |= set(range(first, first + counts[sec.id])) - again
        pages.sort()
        # The sections before the first changed one are stood in by one or two pages
        # that count as all of theirs (skip_before): each stand-in page costs 3 ms.
        lead, skip = self._skip_before(present, changed, pieces, before)
        document = self._weasyprint(pieces.with_stand_ins(stand_ins, changed, upto, own,
                                                          lead=lead, skip=skip.html), job)
        offset = skip.offset
        anchors = {name: page + offset for name, page in anchor_pages(document).items()}
        # The anchors of the sections skipped and of the page parts stood in are where
        # they were.
        anchors.update({anchor: before.anchors[anchor] for sec in present[:lead]
                        for anchor in (sec.anchor, sec.end_anchor)})
        anchors.update({name: page for name, page in before.anchors.items()
                        if page in stood and name not in anchors})
        moved = [sec.id for sec in present for anchor in (sec.anchor, sec.end_anchor)
                 if anchors.get(anchor) != before.anchors.get(anchor)]
        bookmarks = tuple((level, label, page + offset)
                          for level, label, page in _bookmarks(document))
        if lead:  # 0-based pages, anchors 1-based
            bookmarks = tuple(b for b in before.bookmarks if b[2] < skip.pages) + bookmarks
        last_page = anchors.get(present[-1].end_anchor, 0)
        if left_out:  # the rest as before: their anchors and bookmarks, after these pages
            anchors.update({anchor: before.anchors[anchor] for sec in left_out
                            for anchor in (sec.anchor, sec.end_anchor)})
            rest = before.bookmarks[len(bookmarks):]
            if any(b[2] < last_page for b in rest):  # 0-based pages, anchors 1-based
                moved.append("a bookmark")
            bookmarks += rest
        if moved or len(document.pages) + offset != (last_page if left_out else before.pages) or \
                [b[::2] for b in bookmarks] != [b[::2] for b in before.bookmarks]:
            planned = planned_pages(pieces.secs)
            if any(anchors.get(sec.end_anchor, 0) > planned[sec.id][1]
                   for sec in present if sec.id in changed
                   and not (sec.spec.grow or sec.spec.pad)):
                log.info("reuse     '%s' runs past its planned pages; laying the product "
                         "out whole", (moved or ["a section"])[0])
                return Cold.WHOLE
            log.info("reuse     '%s' would move; laying the product out from scratch",
                     (moved or ["the page count or a bookmark"])[0])
            return Cold.SCRATCH
        log.info("reuse     laid out again: %s (pages %s); the rest as before%s%s",
                 ", ".join(sorted(changed)), _page_list(pages),
                 f", the {skip.pages} pages before them stood in by "
                 f"{skip.pages - skip.offset}" if lead else "",
                 f", {len(left_out)} sections after them left out" if left_out else "")
        html = pieces.html
        with step("export", f"pages {_page_list(pages)}"):
            fresh = self._export(document.copy([document.pages[p - 1 - offset] for p in pages]),
                                 job, html, elsewhere=anchors)
        with step("merge"):
            pdf = replace_pages(before.pdf, fresh, pages, None if bookmarks == before.bookmarks
                                else [label for _, label, _ in bookmarks])
        if pdf is None:
            return Cold.SCRATCH
        digests = list(before.digests)
        for page, digest in zip(pages, page_digests(fresh), strict=True):
            digests[page - 1] = digest
        return Laid(pdf, anchors, before.pages, html, pieces.secs, pieces, bookmarks,
                    tuple(digests), before.trim_mm, before.overflowing, before.logos)

    def _skip_before(self, present: tuple[Section, ...], changed: frozenset[str],
                     pieces: Pieces, before: Laid) -> tuple[int, Skip]:
        """How many sections before the first changed one are skipped, and what stands
        in for them: one page (two, when the count is even: the first changed section
        must start on the same side) whose page counter ends where theirs ended, so
        that page numbers come out as in the whole document. Not done when the layouts
        print the page total, or a changed section refers to pages (a skipped section's
        anchor would be missing), or a stand-in would serve as well."""
        from .engine import SKIP_PAGE, STAND_IN_PAGE

        lead = next(index for index, sec in enumerate(present) if sec.id in changed)
        skipped = before.anchors[present[lead].anchor] - 1 if lead else 0
        if skipped < 3 or self._layout_traits().page_total or any(
                PAGE_REFERENCE in fragment for sec, fragment in zip(
                    pieces.secs, pieces.fragments, strict=True) if sec.id in changed):
            return 0, Skip()
        count = 1 if skipped % 2 else 2
        html = (f"<style>@page {SKIP_PAGE} {{ counter-increment: page "
                f"{skipped - count + 1}; }}</style>"
                + f'<div class="{STAND_IN_PAGE}"></div>' * (count - 1)
                + f'<div class="{SKIP_PAGE}"></div>')
        return lead, Skip(html, skipped - count, skipped)

    def _closest(self, job: Job, rendered: Rendered
                 ) -> tuple[Laid, Pieces, frozenset[str]] | None:
        """The earlier build of this product and variant that shares the most sections
        with this one (the same product first), this rendering cut as that build was,
        and the sections that differ."""
        from .render import cut

        best = None
        candidates = sorted(
            (laid for key, laid in reversed(self._laid.items()) if key[:2] == job.key[:2]),
            key=lambda laid: laid is not self._laid.get(job.key))
        for before in candidates:
            if before.pieces is None or before.pieces.extra_pages not in rendered.versions:
                continue
            html, secs = rendered.versions[before.pieces.extra_pages]
            if [s.id for s in secs] != [s.id for s in before.secs]:
                continue
            pieces = cut(html, secs, before.pieces.extra_pages)
            if pieces is None or (pieces.head, pieces.tail) != (before.pieces.head,
                                                                 before.pieces.tail):
                continue
            changed = frozenset(sec.id for sec, new, old in zip(
                secs, pieces.fragments, before.pieces.fragments, strict=True) if new != old)
            if best is None or len(changed) < len(best[2]):
                best = (before, pieces, changed)
            if not changed:
                break
        if best is not None and len(best[2]) == len(best[1].secs):
            return None  # nothing in common
        return best

    def _carried_between_pages(self, html: str) -> bool:
        """Whether the layouts carry a value from an element on one page to a later
        page (a named string, a counter, a running element: crosspage.py), in their
        stylesheets or in the document's own HTML. A stand-in carries none, so such
        layouts are never laid out warm."""
        return self._layout_traits().carries or any(word in html for word in CARRIED_IN_HTML)

    def _layout_traits(self) -> Traits:
        """What the stylesheets do across pages (crosspage.py), read once per engine."""
        from .crosspage import traits
        from .templates import stylesheets

        if self._traits is None:
            self._traits = traits(path.read_text(encoding="utf-8")
                                  for path in stylesheets(self._dirs))
        return self._traits

    def _weasyprint(self, html: str, job: Job) -> Document:
        """WeasyPrint's layout of ``html``, strictly (layout.py)."""
        from .layout import lay_out
        from .templates import stylesheets

        with step("weasy"):
            document, fetcher = lay_out(
                html, base_url=self._content.root, stylesheets=stylesheets(self._dirs),
                roots=(self._content.root, *self._dirs, BUNDLED_FONTS),
                media_type=job.variant.media_type,
                extra_css=job.variant.extra_css(self._press),
                font_config=self._font_config, css_cache=self._css_cache)
        self._served_fonts.update(fetcher.served)
        if TO_PAGE_FOOT in html:  # walking the boxes costs; only where there are any
            drop_carried_over(document)
        return document

    def _export(self, document: Document, job: Job, identity_source: str,
                elsewhere: Iterable[str] = ()) -> bytes:
        """The PDF of a laid-out document, once its fonts are known to be the project's.
        Uncompressed: finishing deflates every stream once, in qpdf, faster than
        WeasyPrint's level-9 deflate in Python. ``elsewhere``: anchors on pages not
        exported here, which these pages may link to (a warm proof's)."""
        from .checks import check_fonts
        from .layout import export_pdf

        identity = _identity(identity_source, job.variant, self._press)
        pdf = export_pdf(document, anchors_elsewhere=tuple(elsewhere),
                         pdf_variant=job.variant.pdf_variant,
                         output_intent=job.variant.output_intent, uncompressed_pdf=True,
                         pdf_identifier=identity[:32].encode())
        check_fonts(document, self._served_fonts)
        return pdf

    # -- finish and preflight ---------------------------------------------------------

    def _finish(self, job: Job, laid: Laid, compress: bool) -> bytes:
        """The variant's finishing (finish.py); the same laid-out pages finish the same.
        A proof stays uncompressed: it is read in memory (page images, the changes),
        never written as a file, and deflating 28 pages was a tenth of a warm edit;
        a delivered PDF (always laid out anew) is compressed."""
        kept = self._finished.get(job.key)
        if kept is not None and kept[0] is laid:
            return kept[1]
        titles = {anchor: sec.title or self._content.publication.title
                  for sec in laid.secs for anchor in (sec.anchor, sec.end_anchor)}
        return job.variant.finish(laid.pdf, self._press,
                                  _identity(laid.html, job.variant, self._press), titles,
                                  compress=compress)

    def _preflight(self, job: Job, laid: Laid, pdf: bytes) -> Report:
        kept = self._finished.get(job.key)
        if kept is not None and kept[0] is laid:
            return kept[2]
        return job.variant.preflight(pdf, self._press, laid.trim_mm)

    def _changed(self, job: Job, laid: Laid) -> frozenset[int]:
        """The pages that differ from the last build of this product. The digests are
        of the laid-out pages; what finishing adds to every page (crop marks, boxes,
        the output profile) is compared as the print settings that make it."""
        finishing = (self._press, _signature(self._press.profile))
        before = self._last_pages.get(job.key)
        self._last_pages[job.key] = (finishing, laid.digests)
        if before is None or before[0] != finishing:
            return frozenset(range(1, len(laid.digests) + 1))
        return frozenset(number for number, digest in enumerate(laid.digests, 1)
                         if number > len(before[1]) or before[1][number - 1] != digest)

    # -- for the command line ------------------------------------------------------------

    def standalone_html(self, result: Result) -> str:
        """``result``'s HTML with its stylesheets linked by absolute URL, so that plain
        WeasyPrint lays out the same document (--keep-html). Where the build kept a
        word whole at a page turn (pageturn.py), the HTML has the span that does it:
        the document is laid out once more, whole, to find it (a section comes out
        the same laid out whole or in parts)."""
        from .layout import kept_whole_html
        from .templates import stylesheets

        html = kept_whole_html(self.document(result.html, result.variant)) or result.html
        links = "".join(f'<link rel="stylesheet" href="{path.resolve().as_uri()}">\n'
                        for path in stylesheets(self._dirs))
        extra = variant(result.variant).extra_css(self._press)
        if extra:
            links += f"<style>{extra}</style>\n"
        return html.replace("</head>", links + "</head>", 1)


# --- loading ------------------------------------------------------------------------------


def prepare(root: Path, dirs: tuple[Path, ...], env: jinja2.Environment | None = None
            ) -> tuple[Content, jinja2.Environment, tuple[Path, ...]]:
    """What every command starts with: load the content, check that the layouts
    compile and that the fonts have every character of the content. Returns the
    content, the template environment and the font folders."""
    from .content import load_content
    from .glyphs import check_glyphs
    from .render import validate_layouts
    from .templates import environment

    with step("load"):
        content = load_content(root)
    with step("typography"):
        _typography(content)
    env = env or environment(dirs)
    with step("validate"):
        validate_layouts(content, env)
    font_folders = (BUNDLED_FONTS, *dirs[:-1])  # and the user's layouts, if any
    with step("glyphs"):
        check_glyphs(content, font_folders)
    return content, env, font_folders


def leaflet_warnings(content: Content, env: jinja2.Environment, dirs: tuple[Path, ...],
                     press: Press, lay_out: Callable[[str], Document]) -> list[Problem]:
    """Warnings for statements that fit the folder but would make a leaflet page run
    over (crosscheck.py), with ``lay_out`` laying out the probe pages; the answer is
    cached under a digest of the HTML and the stylesheets."""
    from .crosscheck import leaflet_warnings as probe
    from .templates import stylesheets

    styles = b"".join(path.read_bytes() for path in stylesheets(dirs)) + \
        variant("print").extra_css(press).encode()
    return probe(content, env, press.profile, lay_out, styles)


def _typography(content: Content) -> None:
    """The hyphenation list (installed for the layout) and the printed forms of web
    addresses; the problems of both files are reported together."""
    from .hyphenation import install_hyphenation
    from .printlinks import load_links

    problems: list[Problem] = []
    for load in (lambda: install_hyphenation(content), lambda: load_links(content.root)):
        try:
            load()
        except ContentError as exc:
            problems += exc.problems
    if problems:
        raise ContentError(problems)


def press(content: Content, icc: Path | None, marks: bool | None) -> Press:
    """The print settings: print.yaml, with --icc and --no-marks over it."""
    from .content import icc_problem

    settings = content.print_settings
    if icc is not None:
        problem = icc_problem(icc.resolve())
        if problem:
            raise InputError(f"--icc {icc}: {problem}")
    profile = icc.resolve() if icc is not None else settings.profile or DEFAULT_PROFILE
    return Press(settings, profile, settings.marks if marks is None else marks,
                 icc_given=icc is not None)


def _identity(html: str, chosen: Variant, press: Press) -> str:
    """A digest of everything that decides the bytes, so that identifiers are stable.
    A file counts by its bytes, not its path: a file the HTML links to (the screen
    variant's logo) and the output profile (print.yaml's is a path inside the
    content). The same content in another folder gives the same PDF, and a logo or
    profile replaced under the same name another."""
    html = _LINKED_FILE.sub(_file_digest, html)
    settings = dataclasses.replace(press.settings, profile=None)
    return hashlib.sha256("\0".join([
        html, chosen.name, str(settings), str(press.marks), str(press.icc_given),
        _bytes_digest(press.profile, *_signature(press.profile))]).encode()).hexdigest()


@functools.lru_cache(maxsize=32)
def _bytes_digest(path: Path, *signature: int) -> str:
    """A file's digest, kept while its time and size (``signature``) stay the same; a
    file that cannot be read counts by its path."""
    try:
        return "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return str(path)


#: A file:// URL in the HTML, up to the quote, space or bracket that ends it.
_LINKED_FILE = re.compile(r"""file://[^"'\s)<>]+""")


def _file_digest(found: re.Match[str]) -> str:
    from urllib.parse import unquote, urlsplit

    path = Path(unquote(urlsplit(found.group(0)).path))
    return "file:" + _bytes_digest(path, *_signature(path))


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


# --- pages ---------------------------------------------------------------------------------


def _own_pages(anchors: dict[str, int], secs: tuple[Section, ...],
               only: frozenset[str]) -> list[int] | None:
    """The pages (1-based, ascending) of the sections in ``only``; None when one of them
    has no anchor."""
    pages = []
    for sec in secs:
        if sec.id in only:
            first, last = anchors.get(sec.anchor), anchors.get(sec.end_anchor)
            if first is None or last is None:
                return None
            pages += range(first, last + 1)
    return pages


def section_pages(laid: Laid) -> dict[str, range]:
    """The pages each section owns: from its first page to the page before the next
    section's (a blank page that puts the next section on its side belongs to the one
    before it)."""
    starts = [laid.anchors[sec.anchor] for sec in laid.secs]
    ends = [start - 1 for start in starts[1:]] + [laid.pages]
    return {sec.id: range(start, end + 1)
            for sec, start, end in zip(laid.secs, starts, ends, strict=True)}


def _bookmarks(document: Document) -> tuple[tuple[int, str, int], ...]:
    """Every bookmark as (level, label, page): what the outline shows."""
    out: list[tuple[int, str, int]] = []

    def walk(items: list, level: int) -> None:
        for label, target, children, *_ in items:
            out.append((level, label, target[0]))
            walk(children, level + 1)

    walk(document.make_bookmark_tree(), 1)
    return tuple(out)


def _page_list(pages: Iterable[int]) -> str:
    return ",".join(str(p) for p in pages)


def _trim_mm(pdf_bytes: bytes) -> tuple[float, float]:
    """The trimmed size of the first page, in mm (TrimBox, else MediaBox)."""
    import pikepdf

    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        page = pdf.pages[0].obj
        x0, y0, x1, y1 = (float(v) for v in page.get("/TrimBox", page.MediaBox))
    return (round(abs(x1 - x0) * 25.4 / 72, 1), round(abs(y1 - y0) * 25.4 / 72, 1))


# --- files ----------------------------------------------------------------------------------


def _signature(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


def _snapshot(folders: Iterable[Path], before: dict[Path, tuple[tuple[int, int], bytes]]
              | None = None) -> dict[Path, tuple[tuple[int, int], bytes]]:
    """Every file under ``folders`` with its (mtime, size) and a digest of its bytes; a
    file whose mtime and size are as ``before`` is not read again."""
    before = before or {}
    out: dict[Path, tuple[tuple[int, int], bytes]] = {}
    for folder in dict.fromkeys(Path(f).resolve() for f in folders):
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
            # (hidden: also what lies in hidden folders, as the studio's kept versions
            # in content/departments/.history/, which no build reads)
            if not path.is_file() or hidden or "__pycache__" in path.parts:
                continue
            signature = _signature(path)
            kept = before.get(path)
            if kept is not None and kept[0] == signature:
                out[path] = kept
                continue
            try:
                out[path] = (signature, hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                continue
    return out


__all__ = ["DepartmentFile", "Result", "Session"]
