"""Department files written by a program, and still a file a person can edit.

The studio saves what a department head typed in a form to
``content/departments/<slug>.yaml``. That file stays the source of truth and
stays readable: the same field order as the example file, the example file's
explanatory comments above each field, each note headed by a comment quoting
the statement it is about, the introduction as a block of paragraphs.

A save never loses anything:

- it is checked by the same loader as a build (``load_department``) and the
  glyph check *before* anything is written; problems come back per form field
  and the file is untouched;
- it carries the version token of the file as the form loaded it (a digest of
  its bytes); if the file changed since (another save, a hand edit), the save
  is refused with "changed since you opened it" and *both* versions are kept:
  the one on disk in place, the refused one in the history;
- the file is replaced atomically, and the version it replaces is kept in
  ``content/departments/.history/<slug>/`` where it can be listed and restored.

Check and write happen under a lock (a thread lock and an ``fcntl`` lock on a
file in the history folder), so two saves of the same token cannot both pass.
"""

from __future__ import annotations

import datetime
import fcntl
import hashlib
import json
import os
import re
import tempfile
import threading
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .content import DEPARTMENT, DEPARTMENTS, ID_PATTERN, department_files, load_department
from .errors import ContentError, FolderBuilderError, InputError, Problem
from .model import Content
from .output import write_atomic
from .web.i18n import N_, Message

HISTORY = ".history"
#: The fields of a department file, in the order they are written: the loader's
#: schema (content.DEPARTMENT), declared once.
FIELDS = DEPARTMENT.names
#: The reflection page holds at most this many questions.
MAX_QUESTIONS = 12
MAX_SLUG = 60
#: Letters that do not decompose into an ASCII letter plus accents (NFKD).
_FOLD = str.maketrans({"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "œ": "oe", "ð": "d",
                       "þ": "th", "ł": "l", "đ": "d", "ı": "i"})
_LOCK = threading.Lock()
#: Characters a plain YAML scalar may not start with.
_INDICATORS = "!&*{}[]|>'\"%@`#,?:-"


class FormError(InputError):
    """The form's values do not make a valid department file; nothing was written.
    ``fields`` maps a form field (``name``, ``notes.<id>``, ``questions[3]`` …) to
    its messages."""

    def __init__(self, fields: Mapping[str, Sequence[Message | str]],
                 problems: Sequence[Problem] = ()) -> None:
        #: Messages of the form itself are Messages (translated where shown); the
        #: loader's are English text.
        self.fields = {key: list(value) for key, value in fields.items()}
        count = sum(len(v) for v in self.fields.values())
        super().__init__(f"the department was not saved: {count} "
                         f"{'problem' if count == 1 else 'problems'} in the form", problems)


class ConflictError(InputError):
    """The file changed since the form was opened; the save was refused and both
    versions are kept: ``current`` (on disk) and ``refused`` (the history entry
    holding what the form tried to save)."""

    def __init__(self, path: Path, current: str, refused: HistoryEntry) -> None:
        self.say = N_("{file} changed since you opened it; your version was not saved over "
                      "it but kept in the history, so you can choose", file=path.name)
        super().__init__(str(self.say))
        self.path = path
        self.current = current
        self.refused = refused


@dataclass
class DepartmentForm:
    """What the studio's form holds for one department."""

    name: str
    #: The logo's path relative to the department file (e.g. logos/x.png), or None.
    logo: str | None = None
    #: Paragraphs separated by blank lines, as typed.
    introduction: str = ""
    #: Statement, perspective or role id -> the note; empty notes are dropped.
    notes: dict[str, str] = field(default_factory=dict)
    questions: list[str] = field(default_factory=list)
    contact: str = ""


@dataclass(frozen=True)
class HistoryEntry:
    """One kept version of a department file."""

    id: str  # the file name in the history folder: a UTC time stamp and a kind
    path: Path
    time: datetime.datetime
    #: "previous" (replaced by a save or a restore) or "refused" (a save that
    #: met a newer file)
    kind: str


# --- names -----------------------------------------------------------------------


