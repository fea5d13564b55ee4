"""Python's collector between builds: what is alive is frozen before each build, and
the garbage frozen with it is collected every few builds, never inside one."""

from __future__ import annotations

import gc
import io

from conftest import CONTENT
from folder_builder import Session, collector
from folder_builder.batch import run_batch
from folder_builder.build import BuildOptions


def test_a_collector_freezes_before_each_build_and_settles_every_few(monkeypatch):
    collected: list[int] = []
    real = gc.collect
    monkeypatch.setattr(collector.gc, "collect", lambda *a: collected.append(1) or real())
    try:
        gc.unfreeze()
        every = collector.Collector(every=2)
        every.before_build()
        assert gc.get_freeze_count() > 0 and not collected
        every.before_build()
        assert not collected
        every.before_build()  # the third: the garbage of the first two collected first
        assert collected == [1] and gc.get_freeze_count() > 0
        every.before_build()
        assert collected == [1]
    finally:
        gc.unfreeze()


def test_a_batch_in_one_process_builds_each_leaflet_with_the_rest_frozen(
        monkeypatch, tmp_path):
    """The leaflets of a batch in this process are built with what was alive before
    them frozen, and nothing is left frozen when the batch is over."""
    frozen: list[int] = []
    real = Session.build

    def build(self, *args, **kwargs):
        frozen.append(gc.get_freeze_count())
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Session, "build", build)
    gc.unfreeze()
    outcome = run_batch(BuildOptions(content=CONTENT), roles=["chef"],
                        departments=["eksempel-dagtilbud-nord"], jobs=1,
                        output_dir=tmp_path, stream=io.StringIO())
    assert outcome.ok and len(outcome.built) == 2
    assert len(frozen) == 2 and all(count > 0 for count in frozen), frozen
    assert gc.get_freeze_count() == 0
