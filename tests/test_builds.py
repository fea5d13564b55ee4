"""The build coordinator's rules, with a session that builds real (blank) PDFs slowly
and says what it was asked: a burst of saves makes one build, an overtaken build is
dropped rather than queued, and builds never run side by side."""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass, field

import pikepdf

from folder_builder.errors import ContentError, Problem
from folder_builder.web.builds import Coordinator, View

FOLDER = View("folder", "print")


def blank_pdf(pages: int) -> bytes:
    pdf = pikepdf.new()
    for _ in range(pages):
        pdf.add_blank_page(page_size=(419.5, 595.3))
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@dataclass
class _Report:
    passed: bool = True
    failures: tuple = ()

    def format(self) -> str:
        return "PASS  pages          4 pages"


@dataclass
class _Result:
    pdf: bytes
    pages: int
    changed_pages: frozenset[int]
    report: _Report = field(default_factory=_Report)
    landings: dict = field(default_factory=dict)


class SlowSession:
    """Builds take ``seconds``; each build changes the page given by ``page``."""

    def __init__(self, seconds: float = 0.4) -> None:
        self.seconds = seconds
        self.builds = 0
        self.refreshes = 0
        self.running = 0
        self.most_at_once = 0
        self.page = 2
        self.broken = False
        self.started = threading.Event()
        self.content = type("C", (), {"roles": (), "root": "."})()

    def departments(self):
        return []

    def refresh(self):
        self.refreshes += 1
        if self.broken:
            raise ContentError([Problem("a tab was used for indentation")])
        return frozenset({"x"})

    def build(self, product, variant="print", **options):
        page = self.page  # what the files say when the build starts
        self.running += 1
        self.most_at_once = max(self.most_at_once, self.running)
        self.started.set()
        time.sleep(self.seconds)
        self.running -= 1
        self.builds += 1
        return _Result(blank_pdf(4), 4, frozenset({page}))


