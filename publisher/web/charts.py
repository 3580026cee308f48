"""Bar charts as inline SVG, rendered on the server (no script): the report page's opens and clicks.

`bar_chart` draws groups of bars side by side (one bar per series: people, machines) over labelled
groups (hours, days, links). The SVG is `role="img"` named by its <title> and described by its <desc>
(the totals in words); each bar has a <title> of its own (a tooltip). Colours come from style.css
classes (`.series-human`, `.series-machine`), chosen for contrast on the light and the dark background;
the page puts a table of the same numbers right below every chart. Every text is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 8, 14, 40
MAX_BAR = 36  # a bar is at most this wide, however few the groups


@dataclass(frozen=True)
class Series:
    """One kind of bar: its name (legend and tooltips), its CSS class suffix, a value per group."""

    name: str
    css: str
    values: Sequence[int]


def _nice_top(most: int) -> int:
    """The axis's top: the smallest 1, 2 or 5 times a power of ten at or above the largest value."""
    top = 1
    while True:
        for step in (1, 2, 5):
            if step * top >= most:
                return step * top
        top *= 10


def _number(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,.1f}"


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    label_every: int = 1,
) -> Markup:
    """An SVG bar chart: one group of bars per label, one bar per series, a y axis with three gridlines."""
    groups = max(len(labels), 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_top(max((v for s in series for v in s.values), default=0))
    group_w = plot_w / groups
    bar_w = min(group_w * 0.8 / max(len(series), 1), MAX_BAR)
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>',
    ]
    for fraction in (0, 0.5, 1):
        y = TOP + plot_h * (1 - fraction)
        parts.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        label = _number(top * fraction)
        parts.append(f'<text class="axis" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{label}</text>')
    for index, label in enumerate(labels):
        x0 = LEFT + (index + 0.5) * group_w - bar_w * len(series) / 2  # the group centred on its label
        for n, one in enumerate(series):
            value = one.values[index] if index < len(one.values) else 0
            if value <= 0:
                continue
            height = plot_h * value / top
            x, y = x0 + n * bar_w, TOP + plot_h - height
            parts.append(
                f'<rect class="bar series-{escape(one.css)}" x="{x:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 1):.1f}" '
                f'height="{height:.1f}"><title>{escape(label)}: {value:,} {escape(one.name)}</title></rect>'
            )
        if index % max(label_every, 1) == 0:
            cx, cy = LEFT + (index + 0.5) * group_w, HEIGHT - BOTTOM + 18
            parts.append(f'<text class="axis" x="{cx:.1f}" y="{cy}" text-anchor="middle">{escape(label)}</text>')
    parts.append(f'<line class="baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{TOP + plot_h}" y2="{TOP + plot_h}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))
