"""Load a content folder into the frozen model, collecting every problem.

Validation never stops at the first problem: a communications officer who
mistyped three things should hear about all three in one run, each with file,
line and field. Nothing is built unless the whole content set is valid.
"""

from __future__ import annotations

import datetime
import difflib
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from . import richtext
from .cleanup import clean
from .errors import ContentError, InputError, Problem
from .model import (
    CHOSEN_ROLE,
    EACH,
    PAGES_PER_SHEET,
    STARTS,
    Colour,
    Content,
    Department,
    Foreword,
    Guide,
    Leaflet,
    Perspective,
    PrintSettings,
    Publication,
    Reference,
    RichText,
    Role,
    SectionSpec,
    Signature,
    Source,
    Statement,
    Synthesis,
)
from .yamlsource import Node, Seq, load_yaml

ID_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
ID_RULE = "lower-case ASCII letters, digits and single hyphens (e.g. leder-af-leder)"
LANG_PATTERN = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


class _File:
    """The validation context of one YAML file: its path and its problems."""

    def __init__(
        self, path: Path, problems: list[Problem], section_ids: Iterable[str] = (),
        warnings: list[Problem] | None = None,
    ) -> None:
        self.path = path
        self.problems = problems
        #: What the build will still do but should say: text cleaned on loading.
        self.warnings = warnings if warnings is not None else []
        self.section_ids = sorted(section_ids)
        #: Ids written in a list file, valid or not: a broken entry is reported once,
        #: where it is, and not again by everything that refers to it.
        self.declared: set[str] = set()
        #: The file's top-level mapping, once loaded.
        self.root: Node | None = None

    def load(self) -> Node | None:
        """The file's top-level mapping, or None (with the reason recorded)."""
        data, problems = load_yaml(self.path)
        self.problems += problems
        if data is None:
            return None  # unreadable, empty or not YAML: already reported
        self.root = self.mapping(data, "", 1)
        return self.root

    def error(self, message: str, line: int | None = None, field: str | None = None) -> None:
        self.problems.append(Problem(message, self.path, line, field))

    def source(self, line: int | None) -> Source:
        return Source(self.path, line)

    # -- structure ---------------------------------------------------------

    def mapping(self, value: Any, field: str, line: int | None) -> Node | None:
        if isinstance(value, Node):
            return value
        self.error(f"expected a set of 'name: value' fields, found {_kind(value)}", line, field)
        return None

    def sequence(self, value: Any, field: str, line: int | None) -> Seq | None:
        if isinstance(value, Seq):
            return value
        self.error(f"expected a list of '- ' items, found {_kind(value)}", line, field)
        return None

    def fields(
        self, node: Node, prefix: str, required: Iterable[str], optional: Iterable[str] = ()
    ) -> None:
        """Report missing required fields and unknown (often misspelt) ones."""
        required, optional = list(required), list(optional)
        known = required + optional
        unknown = [name for name in node if name not in known]
        guesses = {
            name: difflib.get_close_matches(str(name), known, n=1) for name in unknown
        }
        misspelt = {guess[0] for guess in guesses.values() if guess}
        for name in required:
            if name not in node and name not in misspelt:
                self.error("this field is missing", node.line, _join(prefix, name))
        for name in unknown:
            guess = guesses[name]
            hint = f" (did you mean '{guess[0]}'?)" if guess else ""
            self.error(
                f"unknown field{hint}; allowed here: {', '.join(known)}",
                node.key_lines.get(name),
                _join(prefix, str(name)),
            )

    # -- values ------------------------------------------------------------

    def text(self, node: Node, name: str, prefix: str, *, required: bool = True) -> str | None:
        if name not in node:
            return None  # reported by fields() when required
        value, line = node[name], node.key_lines[name]
        if isinstance(value, bool) or value is None:
            if value is None and not required:
                return None
            self.error(f"expected text, found {_kind(value)}", line, _join(prefix, name))
            return None
        if isinstance(value, int | float):
            value = str(value)
        if not isinstance(value, str):
            self.error(f"expected text, found {_kind(value)}", line, _join(prefix, name))
            return None
        value = self.cleaned(value, line, _join(prefix, name), paragraphs=False)
        value = " ".join(value.split())
        if not value:
            self.error("the text is empty", line, _join(prefix, name))
            return None
        bad = _control_character(value)
        if bad:
            self.error(bad, line, _join(prefix, name))
            return None
        return value

    def rich(self, node: Node, name: str, prefix: str, *, required: bool = True) -> RichText:
        if name not in node:
            return ()
        value, line = node[name], node.key_lines[name]
        if value is None and not required:
            return ()
        if not isinstance(value, str) or not value.strip():
            self.error(
                f"expected text, found {_kind(value)}" if not isinstance(value, str)
                else "the text is empty",
                line,
                _join(prefix, name),
            )
            return ()
        value = self.cleaned(value, line, _join(prefix, name), paragraphs=True)
        bad = _control_character(value.replace("\n", " "))
        if bad:
            self.error(bad, line, _join(prefix, name))
            return ()
        blocks, problems = richtext.parse(value)
        for message, token in problems:
            self.error(message, _line_of(value, token, line), _join(prefix, name))
        for ref in dict.fromkeys(richtext.page_refs(blocks)):
            if self.section_ids and ref not in self.section_ids:
                self.error(_unknown("section", ref, self.section_ids),
                           _line_of(value, "{pages:" + ref + "}", line), _join(prefix, name))
        return blocks

    def cleaned(self, value: str, line: int | None, field: str, *, paragraphs: bool) -> str:
        """``value`` cleaned of what pasting from Word brings (cleanup.py); what changed
        becomes a warning at the field's line."""
        text, changed = clean(value, paragraphs=paragraphs)
        if changed:
            self.warnings.append(Problem(changed, self.path, line, field))
        return text

    def ident(self, node: Node, name: str, prefix: str) -> str | None:
        value = self.text(node, name, prefix)
        if value is not None and not ID_PATTERN.fullmatch(value):
            self.error(f"'{value}' is not a valid id: use {ID_RULE}", node.key_lines[name],
                       _join(prefix, name))
            return None
        return value


