"""The studio's build worker processes (web/workers.py): each department's proofs on
the same warm process, errors carried back with their problems, downloads the CLI's
bytes, a dead worker replaced, and stopping without waiting for a build."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
import warnings
from pathlib import Path

import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

from conftest import copy_content
from folder_builder.build import BuildOptions, build
from folder_builder.web.access import RateLimiter
from folder_builder.web.app import create_app
from folder_builder.web.workers import WorkerError, WorkerPool
from test_studio import NORD, ORIGIN, SKOLE, editor_form, post_preview

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")



@pytest.fixture(scope="module")
def content(tmp_path_factory) -> Path:
    return copy_content(tmp_path_factory.mktemp("workers"))


@pytest.fixture(scope="module")
def client(content: Path):
    with TestClient(create_app(content, watch=False, workers=2)) as client:
        yield client


def form(client: TestClient, slug: str, note: str) -> dict[str, str]:
    """A draft of ``slug`` with ``note`` under chef's first statement and one question
    (name as saved; no contact, introduction or logo)."""
    return {**editor_form(client, slug), "contact": "", "introduction": "",
            "note:chef-compliance-1": note, "question": ["Et spørgsmål?"], "logo_path": ""}


def preview(client: TestClient, slug: str, note: str):
    return post_preview(client, form(client, slug, note), slug)


def built_by(client: TestClient, answer: dict) -> int:
    return client.app.state.studio.drafts.previews[answer["token"]].pid


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        return " Z " not in Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False


def test_each_department_is_built_on_its_own_warm_worker(client):
    pool = client.app.state.pool
    workers = set(pool.pids())
    assert len(workers) == 2 and os.getpid() not in workers
    seen: dict[str, set[int]] = {NORD: set(), SKOLE: set()}
    for round_ in range(2):
        for slug in (NORD, SKOLE):
            note = f"Runde {round_} hos {slug}"
            response = preview(client, slug, note)
            assert response.status_code == 200, response.text[:1000]
            answer = response.json()
            assert answer["status"] == "ok"
            assert any(note in text for text in answer["texts"])
            assert answer["fullness"]["lines"] > 0  # measured in the worker too
            seen[slug].add(built_by(client, answer))
    # every draft of a department on one process; the two departments on the two
    assert all(len(pids) == 1 for pids in seen.values())
    assert seen[NORD] | seen[SKOLE] == workers


def test_a_loader_error_in_a_worker_is_shown_next_to_its_field(client):
    data = form(client, SKOLE, "En note")
    data["note:nonsense-id"] = "x"
    response = client.post(f"/departments/{SKOLE}/preview", data=data, headers=ORIGIN)
    assert response.status_code == 422
    assert "notes.nonsense-id" in response.json()["problems"]


def test_a_burst_of_drafts_of_one_department_makes_two_builds(client):
    # (a person typing fast is not rate-limited: the page sends one draft at a time)
    client.app.state.studio.limiter = RateLimiter(rate=100, burst=100)
    answers: list[dict] = []
    notes = [f"Udkast {n}" for n in range(6)]

    data = form(client, NORD, "")

    def send(note: str) -> None:
        answers.append(client.post(f"/departments/{NORD}/preview",
                                   data={**data, "note:chef-compliance-1": note},
                                   headers=ORIGIN).json())

    # the department's worker is busy with a long build while the burst arrives
    pool = client.app.state.pool
    busy = threading.Thread(target=pool.run, args=(NORD, "sleep", 4.0))
    busy.start()
    time.sleep(0.3)
    threads = []
    for note in notes:
        threads.append(threading.Thread(target=send, args=(note,)))
        threads[-1].start()
        time.sleep(0.2)
    for thread in [busy, *threads]:
        thread.join(timeout=120)
    built = [a for a in answers if a["status"] == "ok"]
    assert len(answers) == len(notes)
    # the first, which was waiting for the worker, and the newest: the others were
    # overtaken while they waited and are never built
    assert len(built) == 2, [a["status"] for a in answers]
    assert all(a["status"] in ("ok", "superseded") for a in answers)
    # the newest draft is among the ones built: what was typed last is shown
    assert any(notes[-1] in text for a in built for text in a["texts"])


def test_a_download_built_by_a_worker_is_the_cli_leaflet(client, content, tmp_path):
    response = client.get(f"/departments/{NORD}/download/chef/print")
    assert response.status_code == 200, response.text[:1000]
    [cli] = build(BuildOptions(content=content, role="chef", department=NORD,
                               output=tmp_path / "leaflet.pdf"))
    assert response.content == cli.path.read_bytes()


def test_a_worker_that_dies_is_replaced(client):
    pool = client.app.state.pool
    first = preview(client, SKOLE, "Før")
    assert first.status_code == 200
    dead = built_by(client, first.json())
    [scratch] = [w.scratch for w in pool._workers if w.process.pid == dead]
    # its temporary files are in a folder of its own: WeasyPrint's font folder too
    assert list(scratch.glob("weasyprint-*/*"))
    os.kill(dead, signal.SIGKILL)
    time.sleep(0.3)
    after = preview(client, SKOLE, "Efter")
    assert after.status_code == 200, after.text[:1000]
    assert any("Efter" in text for text in after.json()["texts"])
    assert built_by(client, after.json()) != dead
    assert dead not in pool.pids() and len(pool.pids()) == 2
    # killed, it could not remove them: the pool did, when it replaced it
    assert not scratch.exists()


def test_stopping_the_pool_ends_a_running_build_at_once(content):
    pool = WorkerPool(content, size=1)
    pool.start()
    assert pool.run("a", "sleep", 0) in pool.pids()  # started and warm
    pids = pool.pids()
    failed: list[BaseException] = []

    def long_build() -> None:
        try:
            pool.run("a", "sleep", 120)
        except WorkerError as exc:
            failed.append(exc)

    runner = threading.Thread(target=long_build)
    runner.start()
    time.sleep(0.5)
    started = time.monotonic()
    pool.stop()
    runner.join(timeout=10)
    assert not runner.is_alive() and len(failed) == 1
    assert time.monotonic() - started < 5
    assert not any(map(alive, pids))
    with pytest.raises(WorkerError):
        pool.run("a", "sleep", 0)


def test_a_stopped_worker_leaves_no_font_folder_behind(content):
    """A worker loads the layouts' fonts into a folder of WeasyPrint's when it warms
    up, in a temporary folder of its own. The pool stops it with SIGTERM, idle or
    mid-build; nothing of it stays (two font folders did, at every stop of the
    server)."""
    pool = WorkerPool(content, size=2)
    pool.start()
    try:
        for key in ("a", "b"):
            pool.run(key, "sleep", 0)  # answered once the worker has warmed up
        scratch = [worker.scratch for worker in pool._workers]
        assert [len(list(folder.glob("weasyprint-*"))) for folder in scratch] == [1, 1]

        def long_build() -> None:
            with contextlib.suppress(WorkerError):  # what stopping the pool answers
                pool.run("a", "sleep", 60)

        threading.Thread(target=long_build, daemon=True).start()
        time.sleep(0.3)  # one worker busy, one idle
    finally:
        pool.stop()
    assert not any(folder.exists() for folder in scratch)


def test_a_worker_whose_server_went_first_removes_its_folder(content):
    """The server gone before a worker has even opened its session (killed as it
    started, say): the worker's "ready" finds no one, and it ends without leaving
    its temporary folder behind, though no pool is left to remove it."""
    pool = WorkerPool(content, size=1)
    pool.start()
    [worker] = pool._workers
    worker.conn.close()  # as a killed server's end of the pipe closes
    worker.process.join(timeout=60)
    assert worker.process.exitcode == 0
    assert not worker.scratch.exists()


def test_a_draft_waiting_when_the_workers_stop_is_answered_at_once(tmp_path):
    """Ctrl-C while a department's draft waits for its worker: the page is told in
    its language that the PDF was not finished, at once, not after the build."""
    content = copy_content(tmp_path)
    with TestClient(create_app(content, watch=False, workers=1)) as client:
        pool = client.app.state.pool
        pool.run(NORD, "sleep", 0)  # started and warm
        failed: list[BaseException] = []

        def long_build() -> None:
            try:
                pool.run(NORD, "sleep", 60)
            except WorkerError as exc:
                failed.append(exc)

        busy = threading.Thread(target=long_build)
        busy.start()
        time.sleep(0.3)
        answers: list = []
        waiting = threading.Thread(target=lambda: answers.append(preview(client, NORD, "x")))
        waiting.start()
        time.sleep(0.5)
        started = time.monotonic()
        pool.stop()
        waiting.join(timeout=10)
        busy.join(timeout=10)
        assert time.monotonic() - started < 5
        [response] = answers
        assert len(failed) == 1
        assert response.status_code == 422
        assert response.json()["message"] == \
            "PDF'en kunne ikke gøres færdig; prøv igen om et øjeblik"
