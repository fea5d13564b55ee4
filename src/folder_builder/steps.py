"""Named, timed pipeline steps: ``with step("layout"):`` logs how long it took.

A context manager rather than a wrapper that calls a function for you, so the
call inside is an ordinary call that the type checker and a reader both see.
``folder-builder -v`` shows the log.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

log = logging.getLogger("folder_builder")


@contextmanager
def step(name: str, detail: str = "") -> Iterator[None]:
    """Time the block as pipeline step ``name`` (with an optional detail)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        extra = f"  {detail}" if detail else ""
        log.info("%-9s %6.3f s%s", name, time.perf_counter() - started, extra)