def _line_of(value: str, token: str, key_line: int) -> int:
    """The file line of ``token`` inside a multi-line value that starts after ``key_line``."""
    if "\n" not in value.rstrip("\n"):
        return key_line
    return key_line + 1 + value[: max(value.find(token), 0)].count("\n")


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "yes/no"
    if isinstance(value, dict):
        return "a set of fields"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return "a number"
    return "text"


#: Characters that reorder how text is shown without showing themselves: in a
#: printed text they can only hide or scramble words.
BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _control_character(value: str) -> str | None:
    for ch in value:
        if ch < " " or "\x7f" <= ch < "\xa0" or ch in BIDI_CONTROLS:
            return f"contains an invisible control character (U+{ord(ch):04X}); remove it"
    return None


# --- the files ---------------------------------------------------------------


def load_content(root: Path) -> Content:
    """Load and validate the content folder ``root``; raise ContentError on any problem."""
    root = Path(root)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if not root.is_dir():
        raise ContentError([Problem("the content folder does not exist", root)])

    publication = _publication(_File(root / "publication.yaml", problems, warnings=warnings))
    perspectives_file = _File(root / "perspectives.yaml", problems, warnings=warnings)
    roles_file = _File(root / "roles.yaml", problems, warnings=warnings)
    perspectives = _perspectives(perspectives_file)
    roles = _roles(roles_file)
    statements = _statements(root / "statements", roles, perspectives, problems,
                             roles_file.declared, perspectives_file.declared, warnings)
    plan_file = _File(root / "plan.yaml", problems, warnings=warnings)
    plans = _plans(plan_file, roles, perspectives)
    max_pages = _max_pages(plan_file, plans)
    # {pages:ID} in any text may name a section, or a group of sections, of any plan.
    ids = {spec.id for specs in plans.values() for spec in specs}
    foreword = _foreword(_File(root / "foreword.yaml", problems, ids, warnings))
    guide = _guide(_File(root / "guide.yaml", problems, ids, warnings))
    synthesis = _synthesis(_File(root / "synthesis.yaml", problems, ids, warnings))
    print_settings = _print_settings(_File(root / "print.yaml", problems, warnings=warnings))
    if print_settings is not None and perspectives:
        from .paths import DEFAULT_PROFILE

        _contrast(perspectives_file, perspectives, print_settings.profile or DEFAULT_PROFILE)
    leaflet = _leaflet(_File(root / "leaflet.yaml", problems, ids, warnings))
    if problems or None in (publication, foreword, guide, synthesis, print_settings) or (
        leaflet is False
    ):
        raise ContentError(_sorted(problems))
    return Content(
        root=root,
        publication=publication,
        perspectives=tuple(perspectives),
        roles=tuple(roles),
        statements=tuple(statements),
        foreword=foreword,
        guide=guide,
        synthesis=synthesis,
        plans=plans,
        print_settings=print_settings,
        leaflet=leaflet,
        max_pages=MappingProxyType(max_pages),
        warnings=tuple(_sorted(warnings)),
    )


