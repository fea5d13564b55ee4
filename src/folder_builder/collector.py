"""Python's cycle collector in a process that makes one PDF after another.

A build makes a few hundred thousand objects and leaves most of them as garbage,
some in reference cycles that only the collector frees. Left to itself, Python
starts a full collection every few builds, inside one, and it walks everything
the process holds: the content, the templates, WeasyPrint's modules, fonts and
stylesheets, the pages kept to reuse (0.08-0.15 s each time). Frozen objects are
not walked, so what is alive before a build is frozen, and the collections inside
the build walk only what it makes. The garbage frozen along with it is collected
every few builds (``settle``), where the process chooses: between two leaflets of
a batch, in the studio while a worker has nothing to do.
"""

from __future__ import annotations

import gc

#: Builds one after the other after which the garbage frozen with them is collected.
UNSETTLED_BUILDS = 10


def settle() -> None:
    """Collect every bit of garbage (a full collection: 0.1-0.15 s once builds have
    run), then freeze what is left, so that the collections Python starts by itself
    inside the next builds walk only what those builds make. What was frozen is
    unfrozen and collected at the next settle, so nothing that dies later is kept for
    good."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class Collector:
    """Freezes what is alive before each build, and settles every UNSETTLED_BUILDS
    builds (or when told: ``settle``)."""

    def __init__(self, every: int | None = None) -> None:
        self._every, self._since = UNSETTLED_BUILDS if every is None else every, 0

    def before_build(self) -> None:
        self._since += 1
        if self._since > self._every:
            self.settle()
        else:
            gc.freeze()

    def settle(self) -> None:
        settle()
        self._since = 0
