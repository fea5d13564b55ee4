"""A warm build session: load once, build many times, re-read only what changed.

A web proof, an editor or a batch worker builds the same content again and
again with small edits in between. A ``Session`` keeps what does not change
from one build to the next: the loaded content, the template environment, the
font configuration and parsed stylesheets. ``refresh()`` looks at the files on
disk and re-reads only when one changed; ``build()`` returns the PDF in memory
with the pages that differ from the previous build of the same product.

    session = Session(content=Path("content"))
    result = session.build("folder", variant="print")
    result.pdf, result.pages, result.changed_pages

A session is used from one thread at a time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InputError
from .paths import BUNDLED_CONTENT, BUNDLED_FONTS

if TYPE_CHECKING:
    from .build import Builder
    from .model import Content, Department, Role
    from .preflight import Report

PRODUCTS = ("folder", "leaflet")
VARIANT_NAMES = ("print", "screen")


@dataclass(frozen=True)
class Result:
    """One PDF a session built, in memory."""

    #: the finished, preflighted PDF
    pdf: bytes
    #: the page count
    pages: int
    #: 1-based pages that differ from the previous build of the same product
    #: (product, variant, role, department); every page on the first build
    changed_pages: frozenset[int]
    #: section id -> (first page, last page), 1-based
    landings: dict[str, tuple[int, int]]
    #: the preflight report (.passed, .failures, .format())
    report: Report
    #: "print" or "screen"
    variant: str
    product: str = "folder"
    role: str | None = None
    department: str | None = None
    #: the HTML the PDF was laid out from (for --keep-html)
    html: str = field(default="", repr=False)


@dataclass(frozen=True)
class DepartmentFile:
    """A department file of the content: its id (file name), its name and its path."""

    id: str
    name: str
    path: Path


class Session:
    """Everything a build needs, loaded once and kept warm between builds."""

    def __init__(self, content: Path = BUNDLED_CONTENT, layouts: Path | None = None, *,
                 icc: Path | None = None, marks: bool | None = None,
                 jobs: int | None = None) -> None:
        """Load and validate the content and layouts; raise a FolderBuilderError
        (ContentError with every problem) when they are wrong. ``icc`` and ``marks``
        override print.yaml; ``jobs`` is how many processes a print folder may be
        laid out in (None: one per core; 1 keeps everything in this process)."""
        from .build import BuildOptions

        self._options = BuildOptions(content=Path(content), layouts=layouts, icc=icc,
                                     marks=marks, jobs=jobs)
        self._builder = self._new_builder()
        self._files = _snapshot(self._watched())
        #: (product, variant, role id, department id) -> page digests of the last build
        self._last_pages: dict[tuple[str, str, str | None, str | None], list[bytes]] = {}
        self._departments: dict[Path, tuple[tuple[int, int], Department]] = {}

    # -- what the session holds ---------------------------------------------

    @property
    def content(self) -> Content:
        """The loaded, validated, frozen content."""
        return self._builder.content

    def departments(self) -> list[DepartmentFile]:
        """The department files of the content, in name order, with the name written
        in each (a file that cannot be read is listed under its file name)."""
        from .content import department_files

        out = []
        for path in department_files(self.content):
            try:
                name = self.department(path).name
            except InputError:
                name = path.stem
            out.append(DepartmentFile(path.stem, name, path))
        return out

    def department(self, wanted: str | Path) -> Department:
        """A department by id, name or file, loaded and checked (kept until its file
        changes)."""
        from .content import find_department

        path = wanted if isinstance(wanted, Path) else find_department(self.content, wanted)
        signature = _signature(path)
        kept = self._departments.get(path)
        if kept is not None and kept[0] == signature:
            return kept[1]
        department = self._builder.department(path)
        self._departments[path] = (signature, department)
        return department

    def role(self, wanted: str) -> Role:
        """A role a leaflet can be made for, by id or display name."""
        return self._builder.leaflet_role(wanted)

    # -- refresh ---------------------------------------------------------------

    def refresh(self) -> frozenset[Path]:
        """Re-read the files that changed on disk since the session last looked
        (content, layouts, fonts); return them (empty when nothing changed).

        Raises ContentError (or another FolderBuilderError) when the changed files
        are invalid; the session then keeps its last good state, and a later
        refresh, after a fix, picks the files up again."""
        now = _snapshot(self._watched(), self._files)
        changed = frozenset(path for path in now.keys() | self._files.keys()
                            if now.get(path, (None, None))[1]
                            != self._files.get(path, (None, None))[1])
        if not changed:
            self._files = now  # touched but unchanged files: remember their new times
            return changed
        from .content import DEPARTMENTS

        departments = (Path(self._options.content) / DEPARTMENTS).resolve()
        if all(path.is_relative_to(departments) for path in changed):
            # Only department files or their logos: nothing the builder holds. They
            # are loaded (and checked) when a leaflet asks for them, so a studio's
            # saves do not make every build wait for a whole new builder.
            self._files = now
            self._departments = {path: kept for path, kept in self._departments.items()
                                 if path.resolve() not in changed and path not in changed}
            return changed
        builder = self._new_builder()  # raises, leaving the session as it was
        self._builder, self._files = builder, now
        self._departments = {path: kept for path, kept in self._departments.items()
                             if path not in changed}
        return changed

    def _new_builder(self) -> Builder:
        from .build import Builder

        return Builder(self._options)

    def _watched(self) -> list[Path]:
        """The folders whose files make the PDFs: the content, the layouts, the fonts."""
        return [self._options.content, *self._layout_dirs(), BUNDLED_FONTS]

    def _layout_dirs(self) -> tuple[Path, ...]:
        from .templates import layout_dirs

        return layout_dirs(self._options.layouts)

    # -- build -----------------------------------------------------------------

    def build(self, product: str = "folder", variant: str = "print", *,
              role: str | None = None, department: str | Path | None = None,
              strict: bool = True, deliver: bool = False) -> Result:
        """Build one PDF of ``product`` ("folder" or "leaflet", for ``role`` and
        optionally ``department``) in ``variant`` ("print" or "screen").

        Raises a FolderBuilderError when the content does not fit the plan, the
        layout fails, or (with ``strict``, the default) the preflight fails; with
        ``strict=False`` a failed preflight is in ``result.report``. ``deliver=True``
        gives the bytes a cold command-line build gives."""
        if product not in PRODUCTS:
            raise InputError(f"unknown product '{product}'; choose from {', '.join(PRODUCTS)}")
        if variant not in VARIANT_NAMES:
            raise InputError(f"unknown variant '{variant}'; choose from "
                             f"{', '.join(VARIANT_NAMES)}")
        chosen_role = self.role(role) if role is not None else None
        if product == "leaflet" and chosen_role is None:
            raise InputError("a leaflet is made for one role: name it with role=")
        chosen_department = self.department(department) if department is not None else None
        made = self._builder.produce(variant, product=product, role=chosen_role,
                                     department=chosen_department, strict=strict)
        key = (product, variant, chosen_role.id if chosen_role else None,
               chosen_department.id if chosen_department else None)
        digests = page_digests(made.laid)
        before = self._last_pages.get(key)
        self._last_pages[key] = digests
        changed = frozenset(
            number for number, digest in enumerate(digests, 1)
            if before is None or number > len(before) or before[number - 1] != digest)
        return Result(pdf=made.pdf, pages=made.pages, changed_pages=changed,
                      landings=made.landings, report=made.report, variant=made.variant,
                      product=product, role=key[2], department=key[3], html=made.html)


def page_digests(pdf_bytes: bytes) -> list[bytes]:
    """A digest of what each page shows: its content streams, the images and forms it
    draws (their data) and the fonts it names (without subset tags: glyph ids are kept
    when WeasyPrint subsets, so the same text draws the same glyphs)."""
    import pikepdf

    with pikepdf.open(BytesIO(pdf_bytes)) as pdf:
        out = []
        for page in pdf.pages:
            digest = hashlib.sha256()
            for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
                digest.update(repr(page.obj.get(box)).encode())
            digest.update(page.obj.Contents.read_bytes() if "/Contents" in page.obj
                          and isinstance(page.obj.Contents, pikepdf.Stream) else b"")
            if "/Contents" in page.obj and isinstance(page.obj.Contents, pikepdf.Array):
                for stream in page.obj.Contents:
                    digest.update(stream.read_bytes())
            _digest_resources(page.obj.get("/Resources"), digest, set())
            out.append(digest.digest())
        return out


def _digest_resources(resources: object, digest: hashlib._Hash,
                      seen: set[tuple[int, int]]) -> None:
    import pikepdf

    if not isinstance(resources, pikepdf.Dictionary):
        return
    for category in sorted(resources.keys()):
        entries = resources[category]
        if not isinstance(entries, pikepdf.Dictionary):
            digest.update(f"{category}={entries!r}".encode())
            continue
        for name in sorted(entries.keys()):
            value = entries[name]
            digest.update(f"{category}{name}".encode())
            if category == "/Font":
                base = str(value.get("/BaseFont", ""))
                digest.update(base.split("+", 1)[-1].encode())
            elif isinstance(value, pikepdf.Stream):
                if value.objgen in seen and value.objgen != (0, 0):
                    continue
                seen.add(value.objgen)
                digest.update(value.read_raw_bytes())
                _digest_resources(value.get("/Resources"), digest, seen)
            else:
                digest.update(repr(value).encode())


def _signature(path: Path) -> tuple[int, int]:
    try:
        stat = path.stat()
    except OSError:
        return (-1, -1)
    return (stat.st_mtime_ns, stat.st_size)


def _snapshot(folders: Iterable[Path], before: dict[Path, tuple[tuple[int, int], bytes]]
              | None = None) -> dict[Path, tuple[tuple[int, int], bytes]]:
    """Every file under ``folders`` with its (mtime, size) and a digest of its bytes; a
    file whose mtime and size are as ``before`` is not read again."""
    before = before or {}
    out: dict[Path, tuple[tuple[int, int], bytes]] = {}
    for folder in dict.fromkeys(Path(f).resolve() for f in folders):
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            hidden = any(part.startswith(".") for part in path.relative_to(folder).parts)
            # (hidden: also what lies in hidden folders, as the studio's kept versions
            # in content/departments/.history/, which no build reads)
            if not path.is_file() or hidden or "__pycache__" in path.parts:
                continue
            signature = _signature(path)
            kept = before.get(path)
            if kept is not None and kept[0] == signature:
                out[path] = kept
                continue
            try:
                out[path] = (signature, hashlib.sha256(path.read_bytes()).digest())
            except OSError:
                continue
    return out