def _sorted(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (str(p.path), p.line or 0))


def _publication(f: _File) -> Publication | None:
    node = f.load()
    if node is None:
        return None
    names = ["language", "title", "subtitle", "organisation", "year", "core_task"]
    f.fields(node, "", names, ["date"])
    values = {name: f.text(node, name, "") for name in names}
    lang = values["language"]
    if lang and not LANG_PATTERN.fullmatch(lang):
        f.error(f"'{lang}' is not a language code such as da or en", node.key_lines["language"],
                "language")
        return None
    date = f.text(node, "date", "", required=False)
    if date is None and values["year"] and re.fullmatch(r"\d{4}", values["year"]):
        date = f"{values['year']}-01-01"
    if date is not None and not _iso_date(date):
        f.error(f"'{date}' is not a date written as YYYY-MM-DD",
                node.key_lines.get("date", node.key_lines.get("year")), "date")
        return None
    if date is None and values["year"]:
        f.error("give a date (YYYY-MM-DD) when the year is not four digits", node.line, "date")
        return None
    if None in values.values():
        return None
    return Publication(**values, date=date)


def _iso_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


def _leaflet(f: _File) -> Leaflet | bool | None:
    """leaflet.yaml is optional; without it there are no leaflets. False: invalid."""
    if not f.path.exists():
        return None
    node = f.load()
    if node is None:
        return False
    f.fields(node, "", ["synthesis_brief", "full_folder"])
    brief, full = f.rich(node, "synthesis_brief", ""), f.rich(node, "full_folder", "")
    if not brief or not full:
        return False
    return Leaflet(brief, full)


def find_role(content: Content, wanted: str) -> Role:
    """A role by its id or its display name (in any case)."""
    for role in content.roles:
        if wanted == role.id or wanted.casefold() == role.name.casefold():
            return role
    known = ", ".join(r.id for r in content.roles)
    raise InputError(f"no role '{wanted}' in roles.yaml (known: {known})")


DEPARTMENTS = "departments"
LOGO_TYPES = (".svg", ".png")


def department_files(content: Content) -> list[Path]:
    """The department files of a content folder, in name order."""
    folder = content.root / DEPARTMENTS
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def find_department(content: Content, wanted: str) -> Path:
    """A department file by its id (file name) or by the name written in it."""
    files = department_files(content)
    for path in files:
        if path.stem == wanted or path.name == wanted:
            return path
    for path in files:
        data, _ = load_yaml(path)
        if isinstance(data, dict) and str(data.get("name", "")).casefold() == wanted.casefold():
            return path
    known = ", ".join(p.stem for p in files) or "none"
    raise InputError(f"no department '{wanted}' in {content.root / DEPARTMENTS} (known: {known})")


