"""What changed since the edition at the printer.

A print build records what it printed in a small manifest beside the PDF
(``folder-print.pdf`` → ``folder-print.manifest.json``): every statement's id,
wording and pages, a digest of every other text, the perspectives' colours, and a
digest of the layouts and fonts. ``compare`` lists, against such a manifest, every
text changed, added or removed, with the old and the new wording (changed words
marked) and the pages it is on now; a colour or layout change is listed as such.

Pages are found the way a reader finds them: each statement's wording is looked up
in the text of the PDF's pages.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import hashlib
import itertools
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import InputError
from .model import Content, Source

FORMAT = 1
MANIFEST_SUFFIX = ".manifest.json"

# PDFium marks a hyphen the layout inserted at a line end as U+FFFE (or U+0002) and
# drops the line break after it; other extractors leave "-" and a line break. Both
# are undone.
_GENERATED_HYPHEN = re.compile(r"[\ufffe\x02]\s*")
_LINE_END_HYPHEN = re.compile(r"(?<=\w)-[ \t]*\r?\n[ \t]*(?=[^\W\d_])")
_SPACE = re.compile(r"\s+")


def manifest_path(pdf: Path) -> Path:
    """The manifest that belongs beside ``pdf``."""
    return pdf.with_name(pdf.stem + MANIFEST_SUFFIX)


def normalise(text: str) -> str:
    text = _GENERATED_HYPHEN.sub("", text)
    text = _LINE_END_HYPHEN.sub("", text)
    return _SPACE.sub(" ", text).strip()


def page_texts(pdf: bytes, pages: Sequence[int] | None = None) -> list[str]:
    """The text of every page of ``pdf`` (or of ``pages``, 1-based), normalised and
    casefolded: what find_pages looks wording up in."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    try:
        numbers = range(1, len(document) + 1) if pages is None else pages
        return [page_text(document[number - 1]) for number in numbers]
    finally:
        document.close()


def page_text(page: Any, fold: bool = True) -> str:
    """One PDFium page's text as page_texts gives it; with ``fold=False`` as a reader
    meets it (not casefolded: the studio's page descriptions)."""
    textpage = page.get_textpage()
    try:
        text = normalise(textpage.get_text_range())
        return text.casefold() if fold else text
    finally:
        textpage.close()


def find_pages(wording: str, texts: Sequence[str]) -> list[int]:
    """The 1-based pages that show ``wording`` (a text split by a page break counts on
    the page it starts on); ``texts`` as page_texts gives them."""
    wanted = _wanted(wording)
    found = [n for n, text in enumerate(texts, 1) if wanted in text]
    if not found:
        # On no page whole, so only across a break: within the last characters of one
        # page and the first of the next (a manifest asks this of most statements).
        reach = len(wanted)
        found = [n for n, (a, b) in enumerate(itertools.pairwise(texts), 1)
                 if wanted in f"{a[max(0, len(a) - reach):]} {b[:reach]}"
                 and wanted not in b]
    return found


