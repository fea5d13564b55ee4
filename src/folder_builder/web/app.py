"""The proof view: a Starlette app that shows the folder and every leaflet as spreads.

Routes (the README documents them and the page's data-* contract):

==============================  ===============================================
``/``                           the folder's proof
``/leaflet/ROLE[/DEPARTMENT]``  a leaflet's proof
``/proof/KEY``                  the proof's changing part (a page that missed a build
                                fetches it; the event of a finished build carries it)
``/events/KEY``                 server-sent events: the view's build state, and with a
                                finished build the page's changing part
``/page/TOKEN.png?w=&box=``     one page image (PNG), immutable
``/report/KEY``                 the full preflight report of the current build
``/download/VARIANT/KEY``       the print or screen PDF, built as the CLI builds it
==============================  ===============================================

KEY names a view (``folder@print``, ``leaflet/chef/DEPT@screen``; see builds.View).
The app never writes a file: builds happen in memory, on the coordinator's
worker thread (builds.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from ..errors import FolderBuilderError, Problem
from ..paths import BUNDLED_CONTENT, BUNDLED_FONTS
from ..templates import layout_dirs
from .builds import VARIANTS, Coordinator, View, ViewState
from .pages import BOXES, WIDTHS
from .wording import say

_HERE = Path(__file__).resolve().parent
#: The safe area: text and logos should stay this far inside the trim (mm), the
#: usual margin print shops ask for against the cutting tolerance.
SAFE_MM = 5.0
#: How long the server waits for the folder's first proof before it announces itself
#: anyway (the page then shows that the build is under way).
READY_TIMEOUT_S = 60.0
#: How often an idle event stream sends a comment, so proxies keep it open (s).
KEEPALIVE_S = 15.0
#: Widths offered to the browser for the spread images and for the zoomed page.
SPREAD_WIDTHS = tuple(w for w in WIDTHS if w <= 1600)
ZOOM_WIDTHS = tuple(w for w in WIDTHS if w >= 800)


def _templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_HERE / "templates"),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True,
        lstrip_blocks=True)
    env.globals["say"] = say
    return env


class _Streams:
    """The open event streams, by view; fed from the worker thread."""

    def __init__(self) -> None:
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queues: dict[View, set[asyncio.Queue]] = {}
        self.closing = threading.Event()

    def tell(self, state: ViewState) -> None:
        loop = self.loop
        if loop is None:
            return
        for queue in list(self.queues.get(state.view, ())):
            with contextlib.suppress(RuntimeError):  # the loop has closed
                loop.call_soon_threadsafe(queue.put_nowait, state.event())


def create_app(content: Path | None = None, layouts: Path | None = None, *,
               watch: bool = True, session_factory: Callable[[], Any] | None = None,
               printed: Path | None = None,
               on_ready: Callable[[], None] | None = None,
               allowed_hosts: tuple[str, ...] | None = None,
               public: bool = False, keys: Any = None, base_url: str | None = None,
               workers: int = 0) -> Starlette:
    """The proof app for a content folder (default: the bundled one).

    ``watch`` starts the file watcher; ``session_factory`` makes the build session
    (default: the core's Session for ``content`` and ``layouts``). ``printed`` is
    where the printed editions' manifests are (default: ``build/``, where the CLI
    writes them). ``on_ready`` is called once the folder's first proof is built (or
    has failed), so that the server announces its address when the proof is there.
    ``allowed_hosts`` are the only Host headers answered (the server passes its
    loopback names: a web page elsewhere cannot reach the proof by DNS rebinding).
    ``public`` (a non-loopback host) makes every page need a key from ``keys``
    (access.Keys); ``base_url`` is the address department links are made with.
    ``workers`` is how many build processes the studio's proofs and downloads are
    spread over (workers.py; 0: none, they are built on the proof view's worker
    thread).
    """
    from .builds import open_session
    from .watcher import Watcher

    content_dir = (content or BUNDLED_CONTENT).resolve()
    factory = session_factory or (lambda: open_session(content_dir, layouts))
    manifests = (printed or Path("build")).resolve()

    def since(view: View, texts: Callable[[], tuple[str, ...]], session: Any
              ) -> tuple[Any, ...] | None:
        from ..changes import compare, manifest_path, read_manifest, watched_folders

        folder = manifests if view.product == "folder" else manifests / "leaflets"
        path = manifest_path(folder / view.download_name("print"))
        if not path.is_file():
            return None
        return tuple(compare(read_manifest(path), session.content, None,
                             watched_folders(layouts), texts=texts()))

    coordinator = Coordinator(factory, warm=(View("folder", "print"),), since=since)
    streams = _Streams()
    coordinator.add_listener(streams.tell)
    env = _templates()
    watcher = Watcher([content_dir, *layout_dirs(layouts), BUNDLED_FONTS],
                      coordinator.files_changed) if watch else None
    pool = None
    if workers > 0 and session_factory is None:
        from .workers import WorkerPool

        pool = WorkerPool(content_dir, layouts, workers)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        streams.loop = asyncio.get_running_loop()
        coordinator.start()
        if watcher:
            watcher.start()
        if on_ready is not None:
            await run_in_threadpool(coordinator.wait_ready, READY_TIMEOUT_S,
                                    streams.closing.is_set)
            if not streams.closing.is_set():
                on_ready()
        if pool is not None:
            # After the folder's first proof, which the two cores would otherwise
            # share with the workers opening their sessions (a studio request before
            # this starts them itself).
            pool.start()
        try:
            yield
        finally:
            streams.closing.set()
            if pool is not None:
                pool.stop()
            if watcher:
                watcher.stop()
            await run_in_threadpool(coordinator.stop)

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    def view_of(request: Request) -> View:
        """The view a proof page's address and query name; 400/404 when there is none."""
        variant = request.query_params.get("variant", "print")
        if variant not in VARIANTS:
            raise HTTPException(400, say("error_variant", variant=variant,
                                         known=", ".join(VARIANTS)))
        role = request.path_params.get("role")
        department = request.path_params.get("department")
        view = View("leaflet" if role else "folder", variant, role, department)
        _known(view)
        return view

    def view_of_key(key: str) -> View:
        try:
            view = View.from_key(key)
        except ValueError:
            raise HTTPException(404, say("error_view", key=key)) from None
        _known(view)
        return view

    def _known(view: View) -> None:
        """404 for a role or department the content does not have (once it is loaded)."""
        if coordinator.session_info() is None or view.product == "folder":
            return
        menu = coordinator.menu  # read after: set before the session is published
        if view.role not in {r for r, _ in menu.roles}:
            raise HTTPException(404, say("error_role", role=view.role,
                                         known=", ".join(r for r, _ in menu.roles)))
        if view.department and view.department not in {d for d, _ in menu.departments}:
            raise HTTPException(404, say("error_department", department=view.department,
                                         known=", ".join(d for d, _ in menu.departments)))

    def options_of(request: Request, view: View) -> dict[str, Any]:
        box = request.query_params.get("box", "trim")
        if box not in BOXES or view.variant == "screen":
            box = "trim"
        return {"box": box,
                "trimbox": request.query_params.get("trimbox") == "1",
                "safe": request.query_params.get("safe") == "1"}

    def title(view: View) -> str:
        """What the page shows, in words: the product, and for a leaflet its role and
        department by name."""
        if view.product == "folder":
            return say("title_folder")
        menu = coordinator.menu
        role = dict(menu.roles).get(view.role or "", view.role)
        if view.department:
            department = dict(menu.departments).get(view.department, view.department)
            return say("title_leaflet_department", role=role, department=department)
        return say("title_leaflet", role=role)

    def context(view: View, state: ViewState, options: dict[str, Any]) -> dict[str, Any]:
        proof = state.proof
        failure = state.failure if state.status == "failed" else None
        fit = failure.proof if failure is not None else None
        query = urlencode({k: ("1" if v is True else v) for k, v in options.items()
                           if v not in (False, "trim")})
        return {
            "view": view, "state": state, "proof": proof, "failure": failure,
            "title": title(view),
            "problems": _grouped([_problem(p, coordinator.content_root)
                                  for p in failure.problems]) if failure else [],
            "fit": fit, "fit_tokens": [f"fit{failure.build_id}-{n}" for n in
                                       range(1, fit.pages + 1)] if fit and failure else [],
            "options": options, "query": query, "menu": coordinator.menu,
            "spreads": _spreads(proof.pages) if proof else [],
            "fit_spreads": _spreads(fit.pages) if fit else [],
            "spread_widths": SPREAD_WIDTHS, "zoom_widths": ZOOM_WIDTHS,
            "safe_mm": SAFE_MM, "variants": VARIANTS,
            "since_pages": {page for change in (proof.since or ()) if change.kind != "removed"
                            for page in change.pages} if proof else set(),
        }

    async def proof_page(request: Request) -> Response:
        view = view_of(request)
        state = coordinator.state(view)
        return page("proof.html.j2", **context(view, state, options_of(request, view)))

    async def proof_part(request: Request) -> Response:
        view = view_of_key(request.path_params["key"])
        state = coordinator.state(view)
        return page("_proof.html.j2", **context(view, state, options_of(request, view)))

    async def events(request: Request) -> Response:
        view = view_of_key(request.path_params["key"])
        # The stream's query is the page's: a finished build's event carries the
        # page's changing part as the page would fetch it (one round trip less
        # between a save and its pages shown).
        options = options_of(request, view)
        queue: asyncio.Queue = asyncio.Queue()
        streams.queues.setdefault(view, set()).add(queue)
        coordinator.watch(view)
        queue.put_nowait(coordinator.state(view).event())

        async def stream() -> AsyncIterator[str]:
            idle, first = 0.0, True
            try:
                yield "retry: 1000\n\n"
                while not streams.closing.is_set():
                    try:
                        event = await asyncio.wait_for(queue.get(), timeout=0.5)
                    except TimeoutError:
                        idle += 0.5
                        if idle >= KEEPALIVE_S:
                            idle = 0.0
                            yield ": keep-alive\n\n"
                        continue
                    idle = 0.0
                    # Not with the state the page opened in: it shows that already
                    # (a page that missed a build fetches its part).
                    if event["status"] != "building" and not first:
                        event = {**event, "part": env.get_template("_proof.html.j2").render(
                            **context(view, coordinator.state(view), options))}
                    first = False
                    yield f"event: state\ndata: {json.dumps(event)}\n\n"
            finally:
                streams.queues.get(view, set()).discard(queue)
                coordinator.unwatch(view)

        return StreamingResponse(stream(), media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store",
                                          "X-Accel-Buffering": "no"})

    async def page_image(request: Request) -> Response:
        token = request.path_params["token"]
        source = coordinator.image_source(token)
        if source is None:
            raise HTTPException(404, say("error_image"))
        images, index = source
        try:
            width = int(request.query_params.get("w", "640"))
        except ValueError:
            raise HTTPException(400, say("error_width")) from None
        box = request.query_params.get("box", "trim")
        if box not in BOXES or width < 1:
            raise HTTPException(400, say("error_box"))
        png = await run_in_threadpool(images.png, index, width, box)
        coordinator.note_size(token, width, box)
        return Response(png, media_type="image/png",
                        headers={"Cache-Control": "public, max-age=31536000, immutable"})

    async def report(request: Request) -> Response:
        view = view_of_key(request.path_params["key"])
        state = coordinator.state(view)
        return page("report.html.j2", view=view, state=state, proof=state.proof,
                    menu=coordinator.menu, title=title(view))

    async def download(request: Request) -> Response:
        variant = request.path_params["variant"]
        if variant not in VARIANTS:
            raise HTTPException(404, say("error_variant", variant=variant,
                                         known=", ".join(VARIANTS)))
        view = view_of_key(request.path_params["key"])

        def deliver(session: Any) -> bytes:
            return session.build(view.product, variant=variant, role=view.role,
                                 department=view.department, deliver=True).pdf

        try:
            pdf = await run_in_threadpool(coordinator.call, deliver)
        except FolderBuilderError as exc:
            problems = [_problem(p, coordinator.content_root) for p in exc.problems]
            return page("error.html.j2", status=422, title=say("download_failed"),
                        message=exc.message, problems=problems, menu=coordinator.menu)
        name = view.download_name(variant)
        return Response(pdf, media_type="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store"})

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 500)
        detail = getattr(exc, "detail", "") or say("error_not_found")
        return page("error.html.j2", status=status, title=say("error_title"),
                    message=detail, problems=[], menu=coordinator.menu)

    app = Starlette(
        routes=[
            Route("/", proof_page),
            Route("/leaflet/{role}", proof_page),
            Route("/leaflet/{role}/{department}", proof_page),
            Route("/proof/{key:path}", proof_part),
            Route("/events/{key:path}", events),
            Route("/page/{token}.png", page_image),
            Route("/report/{key:path}", report),
            Route("/download/{variant}/{key:path}", download),
            Mount("/static", StaticFiles(directory=_HERE / "static"), name="static"),
        ],
        lifespan=lifespan,
        exception_handlers={HTTPException: not_found},
        middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))]
        if allowed_hosts else None,
    )
    app.state.coordinator = coordinator
    app.state.streams = streams
    app.state.watcher = watcher
    app.state.pool = pool
    # The department studio (studio.py) and the guard in front of every route
    # (guard.py): keys and a public host come from serve --host.
    from .access import LocalKeys
    from .studio import install

    install(app, coordinator, content_dir, keys or LocalKeys(), public=public,
            base_url=base_url, check_host=False, pool=pool)
    return app