def load_department(path: Path, content: Content) -> Department:
    """Load and check one department file against the content; raise ContentError."""
    problems: list[Problem] = []
    leaflet_ids = {spec.id for spec in content.plans.get("leaflet", ())}
    f = _File(path, problems, leaflet_ids)
    node = f.load()
    if node is None:
        raise ContentError(problems)
    known = ([s.id for s in content.statements] + [p.id for p in content.perspectives]
             + [r.id for r in content.roles])
    fields = ["name", "logo", "introduction", "notes", "questions", "contact"]
    # A note written flush left under "notes:" is read as a field of the file.
    stray = [key for key in node if key not in fields and str(key) in known]
    for key in stray:
        where = f" (line {node.key_lines['notes']})" if "notes" in node else ""
        f.error(f"'{key}' is a note, but it is not indented under 'notes:'{where}: put two "
                "spaces before it, like the other notes", node.key_lines[key], str(key))
    view = Node({key: value for key, value in node.items() if key not in stray})
    view.line, view.key_lines = node.line, node.key_lines
    f.fields(view, "", ["name"], fields[1:])
    name = f.text(node, "name", "")
    contact = f.text(node, "contact", "", required=False)
    introduction = f.rich(node, "introduction", "", required=False)
    logo = None
    if node.get("logo") is not None:
        value = f.text(node, "logo", "")
        if value is not None:
            logo = (path.parent / value).resolve()
            problem = _logo_problem(logo, content.root.resolve())
            if problem:
                f.error(problem, node.key_lines["logo"], "logo")
                logo = None
    notes: dict[str, str] = {}
    if node.get("notes") is not None:
        notes_node = f.mapping(node["notes"], "notes", node.key_lines["notes"])
        for key in notes_node or {}:
            line = notes_node.key_lines[key]
            if str(key) not in known:
                guess = difflib.get_close_matches(str(key), known, n=1)
                hint = f" (did you mean '{guess[0]}'?)" if guess else ""
                f.error(f"unknown statement, role or perspective '{key}'{hint}; notes are "
                        "given by the id of a statement, a perspective or a role", line,
                        f"notes.{key}")
                continue
            text = f.text(notes_node, key, "notes")
            if text is not None:
                notes[str(key)] = text
    questions: list[str] = []
    if node.get("questions") is not None:
        seq = f.sequence(node["questions"], "questions", node.key_lines["questions"])
        for index, (item, line) in enumerate(
                zip(seq or [], seq.item_lines if seq else [], strict=True), 1):
            if isinstance(item, Node) and len(item) == 1:
                key, value = next(iter(item.items()))
                curly = any(ch in f"{key}{value}" for ch in "\u201c\u201d\u201e")
                f.error("this question contains ': ' (a colon and a space), so YAML reads it "
                        "as 'name: value'; put the whole question in straight double quotes: "
                        f'- "{key}: {value}"'
                        + (" (curly quotes \u201c \u201d do not count as quotes in YAML)"
                           if curly else ""), line, f"questions[{index}]")
                continue
            if not isinstance(item, str | int | float) or isinstance(item, bool) or \
                    not str(item).strip():
                f.error("expected a question as text", line, f"questions[{index}]")
                continue
            text = f.cleaned(str(item), line, f"questions[{index}]", paragraphs=False)
            bad = _control_character(text)  # as for every other text
            if bad:
                f.error(bad, line, f"questions[{index}]")
                continue
            questions.append(" ".join(text.split()))
    if problems or name is None:
        raise ContentError(_sorted(problems))
    lines = {name: node.key_lines[name] for name in ("introduction", "contact", "logo")
             if name in node}
    if isinstance(node.get("notes"), Node):
        lines.update({f"notes.{key}": line for key, line in node["notes"].key_lines.items()})
    if isinstance(node.get("questions"), Seq):
        lines.update({f"questions[{index}]": line
                      for index, line in enumerate(node["questions"].item_lines, 1)})
    return Department(path.stem, name, logo, introduction, MappingProxyType(notes),
                      tuple(questions), contact, f.source(1), MappingProxyType(lines),
                      tuple(_sorted(f.warnings)))


def _logo_problem(path: Path, root: Path) -> str | None:
    if not path.is_relative_to(root):
        return f"the logo must be inside the content folder ({root})"
    if path.suffix.lower() not in LOGO_TYPES:
        return f"a logo must be an SVG or PNG file, not '{path.name}'"
    if not path.is_file():
        return f"no such file: {path}"
    return None


