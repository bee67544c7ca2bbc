"""Server-rendered SVG scatter charts: pass rate (with Wilson whiskers) against cost or latency.

No JavaScript and no chart library: the SVG is written into the page, scales with CSS, uses
``currentColor`` and CSS classes so dark mode works, and every point is a link to the model
with a <title> tooltip. Labels are placed greedily and dropped (the tooltip stays) where they
would overlap, so a crowded chart stays readable.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from markupsafe import Markup, escape as _escape

from .markdown import strip_invisible


def escape(text: str) -> Markup:
    return _escape(strip_invisible(str(text)))


W, H = 640, 380
LEFT, RIGHT, TOP, BOTTOM = 52, 40, 18, 48
CHAR_W, LABEL_H = 6.4, 13
MAX_LABELS = 24  # the best models get names; every point keeps its tooltip and link


@dataclass(frozen=True)
class Point:
    id: str
    name: str
    x: float
    y: float
    lo: float
    hi: float
    href: str
    access: str


def _nice_linear(lo: float, hi: float, count: int = 5) -> list[float]:
    span = hi - lo or abs(hi) or 1.0
    raw = span / count
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    start = math.floor(lo / step) * step
    ticks, t = [], start
    while t <= hi + step * 0.5 and len(ticks) < 20:
        ticks.append(round(t, 10))
        t += step
    return ticks


def _log_ticks(lo: float, hi: float) -> list[float]:
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    ticks = [10.0 ** e for e in range(a, b + 1)]
    if len(ticks) <= 3:
        ticks = sorted({m * 10.0 ** e for e in range(a, b + 1) for m in (1, 2, 5)})
    return ticks


class _Scale:
    def __init__(self, values: list[float], log: bool):
        lo, hi = min(values), max(values)
        self.log = log and lo > 0 and hi / lo >= 8
        if self.log:
            ticks = _log_ticks(lo, hi)
            inner = [t for t in ticks if lo / 1.6 <= t <= hi * 1.6]
            self.ticks = inner if len(inner) >= 2 else ticks
            a, b = math.log10(min(self.ticks[0], lo)), math.log10(max(self.ticks[-1], hi))
            margin = (b - a) * 0.04
            self.lo, self.hi = a - margin, b + margin
        elif hi == lo:  # one point (or all equal): centre it on a 0 .. 2x axis
            self.ticks = _nice_linear(0.0, 2 * hi if hi > 0 else 1.0, 4)
        else:
            pad = (hi - lo) * 0.08
            low = 0.0 if lo >= 0 and lo - pad < 0 else lo - pad
            self.ticks = _nice_linear(low, hi + pad)
        if not self.log:
            self.lo, self.hi = self.ticks[0], self.ticks[-1]
        if self.hi == self.lo:
            self.hi = self.lo + 1

    def __call__(self, v: float) -> float:
        v = math.log10(v) if self.log else v
        return LEFT + (v - self.lo) / (self.hi - self.lo) * (W - LEFT - RIGHT)


def _y(rate: float) -> float:
    return TOP + (1 - rate) * (H - TOP - BOTTOM)


def _overlaps(box, boxes) -> bool:
    x1, y1, x2, y2 = box
    if x1 < LEFT or x2 > W - 2 or y1 < 0 or y2 > H - BOTTOM:
        return True
    return any(not (x2 < a1 or x1 > a2 or y2 < b1 or y1 > b2) for a1, b1, a2, b2 in boxes)


def scatter(points: list[Point], *, title: str, x_label: str, x_format, chart_id: str, log: bool = True) -> Markup:
    """An SVG scatter of pass rate (y, with interval whiskers) against x."""
    if not points:
        return Markup("")
    scale = _Scale([p.x for p in points], log)
    out = [f'<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
           f'xmlns="http://www.w3.org/2000/svg">',
           f'<title id="{chart_id}-t">{escape(title)}</title>',
           f'<desc id="{chart_id}-d">Each point is one model: pass rate on the vertical axis with its 95% Wilson '
           f'interval as a whisker, {escape(x_label.lower())} on the horizontal axis'
           f'{" (logarithmic)" if scale.log else ""}. The table above lists the same figures.</desc>']
    # grid + axes
    out.append('<g class="grid">')
    for r in (0, 0.25, 0.5, 0.75, 1):
        y = _y(r)
        out.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
    for t in scale.ticks:
        x = scale(t)
        out.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{H - BOTTOM}"/>')
    out.append("</g><g class=\"axis\">")
    for r in (0, 0.25, 0.5, 0.75, 1):
        out.append(f'<text x="{LEFT - 6}" y="{_y(r) + 4:.1f}" text-anchor="end">{r * 100:.0f}%</text>')
    for t in scale.ticks:
        out.append(f'<text x="{scale(t):.1f}" y="{H - BOTTOM + 16}" text-anchor="middle">{escape(x_format(t))}</text>')
    out.append(f'<text x="{(LEFT + W - RIGHT) / 2:.0f}" y="{H - 8}" text-anchor="middle" class="label">'
               f'{escape(x_label)}{" (log scale)" if scale.log else ""}</text>')
    out.append(f'<text transform="translate(14 {(TOP + H - BOTTOM) / 2:.0f}) rotate(-90)" text-anchor="middle" '
               f'class="label">Pass rate</text></g>')
    # points, best first so the strongest models get their labels
    placed: list[tuple[float, float, float, float]] = []
    marks, labels = [], []
    for p in sorted(points, key=lambda p: (-p.y, p.name)):
        cx, cy = scale(p.x), _y(p.y)
        y_lo, y_hi = _y(p.lo), _y(p.hi)
        tip = escape(f"{p.name}: {p.y * 100:.1f}% (95% CI {p.lo * 100:.0f}–{p.hi * 100:.0f}%), {x_format(p.x)}")
        shape = (f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="4.5"/>' if p.access == "open" else
                 f'<rect x="{cx - 4:.1f}" y="{cy - 4:.1f}" width="8" height="8"/>')
        marks.append(f'<a href="{escape(p.href)}" class="pt {p.access}"><title>{tip}</title>'
                     f'<line x1="{cx:.1f}" x2="{cx:.1f}" y1="{y_hi:.1f}" y2="{y_lo:.1f}" class="wh"/>'
                     f'<line x1="{cx - 3:.1f}" x2="{cx + 3:.1f}" y1="{y_hi:.1f}" y2="{y_hi:.1f}" class="wh"/>'
                     f'<line x1="{cx - 3:.1f}" x2="{cx + 3:.1f}" y1="{y_lo:.1f}" y2="{y_lo:.1f}" class="wh"/>'
                     f'{shape}</a>')
        placed.append((cx - 5, cy - 5, cx + 5, cy + 5))
    for p in sorted(points, key=lambda p: (-p.y, p.name))[:MAX_LABELS]:
        cx, cy = scale(p.x), _y(p.y)
        width = len(p.name) * CHAR_W
        for dx, dy, anchor in ((8, 4, "start"), (-8, 4, "end"), (0, -9, "middle"), (0, 16, "middle")):
            x0 = cx + dx if anchor == "start" else cx + dx - width if anchor == "end" else cx - width / 2
            box = (x0, cy + dy - LABEL_H + 3, x0 + width, cy + dy + 2)
            if not _overlaps(box, placed):
                placed.append(box)
                labels.append(f'<text x="{cx + dx:.1f}" y="{cy + dy:.1f}" text-anchor="{anchor}">{escape(p.name)}</text>')
                break
    out.append('<g class="marks">' + "".join(marks) + "</g>")
    out.append('<g class="labels" aria-hidden="true">' + "".join(labels) + "</g>")
    out.append("</svg>")
    return Markup("".join(out))