def wait(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def started(session: SlowSession) -> Coordinator:
    coordinator = Coordinator(lambda: session, warm=(FOLDER,))
    coordinator.start()
    assert coordinator.wait_ready(20)
    return coordinator


def test_a_burst_of_saves_makes_one_build():
    session = SlowSession()
    coordinator = started(session)
    try:
        assert session.builds == 1 and coordinator.state(FOLDER).status == "ok"
        for _ in range(5):
            coordinator.files_changed()
        wait(lambda: coordinator.state(FOLDER).build_id > 1
             and coordinator.state(FOLDER).status == "ok")
        time.sleep(0.6)
        assert session.builds == 2
    finally:
        coordinator.stop()


def test_an_overtaken_build_is_dropped_and_its_pages_are_marked_with_the_next():
    session = SlowSession(seconds=0.6)
    coordinator = started(session)
    try:
        first = coordinator.state(FOLDER).proof
        events = []
        coordinator.add_listener(lambda state: events.append((state.status, state.build_id)))
        session.started.clear()
        session.page = 2
        coordinator.files_changed()
        assert session.started.wait(10)
        session.page = 3  # a second save while the first one's build runs
        coordinator.files_changed()
        wait(lambda: session.builds == 3)
        wait(lambda: coordinator.state(FOLDER).status == "ok")
        shown = coordinator.state(FOLDER).proof
        # two builds after the first: the overtaken one was never shown
        assert [status for status, _ in events if status == "ok"] == ["ok"]
        assert shown.changed == {2, 3}
        assert shown.tokens[0] == first.tokens[0]  # page 1 did not change: same image
        assert shown.tokens[1] != first.tokens[1] and shown.tokens[2] != first.tokens[2]
        assert session.most_at_once == 1
    finally:
        coordinator.stop()


def test_a_view_nobody_looks_at_is_not_rebuilt():
    session = SlowSession(seconds=0.1)
    coordinator = started(session)
    try:
        coordinator.watch(FOLDER)
        coordinator.unwatch(FOLDER)  # the page was closed
        builds = session.builds
        coordinator.files_changed()
        wait(lambda: session.refreshes >= 1)
        time.sleep(0.5)
        assert session.builds == builds
        coordinator.state(FOLDER)  # opened again: built then
        wait(lambda: session.builds == builds + 1)
    finally:
        coordinator.stop()


def test_content_that_does_not_load_fails_every_view_and_keeps_the_last_proof():
    session = SlowSession(seconds=0.1)
    coordinator = started(session)
    try:
        good = coordinator.state(FOLDER).proof
        session.broken = True
        coordinator.files_changed()
        wait(lambda: coordinator.state(FOLDER).status == "failed")
        state = coordinator.state(FOLDER)
        assert state.proof is good
        assert [p.message for p in state.failure.problems] == ["a tab was used for indentation"]
        session.broken = False
        coordinator.files_changed()
        wait(lambda: coordinator.state(FOLDER).status == "ok")
        assert coordinator.state(FOLDER).failure is None
    finally:
        coordinator.stop()


def test_garbage_is_collected_when_the_worker_is_idle_not_during_a_build(monkeypatch):
    """A full collection of what builds leave behind took 0.1-0.15 s: the worker runs
    it once it has had nothing to do for a while after builds, never inside one; the
    first builds' garbage is collected before the server says it is ready, not in the
    first visitor's page load."""
    from folder_builder.web import builds

    monkeypatch.setattr(builds, "IDLE_S", 0.2)
    session = SlowSession(seconds=0.3)
    collections: list[int] = []
    monkeypatch.setattr(builds.gc, "collect", lambda *a: collections.append(session.running))
    coordinator = started(session)
    try:
        assert collections == [0]  # before wait_ready returned
        time.sleep(0.6)  # idle, but that garbage is gone already
        assert collections == [0]
        coordinator.files_changed()
        wait(lambda: session.builds == 2)
        wait(lambda: len(collections) == 2)
        time.sleep(0.6)  # idle with nothing built since: no more collections
        assert collections == [0, 0]
    finally:
        coordinator.stop()


def test_changed_pages_are_rendered_at_the_asked_size_right_after_the_announcement(
        monkeypatch):
    """The first proof of a view opened at start has every page ready before the
    server says it is ready; after a save, the changed pages are rendered at the sizes
    browsers asked for, once the build has been announced (the browser's requests
    then find them under way, not the announcement waiting for them)."""
    from folder_builder.web import builds
    from folder_builder.web.pages import PageImages

    rendered: list[tuple[int, int, int]] = []  # (build id shown, page, width)
    coordinator: Coordinator | None = None
    real_png = PageImages.png

    def png(self, index, width, box="trim"):
        rendered.append((coordinator.state(FOLDER).build_id if coordinator else 0,
                         index + 1, width))
        return real_png(self, index, width, box)

    monkeypatch.setattr(PageImages, "png", png)
    session = SlowSession(seconds=0.2)
    coordinator = started(session)
    try:
        first = coordinator.state(FOLDER).proof
        assert sorted(page for _, page, width in rendered
                      if width == builds.FIRST_SIZE[0]) == [1, 2, 3, 4]
        coordinator.note_size(first.tokens[0], 960, "trim")  # a browser asked
        announced = []
        coordinator.add_listener(lambda state: announced.append(state.status))
        rendered.clear()
        session.page = 3
        coordinator.files_changed()
        wait(lambda: any(width == 960 for _, _, width in rendered))
        wait(lambda: coordinator.state(FOLDER).status == "ok")
        second = coordinator.state(FOLDER).proof
        assert [(build, page) for build, page, width in rendered if width == 960] == \
            [(second.build_id, 3)]  # only the changed page, with the new build shown
        assert announced[-1] == "ok"
    finally:
        coordinator.stop()


def test_what_builds_leave_is_frozen_between_idle_collections(monkeypatch):
    """Before each build what the collector holds is frozen (a full collection Python
    starts inside the build then walks only what the build makes); an idle collection
    unfreezes and collects everything; saves back to back with no idle second have
    theirs collected every UNSETTLED_BUILDS builds, before a build, not in it; a
    stopped coordinator leaves nothing frozen."""
    import gc

    from folder_builder import collector
    from folder_builder.web import builds

    monkeypatch.setattr(builds, "IDLE_S", 30.0)  # no idle collection in this test
    monkeypatch.setattr(collector, "UNSETTLED_BUILDS", 2)
    session = SlowSession(seconds=0.1)
    collections: list[int] = []
    real_collect = gc.collect
    monkeypatch.setattr(builds.gc, "collect",
                        lambda *a: collections.append(session.running) or real_collect())
    frozen_at_build: list[int] = []
    real_build = session.build

    def build(*args, **kwargs):
        frozen_at_build.append(gc.get_freeze_count())
        return real_build(*args, **kwargs)

    session.build = build
    coordinator = started(session)
    try:
        assert collections == [0] and gc.get_freeze_count() > 0  # settled when ready
        for n in range(2, 8):
            coordinator.files_changed()
            wait(lambda n=n: session.builds == n)
            wait(lambda n=n: coordinator.state(FOLDER).build_id >= n)
        # of the six builds after ready, the first two froze, the third settled first,
        # and so on: two collections, none while a build ran
        assert collections == [0, 0, 0], collections
        assert all(count > 0 for count in frozen_at_build)
    finally:
        coordinator.stop()
    assert gc.get_freeze_count() == 0


def test_a_view_left_before_its_stream_connected_is_not_rebuilt_when_another_opens():
    """The folder's page was left for a leaflet's before its event stream connected:
    saves rebuild the leaflet only, not the folder nobody looks at any more."""
    session = SlowSession(seconds=0.1)
    coordinator = started(session)
    leaflet = View("leaflet", "print", "chef", None)
    try:
        coordinator.state(FOLDER)  # the folder's page loads, and is left at once
        coordinator.state(leaflet)
        coordinator.watch(leaflet)
        wait(lambda: coordinator.state(leaflet).status == "ok")
        builds = session.builds
        asked = []
        session.build = _recording(session.build, asked)
        coordinator.files_changed()
        wait(lambda: session.builds == builds + 1)
        time.sleep(0.5)
        assert asked == ["leaflet"]
        # opened again, the folder is built then
        before = session.builds
        coordinator.state(FOLDER)
        wait(lambda: session.builds == before + 1)
    finally:
        coordinator.stop()


def _recording(build, asked: list):
    def recorded(product, variant="print", **options):
        asked.append(product)
        return build(product, variant, **options)
    return recorded