def slugify(name: str) -> str:
    """A department's file name from its display name: lower-case ASCII letters,
    digits and single hyphens, nothing else (so no path can leave the folder)."""
    text = unicodedata.normalize("NFKD", name.casefold().translate(_FOLD))
    text = "".join(c for c in text if not unicodedata.combining(c))
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:MAX_SLUG].strip("-")
    if not slug:
        raise FormError({"name": [N_("the name must contain letters or digits")]})
    return slug


def department_path(content_root: Path, slug: str) -> Path:
    """The file of the department ``slug``; an InputError for anything that is not
    a plain slug (``..``, ``/``, upper case, dots, empty …)."""
    if not isinstance(slug, str) or len(slug) > MAX_SLUG or not ID_PATTERN.fullmatch(slug):
        raise InputError(f"'{slug}' is not a department id (lower-case letters, digits and "
                         "hyphens only)")
    folder = (Path(content_root) / DEPARTMENTS).resolve()
    path = folder / f"{slug}.yaml"
    if path.resolve().parent != folder:  # a symlink that leads out
        raise InputError(f"'{slug}': the department file lies outside {folder}")
    return path


def version_token(data: bytes) -> str:
    """The version of a file as loaded: a digest of its bytes."""
    return hashlib.sha256(data).hexdigest()


# --- reading -----------------------------------------------------------------------


def read_form(path: Path, content: Content) -> tuple[DepartmentForm, str]:
    """The form values of the department file at ``path`` and its version token.

    The file is checked by the loader first; a file broken by hand raises the
    loader's ContentError (file, line and field), which the studio shows."""
    data = path.read_bytes()
    load_department(path, content)
    raw = yaml.safe_load(data.decode("utf-8")) or {}
    notes = raw.get("notes") or {}
    return DepartmentForm(
        name=str(raw.get("name", "")),
        logo=raw.get("logo"),
        introduction=str(raw.get("introduction") or "").strip(),
        notes={str(k): str(v) for k, v in notes.items()},
        questions=[str(q) for q in raw.get("questions") or []],
        contact=str(raw.get("contact") or ""),
    ), version_token(data)


# --- writing YAML a person can read ------------------------------------------------------


def _comments(text: str) -> tuple[list[str], dict[str, list[str]]]:
    """The header comment (comment lines before the first blank line, when a blank
    line follows them) and the comment block right above each top-level field."""
    lines = text.splitlines()
    header: list[str] = []
    index = 0
    while index < len(lines) and lines[index].startswith("#"):
        header.append(lines[index])
        index += 1
    if index >= len(lines) or lines[index].strip():
        header, index = [], 0  # the comment belongs to the first field, not the file
    blocks: dict[str, list[str]] = {}
    pending: list[str] = []
    for line in lines[index:]:
        if line.startswith("#"):
            pending.append(line)
            continue
        match = re.match(r"([A-Za-z_][\w-]*)\s*:", line)
        if match and pending:
            blocks.setdefault(match.group(1), pending)
        pending = []  # a comment explains a field only right above it
    return header, blocks


def _explanations(path: Path, content: Content) -> tuple[list[str], dict[str, list[str]]]:
    """The comments to write: the file's own, and for a field it has none for, the
    first department file's (the example file) that has one. New files get no
    header: the example's header describes the example."""
    header: list[str] = []
    blocks: dict[str, list[str]] = {}
    if path.is_file():
        header, blocks = _comments(path.read_text("utf-8", errors="replace"))
    for other in department_files(content):
        if other == path:
            continue
        _, theirs = _comments(other.read_text("utf-8", errors="replace"))
        for key, block in theirs.items():
            blocks.setdefault(key, block)
    return header, blocks


def _scalar(text: str) -> str:
    """``text`` as a YAML scalar on one line: plain when that reads back exactly,
    else double-quoted (YAML escapes everything that needs it)."""
    if text and "\n" not in text and text == text.strip() and text[0] not in _INDICATORS:
        try:
            if yaml.safe_load(f"k: {text}") == {"k": text} and " #" not in text:
                return text
        except yaml.YAMLError:
            pass
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def _block(text: str, indent: str = "  ") -> str:
    """Paragraphs as a literal block (``|``), the way a person writes them."""
    paragraphs = [
        "\n".join(line.strip() for line in chunk.strip().splitlines() if line.strip())
        for chunk in re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip())
    ]
    body = "\n\n".join(p for p in paragraphs if p)
    lines = [f"{indent}{line}" if line else "" for line in body.split("\n")]
    return "|\n" + "\n".join(lines)


