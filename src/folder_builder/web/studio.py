"""The department studio: a department's leaflet made in the browser.

Routes (all under ``/departments``; the guard decides who reaches them):

=====================================================  ===================================
``GET  /departments``                                  the departments, "new department"
``POST /departments``                                  make ``<slug>.yaml`` from a name
``GET  /departments/<slug>?role=ROLE``                 the editor: the form beside the proof
``POST /departments/<slug>``                           save the form (version-checked)
``POST /departments/<slug>/preview``                   build the proof of the unsaved form
``POST /departments/<slug>/show``                      the editor for another role, unsaved
``GET  /departments/<slug>/preview/<token>.png?w=``    one page of that proof
``POST /departments/<slug>/logo``                      upload a logo (multipart)
``GET  /departments/<slug>/logo``                      the department's logo
``GET  /departments/<slug>/history``                   the kept versions
``GET  /departments/<slug>/history/<id>``              one kept version, as text
``POST /departments/<slug>/restore``                   make a kept version current
``GET  /departments/<slug>/download/<role>/<kind>``    print, screen or a4 PDF of the saved file
``POST /departments/<slug>/link``                      (editor) the department's link
=====================================================  ===================================

The proof of an unsaved form is built from a draft file in a private temporary
folder (``DraftBuilds``), on the department's build worker process, which keeps
a warm session (workers.py; without workers, through the proof view's session on
its worker thread): the file in ``content/departments/`` changes only on
"save". Downloads are built there too. Drafts of one department are coalesced:
while one builds, only the newest waiting draft is built next, the ones in
between are answered "superseded". Builds per client are rate-limited.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
import secrets
import tempfile
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .. import department_file as files
from ..content import DEPARTMENTS, department_files, load_content
from ..errors import ContentError, FitError, FolderBuilderError
from ..model import Content
from .access import AccessError, Grant, Keys, RateLimiter
from .guard import session_id
from .i18n import INSTRUCTION, LOW_RESOLUTION, N_, Message, content_language, say
from .i18n import translations as gettext_catalogue
from .loader_messages import localise
from .pages import PageImages
from .uploads import (
    LOW_PPI,
    MAX_UPLOAD,
    Logo,
    UploadError,
    check_upload,
    effective_ppi,
    logo_box,
    printed_size,
    store,
)
from .workers import TASKS, Draft, WorkerError, WorkerPool

_HERE = Path(__file__).resolve().parent
log = logging.getLogger("folder_builder.web")
KINDS = ("print", "screen", "a4")
#: A build stopped half-way (its worker died, or the server is stopping).
INTERRUPTED = N_("the PDF could not be finished; try again in a moment")
#: Preview images kept (per app), oldest dropped first.
PREVIEWS_KEPT = 24


# --- the content, reloaded when its files change -------------------------------------


class ContentCache:
    """The loaded content of the studio's folder, reloaded when a file changes.

    The studio reads the content for its forms (roles, statements, headings) in
    request threads, never through the build session (which belongs to the
    worker)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._signature: tuple = ()
        self._content: Content | None = None

    def _current(self) -> tuple:
        paths = sorted([*self.root.glob("*.yaml"), *self.root.glob("statements/*.yaml")])
        return tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in paths)

    def get(self) -> Content:
        with self._lock:
            signature = self._current()
            if self._content is None or signature != self._signature:
                self._content = load_content(self.root)
                self._signature = signature
            return self._content

    def language(self) -> str:
        try:
            return content_language(self.get())
        except FolderBuilderError:
            return "en"


# --- drafts: the proof of what the form holds -------------------------------------------


@dataclass
class Preview:
    """One built draft."""

    token: str
    images: PageImages | None
    pages: int
    problems: dict[str, list[str]] = field(default_factory=dict)
    message: Message | str = ""
    #: The text of each page: the alternative text of its image, so the proof can
    #: be read by a screen reader too.
    texts: tuple[str, ...] = ()
    #: how full the pages are (fullness.Fullness), None when not measured
    fullness: Any = None
    #: the process that built it
    pid: int = 0