def _spreads(pages: int) -> list[tuple[int | None, int | None]]:
    """Pages as the reader holds them: the cover alone on the right, then spreads
    (an even page on the left, the next odd one on the right), and the back cover
    alone on the left when the count is even."""
    rows: list[tuple[int | None, int | None]] = [(None, 1)] if pages else []
    page = 2
    while page <= pages:
        right = page + 1 if page + 1 <= pages else None
        rows.append((page, right))
        page += 2
    return rows


#: How many problems under one headline are listed before the rest are folded away.
SHOWN_PER_GROUP = 3


def _grouped(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The problems as the page lists them, in groups: a headline ("… by about that
    much:") and what follows it. Of the pieces of content a section pushed past the
    plan (a dozen lines that say the same), the first SHOWN_PER_GROUP are listed and
    the rest folded; everything else is listed."""
    groups: list[dict[str, Any]] = []
    for problem in problems:
        headline = problem["headline"]
        if headline or not groups:
            groups.append({"head": problem if headline else None, "shown": [], "more": [],
                           "after": []})
            if headline:
                continue
        group = groups[-1]
        if not problem["pushed"]:
            group["after" if group["more"] else "shown"].append(problem)
        elif group["head"] is not None and sum(p["pushed"] for p in group["shown"]) >= \
                SHOWN_PER_GROUP:
            group["more"].append(problem)
        else:
            group["shown"].append(problem)
    for group in groups:
        if len(group["more"]) == 1:  # folding one line saves nothing
            group["shown"] += group["more"]
            group["more"] = []
    return groups


def _problem(problem: Problem, root: Path | None) -> dict[str, Any]:
    """A problem for the page: the file relative to the content folder, line, field,
    and the message in the page's language where its kind is known (loader_messages:
    the fit guard's, the plan's, the loader's for a department), else as the core
    wrote it; what kind of line it is in a fit failure's list is read from the core's
    wording (_grouped)."""
    from ..overflow import PAST_THE_PLAN
    from .i18n import Message
    from .loader_messages import localise
    from .wording import DEFAULT_LANGUAGE

    where = ""
    if problem.path is not None:
        path = Path(problem.path)
        try:
            where = str(path.resolve().relative_to(root.resolve())) if root else str(path)
        except ValueError:
            where = str(path)
    shown = localise(problem.message)
    message = shown.translate(DEFAULT_LANGUAGE) if isinstance(shown, Message) \
        else problem.message
    if root is not None:  # a file named in the message too, as in the file column
        for prefix in dict.fromkeys((f"{root.resolve()}/", f"{root}/")):
            message = message.replace(prefix, "")
    return {"file": where, "line": problem.line, "field": problem.field or "",
            "message": message,
            "headline": problem.message.endswith(":"),
            "pushed": problem.message.endswith(PAST_THE_PLAN)}
