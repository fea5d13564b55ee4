"""Load a content folder into the frozen model, collecting every problem.

Validation never stops at the first problem: a communications officer who
mistyped three things should hear about all three in one run, each with file,
line and field. Nothing is built unless the whole content set is valid.

Each file's fields are declared once, below, as a ``Schema`` (schema.py): name,
type, required or not, and a further check. The loaders read a file through its
schema and then check what no single field can: ids used twice, references to
other files (with the nearest known name, names.py), a date that follows from
the year.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

from .errors import ContentError, Problem
from .model import (
    CHOSEN_ROLE,
    DEPARTMENTS,
    EACH,
    PAGES_PER_SHEET,
    STARTS,
    Content,
    Department,
    Foreword,
    Guide,
    Leaflet,
    Perspective,
    PrintSettings,
    Publication,
    Reference,
    Role,
    SectionSpec,
    Signature,
    Source,
    Statement,
    Synthesis,
)
from .names import did_you_mean, unknown
from .schema import (
    CMYK,
    ID_PATTERN,
    ID_RULE,
    IDENT,
    LIST,
    MAPPING,
    PAGES,
    RICH,
    TEXT,
    YES_NO,
    Field,
    Schema,
    SourceFile,
    Type,
    control_character,
    number,
    one_of,
)
from .yamlsource import Node, Seq

__all__ = [
    "DEPARTMENTS", "ID_PATTERN", "SCHEMAS", "department_files", "find_department",
    "find_role", "icc_problem", "load_content", "load_department",
]

LANG_PATTERN = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
LOGO_TYPES = (".svg", ".png")
MAX_PAGES = "max_pages"


# --- the checks a field's type does not make -------------------------------------------


def _language(value: str, f: SourceFile) -> str | None:
    if LANG_PATTERN.fullmatch(value):
        return None
    return f"'{value}' is not a language code such as da or en"


def _web_address(value: str, f: SourceFile) -> str | None:
    if re.fullmatch(r"https?://\S+", value):
        return None
    return "a url must start with https:// or http://"


def _logo(value: str, f: SourceFile) -> str | None:
    root = (f.root or f.path.parent).resolve()
    return _logo_problem((f.path.parent / value).resolve(), root)


def _profile(value: str, f: SourceFile) -> str | None:
    return icc_problem((f.path.parent / value).resolve(), inside=f.path.parent.resolve())


def _known_role(value: str, f: SourceFile) -> str | None:
    roles = f.known.get("role")
    if value == CHOSEN_ROLE or not roles or value in roles:
        return None
    return unknown("role", value, roles)


def _role_or_chosen(f: SourceFile, node: Node, name: str, prefix: str, required: bool) -> Any:
    """A role id, or ``*`` for the role a leaflet is made for."""
    if node[name] == CHOSEN_ROLE:
        return CHOSEN_ROLE
    return IDENT.reader(f, node, name, prefix, required)


ROLE_OR_CHOSEN = Type(f"a role id, or \"{CHOSEN_ROLE}\" for the role a leaflet is made for",
                      _role_or_chosen)


# --- the files, each declared once ------------------------------------------------------

PUBLICATION = Schema("publication.yaml", (
    Field("language", TEXT, check=_language),
    Field("title", TEXT),
    Field("subtitle", TEXT),
    Field("organisation", TEXT),
    Field("year", TEXT),
    Field("core_task", TEXT),
    Field("date", TEXT, required=False),
))
PERSPECTIVE = Schema("a perspective (perspectives.yaml)", (
    Field("id", IDENT),
    Field("heading", TEXT),
    Field("model", TEXT),
    Field("colour", CMYK),
))
ROLE = Schema("a role (roles.yaml)", (
    Field("id", IDENT),
    Field("name", TEXT),
    Field("heading", TEXT, required=False),
    Field("shared", YES_NO, required=False, default=False),
))
SIGNATURE = Schema("the foreword's signature", (
    Field("name", TEXT), Field("title", TEXT), Field("date", TEXT),
))
FOREWORD = Schema("foreword.yaml", (
    Field("body", RICH),
    Field("signature", MAPPING),  # SIGNATURE
))
GUIDE = Schema("guide.yaml", (
    Field("intro", RICH),
    Field("body", RICH),
    Field("after_list", RICH, required=False, default=()),
))
REFERENCE = Schema("an item to read further (synthesis.yaml)", (
    Field("label", TEXT),
    Field("text", TEXT, required=False),
    Field("url", TEXT, required=False, check=_web_address),
))
FURTHER = Schema("where to read further (synthesis.yaml)", (
    Field("heading", TEXT),
    Field("items", LIST),  # of REFERENCE
))
SYNTHESIS = Schema("synthesis.yaml", (
    Field("heading", TEXT),
    Field("body", RICH),
    Field("further", MAPPING),  # FURTHER
))
SECTION = Schema("a section of a page plan (plan.yaml)", (
    Field("id", IDENT),
    Field("layout", IDENT),
    Field("pages", PAGES),
    Field("start", one_of(STARTS), required=False, default="any"),
    Field("title", TEXT, required=False),
    Field("role", ROLE_OR_CHOSEN, required=False, check=_known_role),
    Field("each", one_of(EACH), required=False),
    Field("items", LIST, required=False),  # of role or perspective ids
    Field("grow", YES_NO, required=False, default=False),
    Field("pad", YES_NO, required=False, default=False),
))
PRINT = Schema("print.yaml", (
    Field("bleed", number(0, 10, "expected the bleed in millimetres, from 0 to 10"),
          required=False),
    Field("marks", YES_NO, required=False),
    Field("profile", TEXT, required=False, check=_profile),
    Field("output_condition", TEXT, required=False),
    Field("output_condition_info", TEXT, required=False),
    Field("registry", TEXT, required=False),
))
LEAFLET = Schema("leaflet.yaml", (
    Field("synthesis_brief", RICH),
    Field("full_folder", RICH),
))
DEPARTMENT = Schema("a department file (departments/*.yaml)", (
    Field("name", TEXT),
    Field("logo", TEXT, required=False, check=_logo),
    Field("introduction", RICH, required=False, default=()),
    Field("notes", MAPPING, required=False),  # statement, perspective or role id -> text
    Field("questions", LIST, required=False),  # of text
    Field("contact", TEXT, required=False),
))

#: Every schema, by what it describes; a form (web/studio.py) or a document
#: generator can read the fields of a file from here.
SCHEMAS: dict[str, Schema] = {schema.what: schema for schema in (
    PUBLICATION, PERSPECTIVE, ROLE, SIGNATURE, FOREWORD, GUIDE, REFERENCE, FURTHER,
    SYNTHESIS, SECTION, PRINT, LEAFLET, DEPARTMENT)}


# --- the content folder ---------------------------------------------------------------


def load_content(root: Path) -> Content:
    """Load and validate the content folder ``root``; raise ContentError on any problem."""
    root = Path(root)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    if not root.is_dir():
        raise ContentError([Problem("the content folder does not exist", root)])

    def file(name: str, **kwargs: Any) -> SourceFile:
        return SourceFile(root / name, problems, warnings=warnings, root=root, **kwargs)

    publication = _publication(file("publication.yaml"))
    perspectives_file, roles_file = file("perspectives.yaml"), file("roles.yaml")
    perspectives = _perspectives(perspectives_file)
    roles = _roles(roles_file)
    statements = _statements(root / "statements", roles, perspectives, problems,
                             roles_file.declared, perspectives_file.declared, warnings)
    plan_file = file("plan.yaml", known={"role": [r.id for r in roles],
                                         "perspective": [p.id for p in perspectives]})
    plans = _plans(plan_file)
    max_pages = _max_pages(plan_file, plans)
    # {pages:ID} in any text may name a section, or a group of sections, of any plan.
    ids = {spec.id for specs in plans.values() for spec in specs}
    foreword = _foreword(file("foreword.yaml", section_ids=ids))
    guide = _guide(file("guide.yaml", section_ids=ids))
    synthesis = _synthesis(file("synthesis.yaml", section_ids=ids))
    print_settings = _print_settings(file("print.yaml"))
    if print_settings is not None and perspectives:
        from .paths import DEFAULT_PROFILE

        _contrast(perspectives_file, perspectives, print_settings.profile or DEFAULT_PROFILE)
    leaflet = _leaflet(file("leaflet.yaml", section_ids=ids))
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


def _publication(f: SourceFile) -> Publication | None:
    node = f.load()
    if node is None:
        return None
    got = PUBLICATION.read(f, node)
    values = dict(got.values)
    date, year = values.pop("date"), values["year"]
    if date is None and year and re.fullmatch(r"\d{4}", year):
        date = f"{year}-01-01"
    if date is not None and not _iso_date(date):
        f.error(f"'{date}' is not a date written as YYYY-MM-DD",
                node.key_lines.get("date", node.key_lines.get("year")), "date")
        return None
    if date is None and year:
        f.error("give a date (YYYY-MM-DD) when the year is not four digits", node.line, "date")
        return None
    return Publication(**values, date=date) if got.ok else None


def _iso_date(text: str) -> bool:
    try:
        datetime.date.fromisoformat(text)
    except ValueError:
        return False
    return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))


def _leaflet(f: SourceFile) -> Leaflet | bool | None:
    """leaflet.yaml is optional; without it there are no leaflets. False: invalid."""
    if not f.path.exists():
        return None
    node = f.load()
    if node is None:
        return False
    got = LEAFLET.read(f, node)
    return Leaflet(**got.values) if got.ok else False


def find_role(content: Content, wanted: str) -> Role:
    """A role by its id or its display name: ``content.find_role`` (model.py)."""
    return content.find_role(wanted)


def department_files(content: Content) -> list[Path]:
    """The department files of a content folder, in name order: ``content.department_files``."""
    return content.department_files()


def find_department(content: Content, wanted: str) -> Path:
    """A department file by id or name: ``content.find_department`` (model.py)."""
    return content.find_department(wanted)


def load_department(path: Path, content: Content) -> Department:
    """Load and check one department file against the content; raise ContentError."""
    problems: list[Problem] = []
    leaflet_ids = {spec.id for spec in content.plans.get("leaflet", ())}
    f = SourceFile(path, problems, leaflet_ids, root=content.root)
    node = f.load()
    if node is None:
        raise ContentError(problems)
    known = ([s.id for s in content.statements] + [p.id for p in content.perspectives]
             + [r.id for r in content.roles])
    # A note written flush left under "notes:" is read as a field of the file.
    stray = [key for key in node if key not in DEPARTMENT.names and str(key) in known]
    for key in stray:
        where = f" (line {node.key_lines['notes']})" if "notes" in node else ""
        f.error(f"'{key}' is a note, but it is not indented under 'notes:'{where}: put two "
                "spaces before it, like the other notes", node.key_lines[key], str(key))
    view = Node({key: value for key, value in node.items() if key not in stray})
    view.line, view.key_lines = node.line, node.key_lines
    values = DEPARTMENT.read(f, view).values
    logo = (path.parent / values["logo"]).resolve() if values["logo"] is not None else None
    notes: dict[str, str] = {}
    notes_node = values["notes"]
    for key in notes_node or {}:
        line = notes_node.key_lines[key]
        if str(key) not in known:
            f.error(f"unknown statement, role or perspective '{key}'"
                    f"{did_you_mean(key, known)}; notes are given by the id of a statement, "
                    "a perspective or a role", line, f"notes.{key}")
            continue
        text = f.text(notes_node, key, "notes")
        if text is not None:
            notes[str(key)] = text
    questions = _questions(f, values["questions"])
    if problems or values["name"] is None:
        raise ContentError(_sorted(problems))
    lines = {name: node.key_lines[name] for name in ("introduction", "contact", "logo")
             if name in node}
    if isinstance(node.get("notes"), Node):
        lines.update({f"notes.{key}": line for key, line in node["notes"].key_lines.items()})
    if isinstance(node.get("questions"), Seq):
        lines.update({f"questions[{index}]": line
                      for index, line in enumerate(node["questions"].item_lines, 1)})
    return Department(path.stem, values["name"], logo, values["introduction"],
                      MappingProxyType(notes), tuple(questions), values["contact"],
                      f.source(1), MappingProxyType(lines), tuple(_sorted(f.warnings)))


def _questions(f: SourceFile, seq: Seq | None) -> list[str]:
    """A department's reflection questions, each one line of text."""
    questions: list[str] = []
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
        bad = control_character(text)  # as for every other text
        if bad:
            f.error(bad, line, f"questions[{index}]")
            continue
        questions.append(" ".join(text.split()))
    return questions