class DraftBuilds:
    """Builds the proof of unsaved forms (see the module): in the worker processes
    when the server has them (``pool``), else on the proof view's worker thread."""

    def __init__(self, coordinator: Any, content_root: Path, pool: WorkerPool | None = None
                 ) -> None:
        self.coordinator = coordinator
        self.pool = pool
        self.content_root = content_root
        self.folder = Path(tempfile.mkdtemp(prefix="folder-builder-drafts-"))
        self._lock = threading.Lock()
        self._latest: dict[str, int] = {}
        self._building: dict[str, threading.Lock] = {}
        self._counter = itertools.count(1)
        self.previews: OrderedDict[str, Preview] = OrderedDict()

    def close(self) -> None:
        import shutil

        shutil.rmtree(self.folder, ignore_errors=True)

    def run(self, slug: str, task: str, *args: Any) -> Any:
        """Run one of workers.TASKS for department ``slug``: on its worker process, or
        on the proof view's worker thread when there is no pool."""
        if self.pool is not None:
            return self.pool.run(slug, task, *args)
        function = TASKS[task]
        return self.coordinator.call(lambda session: function(session, *args))

    def build(self, slug: str, role: str, text: str) -> Preview | None:
        """The proof of ``text`` (a department file) for ``role``; None when a newer
        draft of the same department came in meanwhile (it will be built instead)."""
        with self._lock:
            number = next(self._counter)
            self._latest[slug] = number
            gate = self._building.setdefault(slug, threading.Lock())
        with gate:
            with self._lock:
                if self._latest[slug] != number:
                    return None  # superseded while waiting
            folder = self.folder / f"{number}"
            folder.mkdir()
            path = folder / f"{slug}.yaml"
            path.write_text(text, "utf-8")
            try:
                draft: Draft = self.run(slug, "draft", role, str(path))
                token = f"{number}-{secrets.token_hex(4)}"
                preview = Preview(token, PageImages(draft.pdf), draft.pages,
                                  texts=draft.texts, fullness=draft.fullness, pid=draft.pid)
            except ContentError as exc:
                preview = Preview(f"{number}", None, 0, _problems_by_field(exc.problems),
                                  exc.message)
            except FitError as exc:  # too long: each text that ran over, at its field
                preview = Preview(f"{number}", None, 0, _fit_fields(exc, path), exc.report())
            except FolderBuilderError as exc:
                preview = Preview(f"{number}", None, 0, {}, exc.report())
            except WorkerError as exc:  # the worker died or the server stops
                log.warning("draft of %s: %s", slug, exc)
                preview = Preview(f"{number}", None, 0, {}, INTERRUPTED)
            finally:
                path.unlink(missing_ok=True)
                folder.rmdir()
            with self._lock:
                self.previews[preview.token] = preview
                while len(self.previews) > PREVIEWS_KEPT:
                    self.previews.popitem(last=False)
            return preview


def build_draft(session: Any, role: str, path: Path) -> tuple[Any, Any]:
    """The proof of the draft at ``path`` and how full its pages are; the session
    forgets the draft after (it keeps each department file it has loaded, and every
    draft is a new file)."""
    from .fullness import measure

    try:
        result = session.build("leaflet", variant="print", role=role, department=path,
                               strict=False)
        return result, measure(result.pdf, result.pages, result.landings, session.content)
    finally:
        kept = getattr(session, "_departments", None)
        if isinstance(kept, dict):
            kept.pop(path, None)


def page_texts(pdf: bytes) -> tuple[str, ...]:
    """Each page's text as a reader meets it (changes.page_text, not casefolded): the
    page images' descriptions."""
    import pypdfium2 as pdfium

    from ..changes import page_text
    from .pages import PDFIUM_LOCK

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(pdf)
        try:
            return tuple(page_text(document[index], fold=False)
                         for index in range(len(document)))
        finally:
            document.close()