def _statement_texts(content: Content) -> dict[str, str]:
    """A short label for every id a note can be on: the statement's text, the
    perspective's heading, the role's name."""
    labels = {p.id: p.heading for p in content.perspectives}
    labels.update({r.id: r.name for r in content.roles})
    for statement in content.statements:
        labels[statement.id] = statement.text
    return {key: " ".join(str(value).split()) for key, value in labels.items()}


def render_yaml(form: DepartmentForm, content: Content, path: Path) -> str:
    """The department file for ``form``: fields in the example's order, each with
    the example's comment, each note headed by the statement it is about."""
    header, comments = _explanations(path, content)
    labels = _statement_texts(content)
    out: list[str] = []
    if header:
        out += [*header, ""]

    def put(key: str, lines: list[str]) -> None:
        if out and out[-1] != "":
            out.append("")
        out.extend(comments.get(key, []))
        out.extend(lines)

    put("name", [f"name: {_scalar(form.name.strip())}"])
    if form.logo:
        put("logo", [f"logo: {_scalar(form.logo)}"])
    if form.introduction.strip():
        put("introduction", [f"introduction: {_block(form.introduction)}"])
    notes = {k: v.strip() for k, v in form.notes.items() if v and v.strip()}
    if notes:
        lines = ["notes:"]
        for key, note in notes.items():
            label = labels.get(key)
            if label:
                lines.append(f"  # {label[:90]}{'…' if len(label) > 90 else ''}")
            lines.append(f"  {_scalar(key)}: {_scalar(' '.join(note.split()))}")
        put("notes", lines)
    questions = [" ".join(q.split()) for q in form.questions if q and q.strip()]
    if questions:
        put("questions", ["questions:", *(f"  - {_scalar(q)}" for q in questions)])
    if form.contact.strip():
        put("contact", [f"contact: {_scalar(' '.join(form.contact.split()))}"])
    return "\n".join(out) + "\n"


# --- checking -----------------------------------------------------------------------------


def _form_field(problem: Problem) -> str:
    """The form field a loader problem is about (its field path is the form's)."""
    name = problem.field or ""
    if name.startswith("notes."):
        return name
    match = re.match(r"questions\[(\d+)\]", name)
    if match:
        return f"questions[{match.group(1)}]"
    head = re.split(r"[.\[]", name, maxsplit=1)[0]
    return head if head in FIELDS else "form"


def check(text: str, path: Path, content: Content, font_folders: Sequence[Path] | None = None
          ) -> None:
    """Raise FormError unless ``text`` loads as a valid department file at ``path``.

    The text is written to a hidden file beside ``path`` (so a relative logo
    path resolves as it will) that no glob for ``*.yaml`` sees, loaded by the
    loader a build uses, checked against the fonts, and removed."""
    from .glyphs import check_glyphs
    from .paths import BUNDLED_FONTS

    fields: dict[str, list[str]] = {}
    problems: list[Problem] = []
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".check")
    probe = Path(name)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        department = load_department(probe, content)
        check_glyphs(content, tuple(font_folders or (BUNDLED_FONTS,)), department)
    except ContentError as exc:
        problems = list(exc.problems)
        for problem in exc.problems:
            fields.setdefault(_form_field(problem), []).append(problem.message)
    finally:
        probe.unlink(missing_ok=True)
    if fields:
        raise FormError(fields, [Problem(p.message, path, None, p.field) for p in problems])


def _check_form(form: DepartmentForm) -> None:
    """What the loader cannot know: limits of the form itself."""
    fields: dict[str, list[str]] = {}
    questions = [q for q in form.questions if q and q.strip()]
    if len(questions) > MAX_QUESTIONS:
        fields["questions"] = [N_("at most {limit} questions fit on the reflection page; "
                                  "there are {count}", limit=MAX_QUESTIONS,
                                  count=len(questions))]
    if not form.name.strip():
        fields["name"] = [N_("the department needs a name")]
    if fields:
        raise FormError(fields)