def _logo_problem(path: Path, root: Path) -> str | None:
    if not path.is_relative_to(root):
        return f"the logo must be inside the content folder ({root})"
    if path.suffix.lower() not in LOGO_TYPES:
        return f"a logo must be an SVG or PNG file, not '{path.name}'"
    if not path.is_file():
        return f"no such file: {path}"
    return None


def _print_settings(f: SourceFile) -> PrintSettings | None:
    """print.yaml is optional; every field in it is too."""
    if not f.path.exists():
        return PrintSettings()
    node = f.load()
    if node is None:
        return None
    got = PRINT.read(f, node)
    if got.wrong:
        return None
    names = {"bleed": "bleed_mm"}
    settings = {names.get(name, name): value for name, value in got.values.items()
                if value is not None}
    if "profile" in settings:
        settings["profile"] = (f.path.parent / settings["profile"]).resolve()
    return PrintSettings(**settings)


def icc_problem(path: Path, inside: Path | None = None) -> str | None:
    """Why ``path`` cannot be the CMYK output profile, or None if it can."""
    if inside is not None and not path.is_relative_to(inside):
        return f"the profile must be inside the content folder ({inside})"
    if not path.is_file():
        return f"there is no profile file {path}"
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


def _listed(f: SourceFile, key: str, schema: Schema,
            build: Callable[[dict[str, Any], int], Any]) -> list[Any]:
    """Load a file holding one list under ``key``, read each item through ``schema``
    and build it; ids must be unique."""
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
        got = schema.read(f, item_node, label)
        if not got.ok:
            continue
        obj = build(got.values, line)
        if obj.id in seen:
            f.error(f"id '{obj.id}' is used twice (first on line {seen[obj.id]})", line,
                    f"{label}.id")
            continue
        seen[obj.id] = line
        built.append(obj)
    return built