def _fit_fields(exc: FitError, draft: Path) -> dict[str, list[str]]:
    """The fit guard's problems a department head can act on, by form field: how much
    ran over (the form as a whole), each of the draft's texts past the plan or the
    longest (at its field), the leaflet's page ceiling. The plan's own hints (which
    only the communications office can change) are left out."""
    mine = [p for p in exc.problems
            if p.path is None or Path(p.path).name == draft.name
            or (p.field or "").startswith("max_pages")]
    return _problems_by_field(mine)


def _problems_by_field(problems) -> dict[str, list[str]]:
    from ..department_file import _form_field

    fields: dict[str, list[str]] = {}
    for problem in problems:
        fields.setdefault(_form_field(problem), []).append(problem.message)
    return fields


# --- the form ---------------------------------------------------------------------------


def form_from_request(data: FormData) -> files.DepartmentForm:
    """The DepartmentForm the posted fields describe (unknown fields are ignored)."""
    notes = {}
    for key, value in data.multi_items():
        if key.startswith("note:") and isinstance(value, str):
            notes[key[5:]] = value
    questions = [q for q in data.getlist("question") if isinstance(q, str)]
    logo = data.get("logo_path")
    return files.DepartmentForm(
        name=str(data.get("name", "")),
        logo=str(logo) if logo and not data.get("remove_logo") else None,
        introduction=str(data.get("introduction", "")),
        notes=notes,
        questions=questions,
        contact=str(data.get("contact", "")),
    )


@dataclass(frozen=True)
class NoteField:
    """A note box of the form: the id it is on and what it follows in print."""

    key: str
    label: str
    kind: str  # "role", "perspective" or "statement"


@dataclass(frozen=True)
class Block:
    """A group of the form in reading order: a role's heading and its note, then each
    perspective with its note and its statements with theirs."""

    title: str
    role_note: NoteField
    perspectives: tuple[tuple[Any, NoteField, tuple[NoteField, ...]], ...]


def note_blocks(content: Content, role_id: str) -> list[Block]:
    """The note boxes of the leaflet of ``role_id``, in the order they print: the
    shared role's page first, then the role's own pages."""
    blocks = []
    shared = [r for r in content.roles if r.shared]
    for role in [*shared, content.role(role_id)]:
        groups = []
        for perspective in content.perspectives:
            statements = content.statements_for(role, perspective)
            if not statements:
                continue
            groups.append((perspective,
                           NoteField(perspective.id, perspective.heading, "perspective"),
                           tuple(NoteField(s.id, s.text, "statement") for s in statements)))
        blocks.append(Block(role.title, NoteField(role.id, role.name, "role"), tuple(groups)))
    return blocks


# --- the app part -------------------------------------------------------------------------