def _print_settings(f: _File) -> PrintSettings | None:
    """print.yaml is optional; every field in it is too."""
    if not f.path.exists():
        return PrintSettings()
    node = f.load()
    if node is None:
        return None
    f.fields(node, "", [], ["bleed", "marks", "profile", "output_condition",
                            "output_condition_info", "registry"])
    ok = True
    settings: dict[str, Any] = {}
    if "bleed" in node:
        bleed = node["bleed"]
        if isinstance(bleed, bool) or not isinstance(bleed, int | float) or not 0 <= bleed <= 10:
            f.error("expected the bleed in millimetres, from 0 to 10", node.key_lines["bleed"],
                    "bleed")
            ok = False
        else:
            settings["bleed_mm"] = float(bleed)
    if "marks" in node:
        if not isinstance(node["marks"], bool):
            f.error("expected yes/no (true or false)", node.key_lines["marks"], "marks")
            ok = False
        else:
            settings["marks"] = node["marks"]
    profile = f.text(node, "profile", "", required=False)
    if profile is not None:
        path = (f.path.parent / profile).resolve()
        problem = icc_problem(path, inside=f.path.parent.resolve())
        if problem:
            f.error(problem, node.key_lines["profile"], "profile")
            ok = False
        else:
            settings["profile"] = path
    for name in ("output_condition", "output_condition_info", "registry"):
        value = f.text(node, name, "", required=False)
        if value is not None:
            settings[name] = value
    return PrintSettings(**settings) if ok else None


def icc_problem(path: Path, inside: Path | None = None) -> str | None:
    """Why ``path`` cannot be the CMYK output profile, or None if it can."""
    if inside is not None and not path.is_relative_to(inside):
        return f"the profile must be inside the content folder ({inside})"
    if not path.is_file():
        return f"no such file: {path}"
    from PIL import ImageCms  # Pillow comes with WeasyPrint

    from .colour import open_profile

    try:
        profile = open_profile(path)
    except (OSError, ImageCms.PyCMSError):
        return f"{path.name} is not an ICC profile"
    space = profile.profile.xcolor_space.strip()
    if space != "CMYK":
        return f"{path.name} is an ICC profile for {space}, not for CMYK printing"
    return None


def _listed(f: _File, key: str, build: Callable[[Node, str, int], Any]) -> list[Any]:
    """Load a file holding one list under ``key`` and build each item; ids must be unique."""
    node = f.load()
    if node is None:
        return []
    f.fields(node, "", [key])
    if key not in node:
        return []
    items = f.sequence(node[key], key, node.key_lines[key])
    if items is None:
        return []
    if not items:
        f.error("the list is empty", node.key_lines[key], key)
    built: list[Any] = []
    seen: dict[str, int] = {}
    for index, (item, line) in enumerate(zip(items, items.item_lines, strict=True), 1):
        item_node = f.mapping(item, f"{key}[{index}]", line)
        if item_node is None:
            continue
        if "id" in item_node:
            f.declared.add(str(item_node["id"]))
        label = f"{key}[{item_node.get('id', index)}]"
        obj = build(item_node, label, line)
        if obj is None:
            continue
        if obj.id in seen:
            f.error(f"id '{obj.id}' is used twice (first on line {seen[obj.id]})", line,
                    f"{label}.id")
            continue
        seen[obj.id] = line
        built.append(obj)
    return built


def _perspectives(f: _File) -> list[Perspective]:
    def build(node: Node, label: str, line: int) -> Perspective | None:
        f.fields(node, label, ["id", "heading", "model", "colour"])
        pid, heading = f.ident(node, "id", label), f.text(node, "heading", label)
        model, colour = f.text(node, "model", label), _colour(f, node, label)
        if None in (pid, heading, model, colour):
            return None
        return Perspective(pid, heading, model, colour, f.source(line))

    return _listed(f, "perspectives", build)


def _colour(f: _File, node: Node, label: str) -> Colour | None:
    if "colour" not in node:
        return None
    value, line = node["colour"], node.key_lines["colour"]
    ok = (
        isinstance(value, list)
        and len(value) == 4
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value)
        and all(0 <= v <= 100 for v in value)
    )
    if not ok:
        f.error("expected four CMYK percentages from 0 to 100, e.g. [100, 60, 0, 20]", line,
                f"{label}.colour")
        return None
    if all(v <= 1 for v in value) and any(v != int(v) for v in value):
        meant = ", ".join(f"{v * 100:g}" for v in value)
        f.error(f"CMYK values are percentages from 0 to 100: write [{meant}], not "
                f"[{', '.join(f'{v:g}' for v in value)}]", line, f"{label}.colour")
        return None
    return Colour(*(float(v) for v in value))