def _perspectives(f: SourceFile) -> list[Perspective]:
    return _listed(f, "perspectives", PERSPECTIVE,
                   lambda values, line: Perspective(**values, source=f.source(line)))


def _contrast(f: SourceFile, perspectives: list[Perspective], profile: Path) -> None:
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


def _colour_line(f: SourceFile, perspective: Perspective) -> int | None:
    """The line of a perspective's "colour:" key (its item starts at source.line)."""
    lines = f.path.read_text(encoding="utf-8").splitlines()
    start = (perspective.source.line or 1) - 1
    for index in range(start, min(start + 12, len(lines))):
        if lines[index].strip().startswith("colour:"):
            return index + 1
    return perspective.source.line


def _roles(f: SourceFile) -> list[Role]:
    roles = _listed(f, "roles", ROLE, lambda values, line: Role(**values, source=f.source(line)))
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
        f = SourceFile(path, problems, warnings=warnings, known={"perspective": persp_ids})
        if path.stem in declared_roles - set(role_ids):
            continue  # the role itself is invalid and already reported
        if roles and path.stem not in role_ids:
            f.error(f"there is no role '{path.stem}' in roles.yaml"
                    f"{did_you_mean(path.stem, role_ids, suffix='.yaml')}; the file name must "
                    "be a role id")
            continue
        node = f.load()
        if node is None:
            continue
        for persp, cell in node.items():
            if persp not in persp_ids and persp not in declared_perspectives:
                # With no readable perspectives.yaml every key would be "unknown";
                # that file's own problem is the one to report (refers() is then quiet).
                f.refers("perspective", str(persp), node.key_lines[persp], str(persp))
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


