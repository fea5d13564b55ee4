"""Build worker processes for the studio: each owns a warm Session.

One Python process builds one thing at a time (the layout is pure Python and
holds the interpreter lock), so twenty departments' proofs built on the server's
own worker thread wait in one line, slowed further by the requests the server
answers meanwhile. A ``WorkerPool`` starts N processes (default: one per CPU
core), each opening its own ``Session`` of the content at start and keeping it
warm; a department's builds always go to the same process (affinity), so the
pages laid out for its last proof are there to reuse when its next one comes.

- Processes are started with the "spawn" context: the server runs threads
  (uvicorn, the watcher, the proof worker), and forking beside threads copies
  locks in whatever state they are.
- Each task is a named function of this module run in the worker against its
  session (functions, not lambdas: a task crosses a process boundary). Before
  each task the worker lets its session re-read the files that changed (a few
  milliseconds when nothing did).
- A user error (FolderBuilderError) raised in a worker is raised again in the
  caller, problems and fit proof included (errors.py pickles them); a worker
  that dies is replaced, and the task it was running fails with WorkerError.
- ``stop()`` terminates the processes at once, even mid-build: Ctrl-C does not
  wait for a build, and no process is left behind.
- Each worker keeps its temporary files (WeasyPrint's font folders, 3 MB a
  session) in a folder of its own, which the pool removes when the worker ends,
  however it ends: a worker killed when a build took too long, or by the system,
  cannot clean up after itself.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..collector import settle
from ..errors import FolderBuilderError
from .builds import IDLE_S

log = logging.getLogger("folder_builder.web")

#: How long a caller waits for one task before it gives up (s).
TASK_TIMEOUT_S = 300.0


class WorkerError(RuntimeError):
    """A worker died, or the pool stopped, while a task ran: not the user's doing."""


def default_size() -> int:
    """One worker per CPU core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


# --- the tasks (run in a worker, against its session) -------------------------------------


@dataclass(frozen=True)
class Draft:
    """The proof of a department's draft, as the studio shows it."""

    pdf: bytes
    pages: int
    #: each page's text, as a reader meets it
    texts: tuple[str, ...]
    #: how full the leaflet's pages are (fullness.Fullness), None if not measured
    fullness: Any = None
    #: the process that built it (the log says which worker a department is on)
    pid: int = 0


def draft_task(session: Any, role: str, path: str) -> Draft:
    """The proof of the draft file at ``path`` for ``role``."""
    from .studio import build_draft, page_texts

    result, fullness = build_draft(session, role, Path(path))
    return Draft(result.pdf, result.pages, page_texts(result.pdf), fullness, os.getpid())


def deliver_task(session: Any, role: str, path: str, variant: str, imposed: bool) -> bytes:
    """A leaflet built as the command line builds it; imposed on A4 if asked."""
    pdf = session.build("leaflet", variant=variant, role=role, department=Path(path),
                        deliver=True).pdf
    if imposed:
        from ..impose import impose

        pdf = impose(pdf)
    return pdf


def _sleep_task(session: Any, seconds: float) -> int:
    """Sleep as a long build would (for tests: Ctrl-C while a build runs)."""
    time.sleep(seconds)
    return os.getpid()


TASKS: dict[str, Callable[..., Any]] = {
    "draft": draft_task, "deliver": deliver_task, "sleep": _sleep_task}


#: What the pipe raises in a worker whose server is gone: its end closed.
_SERVER_GONE = (EOFError, BrokenPipeError, ConnectionResetError)


def _worker_main(conn: Connection, content: str, layouts: str | None, level: int,
                 scratch: str) -> None:
    """A worker process: open the session, then run tasks until the pipe closes.
    Its temporary files (WeasyPrint's font folder among them) go in ``scratch``,
    removed however the worker ends: here when it is stopped (SIGTERM, idle or
    mid-build), when the server is gone, or on an error; by the pool when it was
    killed (_Worker.close)."""
    tempfile.tempdir = os.environ["TMPDIR"] = scratch
    # Ctrl-C at a terminal reaches the whole process group: the server stops its
    # workers itself, so a worker does not die half-way with a traceback.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def terminated(signum: int, frame: object) -> None:
        shutil.rmtree(scratch, ignore_errors=True)
        os._exit(0)

    signal.signal(signal.SIGTERM, terminated)
    # As the server logs (serve -v shows each worker's build steps, named).
    logging.basicConfig(format="%(name)s (%(processName)s): %(message)s",
                        stream=sys.stderr, level=logging.WARNING)
    logging.getLogger("folder_builder").setLevel(level)
    try:
        _run_tasks(conn, content, layouts)
    except _SERVER_GONE:
        pass  # killed, say, or gone before this worker was ready: nobody to tell
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _run_tasks(conn: Connection, content: str, layouts: str | None) -> None:
    """Open the session, say so, and run each task sent until the pipe closes."""
    from .. import Session

    session: Any = None
    opened: FolderBuilderError | None = None

    def open_session() -> None:
        nonlocal session, opened
        try:
            session = Session(content=Path(content),
                              layouts=Path(layouts) if layouts else None, jobs=1)
            opened = None
        except FolderBuilderError as exc:
            session, opened = None, exc

    open_session()
    conn.send(("ready", os.getpid()))
    if session is not None:
        # What the first proof would do anyway (stylesheets, fonts, imports), done
        # while nobody waits for one yet; a task sent meanwhile waits in the pipe.
        session.warm_up(("print",))
    garbage = False
    while True:
        if garbage and not conn.poll(IDLE_S):
            # Idle after builds: Python collects their garbage now, not in the
            # middle of the next one (a full collection took 0.1-0.15 s).
            settle()
            garbage = False
        name, args = conn.recv()
        garbage = True
        try:
            if session is None:
                open_session()
                if opened is not None:
                    raise opened
            else:
                session.refresh()
            answer: tuple = ("ok", TASKS[name](session, *args))
        except FolderBuilderError as exc:
            answer = ("error", exc)
        except Exception:  # a bug: say what happened, keep the worker
            answer = ("bug", traceback.format_exc())
        try:
            conn.send(answer)
        except _SERVER_GONE:
            raise
        except Exception:  # an answer that cannot cross to the server is a bug too
            conn.send(("bug", traceback.format_exc()))


