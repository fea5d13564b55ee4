"""A per-user cache of work that only depends on files: compiled templates, the
characters each font has, where the system's libraries are, the leaflet
cross-check's answer and the content colours in sRGB (colour.py).

Each costs tens of milliseconds or more on every run and changes only when a file
does. Entries are checked against their source (Jinja compares a checksum of the
template; a font's entry carries the file's size and modification time; library
lookups are keyed by the linker's index; the others by a digest of all they
depend on), so a stale entry is never used. The
cache lives in ``$XDG_CACHE_HOME/folder-builder`` (``~/.cache/folder-builder``);
``FOLDER_BUILDER_CACHE=off`` turns it off, and anything that cannot be read or
written there is simply worked out again.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import jinja2


def cache_dir() -> Path | None:
    """The cache folder, created if need be; None when caching is off or impossible."""
    if os.environ.get("FOLDER_BUILDER_CACHE", "").lower() in ("off", "0", "no"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    folder = Path(base) / "folder-builder"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder if os.access(folder, os.W_OK) else None


def template_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates, reused while their source is unchanged."""
    folder = cache_dir()
    if folder is None:
        return None
    (folder / "templates").mkdir(exist_ok=True)
    return jinja2.FileSystemBytecodeCache(str(folder / "templates"))


def _signature(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns]


def load_font_coverage(path: Path) -> frozenset[int] | None:
    """The cached code points of the font file at ``path``, if still current."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        entry = json.loads((folder / "fonts" / _key(path)).read_text())
        if entry["file"] == str(path) and entry["signature"] == _signature(path):
            return frozenset(entry["points"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def store_font_coverage(path: Path, points: frozenset[int]) -> None:
    folder = cache_dir()
    if folder is None:
        return
    try:
        signature = _signature(path)
    except OSError:
        return
    _write_json(folder / "fonts" / _key(path),
                {"file": str(path), "signature": signature, "points": sorted(points)})


def _key(path: Path) -> str:
    import hashlib

    return hashlib.sha256(str(path).encode()).hexdigest()[:24] + ".json"


def _write_json(target: Path, value: object) -> None:
    """Write a cache file whole or not at all (another process may be reading it)."""
    try:
        target.parent.mkdir(exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(value))
        temporary.replace(target)
    except OSError:
        pass


def load_entry(kind: str, key: str) -> object | None:
    """A cached JSON value of ``kind`` stored under ``key`` (a digest of everything it
    depends on), or None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        entry = json.loads((folder / kind / f"{key[:40]}.json").read_text())
        return entry["value"] if entry["key"] == key else None
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_entry(kind: str, key: str, value: object) -> None:
    folder = cache_dir()
    if folder is not None:
        _write_json(folder / kind / f"{key[:40]}.json", {"key": key, "value": value})
