"""The build coordinator: one warm Session, one worker thread, the last good proof.

The web app never builds in a request. Everything that builds goes through one
``Coordinator``, which owns the Session (a Session is used from one thread at a
time) and runs every build on its own worker thread, so builds are serialised.
Saves are turned into builds like this:

- the watcher reports changed files; the coordinator marks every view stale and
  wakes the worker, which first lets the session re-read what changed;
- a burst of saves makes one build: changes that arrive while the worker is
  waiting or building are merged into the next round;
- a build that is overtaken by a newer save is dropped (its result is never
  shown) and the worker starts over with the newest files: nothing is queued;
- only the views someone is looking at are rebuilt; the others are rebuilt when
  they are next opened;
- a failed build keeps the last good proof of that view, shown dimmed under the
  problems;
- Python's cycle collector is run when the worker has had nothing to do for a
  second after builds, so that a full collection of their garbage (0.1-0.15 s)
  does not land inside the next build, one save in ten; the first builds'
  garbage before the server says it is ready (wait_ready). What is left is
  frozen until the next such collection (settle), so that the collections
  Python starts by itself during builds walk only what those builds made.

Listeners (the app's server-sent-event streams) are told of every change of a
view's state, from the worker thread.
"""

from __future__ import annotations

import gc
import itertools
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..collector import Collector
from ..errors import ContentError, FitError, FolderBuilderError, Problem
from .pages import PageImages

log = logging.getLogger("folder_builder.web")

PRODUCTS = ("folder", "leaflet")
VARIANTS = ("print", "screen")
#: The page image a desktop browser (1 device pixel per CSS pixel) asks for first.
FIRST_SIZE = (480, "trim")
#: How long a view stays wanted after its page was opened without an event stream
#: (the page opens its stream right after it loads), unless a page of another view
#: is opened in the meantime (the browser moved on).
INTEREST_S = 30.0
#: How long the worker waits with nothing to do before it looks again (and, after
#: builds, lets Python collect their garbage).
IDLE_S = 1.0
@dataclass(frozen=True)
class View:
    """What one proof page shows: a product, a variant, and for a leaflet its role
    and optionally its department (ids)."""

    product: str = "folder"
    variant: str = "print"
    role: str | None = None
    department: str | None = None

    @property
    def path(self) -> str:
        """The page's address: "/", "/leaflet/ROLE" or "/leaflet/ROLE/DEPARTMENT"."""
        if self.product == "folder":
            return "/"
        return "/leaflet/" + "/".join(p for p in (self.role, self.department) if p)

    @property
    def key(self) -> str:
        """The view in one string, for addresses of its stream, report and images."""
        return f"{self.path.strip('/') or 'folder'}@{self.variant}"

    @classmethod
    def from_key(cls, key: str) -> View:
        """The inverse of ``key``; raises ValueError for a key no view has."""
        where, _, variant = key.partition("@")
        parts = where.split("/")
        if variant not in VARIANTS:
            raise ValueError(key)
        if parts == ["folder"]:
            return cls("folder", variant)
        if parts[0] == "leaflet" and 2 <= len(parts) <= 3 and all(parts[1:]):
            return cls("leaflet", variant, parts[1], parts[2] if len(parts) == 3 else None)
        raise ValueError(key)

    def with_variant(self, variant: str) -> View:
        return View(self.product, variant, self.role, self.department)

    def download_name(self, variant: str) -> str:
        """The file name the CLI gives the same PDF."""
        if self.product == "folder":
            return f"folder-{variant}.pdf"
        middle = f"--{self.department}" if self.department else ""
        return f"{self.role}{middle}-{variant}.pdf"


@dataclass(frozen=True)
class Proof:
    """One good build of a view, as the browser is shown it."""

    build_id: int
    view: View
    pdf: bytes
    pages: int
    #: 1-based pages that differ from the proof shown before this one
    changed: frozenset[int]
    #: per page, the token of its image: it stays the same while the page does, so a
    #: browser fetches only the images of pages that changed
    tokens: tuple[str, ...]
    report_passed: bool
    report_text: str
    report_failures: tuple[str, ...]
    landings: dict[str, tuple[int, int]]
    images: PageImages
    #: the view's first proof: nothing to compare with, so no page is marked changed
    first: bool = False
    #: the changes since the printed edition (changes.Change), None without a manifest
    since: tuple[Any, ...] | None = None
    built_at: float = field(default_factory=time.time)