def _contrast(f: _File, perspectives: list[Perspective], profile: Path) -> None:
    """Every perspective colour must be readable as text on white in the screen PDF,
    where it is converted to sRGB through the print profile."""
    from .colour import MIN_CONTRAST, contrast_on_white, to_srgb

    for perspective in perspectives:
        rgb = to_srgb(perspective.colour, profile)
        ratio = contrast_on_white(rgb)
        if ratio < MIN_CONTRAST:
            c = perspective.colour
            f.error(f"the colour [{c.c:g}, {c.m:g}, {c.y:g}, {c.k:g}] is rgb{rgb} in the screen "
                    f"PDF and gives {ratio:.1f}:1 contrast on white; text in it needs at least "
                    f"{MIN_CONTRAST:g}:1 — make it darker (more K)",
                    _colour_line(f, perspective),
                    f"perspectives[{perspective.id}].colour")


def _colour_line(f: _File, perspective: Perspective) -> int | None:
    """The line of a perspective's "colour:" key (its item starts at source.line)."""
    lines = f.path.read_text(encoding="utf-8").splitlines()
    start = (perspective.source.line or 1) - 1
    for index in range(start, min(start + 12, len(lines))):
        if lines[index].strip().startswith("colour:"):
            return index + 1
    return perspective.source.line


def _roles(f: _File) -> list[Role]:
    def build(node: Node, label: str, line: int) -> Role | None:
        f.fields(node, label, ["id", "name"], ["heading", "shared"])
        rid, name = f.ident(node, "id", label), f.text(node, "name", label)
        heading = f.text(node, "heading", label, required=False)
        shared = node.get("shared", False)
        if not isinstance(shared, bool):
            f.error("expected yes/no (true or false)", node.key_lines["shared"], f"{label}.shared")
            return None
        if None in (rid, name):
            return None
        return Role(rid, name, heading, shared, f.source(line))

    roles = _listed(f, "roles", build)
    if roles and all(r.shared for r in roles):
        f.error("at least one role must not be shared", 1, "roles")
    return roles


def _statements(
    folder: Path,
    roles: list[Role],
    perspectives: list[Perspective],
    problems: list[Problem],
    declared_roles: set[str],
    declared_perspectives: set[str],
    warnings: list[Problem] | None = None,
) -> list[Statement]:
    """One file per role, keyed by perspective id, each statement keyed by its stable id."""
    if not folder.is_dir():
        problems.append(Problem("the statements folder is missing", folder))
        return []
    role_ids = [r.id for r in roles]
    persp_ids = [p.id for p in perspectives]
    files = sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml"))
    by_role = {path.stem: path for path in files}
    statements: list[Statement] = []
    seen: dict[str, Source] = {}
    for path in files:
        f = _File(path, problems, warnings=warnings)
        if path.stem in declared_roles - set(role_ids):
            continue  # the role itself is invalid and already reported
        if roles and path.stem not in role_ids:
            guess = difflib.get_close_matches(path.stem, role_ids, n=1)
            hint = f" (did you mean '{guess[0]}.yaml'?)" if guess else ""
            f.error(f"there is no role '{path.stem}' in roles.yaml{hint}; the file name must "
                    "be a role id")
            continue
        node = f.load()
        if node is None:
            continue
        for persp, cell in node.items():
            if persp not in persp_ids and persp not in declared_perspectives:
                # With no readable perspectives.yaml every key would be "unknown";
                # that file's own problem is the one to report.
                if persp_ids:
                    f.error(_unknown("perspective", str(persp), persp_ids),
                            node.key_lines[persp], str(persp))
                continue
            cell_node = f.mapping(cell, persp, node.key_lines[persp])
            if cell_node is None:
                continue
            for sid, _text in cell_node.items():
                line = cell_node.key_lines[sid]
                field = f"{persp}.{sid}"
                if not isinstance(sid, str) or not ID_PATTERN.fullmatch(sid):
                    f.error(f"'{sid}' is not a valid statement id: use {ID_RULE}", line, field)
                    continue
                text = f.text(cell_node, sid, persp)
                if text is None:
                    continue
                if sid in seen:
                    f.error(f"statement id '{sid}' is already used at {seen[sid]}", line, field)
                    continue
                seen[sid] = f.source(line)
                statements.append(Statement(sid, path.stem, persp, text, f.source(line)))
    for role in roles:
        if role.id not in by_role:
            problems.append(Problem(
                f"role '{role.id}' has no statements file ({role.id}.yaml)", folder))
    return statements