class Studio:
    """The studio's routes over one content folder and the proof view's coordinator."""

    def __init__(self, coordinator: Any, content_root: Path, keys: Keys, *,
                 public: bool = False, base_url: str | None = None,
                 limiter: RateLimiter | None = None, pool: WorkerPool | None = None
                 ) -> None:
        self.coordinator = coordinator
        self.root = content_root
        self.departments = content_root / DEPARTMENTS
        self.keys = keys
        self.public = public
        self.base_url = base_url
        self.contents = ContentCache(content_root)
        self.drafts = DraftBuilds(coordinator, content_root, pool)
        self.limiter = limiter or RateLimiter(rate=1.0, burst=6)
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(_HERE / "templates"), autoescape=True,
            undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
            extensions=["jinja2.ext.i18n"])

    # -- helpers ---------------------------------------------------------------

    def language(self) -> str:
        return self.contents.language()

    def page(self, name: str, request: Request, status: int = 200, **context: Any
             ) -> HTMLResponse:
        language = self.language()
        self.env.install_gettext_translations(gettext_catalogue(language), newstyle=True)
        grant: Grant = request.state.grant
        html = self.env.get_template(name).render(
            language=language, grant=grant, csrf=self.csrf(request),
            say=lambda m, **f: say(language, localise(m), **f),
            max_upload_mb=MAX_UPLOAD // 2**20,
            **context)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})

    def csrf(self, request: Request) -> str:
        return self.keys.csrf_token(session_id(request.scope) or "")

    async def posted(self, request: Request) -> FormData:
        """The form of a POST, once its CSRF token is checked (403 otherwise)."""
        data = await request.form(max_files=1, max_fields=2000)
        token = data.get("csrf") or request.headers.get("x-csrf-token")
        self.keys.check_csrf(str(token) if token else None, session_id(request.scope) or "")
        return data

    def slug_path(self, request: Request) -> tuple[str, Path]:
        """The department of the address, checked: 404 for what is not one, 403 for a
        department this key does not open."""
        slug = request.path_params["slug"]
        try:
            path = files.department_path(self.root, slug)
        except FolderBuilderError:
            raise _NotFound(N_("there is no department '{slug}'", slug=slug[:60])) from None
        request.state.grant.require(slug)
        if not path.is_file():
            raise _NotFound(N_("there is no department '{slug}'", slug=slug))
        return slug, path

    def role_of(self, content: Content, wanted: str | None) -> str:
        roles = [r.id for r in content.roles if not r.shared]
        return wanted if wanted in roles else roles[0]

    def logo_info(self, path: Path, form: files.DepartmentForm) -> dict[str, Any] | None:
        """The current logo at its printed size with its effective resolution."""
        if not form.logo:
            return None
        logo_file = (path.parent / form.logo).resolve()
        if not logo_file.is_file() or not logo_file.is_relative_to(self.root.resolve()):
            return None
        box = self._logo_box()
        info: dict[str, Any] = {"path": form.logo, "svg": logo_file.suffix.lower() == ".svg"}
        if info["svg"]:
            info.update(width_mm=box.width_mm, height_mm=box.height_mm, ppi=None,
                        warning=None)
            return info
        from PIL import Image

        try:
            with Image.open(logo_file) as image:
                width, height = image.size
        except (OSError, ValueError, Image.DecompressionBombError):
            # not an image (a form posted with another file's path): the form's own
            # message says so; the editor shows no logo rather than failing
            return None
        logo = Logo("png", b"", "png", width, height)
        w_mm, h_mm = printed_size(width, height, box)
        ppi = effective_ppi(logo, box)
        low = ppi is not None and ppi < LOW_PPI
        info.update(width_mm=w_mm, height_mm=h_mm, ppi=ppi, warning=N_(
            LOW_RESOLUTION.msgid, ppi=ppi, width=w_mm, height=h_mm, limit=LOW_PPI)
            if low else None)
        return info

    def foreign_logo(self, slug: str, path: Path, form: files.DepartmentForm
                     ) -> Message | None:
        """Why the form's logo may not be used: a form may keep the department's
        current logo or name one uploaded for it (logos/<slug>-<digest>.png|svg),
        never another file (another department's logo, a file of the content)."""
        if not form.logo:
            return None
        if re.fullmatch(rf"logos/{re.escape(slug)}-[0-9a-f]{{10}}\.(png|svg)", form.logo):
            return None
        try:
            current = yaml.safe_load(path.read_text("utf-8")) or {}
        except (OSError, yaml.YAMLError):
            current = {}
        if isinstance(current, dict) and current.get("logo") == form.logo:
            return None
        return N_("use the upload below to change the logo")

    def _logo_box(self):
        from ..templates import STYLESHEET, find_file, layout_dirs

        return logo_box(find_file(layout_dirs(None), STYLESHEET).read_text("utf-8"))

    # -- routes ----------------------------------------------------------------

    async def list_page(self, request: Request, *, status: int = 200,
                        errors: dict | None = None, typed: str = "") -> Response:
        request.state.grant.require(None)
        content = self.contents.get()
        rows = []
        for path in department_files(content):
            try:
                form, _ = files.read_form(path, content)
                name, broken = form.name, None
            except FolderBuilderError as exc:
                name, broken = path.stem, exc.report()
            rows.append({"slug": path.stem, "name": name, "broken": broken})
        roles = [(r.id, r.name) for r in content.roles if not r.shared]
        return self.page("studio_list.html.j2", request, status=status, rows=rows,
                         roles=roles, errors=errors or {}, typed=typed, public=self.public)

    async def create(self, request: Request) -> Response:
        request.state.grant.require(None)
        data = await self.posted(request)
        name = str(data.get("name", ""))
        try:
            slug, _ = await run_in_threadpool(files.create, self.root, name,
                                              self.contents.get())
        except files.FormError as exc:
            return await self.list_page(request, status=422, errors=exc.fields, typed=name)
        return RedirectResponse(f"/departments/{slug}", status_code=303)

    async def editor(self, request: Request, *, form: files.DepartmentForm | None = None,
                     token: str | None = None, errors: dict | None = None,
                     status: int = 200, notice: Message | None = None,
                     unsaved: bool = False, role: str | None = None) -> Response:
        slug, path = self.slug_path(request)
        content = self.contents.get()
        broken = None
        if form is None:
            try:
                form, token = files.read_form(path, content)
            except ContentError as exc:  # edited by hand and broken: say where
                broken = exc
                form = files.DepartmentForm(name=slug)
                token = files.version_token(path.read_bytes())
        role = self.role_of(content, role or request.query_params.get("role")
                            or (await _form_value(request, "role")))
        saved = request.query_params.get("saved") == "1"
        history = files.list_history(path)
        blocks = note_blocks(content, role)
        shown = {f.key for b in blocks for f in (b.role_note, *(
            x for _, pn, sts in b.perspectives for x in (pn, *sts)))}
        hidden_notes = {k: v for k, v in form.notes.items() if k not in shown}
        errors = errors or {}
        boxes = {"name", "contact", "introduction", "logo", "questions",
                 *(f"questions[{n}]" for n in range(1, max(1, len(form.questions)) + 1)),
                 *(f"notes.{k}" for k in shown)}
        # A problem with no box of its own in this form (a note on another role's
        # statement, a file-level problem) is listed at the top, with its field.
        loose = {k: v for k, v in errors.items() if k not in boxes}
        reflection = next((s.title for s in content.plans.get("leaflet", ())
                           if s.layout == "reflection"), None)
        base_pages = sum(s.pages for s in content.plans.get("leaflet", ()))
        return self.page(
            "studio_editor.html.j2", request, status=status, slug=slug, form=form,
            token=token, errors=errors, loose=loose, role=role, blocks=blocks,
            roles=[(r.id, r.name) for r in content.roles if not r.shared],
            hidden_notes=hidden_notes, saved=saved, notice=notice, broken=broken,
            history=history[:1], history_count=len(history), logo=self.logo_info(path, form),
            reflection_title=reflection, max_questions=files.MAX_QUESTIONS,
            base_pages=base_pages, instruction=INSTRUCTION, kinds=KINDS,
            file_name=path.name, public=self.public, unsaved=unsaved)

    async def save(self, request: Request) -> Response:
        slug, path = self.slug_path(request)
        data = await self.posted(request)
        form = form_from_request(data)
        token = str(data.get("token", "")) or None
        content = self.contents.get()
        refused = self.foreign_logo(slug, path, form)
        if refused:
            return await self.editor(request, form=form, token=token,
                                     errors={"logo": [refused]}, status=422)
        try:
            await run_in_threadpool(files.save, path, form, token, content)
        except files.FormError as exc:
            return await self.editor(request, form=form, token=token, errors=exc.fields,
                                     status=422)
        except files.ConflictError as exc:
            _, current = files.read_form(path, content) if _loads(path, content) else (
                None, files.version_token(path.read_bytes()))
            return self.page("studio_conflict.html.j2", request, status=409, slug=slug,
                             error=exc, mine=exc.refused.path.read_text("utf-8"),
                             theirs=exc.current, current_token=current,
                             role=data.get("role", ""))
        role = str(data.get("role", ""))
        return RedirectResponse(f"/departments/{slug}?saved=1" + (
            f"&role={role}" if role.replace("-", "").isalnum() else ""), status_code=303)

    async def show_role(self, request: Request) -> Response:
        """The editor for another role (the picker's ``show_role``), with the form as
        the browser holds it, saved or not: switching the role to preview never loses
        what was typed (the notes of every role travel with the form), with or
        without JavaScript. Nothing is written."""
        slug, path = self.slug_path(request)
        data = await self.posted(request)
        form = form_from_request(data)
        if self.foreign_logo(slug, path, form):
            form.logo = None  # only a logo of this department is shown
        return await self.editor(request, form=form, token=str(data.get("token", "")) or None,
                                 unsaved=True,
                                 role=str(data.get("show_role") or data.get("role") or ""))

    async def preview(self, request: Request) -> Response:
        slug, path = self.slug_path(request)
        data = await self.posted(request)
        client = session_id(request.scope) or (request.client.host if request.client else "")
        try:
            self.limiter.check(client)
        except AccessError as exc:
            return JSONResponse({"status": "limited", "message": say(self.language(),
                                                                      exc.say)}, status_code=429)
        content = self.contents.get()
        form = form_from_request(data)
        role = self.role_of(content, str(data.get("role", "")))
        refused = self.foreign_logo(slug, path, form)
        if refused:
            return JSONResponse(self._preview_json(slug, None, {"logo": [refused]}),
                                status_code=422)
        try:
            files._check_form(form)
        except files.FormError as exc:
            return JSONResponse(self._preview_json(slug, None, exc.fields), status_code=422)
        if form.logo:  # the draft lives elsewhere: its logo path must still lead here
            form.logo = str((path.parent / form.logo).resolve())
        text = files.render_yaml(form, content, path)
        preview = await run_in_threadpool(self.drafts.build, slug, role, text)
        if preview is None:
            return JSONResponse({"status": "superseded"})
        return JSONResponse(self._preview_json(slug, preview, preview.problems),
                            status_code=200 if preview.images else 422)

    def _preview_json(self, slug: str, preview: Preview | None,
                      problems: dict) -> dict[str, Any]:
        language = self.language()
        messages = {key: [say(language, localise(m)) for m in value]
                    for key, value in problems.items()}
        if preview is None or preview.images is None:
            return {"status": "failed", "problems": messages,
                    "message": say(language, localise(preview.message)) if preview else ""}
        spreads = _spreads(preview.pages)
        return {"status": "ok", "pages": preview.pages, "token": preview.token,
                "texts": list(preview.texts),
                "fullness": preview.fullness.as_json() if preview.fullness else None,
                "spreads": [[None if n is None else
                             f"/departments/{slug}/preview/{preview.token}-{n}.png"
                             for n in pair] for pair in spreads],
                "problems": messages}

    async def preview_image(self, request: Request) -> Response:
        self.slug_path(request)
        token, _, page = request.path_params["image"].rpartition("-")
        preview = self.drafts.previews.get(token)
        if preview is None or preview.images is None or not page.isdigit() or \
                not 1 <= int(page) <= preview.pages:
            return Response(status_code=404)
        try:
            width = max(120, min(1600, int(request.query_params.get("w", "640"))))
        except ValueError:
            width = 640
        png = await run_in_threadpool(preview.images.png, int(page) - 1, width, "trim")
        return Response(png, media_type="image/png",
                        headers={"Cache-Control": "private, max-age=600"})

    async def upload_logo(self, request: Request) -> Response:
        slug, path = self.slug_path(request)
        if int(request.headers.get("content-length") or 0) > MAX_UPLOAD + 64 * 1024:
            return await self._upload_refused(request, N_(
                "the file is {size:.1f} MB; a logo may be at most {limit} MB",
                size=int(request.headers["content-length"]) / 2**20, limit=MAX_UPLOAD // 2**20))
        data = await self.posted(request)
        upload = data.get("logo")
        if not isinstance(upload, UploadFile):
            return await self._upload_refused(request, N_("choose a file to upload"))
        raw = await upload.read(MAX_UPLOAD + 1)
        try:
            logo = await run_in_threadpool(check_upload, raw)
        except UploadError as exc:
            return await self._upload_refused(request, exc.say)
        content = self.contents.get()
        form, _ = files.read_form(path, content)
        token = str(data.get("token", "")) or None
        form.logo = await run_in_threadpool(store, self.departments, slug, logo)
        try:
            await run_in_threadpool(files.save, path, form, token, content)
        except files.ConflictError:
            return await self._upload_refused(request, N_(
                "the file changed since you opened it; reload the page and upload again"),
                status=409)
        except files.FormError as exc:
            return await self.editor(request, errors=exc.fields, status=422)
        return RedirectResponse(f"/departments/{slug}?saved=1", status_code=303)

    async def _upload_refused(self, request: Request, message: Message,
                              status: int = 422) -> Response:
        return await self.editor(request, errors={"logo": [message]}, status=status)

    async def logo(self, request: Request) -> Response:
        _, path = self.slug_path(request)
        content = self.contents.get()
        form, _ = files.read_form(path, content)
        if not form.logo:
            return Response(status_code=404)
        logo_file = (path.parent / form.logo).resolve()
        if not logo_file.is_relative_to(self.root.resolve()) or not logo_file.is_file():
            return Response(status_code=404)
        svg = logo_file.suffix.lower() == ".svg"
        return Response(logo_file.read_bytes(),
                        media_type="image/svg+xml" if svg else "image/png",
                        headers={"Content-Security-Policy": "default-src 'none'; "
                                 "style-src 'unsafe-inline'; sandbox",
                                 "Cache-Control": "no-store"})

    async def history(self, request: Request) -> Response:
        slug, path = self.slug_path(request)
        _, token = files.read_form(path, self.contents.get()) if _loads(
            path, self.contents.get()) else (None, files.version_token(path.read_bytes()))
        return self.page("studio_history.html.j2", request, slug=slug,
                         entries=files.list_history(path), token=token)

    async def history_entry(self, request: Request) -> Response:
        _, path = self.slug_path(request)
        try:
            entry = files.history_entry(path, request.path_params["entry"])
        except FolderBuilderError:
            return Response(status_code=404)
        return Response(entry.path.read_text("utf-8"), media_type="text/plain; charset=utf-8",
                        headers={"Content-Disposition": "inline", "Cache-Control": "no-store"})

    async def restore(self, request: Request) -> Response:
        slug, path = self.slug_path(request)
        data = await self.posted(request)
        token = str(data.get("token", "")) or None
        try:
            await run_in_threadpool(files.restore, path, str(data.get("entry", "")), token,
                                    self.contents.get())
        except files.ConflictError:
            return RedirectResponse(f"/departments/{slug}/history?conflict=1", status_code=303)
        except files.FormError as exc:
            return await self.editor(request, errors=exc.fields, status=422)
        except FolderBuilderError:
            return Response(status_code=404)
        return RedirectResponse(f"/departments/{slug}?saved=1", status_code=303)

    async def download(self, request: Request) -> Response:
        slug, path = self.slug_path(request)
        content = self.contents.get()
        kind = request.path_params["kind"]
        role = request.path_params["role"]
        if kind not in KINDS or role not in {r.id for r in content.roles if not r.shared}:
            return Response(status_code=404)
        client = session_id(request.scope) or ""
        try:
            self.limiter.check(client)
        except AccessError as exc:
            return HTMLResponse(say(self.language(), exc.say), status_code=429)
        variant = "screen" if kind == "a4" else kind
        try:
            pdf = await run_in_threadpool(self.drafts.run, slug, "deliver", role, str(path),
                                          variant, kind == "a4")
        except FolderBuilderError as exc:
            return await self.editor(request, errors={"form": [exc.report()]}, status=422)
        except WorkerError as exc:
            log.warning("download of %s: %s", slug, exc)
            return HTMLResponse(say(self.language(), INTERRUPTED), status_code=503)
        name = f"{role}--{slug}-{'a4' if kind == 'a4' else variant}.pdf"
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store"})

    async def link(self, request: Request) -> Response:
        request.state.grant.require(None)
        slug, _ = self.slug_path(request)
        await self.posted(request)
        base = self.base_url or f"{request.url.scheme}://{request.url.netloc}"
        return self.page("studio_link.html.j2", request, slug=slug,
                         link=self.keys.link(base, slug), public=self.public)

    def routes(self) -> list[Route]:
        return [
            Route("/departments", self.list_page, methods=["GET"]),
            Route("/departments", self.create, methods=["POST"]),
            Route("/departments/{slug}", self.editor, methods=["GET"]),
            Route("/departments/{slug}", self.save, methods=["POST"]),
            Route("/departments/{slug}/preview", self.preview, methods=["POST"]),
            Route("/departments/{slug}/show", self.show_role, methods=["POST"]),
            Route("/departments/{slug}/preview/{image}.png", self.preview_image),
            Route("/departments/{slug}/logo", self.logo, methods=["GET"]),
            Route("/departments/{slug}/logo", self.upload_logo, methods=["POST"]),
            Route("/departments/{slug}/history", self.history),
            Route("/departments/{slug}/history/{entry}", self.history_entry),
            Route("/departments/{slug}/restore", self.restore, methods=["POST"]),
            Route("/departments/{slug}/download/{role}/{kind}", self.download),
            Route("/departments/{slug}/link", self.link, methods=["POST"]),
        ]


class _NotFound(Exception):
    def __init__(self, message: Message) -> None:
        super().__init__(str(message))
        self.say = message


def _loads(path: Path, content: Content) -> bool:
    try:
        files.read_form(path, content)
    except FolderBuilderError:
        return False
    return True


async def _form_value(request: Request, name: str) -> str | None:
    if request.method != "POST":
        return None
    with contextlib.suppress(Exception):
        data = await request.form()
        value = data.get(name)
        return str(value) if isinstance(value, str) else None
    return None


def _spreads(pages: int) -> list[tuple[int | None, int | None]]:
    """The cover alone on the right, then spreads, as the reader holds the leaflet."""
    rows: list[tuple[int | None, int | None]] = [(None, 1)] if pages else []
    page = 2
    while page <= pages:
        rows.append((page, page + 1 if page + 1 <= pages else None))
        page += 2
    return rows


def install(app, coordinator: Any, content_root: Path, keys: Keys, *, public: bool = False,
            base_url: str | None = None, check_host: bool = False,
            limiter: RateLimiter | None = None, pool: WorkerPool | None = None) -> Studio:
    """Add the studio's routes and the guard to the proof view's app."""
    from .guard import Guard

    studio = Studio(coordinator, content_root, keys, public=public, base_url=base_url,
                    limiter=limiter, pool=pool)
    app.router.routes[0:0] = studio.routes()

    async def refused(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status", 404)
        message = say(studio.language(), getattr(exc, "say", str(exc)))
        return HTMLResponse(
            f'<!doctype html><meta charset="utf-8"><link rel="stylesheet" '
            f'href="/static/studio.css"><main class="refused"><h1>{status}</h1>'
            f'<p data-refused>{_escape(message)}</p></main>', status_code=status)

    app.add_exception_handler(AccessError, refused)
    app.add_exception_handler(_NotFound, refused)
    app.add_middleware(Guard, keys=keys, public=public, language=studio.language,
                       check_host=check_host)
    app.state.studio = studio
    import atexit

    atexit.register(studio.drafts.close)  # the drafts' temporary folder
    return studio


def _escape(text: str) -> str:
    import html

    return html.escape(text)

