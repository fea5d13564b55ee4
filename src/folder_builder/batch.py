"""Many leaflets at once: every requested role × department, in parallel.

Each worker process keeps one ``Session`` (content, templates, WeasyPrint
fonts and stylesheets) for every leaflet it is given, which is where the time
goes; each leaflet is delivered (``deliver=True``), so its bytes are those of
``folder-builder leaflet``, whichever worker made it and whatever it made before.
One leaflet failing (say, a department file with a mistake) is reported
and does not stop the others.
"""

from __future__ import annotations

import gc
import multiprocessing
import sys
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TextIO

from .build import BuildOptions, leaflet_name
from .changes import record
from .collector import Collector
from .content import department_files, load_content
from .engine import remove_font_folders_at_exit
from .errors import FolderBuilderError, Problem
from .model import Content
from .output import write_atomic
from .parts import LaidPart, PartKey, cores
from .session import Session

DEFAULT_DIR = Path("build") / "leaflets"


@dataclass(frozen=True)
class Job:
    role: str
    department: Path | None

    @property
    def label(self) -> str:
        return f"{self.role}" + (f" × {self.department.stem}" if self.department else "")


@dataclass
class Outcome:
    built: list[tuple[Job, list[Path]]] = field(default_factory=list)
    failed: list[tuple[Job, str]] = field(default_factory=list)
    seconds: float = 0.0
    #: The warnings of the leaflets built (notices.py), each once, with the first
    #: leaflet that gave it.
    warnings: list[tuple[Job, Problem]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def plan_jobs(options: BuildOptions, roles: list[str] | None, departments: list[str] | None,
              plain: bool = True, content: Content | None = None) -> list[Job]:
    """The leaflets to build; unknown roles or departments are an input error.
    ``content``: as loaded already (a session's), else loaded from the options."""
    content = content or load_content(options.content)
    chain = [r for r in content.roles if not r.shared]
    chosen = [content.find_role(wanted) for wanted in roles] if roles else chain
    if departments:
        files = [content.find_department(wanted) for wanted in departments]
    else:
        files = department_files(content)
    targets: list[Path | None] = ([None] if plain else []) + list(files)
    return [Job(role.id, dept) for dept in targets for role in chosen]


_SESSION: Session | None = None
_OPTIONS: BuildOptions | None = None
#: Leaflets after which a batch's process collects the garbage frozen with them: a
#: leaflet leaves under 1 MB (15 left uncollected: 11 MB more at the peak), and each
#: full collection costs 0.1-0.15 CPU-s (collector.py).
LEAFLETS_BETWEEN_COLLECTIONS = 25
_COLLECTOR = Collector(LEAFLETS_BETWEEN_COLLECTIONS)


def _start_worker(options: BuildOptions, roles: tuple[str, ...] = (),
                  session: Session | None = None) -> None:
    global _SESSION, _OPTIONS
    if session is None:  # a worker started afresh (no fork): its fonts are its own
        remove_font_folders_at_exit()
    _SESSION, _OPTIONS = session or options.session(), options
    _SESSION.jobs = options.jobs
    if roles:
        # A department's note on any of these roles is in one of the batch's leaflets.
        _SESSION.leaflet_roles = tuple(_SESSION.role(r) for r in roles)


def _forget_session() -> None:
    """Let WeasyPrint clean its font folder up now, while Python is whole, not at exit."""
    global _SESSION
    _SESSION = None


class Affinity:
    """Which leaflet a worker makes next, so that the pages leaflets share are laid out
    once in the batch, not once in every worker that makes one of those leaflets: each
    department's shared pages (the model, the Fælles page, the reflection page, the
    back) and each role's (the chain: Session._lay_out_shared).

    Every department's first leaflet is given out before any department's second:
    when it comes back, its shared pages come with it (SharedParts), and every worker
    that makes a later leaflet of that department is handed them. Then a free worker
    stays on the department it made last (it has the pages already), else takes one
    whose first leaflet is back. Only when all that is left is a department whose
    first leaflet is still under way does a worker lay its shared pages out a
    second time, rather than wait. Within the department, a worker takes a role whose
    pages are back, else one no worker is making, so that two workers do not lay one
    role's pages out at once, and begins every role early (a role left to begin at
    the end, when only its leaflets are left, would have both workers lay its pages
    out)."""

    def __init__(self, work: list[Job]) -> None:
        self._left: dict[Path | None, list[Job]] = {}
        for job in work:
            self._left.setdefault(job.department, []).append(job)
        #: the leaflets under way
        self._running: list[Job] = []
        #: the departments a leaflet was given out for, and the departments and roles
        #: one came back for
        self._started: set[Path | None] = set()
        self._back: set[Path | None] = set()
        self._roles_back: set[str] = set()
        self._roles_started: set[str] = set()

    def starting(self, workers: int) -> list[Job]:
        """The first leaflet of each worker, each of another department where it can."""
        first = []
        for _ in range(workers):
            job = self._take()
            if job is not None:
                first.append(job)
        return first

    def next(self, finished: Job) -> Job | None:
        """The next leaflet for the worker that finished ``finished``; None: no more."""
        self._running.remove(finished)
        self._back.add(finished.department)
        self._roles_back.add(finished.role)
        return self._take(finished.department)

    def left(self, department: Path | None) -> int:
        """How many of ``department``'s leaflets are still to be given out."""
        return len(self._left.get(department, ()))

    def left_for_role(self, role: str) -> int:
        """How many of ``role``'s leaflets are still to be given out."""
        return sum(job.role == role for jobs in self._left.values() for job in jobs)

    def _take(self, *last: Path | None) -> Job | None:
        """A department's first leaflet while there are any; else a leaflet of a
        department whose shared pages are back, and of a role whose pages are back or
        that no worker is making; of those, one of a role not yet begun (so that no
        role is left to begin when only its leaflets are left, and both workers need
        its pages), of the department in ``last`` (the worker has its pages), of a role
        whose pages are back, of a department no worker is on, of the department with
        most left, in this order. The first leaflet of a department: of a role whose
        pages are back, else that no worker is making."""
        waiting = [job for jobs in self._left.values() for job in jobs]
        if not waiting:
            return None
        fresh = [job for job in waiting if job.department not in self._started]
        if fresh:
            waiting = [job for job in fresh if job.department == fresh[0].department]
        on = {job.department for job in self._running}
        busy = {job.role for job in self._running}

        def rank(job: Job) -> tuple:
            role_back = job.role in self._roles_back
            fresh_role = job.role not in self._roles_started
            return (job.department in self._back, role_back or job.role not in busy,
                    fresh_role, job.department in last, role_back,
                    job.department not in on, len(self._left[job.department]))

        job = max(waiting, key=rank)
        self._left[job.department].remove(job)
        self._started.add(job.department)
        self._roles_started.add(job.role)
        self._running.append(job)
        return job


#: The pages a department's leaflets or a role's share, as a worker laid them out
#: (Session.shared_parts).
SharedParts = dict[PartKey, LaidPart]


def _build_one(job: Job, output_dir: Path, shared: SharedParts | None = None
               ) -> tuple[Job, list[Path] | None, str, tuple[Problem, ...], SharedParts]:
    """Build one leaflet in every variant; never raise, report instead. ``shared``: the
    department's and the role's shared pages another worker laid out; what comes back
    last is those this one laid out (for the batch to hand on)."""
    session, options = _SESSION, _OPTIONS
    assert session is not None and options is not None, "worker not started"
    # What the worker holds is frozen, and its garbage collected every few leaflets,
    # between two, not inside one (collector.py): the collector's share of 15 leaflets
    # in one process went from 0.44 to 0.13 CPU-s.
    _COLLECTOR.before_build()
    if shared:
        session.keep_shared_parts(shared)
    before = session.shared_parts().keys()
    try:
        role = session.role(job.role)
        department = session.department(job.department) if job.department else None
        paths, warnings = [], []
        for variant in options.variants:
            result = session.build("leaflet", variant, role=role.id,
                                   department=job.department, deliver=True)
            target = output_dir / leaflet_name(role, department, variant)
            paths.append(write_atomic(target, result.pdf))
            warnings += result.warnings
            record(target, session.content, result, options.layouts)  # for `changes`
            if options.keep_html:
                write_atomic(target.with_suffix(".html"),
                             session.standalone_html(result).encode())
        laid = {key: part for key, part in session.shared_parts().items()
                if key not in before}
        return job, paths, "", tuple(dict.fromkeys(warnings)), laid
    except FolderBuilderError as exc:
        return job, None, exc.report(), (), {}
    except Exception as exc:  # a bug must not take the other leaflets down
        return job, None, f"internal error: {type(exc).__name__}: {exc}", (), {}


def run_batch(
    options: BuildOptions,
    *,
    roles: list[str] | None = None,
    departments: list[str] | None = None,
    plain: bool = True,
    jobs: int | None = None,
    output_dir: Path | None = None,
    stream: TextIO | None = None,
) -> Outcome:
    """Build every leaflet asked for and print a progress bar and a summary."""
    stream = stream or sys.stderr
    started = time.perf_counter()
    fork = "fork" in multiprocessing.get_all_start_methods()
    # Where the leaflets are made in this process, or in workers forked from it, the
    # plan reads the content of the session they use rather than load it twice.
    here = options.session() if fork or jobs == 1 else None
    work = plan_jobs(options, roles, departments, plain, here.content if here else None)
    output_dir = output_dir or DEFAULT_DIR
    workers = max(1, min(jobs or cores(), len(work) or 1))
    # The workers are the batch's processes: a leaflet laid out in parts (parts.py)
    # lays them out one after the other in its worker rather than start more.
    options = replace(options, output=None, jobs=1 if workers > 1 else jobs)
    outcome = Outcome()
    progress = _Progress(len(work), stream)
    roles_built = tuple(dict.fromkeys(job.role for job in work))
    if workers == 1:
        _start_worker(options, roles_built, here)
        try:
            for job in work:
                _record(outcome, progress, *_build_one(job, output_dir)[:-1])
        finally:
            gc.unfreeze()  # what _build_one froze is Python's to collect again
            _forget_session()
    else:
        # Where workers are forked, they inherit a session: the parent loads content,
        # templates and WeasyPrint once. Each worker then warms its own layout caches
        # (stylesheets, fonts, shaping) on its first leaflet, side by side: warming
        # them in the parent first, with a whole leaflet, made that leaflet a serial
        # step (batch of 15 on 2 cores: 4.9 s against 5.3 s).
        if fork:
            # Stylesheets parsed, fonts loaded and modules imported once, here, not in
            # each worker on its first leaflet (0.2-0.3 CPU-s a worker).
            here.warm_up(options.variants)
            _start_worker(options, roles_built, here)
            # What the workers inherit stays shared: the collector would otherwise
            # walk (and so copy) every object in each of them.
            gc.freeze()
        context = multiprocessing.get_context("fork" if fork else None)
        with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                 initializer=remove_font_folders_at_exit if fork
                                 else _start_worker,
                                 initargs=() if fork else (options, roles_built)) as pool:
            # As many leaflets under way as there are workers: the one that comes
            # back frees the worker that made it, and the next leaflet goes there.
            queue = Affinity(work)
            # Each department's and each role's shared pages, as the first worker to lay
            # them out gave them back: handed to any other worker making one of its
            # leaflets, until none is left.
            by_department: dict[Path | None, SharedParts] = {}
            by_role: dict[str, SharedParts] = {}
            running = {pool.submit(_build_one, job, output_dir)
                       for job in queue.starting(workers)}
            while running:
                done, running = wait(running, return_when=FIRST_COMPLETED)
                for future in done:
                    job, *result, laid = future.result()
                    for key, part in laid.items():
                        held = by_role.setdefault(job.role, {}) if key.shared_by == "role" \
                            else by_department.setdefault(job.department, {})
                        held[key] = part
                    _record(outcome, progress, job, *result)
                    following = queue.next(job)
                    if following is not None:
                        running.add(pool.submit(
                            _build_one, following, output_dir,
                            by_department.get(following.department, {})
                            | by_role.get(following.role, {})))
                    # no leaflet left to hand them to
                    if not queue.left(job.department):
                        by_department.pop(job.department, None)
                    if not queue.left_for_role(job.role):
                        by_role.pop(job.role, None)
        gc.unfreeze()
        _forget_session()
    outcome.seconds = time.perf_counter() - started
    progress.done()
    _summary(outcome, workers, output_dir, stream)
    return outcome