def _foreword(f: _File) -> Foreword | None:
    node = f.load()
    if node is None:
        return None
    f.fields(node, "", ["body", "signature"])
    body = f.rich(node, "body", "")
    sig = None
    if "signature" in node:
        sig_node = f.mapping(node["signature"], "signature", node.key_lines["signature"])
        if sig_node is not None:
            f.fields(sig_node, "signature", ["name", "title", "date"])
            values = [f.text(sig_node, n, "signature") for n in ("name", "title", "date")]
            if None not in values:
                sig = Signature(*values)
    if not body or sig is None:
        return None
    return Foreword(body, sig)


def _guide(f: _File) -> Guide | None:
    node = f.load()
    if node is None:
        return None
    f.fields(node, "", ["intro", "body"], ["after_list"])
    intro, body = f.rich(node, "intro", ""), f.rich(node, "body", "")
    after = f.rich(node, "after_list", "", required=False)
    if not intro or not body:
        return None
    return Guide(intro, after, body)


def _synthesis(f: _File) -> Synthesis | None:
    node = f.load()
    if node is None:
        return None
    f.fields(node, "", ["heading", "body", "further"])
    heading, body = f.text(node, "heading", ""), f.rich(node, "body", "")
    further_heading, refs = None, []
    if "further" in node:
        fnode = f.mapping(node["further"], "further", node.key_lines["further"])
        if fnode is not None:
            f.fields(fnode, "further", ["heading", "items"])
            further_heading = f.text(fnode, "heading", "further")
            items = None
            if "items" in fnode:
                items = f.sequence(fnode["items"], "further.items", fnode.key_lines["items"])
            for index, (item, line) in enumerate(
                zip(items or [], items.item_lines if items else [], strict=True), 1
            ):
                label = f"further.items[{index}]"
                inode = f.mapping(item, label, line)
                if inode is None:
                    continue
                f.fields(inode, label, ["label"], ["text", "url"])
                ref_label = f.text(inode, "label", label)
                text = f.text(inode, "text", label, required=False)
                url = f.text(inode, "url", label, required=False)
                if url is not None and not re.fullmatch(r"https?://\S+", url):
                    f.error("a url must start with https:// or http://", inode.key_lines["url"],
                            f"{label}.url")
                    url = None
                if text is None and url is None:
                    f.error("give a text or a url", line, label)
                elif ref_label is not None:
                    refs.append(Reference(ref_label, text, url))
    if heading is None or not body or further_heading is None:
        return None
    return Synthesis(heading, body, further_heading, tuple(refs))