def _foreword(f: SourceFile) -> Foreword | None:
    node = f.load()
    if node is None:
        return None
    got = FOREWORD.read(f, node)
    signature = None
    if got["signature"] is not None:
        sig = SIGNATURE.read(f, got["signature"], "signature")
        signature = Signature(**sig.values) if sig.ok else None
    if not got.ok or signature is None:
        return None
    return Foreword(got["body"], signature)


def _guide(f: SourceFile) -> Guide | None:
    node = f.load()
    if node is None:
        return None
    got = GUIDE.read(f, node)
    return Guide(got["intro"], got["after_list"], got["body"]) if got.ok else None


def _synthesis(f: SourceFile) -> Synthesis | None:
    node = f.load()
    if node is None:
        return None
    got = SYNTHESIS.read(f, node)
    further, refs = None, []
    if got["further"] is not None:
        further = FURTHER.read(f, got["further"], "further")
        items = further["items"]
        for index, (item, line) in enumerate(
            zip(items or [], items.item_lines if items else [], strict=True), 1
        ):
            label = f"further.items[{index}]"
            inode = f.mapping(item, label, line)
            if inode is None:
                continue
            ref = REFERENCE.read(f, inode, label)
            if ref["text"] is None and ref["url"] is None:
                f.error("give a text or a url", line, label)
            elif ref["label"] is not None:
                refs.append(Reference(**ref.values))
    if not got.ok or further is None or further["heading"] is None:
        return None
    return Synthesis(got["heading"], got["body"], further["heading"], tuple(refs))