@dataclass(frozen=True)
class Failure:
    """Why the latest build of a view failed: the message, each problem located, and
    for a section that overflows, the fit guard's proof PDF if the core made one."""

    build_id: int
    message: str
    problems: tuple[Problem, ...]
    proof: PageImages | None = None


@dataclass
class ViewState:
    """Where one view stands."""

    view: View
    status: str = "building"  # "building" | "ok" | "failed"
    build_id: int = 0
    proof: Proof | None = None
    failure: Failure | None = None
    generation: int = -1  # the generation of the files the state was built from
    #: pages changed by builds that were overtaken, shown with the next one
    carried: set[int] = field(default_factory=set)

    def event(self) -> dict[str, Any]:
        """What an event stream sends about this view."""
        return {
            "view": self.view.key,
            "status": self.status,
            "build_id": self.build_id,
            "changed": sorted(self.proof.changed) if self.proof and self.status == "ok" else [],
        }


Listener = Callable[[ViewState], None]
SessionFactory = Callable[[], Any]


class Coordinator:
    """Owns the session and runs every build on one worker thread (see the module)."""

    def __init__(self, session_factory: SessionFactory, *, warm: tuple[View, ...] = (),
                 since: Callable[[View, Callable[[], tuple[str, ...]], Any],
                                 tuple[Any, ...] | None] | None = None
                 ) -> None:
        """``since(view, texts, session)`` gives the changes since the printed edition
        of a view, run on the worker after each good build; ``texts()`` gives the
        proof's page texts (changes.page_texts) if it needs them."""
        self._factory = session_factory
        self._since = since
        self._session: Any = None
        self._session_failure: Failure | None = None
        self._cond = threading.Condition()
        self._generation = 0
        self._dirty = True  # the session is opened by the worker, like every refresh
        self._states: dict[View, ViewState] = {}
        self._streams: dict[View, int] = {}
        self._opened: dict[View, float] = {}
        self._jobs: list[tuple[Callable[[], Any], Future]] = []
        self._listeners: list[Listener] = []
        self._sizes: dict[View, set[tuple[int, str]]] = {}
        self._warm = frozenset(warm)
        self._ids = itertools.count(1)
        self._stop = False
        #: builds ran since the garbage was last collected (_run)
        self._garbage = False
        #: freezes what is alive before each build, collects the garbage (_before_build)
        self._collector = Collector()
        self.menu = Menu()
        self.content_root: Path | None = None
        self._thread = threading.Thread(target=self._run, name="folder-builder-builds",
                                        daemon=True)
        for view in warm:
            self._opened[view] = time.monotonic()
            self._states[view] = ViewState(view)

    # --- what the app calls ------------------------------------------------------

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Stop the worker (called on shutdown): at once when it waits, else after the
        build it is in, but the server waits at most ``timeout`` seconds for that. The
        thread is a daemon and a build writes nothing, so a build still running when
        the process exits is simply abandoned: Ctrl-C does not wait for a folder."""
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout=timeout)
        gc.unfreeze()  # what settle() froze is Python's to collect again

    def wait_ready(self, timeout: float, cancelled: Callable[[], bool] = lambda: False
                   ) -> bool:
        """Wait until every view asked for at start has been built once (or failed);
        False if that took longer than ``timeout`` seconds or ``cancelled()`` said so
        (Ctrl-C while starting). Once they are, the garbage of those first builds is
        collected before this returns, while nobody looks yet: left to the idle
        worker, that collection landed in the first visitor's page load a second
        later (the folder's cold open: 1.04-1.18 s before, 1.35-1.61 s with it)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while any(state.generation < 0 for state in self._states.values()):
                left = deadline - time.monotonic()
                if left <= 0 or self._stop or cancelled():
                    return False
                self._cond.wait(timeout=min(left, 0.5))
        self._collector.settle()
        with self._cond:
            self._garbage = False
        return True

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def state(self, view: View) -> ViewState:
        """The view's state now; opening a view makes it wanted (built if stale).

        Views opened before it that have no event stream are no longer wanted: their
        page was left before it connected (a browser moving from the folder to a
        leaflet), or cannot follow a build anyway (no JavaScript: it asks again when
        reloaded). Rebuilding them on every save would take the two cores from the
        view that is looked at, just as its changed pages are asked for."""
        with self._cond:
            for other in [v for v in self._opened if v != view and not self._streams.get(v)]:
                del self._opened[other]
            self._opened[view] = time.monotonic()
            state = self._states.setdefault(view, ViewState(view))
            if state.generation < self._generation or state.proof is None:
                self._cond.notify_all()
            return state

    def watch(self, view: View) -> None:
        """An event stream opened for ``view``: keep it built while the stream lasts."""
        with self._cond:
            self._streams[view] = self._streams.get(view, 0) + 1
            self._states.setdefault(view, ViewState(view))
            self._cond.notify_all()

    def unwatch(self, view: View) -> None:
        """An event stream closed: once none is left, nobody is looking at ``view``
        any more (the page was closed or left), so it is no longer rebuilt."""
        with self._cond:
            self._streams[view] = max(0, self._streams.get(view, 0) - 1)
            if not self._streams[view]:
                self._opened.pop(view, None)

    def files_changed(self, paths: set[Path] | frozenset[Path] = frozenset()) -> None:
        """Some watched files changed: every view is stale from now on."""
        with self._cond:
            self._generation += 1
            self._dirty = True
            self._cond.notify_all()
        log.info("changed: %s", ", ".join(sorted(str(p) for p in paths)) or "(files)")

    def call(self, fn: Callable[[Any], Any], timeout: float = 300) -> Any:
        """Run ``fn(session)`` on the worker (between builds) and return its result;
        used for downloads, which must not run beside a proof build. Raises what
        ``fn`` raised, or the session's own failure if it cannot be opened."""
        future: Future = Future()
        with self._cond:
            self._jobs.append((fn, future))
            self._cond.notify_all()
        return future.result(timeout=timeout)

    def session_info(self) -> Any:
        """The loaded session (None until it has opened once)."""
        return self._session

    # --- the worker --------------------------------------------------------------

    def _wanted(self, view: View, now: float) -> bool:
        return self._streams.get(view, 0) > 0 or now - self._opened.get(view, -1e9) < INTEREST_S

    def _stale(self) -> View | None:
        """The wanted view to build next: the one opened most recently."""
        now = time.monotonic()
        stale = [v for v, s in self._states.items()
                 if self._wanted(v, now) and (s.generation < self._generation)]
        return max(stale, key=lambda v: self._opened.get(v, 0.0), default=None)

    def _work(self) -> bool:
        return bool(self._jobs or self._dirty or self._stale())

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._stop and not self._work():
                    if not self._cond.wait(timeout=IDLE_S) and self._garbage:
                        break  # idle: collect the garbage of the builds before
                if self._stop:
                    self._fail_jobs()
                    return
                if not self._work():
                    self._garbage = False
                    collect = True
                else:
                    self._garbage, collect = True, False
                    job = self._jobs.pop(0) if self._jobs and not self._dirty else None
                    refresh, self._dirty = self._dirty, False
                    generation = self._generation
            if collect:
                # Python's full collection of what builds left behind took 0.1-0.15 s;
                # done here, while nobody waits, it no longer lands inside a build.
                self._collector.settle()
                continue
            try:
                if refresh:
                    self._refresh(generation)
                elif job is not None:
                    self._run_job(*job)
                else:
                    view = self._stale()
                    if view is not None:
                        self._build(view, generation)
            except Exception:  # a bug: keep serving, say what happened
                if self._stop:
                    # Stopping, and not waited for (stop()): what the build used may
                    # be torn down under it as the process exits; nothing to say.
                    return
                log.exception("the build worker hit an internal error")
                time.sleep(0.2)

    def _fail_jobs(self) -> None:
        for _, future in self._jobs:
            future.set_exception(RuntimeError("the server is stopping"))
        self._jobs.clear()

    def _run_job(self, fn: Callable[[Any], Any], future: Future) -> None:
        if self._session is None or self._session_failure is not None:
            # Never deliver the last good state of content that is broken now.
            future.set_exception(_session_error(self._session_failure))
            return
        try:
            future.set_result(fn(self._session))
        except BaseException as exc:
            future.set_exception(exc)

    def _refresh(self, generation: int) -> None:
        """Open the session, or let it re-read the files that changed."""
        try:
            if self._session is None:
                session = self._factory()
                # The menu first: a request that sees the session loaded must also
                # see its roles and departments (else a real role reads as unknown).
                self.menu = _menu(session)
                self.content_root = Path(session.content.root)
                self._session = session
                changed: frozenset = frozenset({"*"})
            else:
                changed = self._session.refresh()
        except FolderBuilderError as exc:
            self._session_failure = self._failure(exc)
            with self._cond:
                states = list(self._states.values())
                for state in states:
                    state.status, state.failure = "failed", self._session_failure
                    state.build_id = self._session_failure.build_id
                    state.generation = generation
            for state in states:
                self._tell(state)
            return
        recovered = self._session_failure is not None
        self._session_failure = None
        self.menu = _menu(self._session)
        self.content_root = Path(self._session.content.root)
        if not changed and not recovered:
            # Nothing the build reads changed (an editor touched a file): what is
            # shown is still true.
            with self._cond:
                for state in self._states.values():
                    if state.status == "ok" and state.generation < generation:
                        state.generation = generation

    def _build(self, view: View, generation: int) -> None:
        with self._cond:
            state = self._states[view]
            if self._session is None or self._session_failure is not None:
                # The content itself does not load: every view shows why.
                failure = self._session_failure or Failure(0, "", ())
                state.status, state.failure, state.build_id = "failed", failure, \
                    failure.build_id
                state.generation = generation
            else:
                state.status = "building"
        self._tell(state)
        if state.status == "failed":
            return
        started = time.perf_counter()
        proof, before = None, state.proof
        self._before_build()
        try:
            result = self._session.build(view.product, variant=view.variant, role=view.role,
                                         department=view.department, strict=False)
            failure = None
        except FolderBuilderError as exc:
            failure, result = self._failure(exc), None
        if result is not None and not self._overtaken(generation):
            # Outside the lock: only this thread writes a state's proof.
            proof = self._proof(view, state, result)
            if before is None:
                # The first proof: its pages ready before anyone is told (wait_ready).
                self._prerender(proof, before)
        with self._cond:
            if self._overtaken(generation):
                # Overtaken by a newer save: drop it, but remember which pages it
                # changed, so that the proof shown next marks them too.
                if result is not None:
                    state.carried |= set(_changed(result))
                log.info("build of %s overtaken, dropped", view.key)
                return
            state.generation = generation
            if failure is not None:
                state.status, state.failure, state.build_id = "failed", failure, failure.build_id
            elif proof is not None:
                state.proof, state.carried = proof, set()
                state.status, state.failure, state.build_id = "ok", None, proof.build_id
        log.info("built %s in %.3f s: %s", view.key, time.perf_counter() - started,
                 state.status)
        self._tell(state)
        if proof is not None and before is not None and state.proof is proof:
            # Told first: the browsers' requests for the changed pages then find them
            # being rendered here (PDFium and PNG encoding let the server answer
            # meanwhile), not waiting for the announcement.
            self._prerender(proof, before)

    def _before_build(self) -> None:
        """What Python's collector holds now is frozen, so that a full collection it
        starts inside this build walks only what the build makes: one build in five
        held one, 0.08-0.1 s, walking everything the earlier builds made. Their
        garbage is collected at the next idle second (settle); after UNSETTLED_BUILDS
        builds with no idle second between them (saves back to back), here
        (collector.py)."""
        self._collector.before_build()

    def _overtaken(self, generation: int) -> bool:
        """Whether files changed since the build of ``generation`` began."""
        return self._generation != generation or self._dirty

    def note_size(self, token: str, width: int, box: str) -> None:
        """A browser asked for a page image this size: render the changed pages of later
        builds at it before they are announced, so that they are ready when asked."""
        with self._cond:
            for state in self._states.values():
                if state.proof is not None and token in state.proof.tokens:
                    sizes = self._sizes.setdefault(state.view, set())
                    if len(sizes) < 8:
                        sizes.add((width, box))
                    return

    def _prerender(self, proof: Proof, before: Proof | None) -> None:
        """Render the changed pages at the sizes browsers asked for (right after the
        build is announced, while the browsers take in the news); for the first proof
        of a view opened at start, every page at the size a desktop screen asks for,
        so that the first browser to open the address finds them ready."""
        if before is None:
            sizes = {FIRST_SIZE} if proof.view in self._warm else set()
        else:
            sizes = self._sizes.get(proof.view, set())
        for width, box in sorted(sizes):
            for page in sorted(proof.changed):
                if self._stop:  # the server is stopping: nobody will look
                    return
                proof.images.png(page - 1, width, box)

    def _proof(self, view: View, state: ViewState, result: Any) -> Proof:
        build_id = next(self._ids)
        before = state.proof
        changed = set(_changed(result)) | state.carried
        if before is None or before.pages != result.pages:
            changed = set(range(1, result.pages + 1))
        images = PageImages(result.pdf, before=before.images if before else None,
                            changed=frozenset(changed))
        tokens = tuple(
            f"{build_id}-{page}" if page in changed or before is None else before.tokens[page - 1]
            for page in range(1, result.pages + 1))
        report = result.report
        failures = tuple(f"{f.name}: {f.detail}" for f in getattr(report, "failures", ()))
        return Proof(
            build_id=build_id, view=view, pdf=result.pdf, pages=result.pages,
            changed=frozenset(changed), tokens=tokens,
            report_passed=bool(getattr(report, "passed", True)),
            report_text=report.format() if hasattr(report, "format") else str(report),
            report_failures=failures, landings=dict(getattr(result, "landings", {})),
            images=images, first=before is None,
            since=self._changes_since(view, images, frozenset(changed), before))

    def _changes_since(self, view: View, images: PageImages, changed: frozenset[int],
                       before: Proof | None) -> tuple[Any, ...] | None:
        if self._since is None:
            return None
        try:
            # The page texts are wanted only where there is a printed edition to
            # compare with; then those of the unchanged pages are the last proof's.
            return self._since(view, lambda: images.texts(
                changed, before.images if before is not None else None), self._session)
        except FolderBuilderError as exc:  # a damaged manifest: say so, keep the proof
            log.warning("changes since the printed edition: %s", exc.message)
            return None

    def _failure(self, exc: FolderBuilderError) -> Failure:
        proof = None
        if isinstance(exc, FitError):
            pdf = _fit_proof(exc)
            if pdf:
                proof = PageImages(pdf)
        problems = exc.problems or (Problem(exc.message),)
        return Failure(next(self._ids), exc.message, tuple(problems), proof)

    def _tell(self, state: ViewState) -> None:
        with self._cond:
            self._cond.notify_all()
        for listener in self._listeners:
            try:
                listener(state)
            except Exception:
                log.exception("an event listener failed")

    # --- images -------------------------------------------------------------------

    def image_source(self, token: str) -> tuple[PageImages, int] | None:
        """The page images and the 0-based page a token names, if a proof still has it."""
        with self._cond:
            for state in self._states.values():
                proof = state.proof
                if proof is not None and token in proof.tokens:
                    return proof.images, proof.tokens.index(token)
                failure = state.failure
                if failure is not None and failure.proof is not None and \
                        token.startswith(f"fit{failure.build_id}-"):
                    return failure.proof, int(token.rpartition("-")[2]) - 1
        return None


@dataclass(frozen=True)
class Menu:
    """What the proof view's menu offers: the roles a leaflet is made for and the
    departments, each as (id, name), in content order."""

    roles: tuple[tuple[str, str], ...] = ()
    departments: tuple[tuple[str, str], ...] = ()


def _menu(session: Any) -> Menu:
    """The menu of a session: read on the worker thread, so requests never touch the
    session while it builds."""
    content = session.content
    roles = tuple((r.id, r.name) for r in content.roles if not r.shared)
    departments = []
    for entry in session.departments():
        if isinstance(entry, tuple):
            departments.append((str(entry[0]), str(entry[1])))
        else:
            departments.append((entry.id, entry.name))
    return Menu(roles, tuple(departments))


def open_session(content: Path, layouts: Path | None) -> Any:
    """The core's warm session for the server: in this process only (jobs=1), as
    forking beside the server's threads is asking for trouble (and laying a save's
    changed spreads out side by side in other processes was no faster on two
    virtual cores: docs/speed-history.md, session 6); the bytes are the same whatever the number of
    processes."""
    from .. import Session

    return Session(content=content, layouts=layouts, jobs=1)


def _changed(result: Any) -> frozenset[int]:
    """The pages a build changed; every page when the session does not say."""
    changed = getattr(result, "changed_pages", None)
    return frozenset(changed) if changed is not None else frozenset(range(1, result.pages + 1))


def _fit_proof(exc: FitError) -> bytes | None:
    """The fit guard's proof PDF, if the core attached one (its name is the core's)."""
    for name in ("proof_pdf", "proof", "pdf"):
        value = getattr(exc, name, None)
        if isinstance(value, bytes | bytearray):
            return bytes(value)
    for name in ("proof_path", "proof_file", "path"):
        value = getattr(exc, name, None)
        if isinstance(value, Path) and value.is_file():
            return value.read_bytes()
    return None


def _session_error(failure: Failure | None) -> Exception:
    if failure is None:
        return RuntimeError("the build session is not open yet")
    return ContentError(failure.problems)