def _plans(
    f: _File, roles: list[Role], perspectives: list[Perspective]
) -> dict[str, tuple[SectionSpec, ...]]:
    """plan.yaml: for each product, the sections in order and the pages each may take."""
    node = f.load()
    if node is None:
        return {}
    role_ids = [r.id for r in roles]
    persp_ids = [p.id for p in perspectives]
    plans: dict[str, tuple[SectionSpec, ...]] = {}
    for product, value in node.items():
        if product == MAX_PAGES:
            continue  # read by _max_pages
        items = f.sequence(value, str(product), node.key_lines[product])
        if items is None:
            continue
        specs: list[SectionSpec] = []
        seen: dict[str, int] = {}
        for index, (item, line) in enumerate(zip(items, items.item_lines, strict=True), 1):
            label = f"{product}[{index}]"
            inode = f.mapping(item, label, line)
            if inode is None:
                continue
            label = f"{product}[{inode.get('id', index)}]"
            f.fields(inode, label, ["id", "layout", "pages"],
                     ["start", "title", "role", "each", "items", "grow", "pad"])
            flags = {}
            for flag in ("grow", "pad"):
                flags[flag] = inode.get(flag, False)
                if not isinstance(flags[flag], bool):
                    f.error("expected yes/no (true or false)", inode.key_lines[flag],
                            f"{label}.{flag}")
                    flags[flag] = False
            sid, layout = f.ident(inode, "id", label), f.ident(inode, "layout", label)
            title = f.text(inode, "title", label, required=False)
            pages = inode.get("pages")
            if "pages" in inode and (not isinstance(pages, int) or isinstance(pages, bool)
                                     or pages < 1):
                f.error("expected a whole number of pages, 1 or more", inode.key_lines["pages"],
                        f"{label}.pages")
                pages = None
            start = inode.get("start", "any")
            if start not in STARTS:
                f.error(f"expected one of: {', '.join(STARTS)}", inode.key_lines["start"],
                        f"{label}.start")
                start = None
            role = None
            if inode.get("role") == CHOSEN_ROLE:
                role = CHOSEN_ROLE
            elif "role" in inode:
                role = f.ident(inode, "role", label)
            if role not in (None, CHOSEN_ROLE) and role_ids and role not in role_ids:
                f.error(_unknown("role", role, role_ids), inode.key_lines["role"], f"{label}.role")
                role = None
            each = inode.get("each")
            if each is not None and each not in EACH:
                f.error(f"expected one of: {', '.join(EACH)}", inode.key_lines["each"],
                        f"{label}.each")
                each = None
            if each and role:
                f.error("give either 'role' or 'each', not both", line, label)
            chosen = None
            if "items" in inode:
                seq = f.sequence(inode["items"], f"{label}.items", inode.key_lines["items"])
                known = role_ids if each == "role" else persp_ids
                if each is None:
                    f.error("'items' needs 'each'", inode.key_lines["items"], f"{label}.items")
                elif seq is not None:
                    chosen = tuple(str(i) for i in seq)
                    for item_id, item_line in zip(chosen, seq.item_lines, strict=True):
                        if known and item_id not in known:
                            f.error(_unknown(each, item_id, known), item_line, f"{label}.items")
            if sid in seen:
                f.error(f"section id '{sid}' is used twice (first on line {seen[sid]})", line,
                        f"{label}.id")
                continue
            if None in (sid, layout, pages, start):
                continue
            seen[sid] = line
            specs.append(SectionSpec(sid, layout, pages, start, title, role, each, chosen,
                                     f.source(line), **flags))
        plans[str(product)] = tuple(specs)
    if not plans:
        f.error("no product is planned; add e.g. 'folder:' with its sections", 1)
    return plans


MAX_PAGES = "max_pages"


def _max_pages(f: _File, plans: dict[str, tuple[SectionSpec, ...]]
               ) -> dict[str, tuple[int, Source]]:
    """plan.yaml's "max_pages:": for a product that may grow, the most pages it may take."""
    node = f.root
    if node is None or MAX_PAGES not in node:
        return {}
    ceilings = f.mapping(node[MAX_PAGES], MAX_PAGES, node.key_lines[MAX_PAGES])
    out: dict[str, tuple[int, Source]] = {}
    for product, value in (ceilings or {}).items():
        line, name = ceilings.key_lines[product], f"{MAX_PAGES}.{product}"
        if plans and product not in plans:
            f.error(_unknown("product", str(product), list(plans)), line, name)
        elif isinstance(value, bool) or not isinstance(value, int) or value < 4 \
                or value % PAGES_PER_SHEET:
            f.error(f"expected a whole number of pages that is a multiple of "
                    f"{PAGES_PER_SHEET} (e.g. 16), found {value!r}", line, name)
        else:
            out[str(product)] = (value, f.source(line))
    return out


def _unknown(kind: str, value: str, known: list[str]) -> str:
    guess = difflib.get_close_matches(value, known, n=1)
    hint = f" (did you mean '{guess[0]}'?)" if guess else ""
    return f"unknown {kind} '{value}'{hint}; known: {', '.join(known)}"