@functools.lru_cache(maxsize=4096)
def _wanted(wording: str) -> str:
    """``wording`` as find_pages looks it up; headings may be set in capitals."""
    return normalise(wording).casefold()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _strings(value: Any) -> Iterator[str]:
    """Every piece of text in a content object, in order (not where it came from)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Source | Path) or value is None:
        return
    elif dataclasses.is_dataclass(value):
        for f in dataclasses.fields(value):
            if not f.name.startswith("_"):
                yield from _strings(getattr(value, f.name))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _strings(key)
            yield from _strings(item)
    elif isinstance(value, tuple | list):
        for item in value:
            yield from _strings(item)


def other_texts(content: Content) -> dict[str, str]:
    """Every text of the content other than the statements, by a stable name."""
    pub = content.publication
    texts = {f"publication.{name}": getattr(pub, name)
             for name in ("title", "subtitle", "organisation", "year", "core_task")}
    for p in content.perspectives:
        texts[f"perspectives.{p.id}.heading"] = p.heading
        texts[f"perspectives.{p.id}.model"] = p.model
    for r in content.roles:
        texts[f"roles.{r.id}.name"] = r.name
        if r.heading:
            texts[f"roles.{r.id}.heading"] = r.heading
    for name in ("foreword", "guide", "synthesis", "leaflet"):
        value = getattr(content, name, None)
        if value is not None:
            texts[name] = " ".join(" ".join(_strings(value)).split())
    return texts


def colours(content: Content) -> dict[str, str]:
    return {p.id: p.colour.cmyk_css for p in content.perspectives}


def layout_digest(folders: tuple[Path, ...], content: Content) -> str:
    """A digest of everything that decides the look rather than the words: the layouts,
    the fonts, the page plan and the print settings."""
    files = [content.root / "plan.yaml", content.root / "print.yaml"]
    for folder in folders:
        files += sorted(p for p in Path(folder).rglob("*") if p.is_file()
                        and "__pycache__" not in p.parts)
    files = [path for path in files if path.is_file()]
    # The fonts are megabytes: read the files again only when one of them changed
    # (the live proof asks after every build).
    stamps = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in files)
    known = _LAYOUT_DIGESTS.get(stamps)
    if known is None:
        digest = hashlib.sha256()
        for path in files:
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
        _LAYOUT_DIGESTS.clear()  # only the latest is asked for again
        known = _LAYOUT_DIGESTS[stamps] = digest.hexdigest()[:20]
    return known


_LAYOUT_DIGESTS: dict[tuple, str] = {}


def make_manifest(content: Content, pdf: bytes, folders: tuple[Path, ...], *,
                  product: str = "folder", role: str | None = None,
                  department: str | None = None,
                  texts: Sequence[str] | None = None) -> dict[str, Any]:
    """What a print PDF printed: see the module. ``texts``: its pages' texts, where
    the build already read them (page_texts gives the same)."""
    if texts is None:
        texts = page_texts(pdf)
    return {
        "format": FORMAT,
        "product": product, "role": role, "department": department,
        "pdf_sha256": hashlib.sha256(pdf).hexdigest(),
        "pages": len(texts),
        "statements": {s.id: {"text": s.text, "pages": find_pages(s.text, texts)}
                       for s in content.statements},
        "texts": {key: _digest(value) for key, value in other_texts(content).items()},
        "colours": colours(content),
        "layout": layout_digest(folders, content),
    }


def write_manifest(pdf_path: Path, manifest: dict[str, Any]) -> Path:
    from .output import write_atomic

    return write_atomic(manifest_path(pdf_path),
                        (json.dumps(manifest, ensure_ascii=False, indent=1) + "\n").encode())


def record(target: Path, content: Content, result: Any, layouts: Path | None) -> Path | None:
    """Write, beside the delivered PDF at ``target``, the manifest of what it printed,
    if its variant is what goes to the printer (``records_delivery``); ``result`` is
    the Session's Result it was written from. The one place a delivery is recorded:
    ``build`` and every print leaflet of ``batch`` come here."""
    from .variants import variant

    if not variant(result.variant).records_delivery:
        return None
    return write_manifest(target, make_manifest(
        content, result.pdf, watched_folders(layouts), product=result.product,
        role=result.role, department=result.department, texts=result.texts))


def watched_folders(layouts: Path | None) -> tuple[Path, ...]:
    """The folders whose files decide the look: the layouts (the user's first) and the
    fonts."""
    from .paths import BUNDLED_FONTS
    from .templates import layout_dirs

    return (*layout_dirs(layouts), BUNDLED_FONTS)


def read_manifest(path: Path) -> dict[str, Any]:
    """A manifest from disk; InputError, in words a user can act on, when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: no manifest of a printed edition here; a print build "
                         "writes one beside its PDF (folder-builder build), or name one "
                         "with --since") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise InputError(f"{path}: not a manifest of folder-builder ({exc})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise InputError(f"{path}: not a manifest of folder-builder (format {FORMAT})")
    return data


@dataclass(frozen=True)
class Change:
    """One difference from the printed edition."""

    kind: str  # "changed" | "added" | "removed" | "text" | "colour" | "layout"
    key: str
    old: str | None = None
    new: str | None = None
    #: the pages it is on now (for removed: where it was)
    pages: tuple[int, ...] = ()

    def words(self) -> list[tuple[str, str]]:
        """The wording as (mark, words) runs: "" same, "-" removed, "+" added."""
        return word_diff(self.old or "", self.new or "")


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    a, b = old.split(), new.split()
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            runs.append(("-", " ".join(a[i1:i2])))
        if j2 > j1:
            runs.append(("+", " ".join(b[j1:j2])))
    return runs


def compare(manifest: Mapping[str, Any], content: Content, pdf: bytes | None,
            folders: tuple[Path, ...], *, texts: Sequence[str] | None = None
            ) -> list[Change]:
    """Every change of ``content`` (laid out as ``pdf``, if given, for its pages)
    against ``manifest``, statements first, in content order. ``texts``, the pages'
    texts as page_texts gives them, spares reading them from ``pdf`` (the proof
    view keeps those of the pages that did not change)."""
    if texts is None:
        texts = page_texts(pdf) if pdf else []
    old = manifest.get("statements", {})
    changes: list[Change] = []
    now_ids = set()
    for s in content.statements:
        now_ids.add(s.id)
        pages = tuple(find_pages(s.text, texts)) if texts else ()
        before = old.get(s.id)
        if before is None:
            changes.append(Change("added", s.id, None, s.text, pages))
        elif before.get("text") != s.text:
            changes.append(Change("changed", s.id, before.get("text"), s.text, pages))
    for key, before in old.items():
        if key not in now_ids:
            changes.append(Change("removed", key, before.get("text"), None,
                                  tuple(before.get("pages", ()))))
    printed = manifest.get("texts", {})
    now = other_texts(content)
    for key, value in now.items():
        if printed.get(key) != _digest(value):
            pages = tuple(find_pages(value, texts)) if texts and len(value) < 400 else ()
            changes.append(Change("text", key, None, value, pages))
    for key in printed.keys() - now.keys():
        changes.append(Change("removed", key))
    for key, colour in colours(content).items():
        if manifest.get("colours", {}).get(key) not in (None, colour):
            changes.append(Change("colour", key, manifest["colours"][key], colour,
                                  _coloured_pages(content, key, texts)))
    if manifest.get("layout") != layout_digest(folders, content):
        changes.append(Change("layout", "layouts"))
    return changes


def _coloured_pages(content: Content, perspective: str, texts: Sequence[str]) -> tuple[int, ...]:
    """The pages a perspective's colour is printed on: where its statements stand and
    where its heading is set (the model page, the spreads' headings)."""
    if not texts:
        return ()
    pages: set[int] = set()
    for s in content.statements:
        if s.perspective == perspective:
            pages.update(find_pages(s.text, texts))
    for p in content.perspectives:
        if p.id == perspective:
            for name in (p.heading, p.model):
                pages.update(find_pages(name, texts))
    return tuple(sorted(pages))


def format_changes(changes: list[Change], since: Path) -> str:
    """The changes as plain text for a terminal: removed words [-like this-], added
    words {+like this+}, as ``git diff --word-diff`` shows them."""
    if not changes:
        return f"no changes since the printed edition ({since})"
    lines = [f"{len(changes)} change{'s' if len(changes) != 1 else ''} since the printed "
             f"edition ({since}):"]
    for change in changes:
        where = ""
        if change.pages:
            label = "was on page" if change.kind == "removed" else "page"
            where = f" ({label}{'s' if len(change.pages) > 1 else ''} " \
                    f"{', '.join(map(str, change.pages))})"
        if change.kind == "changed":
            marked = " ".join(f"[-{w}-]" if m == "-" else f"{{+{w}+}}" if m == "+" else w
                              for m, w in change.words())
            lines.append(f"  changed  {change.key}{where}: {marked}")
        elif change.kind == "added":
            lines.append(f"  added    {change.key}{where}: {change.new}")
        elif change.kind == "removed":
            lines.append(f"  removed  {change.key}{where}" +
                         (f": {change.old}" if change.old else ""))
        elif change.kind == "text":
            lines.append(f"  text     {change.key}{where}: now “{_short(change.new or '')}” "
                         "(the printed wording is kept only as a digest)")
        elif change.kind == "colour":
            lines.append(f"  colour   {change.key}{where}: {change.old} → {change.new}")
        else:
            lines.append("  layout   the layouts, fonts, page plan or print settings changed")
    return "\n".join(lines)


def _short(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


DEFAULT_MANIFEST = Path("build") / f"folder-print{MANIFEST_SUFFIX}"


def changes_command(content_root: Path, layouts: Path | None, since: Path | None) -> str:
    """``folder-builder changes``: the changes since a manifest, as text. The product
    is laid out now (in memory) to say which pages each change is on."""
    from .session import Session

    since = since or DEFAULT_MANIFEST
    manifest = read_manifest(since)
    session = Session(content=content_root, layouts=layouts)
    role = manifest.get("role")
    result = session.build("leaflet" if role else "folder", "print", role=role,
                           department=manifest.get("department"), strict=False)
    return format_changes(
        compare(manifest, session.content, result.pdf, watched_folders(layouts)), since)