# --- the pool (in the server) ------------------------------------------------------------


class _Worker:
    """One worker process and the pipe to it; one task at a time."""

    def __init__(self, context: Any, content: Path, layouts: Path | None, index: int
                 ) -> None:
        self.index = index
        self.lock = threading.Lock()
        self.conn, child = context.Pipe()
        #: the worker's temporary folder (_worker_main)
        self.scratch = Path(tempfile.mkdtemp(prefix=f"folder-builder-worker-{index}-"))
        self.process = context.Process(
            target=_worker_main,
            args=(child, str(content), str(layouts) if layouts else None,
                  logging.getLogger("folder_builder").getEffectiveLevel(),
                  str(self.scratch)),
            name=f"folder-builder-worker-{index}", daemon=True)
        self.process.start()
        child.close()
        self.ready = False

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=2)
        if not self.process.is_alive():
            shutil.rmtree(self.scratch, ignore_errors=True)


class WorkerPool:
    """N warm build processes; a key (a department) always goes to the same one."""

    def __init__(self, content: Path, layouts: Path | None = None, size: int | None = None
                 ) -> None:
        self.content, self.layouts = Path(content), layouts
        self.size = max(1, size if size is not None else default_size())
        self._context = multiprocessing.get_context("spawn")
        self._lock = threading.Lock()
        self._workers: list[_Worker] = []
        self._affinity: dict[str, int] = {}
        self._stopped = threading.Event()

    def start(self) -> None:
        """Start the processes; each opens its session in the background."""
        with self._lock:
            if not self._workers and not self._stopped.is_set():
                self._workers = [self._spawn(i) for i in range(self.size)]

    def _spawn(self, index: int) -> _Worker:
        return _Worker(self._context, self.content, self.layouts, index)

    def pids(self) -> list[int]:
        """The process ids of the workers (for tests and logs)."""
        with self._lock:
            return [w.process.pid for w in self._workers if w.process.pid]

    def worker_for(self, key: str) -> int:
        """The worker that builds for ``key``: the one it went to before, else the one
        with the fewest keys (new departments spread evenly)."""
        with self._lock:
            if key not in self._affinity:
                counts = [0] * self.size
                for index in self._affinity.values():
                    counts[index] += 1
                self._affinity[key] = min(range(self.size), key=counts.__getitem__)
            return self._affinity[key]

    def run(self, key: str, task: str, *args: Any, timeout: float = TASK_TIMEOUT_S) -> Any:
        """Run ``task(session, *args)`` on ``key``'s worker and return its result;
        raises the FolderBuilderError it raised, or WorkerError."""
        self.start()
        index = self.worker_for(key)
        with self._lock:
            worker = self._workers[index] if self._workers else None
        if worker is None or self._stopped.is_set():
            raise WorkerError("the server is stopping")
        with worker.lock:  # one task at a time per worker; the others wait here
            return self._call(self._alive(index), task, args, timeout)

    def _alive(self, index: int) -> _Worker:
        """The worker at ``index``, replaced by a new one if it died."""
        with self._lock:
            if self._stopped.is_set():
                raise WorkerError("the server is stopping")
            worker = self._workers[index]
            if not worker.process.is_alive():
                log.warning("build worker %d (pid %s) died; starting another", index,
                            worker.process.pid)
                worker.close()
                fresh = self._spawn(index)
                fresh.lock = worker.lock
                self._workers[index] = worker = fresh
            return worker

    def _call(self, worker: _Worker, task: str, args: tuple, timeout: float) -> Any:
        deadline = time.monotonic() + timeout
        try:
            if not worker.ready:
                self._wait(worker, deadline)
                kind, _ = worker.conn.recv()
                worker.ready = kind == "ready"
            worker.conn.send((task, args))
            self._wait(worker, deadline)
            kind, value = worker.conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            raise WorkerError("the build worker stopped") from exc
        if kind == "ok":
            return value
        if kind == "error":
            raise value
        log.error("build worker %d: %s", worker.index, value)
        raise WorkerError(str(value).strip().splitlines()[-1])

    def _wait(self, worker: _Worker, deadline: float) -> None:
        """Wait for the worker's answer; give up when it died, the pool stops or the
        time is up (the worker is then replaced: it may be stuck)."""
        while not worker.conn.poll(0.1):
            if self._stopped.is_set():
                raise WorkerError("the server is stopping")
            if not worker.process.is_alive():
                raise WorkerError("the build worker stopped")
            if time.monotonic() > deadline:
                worker.process.kill()
                raise WorkerError("the build took too long and was stopped")

    def stop(self) -> None:
        """Terminate every worker now, even mid-build (Ctrl-C); callers waiting for a
        task get WorkerError."""
        self._stopped.set()
        with self._lock:
            workers, self._workers = self._workers, []
        for worker in workers:
            worker.close()
