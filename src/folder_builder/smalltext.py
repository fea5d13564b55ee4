"""Preflight check: small text set in three or four inks.

On press the four plates are never in perfect register. Large type hides a
hair's misregister; below 9 pt the letters of a three- or four-ink colour get
coloured fringes and look blurred. Print shops flag such text, so the print
preflight does too, naming the pages and the sizes.

The check follows the page content as a RIP does: the current transformation
matrix through q/Q/cm and form XObjects, the text matrix and font size, and the
fill colour (DeviceCMYK ``k``, ICC-based CMYK, Separation and DeviceN), and
measures each shown string's size as it lands on the page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pikepdf

#: Text below this size (pt) must be set in at most MAX_INKS inks.
SMALL_PT = 9.0
MAX_INKS = 2
_EPSILON = 0.01
_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

Matrix = tuple[float, float, float, float, float, float]

#: The operators _scan reads: qpdf hands Python only these, not the paths and the
#: text spacing that make most of a page.
_OPERATORS = "q Q cm BT Tm Tf Tr k g rg cs sc scn Tj TJ ' \" Do"


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    """m × n (m applied first), as PDF concatenates matrices."""
    a, b, c, d, e, f = m
    p, q, r, s, t, u = n
    return (a * p + b * r, a * q + b * s, c * p + d * r, c * q + d * s,
            e * p + f * r + t, e * q + f * s + u)


def _scale(m: Matrix) -> float:
    return math.sqrt(abs(m[0] * m[3] - m[1] * m[2]))


@dataclass
class _State:
    ctm: Matrix = _IDENTITY
    #: The fill colour space: ("cmyk"|"separation"|"devicen"|"gray"|"other", names)
    space: tuple[str, tuple[str, ...]] = ("gray", ())
    #: How many inks the current fill colour prints on.
    inks: int = 1


@dataclass
class SmallText:
    """Where small multi-ink text was found: page -> sizes (pt) and ink counts."""

    pages: dict[int, set[float]] = field(default_factory=dict)
    inks: set[int] = field(default_factory=set)


def _space(value: object, resources: pikepdf.Dictionary, depth: int = 0
           ) -> tuple[str, tuple[str, ...]]:
    if depth > 8:
        return ("other", ())
    if isinstance(value, pikepdf.Name):
        key = str(value)
        if key in ("/DeviceCMYK", "/CMYK"):
            return ("cmyk", ())
        if key in ("/DeviceGray", "/G"):
            return ("gray", ())
        named = resources.get("/ColorSpace")
        if isinstance(named, pikepdf.Dictionary) and key in named:
            return _space(named[key], resources, depth + 1)
        return ("other", ())
    if isinstance(value, pikepdf.Array) and len(value) > 0:
        kind = str(value[0])
        if kind == "/ICCBased" and isinstance(value[1], pikepdf.Stream):
            n = int(value[1].get("/N", 0))
            return ("cmyk", ()) if n == 4 else ("gray", ()) if n == 1 else ("other", ())
        if kind == "/Separation":
            return ("separation", (str(value[1]),))
        if kind == "/DeviceN" and isinstance(value[1], pikepdf.Array):
            return ("devicen", tuple(str(n) for n in value[1]))
    return ("other", ())


def _inks(space: tuple[str, tuple[str, ...]], values: list[float]) -> int:
    kind, names = space
    if kind == "cmyk":
        return sum(1 for v in values[:4] if v > _EPSILON)
    if kind == "gray":
        return 1 if values and values[0] < 1 - _EPSILON else 0
    if kind == "separation":
        if not values or values[0] <= _EPSILON or names[0] == "/None":
            return 0
        return 4 if names[0] == "/All" else 1
    if kind == "devicen":
        return sum(1 for name, v in zip(names, values, strict=False)
                   if v > _EPSILON and name != "/None")
    return 0  # RGB and the like: the colour check reports those


def find_small_text(pdf: pikepdf.Pdf) -> SmallText:
    found = SmallText()
    for number, page in enumerate(pdf.pages, 1):
        sizes, inks = small_text_on(page)
        if sizes:
            found.pages[number] = set(sizes)
            found.inks |= inks
    return found


def small_text_on(page: pikepdf.Page) -> tuple[frozenset[float], frozenset[int]]:
    """The sizes of small multi-ink text on one page, and the ink counts it is in."""
    found = SmallText()
    resources = page.obj.get("/Resources")
    if not isinstance(resources, pikepdf.Dictionary):
        resources = pikepdf.Dictionary()
    _scan(page, resources, _State(), 0, found, depth=0)
    return frozenset(found.pages.get(0, ())), frozenset(found.inks)


def _scan(content: pikepdf.Page | pikepdf.Stream, resources: pikepdf.Dictionary,
          state: _State, page: int, found: SmallText, depth: int) -> None:
    if depth > 12:
        return
    stack: list[_State] = []
    tm: Matrix = _IDENTITY
    size = 0.0
    render_mode = 0
    for instruction in pikepdf.parse_content_stream(content, _OPERATORS):
        if isinstance(instruction, pikepdf.ContentStreamInlineImage):
            continue
        op = str(instruction.operator)
        args = instruction.operands
        if op == "q":
            stack.append(_State(state.ctm, state.space, state.inks))
        elif op == "Q" and stack:
            state = stack.pop()
        elif op == "cm" and len(args) == 6:
            state.ctm = _multiply(tuple(float(v) for v in args), state.ctm)
        elif op == "BT":
            tm = _IDENTITY
        elif op == "Tm" and len(args) == 6:
            tm = tuple(float(v) for v in args)
        elif op == "Tf" and len(args) == 2:
            size = abs(float(args[1]))
        elif op == "Tr" and args:
            render_mode = int(args[0])
        elif op == "k" and len(args) == 4:
            state.space, state.inks = ("cmyk", ()), _inks(("cmyk", ()),
                                                          [float(v) for v in args])
        elif op == "g" and args:
            state.space, state.inks = ("gray", ()), _inks(("gray", ()), [float(args[0])])
        elif op == "rg":
            state.space, state.inks = ("other", ()), 0
        elif op == "cs" and args:
            state.space = _space(args[0], resources)
            state.inks = _inks(state.space, [0.0, 0.0, 0.0, 1.0] if state.space[0] == "cmyk"
                               else [1.0] if state.space[0] != "gray" else [0.0])
        elif op in ("sc", "scn") and args and not isinstance(args[-1], pikepdf.Name):
            state.inks = _inks(state.space, [float(v) for v in args])
        elif op in ("Tj", "TJ", "'", '"') and render_mode != 3 and state.inks > MAX_INKS:
            shown = size * _scale(_multiply(tm, state.ctm))
            if 0 < shown < SMALL_PT - _EPSILON:
                found.pages.setdefault(page, set()).add(round(shown, 1))
                found.inks.add(state.inks)
        elif op == "Do" and args:
            xobjects = resources.get("/XObject")
            form = xobjects.get(str(args[0])) if isinstance(xobjects, pikepdf.Dictionary) \
                else None
            if isinstance(form, pikepdf.Stream) and form.get("/Subtype") == "/Form":
                inner = form.get("/Resources")
                matrix = form.get("/Matrix")
                ctm = state.ctm if matrix is None else \
                    _multiply(tuple(float(v) for v in matrix), state.ctm)
                _scan(form, inner if isinstance(inner, pikepdf.Dictionary) else resources,
                      _State(ctm, state.space, state.inks), page, found, depth + 1)
