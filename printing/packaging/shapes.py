"""Geometry of the packaging front's background art: the sunburst's rays, clipped to a box."""

from __future__ import annotations

import math
from collections.abc import Sequence

from printing.packaging.elements import Polygon
from printing.press.colour import Colour


def _clip_polygon(
    points: Sequence[tuple[float, float]], box: tuple[float, float, float, float]
) -> list[tuple[float, float]]:
    """Sutherland-Hodgman: a convex polygon clipped to an axis-aligned box."""
    x0, y0, x1, y1 = box
    edges = (
        (lambda p: p[0] >= x0, lambda a, b: _cross_x(a, b, x0)),
        (lambda p: p[0] <= x1, lambda a, b: _cross_x(a, b, x1)),
        (lambda p: p[1] >= y0, lambda a, b: _cross_y(a, b, y0)),
        (lambda p: p[1] <= y1, lambda a, b: _cross_y(a, b, y1)),
    )
    out = list(points)
    for inside, cross in edges:
        if not out:
            break
        source, out = out, []
        for i, current in enumerate(source):
            previous = source[i - 1]
            if inside(current):
                if not inside(previous):
                    out.append(cross(previous, current))
                out.append(current)
            elif inside(previous):
                out.append(cross(previous, current))
    return out


def _cross_x(a: tuple[float, float], b: tuple[float, float], x: float) -> tuple[float, float]:
    t = (x - a[0]) / (b[0] - a[0])
    return (x, a[1] + t * (b[1] - a[1]))


def _cross_y(a: tuple[float, float], b: tuple[float, float], y: float) -> tuple[float, float]:
    t = (y - a[1]) / (b[1] - a[1])
    return (a[0] + t * (b[0] - a[0]), y)


def sunburst(
    centre: tuple[float, float], box: tuple[float, float, float, float], colour: Colour, rays: int
) -> list[Polygon]:
    cx, cy = centre
    reach = 2.0 * math.hypot(box[2] - box[0], box[3] - box[1])
    step = 2.0 * math.pi / (2 * rays)
    polygons = []
    for i in range(rays):
        a0, a1 = (2 * i) * step - math.pi / 2, (2 * i + 1) * step - math.pi / 2
        triangle = [
            (cx, cy),
            (cx + reach * math.cos(a0), cy + reach * math.sin(a0)),
            (cx + reach * math.cos(a1), cy + reach * math.sin(a1)),
        ]
        clipped = _clip_polygon(triangle, box)
        if len(clipped) >= 3:
            polygons.append(Polygon(tuple(clipped), colour))
    return polygons