def _record(outcome: Outcome, progress: _Progress, job: Job, paths: list[Path] | None,
            reason: str, warnings: tuple[Problem, ...] = ()) -> None:
    known = {problem for _, problem in outcome.warnings}
    outcome.warnings += [(job, w) for w in warnings if w not in known]
    if paths is None:
        outcome.failed.append((job, reason))
    else:
        outcome.built.append((job, paths))
    progress.step(job, paths is not None)


class _Progress:
    """A one-line progress bar on a terminal; one line per leaflet otherwise (logs, CI)."""

    WIDTH = 30

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream, self.count, self.failed = total, stream, 0, 0
        self.tty = stream.isatty()

    def step(self, job: Job, ok: bool) -> None:
        self.count += 1
        self.failed += not ok
        if self.tty:
            filled = self.WIDTH * self.count // max(self.total, 1)
            bar = "#" * filled + "-" * (self.WIDTH - filled)
            failed = f", {self.failed} failed" if self.failed else ""
            self.stream.write(f"\r[{bar}] {self.count}/{self.total}{failed} ")
        else:
            self.stream.write(f"[{self.count}/{self.total}] {'built' if ok else 'FAILED'} "
                              f"{job.label}\n")
        self.stream.flush()

    def done(self) -> None:
        if self.tty:
            self.stream.write("\n")


def _summary(outcome: Outcome, workers: int, output_dir: Path, stream: TextIO) -> None:
    files = sum(len(paths) for _, paths in outcome.built)
    warned = len(outcome.warnings)
    stream.write(
        f"built {len(outcome.built)} leaflets ({files} PDFs) in {output_dir}, "
        f"{len(outcome.failed)} failed, "
        + (f"{warned} warning{'s' if warned != 1 else ''}, " if warned else "")
        + f"{outcome.seconds:.1f} s with {workers} worker{'s' if workers != 1 else ''}\n")
    for job, problem in outcome.warnings:
        stream.write(f"warning ({job.label}): {problem}\n")
    for job, reason in outcome.failed:
        stream.write(f"FAILED {job.label}: {reason}\n")
