"""A failed fit explains itself in words and writes a proof to look at.

When content outgrows its pages no print PDF is written, but the person who
wrote the words gets two things to act on: a message naming the words that ran
over (file, line, how much; overflow.py), and a **proof**,
``<target stem>-proof.pdf`` beside the target, laid out with the sections
allowed to run over. On every page past the plan the overflow is framed and
labelled, and every page says PROOF. A proof is a plain PDF: no PDF/X output
intent, so no print workflow takes it for a print file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import FitError, Problem
from .model import Content, Department
from .output import write_atomic
from .overflow import (
    PX_PER_MM,
    Overrun,
    PageText,
    Sources,
    amount,
    overrun_problems,
    overruns,
    read_pages,
    reader_name,
)
from .plan import Section

if TYPE_CHECKING:
    from weasyprint.document import Document

#: The proof's marks: a strong magenta, which no page of the design uses.
MARK_RGB = (0.85, 0.05, 0.45)
PT_PER_PX = 0.75


def proof_path(target: Path) -> Path:
    """build/folder-print.pdf -> build/folder-print-proof.pdf"""
    return target.with_name(f"{target.stem}-proof{target.suffix or '.pdf'}")


@dataclass(frozen=True)
class Ceiling:
    """A product that grew past the most pages its plan allows."""

    pages: int
    limit: int
    source_path: Path
    source_line: int | None
    product: str = "leaflet"


def explain(error: FitError, document: Document, secs: tuple[Section, ...],
            landed: dict[str, tuple[int, int]], content: Content,
            department: Department | None, target: Path | None,
            ceiling: Ceiling | None = None) -> FitError:
    """A FitError that names the words that ran over, with a proof written beside
    ``target`` (if any); ``error`` is the fit guard's, whose plan-line problems follow as hints."""
    from .layout import export_pdf

    pages = read_pages(document)
    sources = Sources(content, department)
    runs = overruns(pages, landed, secs)
    if not runs and ceiling is None:
        return error  # nothing ran over (say, a page count that is not whole sheets)
    problems: list[Problem] = []
    for run in runs:
        problems += overrun_problems(run, sources)
    hints = error.problems
    if runs:  # a page count that is not whole sheets follows from the run-over itself
        hints = tuple(p for p in hints if p.path is not None)
    if ceiling is not None:
        problems += ceiling_problems(ceiling, pages, sources, department)
        hints = tuple(p for p in hints if not (p.field or "").startswith("max_pages"))
    problems += _plan_hints(hints, secs)
    pdf = _mark(export_pdf(document), pages, runs, ceiling)
    path = None
    if target is not None:  # a web proof shows the PDF instead
        path = write_atomic(proof_path(target), pdf)
        problems.append(Problem(f"a proof with what ran over marked in colour: {path}"))
    out = FitError(error.message, problems)
    out.proof_path = path
    out.proof_pdf = pdf
    return out


def _plan_hints(problems: tuple[Problem, ...], secs: tuple[Section, ...]) -> list[Problem]:
    """The fit guard's own problems, the page plan's side of it, with what "pages:"
    there applies to."""
    each = {sec.spec.source.line: sec.spec.each for sec in secs if sec.spec.each}
    out = []
    for problem in problems:
        kind = each.get(problem.line) if problem.field == "pages" else None
        if kind:
            problem = Problem(f"{problem.message} (this 'pages:' applies to every {kind}, "
                              f"each: {kind})", problem.path, problem.line, problem.field)
        out.append(problem)
    return out


def ceiling_problems(ceiling: Ceiling, pages: list[PageText], sources: Sources,
                     department: Department | None) -> list[Problem]:
    """The product grew past its ceiling: how far, and the department's texts by size."""
    over = ceiling.pages - ceiling.limit
    problems = [Problem(
        f"the {ceiling.product} would take {ceiling.pages} pages, {over} more than the most "
        f"the plan allows ({ceiling.limit}); the department's texts are too long by roughly "
        f"{over} pages. Shorten the longest of them:",
        ceiling.source_path, ceiling.source_line, f"max_pages.{ceiling.product}")]
    if department is None:
        return problems
    sizes: dict[str, float] = {}
    for page in pages:
        for placed in page.placed:
            if placed.mark in ("data-note", "data-question", "data-field"):
                field = {"data-note": "notes", "data-question": "questions"}.get(
                    placed.mark, placed.key)
                sizes[field] = sizes.get(field, 0.0) + (placed.bottom - placed.top) / PX_PER_MM
    for field, mm in sorted(sizes.items(), key=lambda item: -item[1]):
        line = department.lines.get(field) or next(
            (ln for key, ln in department.lines.items() if key.startswith(field)), None)
        problems.append(Problem(f"these texts take {mm:.0f} mm of the leaflet",
                                department.source.path, line, field))
    return problems


