"""A stand-in for the core's warm ``Session`` while it is being built (issue 11).

It offers the Session's contract (``build``, ``refresh``, ``content``,
``departments``) on top of the existing ``Builder``: a refresh reloads
everything when any watched file changed, and a build lays the product out in
full. Slower than the real session, never different: the PDF bytes are the
CLI's. ``open_session`` uses the real Session whenever the core has one.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..build import Builder, BuildOptions
from ..content import department_files, load_department
from ..errors import FolderBuilderError
from ..paths import BUNDLED_CONTENT, BUNDLED_FONTS
from ..templates import layout_dirs


def open_session(content: Path | None, layouts: Path | None) -> Any:
    """The core's Session if there is one, else the stand-in."""
    try:
        from .. import Session  # type: ignore[attr-defined]
    except ImportError:
        return InterimSession(content, layouts)
    return Session(content=content or BUNDLED_CONTENT, layouts=layouts)


@dataclass(frozen=True)
class _Report:
    passed: bool
    text: str
    failures: tuple = ()

    def format(self) -> str:
        return self.text


@dataclass(frozen=True)
class InterimResult:
    pdf: bytes
    pages: int
    variant: str
    report: _Report
    landings: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: None: every page may have changed (the caller then marks them all)
    changed_pages: frozenset[int] | None = None


class InterimSession:
    """The Session contract over a fresh Builder per change (see the module)."""

    def __init__(self, content: Path | None, layouts: Path | None) -> None:
        # One process: the server has threads, and forking beside them is asking for
        # trouble; the bytes are the same whatever the number of jobs.
        self._options = BuildOptions(content=content or BUNDLED_CONTENT, layouts=layouts,
                                     jobs=1)
        self._stamps = self._scan()
        self._builder = Builder(self._options)

    @property
    def content(self) -> Any:
        return self._builder.content

    def departments(self) -> list[tuple[str, str, Path]]:
        """(id, name, file) of each department; a file that does not load is listed by
        its id, so that its leaflet can be opened to see why."""
        found = []
        for path in department_files(self.content):
            try:
                name = load_department(path, self.content).name
            except FolderBuilderError:
                name = path.stem
            found.append((path.stem, name, path))
        return found

    def _scan(self) -> dict[Path, tuple[int, int]]:
        roots = [self._options.content, *layout_dirs(self._options.layouts), BUNDLED_FONTS]
        stamps = {}
        for root in roots:
            for path in Path(root).rglob("*"):
                if path.is_file():
                    stat = path.stat()
                    stamps[path] = (stat.st_mtime_ns, stat.st_size)
        return stamps

    def refresh(self) -> frozenset[Path]:
        stamps = self._scan()
        changed = frozenset(p for p in stamps.keys() | self._stamps.keys()
                            if stamps.get(p) != self._stamps.get(p))
        if not changed:
            return changed
        self._stamps = stamps
        self._builder = Builder(self._options)
        return changed

    def build(self, product: str, *, variant: str = "print", role: str | None = None,
              department: str | None = None, strict: bool = True,
              deliver: bool = False) -> InterimResult:
        builder = self._builder
        chosen = builder.leaflet_role(role) if role else None
        dept = builder.department(department) if department else None
        with tempfile.TemporaryDirectory(prefix="folder-builder-serve-") as folder:
            result = builder.make(variant, product=product, role=chosen, department=dept,
                                  target=Path(folder) / "proof.pdf")
            pdf = result.path.read_bytes()
        return InterimResult(pdf, result.pages, variant, _Report(True, result.report),
                             dict(result.landings))
