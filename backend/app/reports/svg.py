"""The reports' plots as SVG written on the server: horizontal bars (counts by a value, one or
two series) and grouped columns (shares per week). Nothing runs in the browser and nothing
comes from a CDN; colours are presentation attributes (the page's Content-Security-Policy
allows no inline style). Every text is escaped."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Colour-blind-safe pair (Okabe-Ito blue and vermilion), and the axis grey.
COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")
GRID = "#d0d4da"
TEXT = "#333"
FONT = 'font-family="system-ui, sans-serif" font-size="12"'


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


def _text(x: float, y: float, text: str, *, anchor: str = "start", extra: str = "") -> str:
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" fill="{TEXT}" {extra}>{escape(text)}</text>'


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _legend(series: Sequence[Series], x: float, y: float) -> list[str]:
    parts = []
    for index, one in enumerate(series):
        parts.append(f'<rect x="{x:.1f}" y="{y - 9:.1f}" width="10" height="10" fill="{COLOURS[index]}"/>')
        parts.append(_text(x + 14, y, one.name))
        x += 24 + 7 * len(one.name)
    return parts


def bars(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    width: int = 460,
    fmt: Callable[[float], str] = lambda value: f"{value:g}",
) -> Markup:
    """Horizontal bars, one row per label, a bar per series (counts)."""
    label_width, row, gap = 200, 16 * len(series) + 8, 22
    top = 8 + (gap if len(series) > 1 else 0)
    height = top + row * max(len(labels), 1) + 8
    largest = max((value or 0 for one in series for value in one.values), default=0) or 1
    plot = width - label_width - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" {FONT}><title>{escape(title)}</title>'
    ]
    if len(series) > 1:
        parts += _legend(series, label_width, 14)
    for index, label in enumerate(labels):
        y = top + index * row
        parts.append(_text(label_width - 6, y + row / 2 + 3, _shorten(label, 30), anchor="end"))
        for number, one in enumerate(series):
            value = one.values[index] or 0
            length = plot * value / largest
            bar_y = y + 4 + number * 16
            parts.append(
                f'<rect x="{label_width}" y="{bar_y:.1f}" width="{max(length, 1):.1f}" height="13" '
                f'fill="{COLOURS[number]}"><title>{escape(one.name)}: {escape(fmt(value))}</title></rect>'
            )
            parts.append(_text(label_width + length + 4, bar_y + 11, fmt(value)))
    parts.append(f'<line x1="{label_width}" y1="{top}" x2="{label_width}" y2="{height - 8}" stroke="{GRID}"/>')
    parts.append("</svg>")
    return Markup("".join(parts))


def columns(
    labels: Sequence[str], series: Sequence[Series], *, title: str, width: int = 940, height: int = 260
) -> Markup:
    """Grouped columns of shares (0-1) per label (the weeks); a missing share (nothing decided
    that week) leaves a gap. The y axis reads 0-100 %."""
    left, right, top, bottom = 44, 10, 26, 44
    plot_w, plot_h = width - left - right, height - top - bottom
    slot = plot_w / max(len(labels), 1)
    bar_w = min(18.0, (slot - 4) / max(len(series), 1))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" {FONT}><title>{escape(title)}</title>'
    ]
    parts += _legend(series, left, 14)
    for tick in (0, 25, 50, 75, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}"/>')
        parts.append(_text(left - 4, y + 4, f"{tick} %", anchor="end"))
    every = max(1, round(len(labels) / 14))  # at most ~14 week labels under the axis
    for index, label in enumerate(labels):
        x0 = left + index * slot + (slot - bar_w * len(series)) / 2
        for number, one in enumerate(series):
            value = one.values[index]
            if value is None:
                continue
            bar_h = plot_h * value
            parts.append(
                f'<rect x="{x0 + number * bar_w:.1f}" y="{top + plot_h - bar_h:.1f}" width="{bar_w - 1:.1f}" '
                f'height="{max(bar_h, 0.5):.1f}" fill="{COLOURS[number]}">'
                f"<title>{escape(label)} · {escape(one.name)}: {value * 100:.0f} %</title></rect>"
            )
        if index % every == 0:
            parts.append(_text(left + index * slot + slot / 2, height - bottom + 16, label, anchor="middle"))
    parts.append("</svg>")
    return Markup("".join(parts))
