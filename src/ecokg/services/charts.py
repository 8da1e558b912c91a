"""Geometry for small server-rendered bar charts (the templates draw them as inline SVG)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    series: int
    label_y: float  # where the value is written


@dataclass
class Category:
    label: str
    sublabel: str
    x: float  # centre
    bars: list[Bar] = field(default_factory=list)


@dataclass
class Chart:
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    plot_left: float
    plot_right: float
    categories: list[Category]
    ticks: list[tuple[float, int]]  # (y, value)
    series: list[str]  # series keys, for the legend (the template translates them)
    stacked: bool

    @property
    def empty(self) -> bool:
        return not self.categories


def _nice_max(v: int) -> int:
    if v <= 5:
        return max(v, 1)
    mag = 10 ** int(math.floor(math.log10(v)))
    for step in (1, 2, 2.5, 5, 10):
        top = math.ceil(v / (step * mag)) * step * mag
        if top >= v:
            return int(top)
    return v


def _ticks(top: int) -> list[int]:
    if top <= 5:
        return list(range(0, top + 1))
    step = top / 4
    return [round(i * step) for i in range(5)]


def bar_chart(categories: list[tuple[str, str, list[int | None]]], series: list[str], *,
              stacked: bool = False, height: int = 260, min_width: int = 320, slot: int = 64) -> Chart:
    """``categories``: (label, sublabel, one value per series; None for "not known")."""
    left, right, top, bottom = 44.0, 12.0, 24.0, 48.0
    width = max(min_width, int(left + right + slot * max(1, len(categories))))
    plot_h = height - top - bottom
    totals = [sum(v or 0 for v in vals) if stacked else max([v or 0 for v in vals] or [0])
              for _, _, vals in categories]
    vmax = _nice_max(max(totals or [0]))
    scale = plot_h / vmax if vmax else 0
    ticks = [(height - bottom - t * scale, t) for t in _ticks(vmax)]
    cats: list[Category] = []
    n = max(1, len(series))
    for i, (label, sub, vals) in enumerate(categories):
        x0 = left + i * slot
        cat = Category(label, sub, x0 + slot / 2)
        bar_w = (slot * 0.7) if stacked else (slot * 0.8) / n
        base = height - bottom
        for j, v in enumerate(vals):
            if v is None:
                continue
            h = v * scale
            if stacked:
                bx, by = x0 + slot * 0.15, base - h
                base -= h
            else:
                bx, by = x0 + slot * 0.1 + j * bar_w, height - bottom - h
            cat.bars.append(Bar(round(bx, 1), round(by, 1), round(bar_w - (0 if stacked else 2), 1),
                                round(h, 1), v, j, round(by - 4, 1)))
        cats.append(cat)
    return Chart(width, height, top, height - bottom, left, width - right, cats, ticks, series, stacked)
