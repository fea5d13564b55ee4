"""What ran over: the words on the pages past the plan, and how much too much.

The fit guard knows that a section takes more pages than planned; the person
who lengthened a statement needs to know *which* words are too long and by how
much. Templates mark the elements that hold content words with where they come
from (``data-statement``, ``data-note``, ``data-question``, ``data-field``);
this module reads the laid-out boxes, finds the marked elements that landed on
pages past the plan, and measures the text there (lines and millimetres).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import Problem
from .model import Content, Department
from .plan import Section

if TYPE_CHECKING:
    from weasyprint.document import Document

#: The attributes templates mark content words with, and what each names.
MARKS = ("data-statement", "data-note", "data-question", "data-field")
PX_PER_MM = 96 / 25.4


@dataclass(frozen=True)
class Placed:
    """One marked element's fragment on one page (CSS px from the page's top)."""

    page: int
    mark: str
    key: str
    top: float
    bottom: float


@dataclass
class PageText:
    """What is on one page: its marked elements, lines of text and where text ends."""

    placed: list[Placed] = field(default_factory=list)
    lines: int = 0
    #: The top of the page's content area and the lowest text on it (CSS px).
    content_top: float = 0.0
    text_bottom: float = 0.0
    #: The page's height and its content area's left and right edges (CSS px).
    height: float = 0.0
    content_left: float = 0.0
    content_right: float = 0.0
    content_bottom: float = 0.0


def read_pages(document: Document) -> list[PageText]:
    """Walk the laid-out boxes of every page once."""
    from weasyprint.formatting_structure import boxes

    pages: list[PageText] = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        found = PageText(content_top=page_box.content_box_y(),
                         text_bottom=page_box.content_box_y(), height=page.height,
                         content_left=page_box.content_box_x(),
                         content_right=page_box.content_box_x() + page_box.width,
                         content_bottom=page_box.content_box_y() + page_box.height)
        stack = [page_box]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if element is not None and getattr(box, "element_tag", None) is not None \
                    and isinstance(box, boxes.BlockLevelBox):
                for mark in MARKS:
                    value = element.get(mark)
                    if value is not None:
                        found.placed.append(Placed(number, mark, value, box.position_y,
                                                   box.position_y + box.margin_height()))
                        break
            if isinstance(box, boxes.LineBox) and _has_text(box) \
                    and not isinstance(box, boxes.PageBox):
                found.lines += 1
                found.text_bottom = max(found.text_bottom, box.position_y + box.height)
            if not isinstance(box, boxes.MarginBox):
                stack.extend(getattr(box, "children", ()))
        found.placed.sort(key=lambda p: p.top)
        pages.append(found)
    return pages


def _has_text(line: object) -> bool:
    from weasyprint.formatting_structure import boxes

    stack = list(getattr(line, "children", ()))
    while stack:
        box = stack.pop()
        if isinstance(box, boxes.TextBox) and box.text.strip():
            return True
        stack.extend(getattr(box, "children", ()))
    return False


@dataclass(frozen=True)
class Overrun:
    """A section that took pages past its plan, and what is on them."""

    section: Section
    first: int
    last: int
    #: The first page past the plan (1-based).
    past: int
    lines: int
    millimetres: float
    placed: tuple[Placed, ...]
    #: The tallest text in the whole section and its height in mm: often the one
    #: that was lengthened, though it may itself stand on a planned page.
    longest: tuple[Placed, float] | None = None
    #: Every fragment of the longest text, page by page (for the proof to mark).
    longest_parts: tuple[Placed, ...] = ()

    @property
    def extra_pages(self) -> int:
        return self.last - self.past + 1


def overruns(pages: list[PageText], landed: dict[str, tuple[int, int]],
             secs: tuple[Section, ...]) -> list[Overrun]:
    """The sections that may not grow but took pages past their plan."""
    out: list[Overrun] = []
    for sec in secs:
        if sec.spec.grow or sec.id not in landed:
            continue
        first, last = landed[sec.id]
        if last - first + 1 <= sec.pages:
            continue
        past = first + sec.pages
        over = [pages[n - 1] for n in range(past, last + 1)]
        # What landed past the plan, less the room left at the foot of the last planned
        # page: a block that cannot break (a diagram, a statement) moves whole and
        # leaves that room empty, and it is the part that did not fit that is too much.
        moved = sum(p.text_bottom - p.content_top for p in over)
        before = pages[past - 2]
        room = max(0.0, before.content_bottom - before.text_bottom)
        too_much = max(moved - room, min(moved, PX_PER_MM))
        moved_lines = sum(p.lines for p in over)
        longest = _tallest(p for n in range(first, last + 1) for p in pages[n - 1].placed)
        out.append(Overrun(
            sec, first, last, past,
            lines=max(1, math.ceil(moved_lines * too_much / moved)) if moved else 0,
            millimetres=too_much / PX_PER_MM,
            placed=tuple(_unique(p for page in over for p in page.placed)),
            longest=longest,
            longest_parts=tuple(
                p for n in range(first, last + 1) for p in pages[n - 1].placed
                if longest and (p.mark, p.key) == (longest[0].mark, longest[0].key)),
        ))
    return out


def _tallest(placed: object) -> tuple[Placed, float] | None:
    """The marked element with the most height over all its fragments (a note inside a
    statement counts on its own too)."""
    heights: dict[tuple[str, str], float] = {}
    first: dict[tuple[str, str], Placed] = {}
    for p in placed:  # type: ignore[attr-defined]
        key = (p.mark, p.key)
        heights[key] = heights.get(key, 0.0) + p.bottom - p.top
        first.setdefault(key, p)
    if not heights:
        return None
    key = max(heights, key=heights.__getitem__)
    return first[key], heights[key] / PX_PER_MM


def _unique(placed: object) -> list[Placed]:
    seen: set[tuple[str, str]] = set()
    out = []
    for p in placed:  # type: ignore[attr-defined]
        if (p.mark, p.key) not in seen:
            seen.add((p.mark, p.key))
            out.append(p)
    return out


def reader_name(sec: Section, first: int | None = None) -> str:
    """The section in the reader's words: "the spread for Leder af medarbejder (pages
    12–13)". A section named after no role or perspective is named by its page first
    ("page 2 ('Modellen')"): its title is the plan's navigation label, which the reader
    may never have seen printed."""
    kind = "spread" if sec.pages == 2 else "page" if sec.pages == 1 else "pages"
    where = "" if first is None else (
        f"page {first}" if sec.pages == 1 else f"pages {first}–{first + sec.pages - 1}")
    if sec.role is not None or sec.perspective is not None:
        return f"the {kind} for {sec.title}" + (f" ({where})" if where else "")
    label = f"'{sec.title}'" if sec.title else f"'{sec.id}'"
    return f"{where} ({label})" if where else f"the {kind} {label}"


class Sources:
    """Where the words behind a mark were written: file, line and field."""

    def __init__(self, content: Content, department: Department | None = None) -> None:
        self.content = content
        self.department = department
        self.statements = {s.id: s for s in content.statements}

    def locate(self, placed: Placed) -> tuple[str, Path | None, int | None, str | None]:
        """(what it is, file, line, field) for one marked element."""
        dept = self.department
        if placed.mark == "data-statement" and placed.key in self.statements:
            st = self.statements[placed.key]
            return (f"the statement {st.id}", st.source.path, st.source.line,
                    f"{st.perspective}.{st.id}")
        if dept is not None and placed.mark == "data-note":
            return (f"the department's note on {placed.key}", dept.source.path,
                    dept.lines.get(f"notes.{placed.key}"), f"notes.{placed.key}")
        if dept is not None and placed.mark == "data-question":
            name = f"questions[{placed.key}]"
            return (f"question {placed.key}", dept.source.path, dept.lines.get(name), name)
        if dept is not None and placed.mark == "data-field":
            return (f"the department's {placed.key}", dept.source.path,
                    dept.lines.get(placed.key), placed.key)
        return (f"{placed.key}", None, None, None)


def amount(lines: int, millimetres: float) -> str:
    """How much is too much, in words a writer can use."""
    noun = "line" if lines == 1 else "lines"
    return f"{lines} {noun} of text, {millimetres:.0f} mm"


#: How every problem naming a piece of content pushed past the plan ends (the proof
#: view folds all but the first few of them).
PAST_THE_PLAN = "past the plan"


def overrun_problems(run: Overrun, sources: Sources) -> list[Problem]:
    """One problem for the section (how much too much); then its longest text, which
    is where a writer most likely added words; then every other piece of content that
    landed past the plan. Each at the file and line it was written on."""
    sec = run.section
    pages = "page" if run.extra_pages == 1 else "pages"
    where = f"page {run.past}" if run.extra_pages == 1 else f"pages {run.past}–{run.last}"
    problems = [Problem(
        f"{reader_name(sec, run.first)} runs {run.extra_pages} {pages} past the {sec.pages} "
        f"it is planned for, onto {where}: about {amount(run.lines, run.millimetres)} too "
        "much. Shorten the words below (or the ones before them) by about that much:")]
    if run.longest is not None:
        placed, mm = run.longest
        what, path, line, field_name = sources.locate(placed)
        problems.append(Problem(f"the longest text of {reader_name(sec, run.first)} is {what} "
                                f"({mm:.0f} mm high)", path, line, field_name))
    for placed in run.placed:
        what, path, line, field_name = sources.locate(placed)
        problems.append(Problem(f"{what} is on page {placed.page}, {PAST_THE_PLAN}",
                                path, line, field_name))
    return problems
