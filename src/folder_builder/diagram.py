"""Geometry of the model diagram: the perspectives as a ring around the core task.

Only numbers live here: the ring is cut into as many sectors as there are
perspectives, in content order, starting at twelve o'clock. The template
draws them (layouts/partials/wheel.html.j2) and places the labels; colours
and words come from content.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .model import Perspective

#: The drawing is made in a 100 × 100 box centred on (50, 50).
CENTRE = 50.0


@dataclass(frozen=True)
class Sector:
    perspective: Perspective
    #: SVG path data of the ring sector.
    path: str
    #: Where the label is anchored, in percent of the box.
    label_x: float
    label_y: float
    #: Which side of the anchor the label extends to: left, right or centre,
    #: and above, below or around it.
    side: str
    level: str


@dataclass(frozen=True)
class Wheel:
    sectors: tuple[Sector, ...]
    outer: float
    inner: float


def wheel(
    perspectives: tuple[Perspective, ...],
    *,
    outer: float = 29.0,
    inner: float = 15.5,
    label_radius: float = 32.0,
) -> Wheel:
    """A ring of ``len(perspectives)`` equal sectors, first one from twelve o'clock."""
    count = len(perspectives)
    step = 2 * math.pi / count
    sectors = []
    for index, perspective in enumerate(perspectives):
        start = -math.pi / 2 + index * step
        end = start + step
        mid = (start + end) / 2
        dx, dy = math.cos(mid), math.sin(mid)
        sectors.append(
            Sector(
                perspective=perspective,
                path=_ring_sector(start, end, outer, inner),
                label_x=round(CENTRE + label_radius * dx, 3),
                label_y=round(CENTRE + label_radius * dy, 3),
                side="right" if dx > 0.25 else "left" if dx < -0.25 else "centre",
                level="below" if dy > 0.25 else "above" if dy < -0.25 else "middle",
            )
        )
    return Wheel(tuple(sectors), outer, inner)


def _point(angle: float, radius: float) -> str:
    return f"{CENTRE + radius * math.cos(angle):.3f} {CENTRE + radius * math.sin(angle):.3f}"


def _ring_sector(start: float, end: float, outer: float, inner: float) -> str:
    if end - start >= 2 * math.pi - 1e-9:  # a single perspective: a full ring
        return (
            f"M {CENTRE - outer:.3f} {CENTRE:.3f} a {outer} {outer} 0 1 1 {2 * outer} 0 "
            f"a {outer} {outer} 0 1 1 {-2 * outer} 0 Z "
            f"M {CENTRE - inner:.3f} {CENTRE:.3f} a {inner} {inner} 0 1 0 {2 * inner} 0 "
            f"a {inner} {inner} 0 1 0 {-2 * inner} 0 Z"
        )
    large = 1 if end - start > math.pi else 0
    return (
        f"M {_point(start, outer)} A {outer} {outer} 0 {large} 1 {_point(end, outer)} "
        f"L {_point(end, inner)} A {inner} {inner} 0 {large} 0 {_point(start, inner)} Z"
    )