# --- history and saving ------------------------------------------------------------


def history_folder(path: Path) -> Path:
    return path.parent / HISTORY / path.stem


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    """One save of a department folder at a time, across threads and processes."""
    lock_file = path.parent / HISTORY / ".lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with _LOCK, open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _keep(path: Path, data: bytes, kind: str) -> HistoryEntry:
    folder = history_folder(path)
    now = datetime.datetime.now(datetime.UTC)
    stamp = now.strftime("%Y%m%dT%H%M%S.%fZ")
    target = folder / f"{stamp}-{kind}.yaml"
    counter = 1
    while target.exists():  # two in the same microsecond
        target = folder / f"{stamp}-{counter}-{kind}.yaml"
        counter += 1
    _write(target, data)
    return HistoryEntry(target.name, target, now, kind)


def _write(target: Path, data: bytes) -> None:
    try:
        write_atomic(target, data)
    except FolderBuilderError as exc:
        raise FolderBuilderError(f"{target}: cannot write the file; the previous version "
                                 "is unchanged") from exc


def list_history(path: Path) -> list[HistoryEntry]:
    """The kept versions of the department file at ``path``, newest first."""
    folder = history_folder(path)
    entries = []
    for item in folder.glob("*.yaml") if folder.is_dir() else []:
        match = re.fullmatch(r"(\d{8}T\d{6}\.\d{6}Z)(?:-\d+)?-(previous|refused)\.yaml",
                             item.name)
        if match:
            time = datetime.datetime.strptime(match.group(1), "%Y%m%dT%H%M%S.%fZ").replace(
                tzinfo=datetime.UTC)
            entries.append(HistoryEntry(item.name, item, time, match.group(2)))
    return sorted(entries, key=lambda e: e.id, reverse=True)


def history_entry(path: Path, entry_id: str) -> HistoryEntry:
    """A kept version by its id; InputError for an unknown one (or a path)."""
    for entry in list_history(path):
        if entry.id == entry_id:
            return entry
    raise InputError(f"no kept version '{entry_id}' of {path.name}")


def _replace(path: Path, text: str, token: str | None, content: Content,
             font_folders: Sequence[Path] | None) -> str:
    """Check, then under the lock compare versions, keep the old one and write."""
    data = text.encode("utf-8")
    check(text, path, content, font_folders)
    with _locked(path):
        current = path.read_bytes() if path.exists() else None
        now = version_token(current) if current is not None else None
        if token != now:
            refused = _keep(path, data, "refused")
            raise ConflictError(path, (current or b"").decode("utf-8", errors="replace"),
                                refused)
        if current is not None:
            if current == data:
                return now  # nothing changed: no new version
            _keep(path, current, "previous")
        _write(path, data)
    return version_token(data)


def save(path: Path, form: DepartmentForm, token: str | None, content: Content, *,
         font_folders: Sequence[Path] | None = None) -> str:
    """Write ``form`` to the department file ``path`` if it is still the version
    ``token`` (None: the file must not exist yet). Returns the new token.

    Raises FormError (nothing written) or ConflictError (nothing overwritten; the
    refused version kept in the history)."""
    _check_form(form)
    return _replace(path, render_yaml(form, content, path), token, content, font_folders)


def restore(path: Path, entry_id: str, token: str | None, content: Content, *,
            font_folders: Sequence[Path] | None = None) -> str:
    """Make a kept version the current one (the current one is kept in turn)."""
    entry = history_entry(path, entry_id)
    text = entry.path.read_text("utf-8")
    return _replace(path, text, token, content, font_folders)


def create(content_root: Path, name: str, content: Content) -> tuple[str, Path]:
    """A new department file holding only ``name``; returns its slug and path.
    Refuses a name whose file already exists."""
    slug = slugify(name)
    path = department_path(content_root, slug)
    if path.exists():
        raise FormError({"name": [N_("a department with the file name '{slug}' exists "
                                     "already; choose another name or open that one",
                                     slug=slug)]})
    save(path, DepartmentForm(name=" ".join(name.split())), None, content)
    return slug, path