# --- the proof PDF ------------------------------------------------------------------


def _mark(pdf: bytes, pages: list[PageText], runs: list[Overrun],
          ceiling: Ceiling | None) -> bytes:
    """Frame and label the pages past the plan, and write PROOF on every page."""
    import io

    import pikepdf

    labels: dict[int, str] = {}
    # The longest text of each section that ran over, framed where it stands.
    longest: dict[int, list[tuple[float, float, str]]] = {}
    for run in runs:
        for part in run.longest_parts:
            longest.setdefault(part.page, []).append(
                (part.top, part.bottom, f"LONGEST TEXT: {part.mark[5:]} {part.key}"))
    for run in runs:
        for number in range(run.past, run.last + 1):
            labels[number] = (f"RUNS OVER: {reader_name(run.section)} is planned for "
                              f"{run.section.pages} page(s); "
                              f"{amount(run.lines, run.millimetres)} too much")
    if ceiling is not None:
        for number in range(ceiling.limit, ceiling.pages):
            labels.setdefault(number, f"PAST THE CEILING: the plan allows {ceiling.limit} pages")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        font = doc.make_indirect(pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
            BaseFont=pikepdf.Name("/Helvetica-Bold"), Encoding=pikepdf.Name.WinAnsiEncoding))
        for number, page in enumerate(doc.pages, 1):
            # WeasyPrint draws from the page's top-left corner, y downwards, in px.
            info = pages[number - 1]
            page_top = info.height * PT_PER_PX
            ops = [_text("PROOF - not for print", 12, page_top - 16, 9)]
            for top_px, bottom_px, text in longest.get(number, []):
                top, bottom = page_top - top_px * PT_PER_PX, page_top - bottom_px * PT_PER_PX
                right = info.content_right * PT_PER_PX + 6
                ops.append(_frame(info.content_left * PT_PER_PX - 2, bottom - 1,
                                  right - info.content_left * PT_PER_PX, top - bottom + 2,
                                  width=0.8))
                ops.append(_label(text, right - 4, bottom + 1.5, 5.5))
            label = labels.get(number)
            if label is not None:
                top = page_top - info.content_top * PT_PER_PX
                bottom = page_top - max(info.text_bottom, info.content_top + 20) * PT_PER_PX
                left = info.content_left * PT_PER_PX
                right = info.content_right * PT_PER_PX
                ops.append(_frame(left - 4, bottom - 4, right - left + 8, top - bottom + 8))
                ops.append(_text(label, left - 4, top + 9, 6.5))
            if pikepdf.Name.Resources not in page.obj:
                page.obj.Resources = pikepdf.Dictionary()
            resources = page.obj.Resources
            if pikepdf.Name.Font not in resources:
                resources.Font = pikepdf.Dictionary()
            resources.Font[pikepdf.Name("/FBproof")] = font
            # WeasyPrint leaves its y-flip in force at the end of a page: draw after
            # its content is closed in q … Q, in the page's own coordinates.
            page.contents_add(doc.make_stream(b"q\n"), prepend=True)
            page.contents_add(doc.make_stream(
                ("Q\nq\n" + "\n".join(ops) + "\nQ\n").encode("cp1252", "replace")),
                prepend=False)
        for key in ("/OutputIntents", "/Metadata"):
            if key in doc.Root:
                del doc.Root[key]
        for key in ("/GTS_PDFXVersion", "/GTS_PDFXConformance"):
            if key in doc.trailer.get("/Info", {}):
                del doc.trailer.Info[key]
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


def _text(text: str, x: float, y: float, size: float) -> str:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    r, g, b = MARK_RGB
    return f"BT /FBproof {size:g} Tf {r} {g} {b} rg {x:.2f} {y:.2f} Td ({escaped}) Tj ET"


def _label(text: str, right: float, y: float, size: float) -> str:
    """Text ending at ``right``, on a white ground so that it reads over the page."""
    width = len(text) * size * 0.58
    x = right - width
    return (f"1 1 1 rg {x - 1.5:.2f} {y - 1.5:.2f} {width + 3:.2f} {size + 2.5:.2f} re f "
            + _text(text, x, y, size))


def _frame(x: float, y: float, w: float, h: float, width: float = 1.5) -> str:
    r, g, b = MARK_RGB
    return (f"{r} {g} {b} RG {width:g} w [4 2] 0 d {x:.2f} {y:.2f} {w:.2f} {h:.2f} re S "
            f"{r} {g} {b} rg {x - 6:.2f} {y:.2f} 3 {h:.2f} re f")