def _plans(f: SourceFile) -> dict[str, tuple[SectionSpec, ...]]:
    """plan.yaml: for each product, the sections in order and the pages each may take."""
    node = f.load()
    if node is None:
        return {}
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
            inode = f.mapping(item, f"{product}[{index}]", line)
            if inode is None:
                continue
            label = f"{product}[{inode.get('id', index)}]"
            spec = _section(f, inode, label, line)
            if spec is None:
                continue
            if spec.id in seen:
                f.error(f"section id '{spec.id}' is used twice (first on line "
                        f"{seen[spec.id]})", line, f"{label}.id")
                continue
            seen[spec.id] = line
            specs.append(spec)
        plans[str(product)] = tuple(specs)
    if not plans:
        f.error("no product is planned; add e.g. 'folder:' with its sections", 1)
    return plans


def _section(f: SourceFile, node: Node, label: str, line: int) -> SectionSpec | None:
    """One entry of a page plan: its fields (SECTION), and what they must agree on."""
    got = SECTION.read(f, node, label)
    values = dict(got.values)
    each, items = values["each"], values["items"]
    if each and values["role"]:
        f.error("give either 'role' or 'each', not both", line, label)
    if items is not None and each is None:
        f.error("'items' needs 'each'", node.key_lines["items"], f"{label}.items")
        values["items"] = None
    elif items is not None:
        values["items"] = tuple(str(item) for item in items)
        for item_id, item_line in zip(values["items"], items.item_lines, strict=True):
            f.refers(each, item_id, item_line, f"{label}.items")
    return SectionSpec(**values, source=f.source(line)) if got.ok else None


def _max_pages(f: SourceFile, plans: dict[str, tuple[SectionSpec, ...]]
               ) -> dict[str, tuple[int, Source]]:
    """plan.yaml's "max_pages:": for a product that may grow, the most pages it may take."""
    node = f.root_node
    if node is None or MAX_PAGES not in node:
        return {}
    ceilings = f.mapping(node[MAX_PAGES], MAX_PAGES, node.key_lines[MAX_PAGES])
    out: dict[str, tuple[int, Source]] = {}
    for product, value in (ceilings or {}).items():
        line, name = ceilings.key_lines[product], f"{MAX_PAGES}.{product}"
        if plans and product not in plans:
            f.error(unknown("product", str(product), list(plans)), line, name)
        elif isinstance(value, bool) or not isinstance(value, int) or value < 4 \
                or value % PAGES_PER_SHEET:
            f.error(f"expected a whole number of pages that is a multiple of "
                    f"{PAGES_PER_SHEET} (e.g. 16), found {value!r}", line, name)
        else:
            out[str(product)] = (value, f.source(line))
    return out
