"""Watch the content, layouts and fonts folders and report saves.

watchfiles (inotify on Linux) sees a save within milliseconds and groups the
events of a burst: an editor that writes a temporary file, renames it and
touches the folder gives one set of changes. Editors' own files (swap files,
backups, hidden files) are ignored.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import watchfiles

log = logging.getLogger("folder_builder.web")

#: A burst ends when nothing more happened for this long (ms) ...
STEP_MS = 5
#: ... or, at the latest, after this long (ms).
DEBOUNCE_MS = 600


def _wanted(change: watchfiles.Change, path: str) -> bool:
    """Only files the build reads: no hidden files, editor swap files or backups."""
    name = Path(path).name
    return not (name.startswith((".", "#")) or name.endswith(("~", ".swp", ".swx", ".tmp")))


class Watcher:
    """A thread that calls ``on_change(paths)`` for each burst of saves."""

    def __init__(self, folders: Iterable[Path], on_change: Callable[[set[Path]], None]) -> None:
        self.folders = tuple(dict.fromkeys(Path(f).resolve() for f in folders if Path(f).is_dir()))
        self._on_change = on_change
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="folder-builder-watch",
                                        daemon=True)

    def start(self) -> None:
        if self.folders:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _run(self) -> None:
        try:
            for changes in watchfiles.watch(
                    *self.folders, watch_filter=_wanted, step=STEP_MS, debounce=DEBOUNCE_MS,
                    stop_event=self._stop, raise_interrupt=False, rust_timeout=500,
                    yield_on_timeout=False):
                self._on_change({Path(path) for _, path in changes})
        except Exception:
            log.exception("watching the files stopped")
