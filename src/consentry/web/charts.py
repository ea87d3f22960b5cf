"""Charts as server-rendered SVG: pure functions from values to markup (no I/O, no clock).

Two shapes cover the pages that would rather show than tell:

* :func:`bar_chart`: one horizontal bar per row (matches per work, a statement's amounts by
  work or by creator). Values are ``int`` or ``Decimal`` (or a string ``Decimal`` reads);
  the text beside each bar is the value exactly as given, never a float's rounding.
* :func:`stacked_over_time`: one column per day, stacked by state (a campaign's notices
  per state per day).

Every chart is an ``<svg role="img">`` named by its ``<title>`` and ``<desc>`` (the
description also states the figures, for a screen reader); every label is escaped; the
size is a ``viewBox`` with its natural ``width`` and no height, so with app.css's
``svg { max-width: 100%; height: auto }`` a chart shrinks to a 375 px phone, keeping its
proportions (no inline style: the web's CSP allows none). Series
are told apart by colour AND by a fill pattern, and the legend writes each series' total
in text: nothing depends on seeing colour. The colours have at least 3:1 contrast against
white (WCAG 1.4.11, graphics) and the text at least 4.5:1. No data gives a figure that
says so, rather than an empty box.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from markupsafe import Markup, escape

__all__ = ["PALETTE", "bar_chart", "stacked_over_time"]

TEXT = "#1a1a1a"  # 17.4:1 on white
MUTED = "#4d4d4d"  # 8.5:1 on white: axes and grid labels
# (fill, pattern) pairs; every fill has >= 3:1 contrast against white and the pattern is
# drawn in white over it, so two series differ in texture as well as in colour.
PALETTE: tuple[tuple[str, str], ...] = (
    ("#1f4e79", "solid"),  # dark blue, 8.7:1
    ("#b34700", "stripes"),  # burnt orange, 5.5:1
    ("#2e7d32", "dots"),  # green, 5.1:1
    ("#6a1b9a", "crosshatch"),  # purple, 9.4:1
    ("#c62828", "backstripes"),  # red, 5.6:1
    ("#455a64", "grid"),  # blue grey, 7.2:1
    ("#00695c", "zigzag"),  # teal, 6.6:1
    ("#795548", "rings"),  # brown, 6.6:1
)
FONT = 'font-family="system-ui, sans-serif"'
LABEL_CHARS = 60  # longer labels are cut with an ellipsis; the full text is in the row's title
Number = int | Decimal | str


@dataclass(frozen=True, slots=True)
class _Frame:
    """What every chart shares: its ids, title and description, and its box."""

    ident: str
    title: str
    description: str
    width: int
    height: int

    def open(self) -> str:
        t, d = f"{self.ident}-title", f"{self.ident}-desc"
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
            f'viewBox="0 0 {self.width} {self.height}" width="{self.width}" '
            f'aria-labelledby="{t} {d}" '
            f'{FONT} font-size="14" fill="{TEXT}">'
            f'<title id="{t}">{escape(self.title)}</title>'
            f'<desc id="{d}">{escape(self.description)}</desc>'
        )


def _ident(given: str | None, *parts: str) -> str:
    """An id for the chart's title, description and patterns: ``given`` (made safe) or one
    derived from the chart's words, so two charts on one page do not share ids."""
    if given:
        safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in given)
        return safe if safe[:1].isalpha() else f"c-{safe}"
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:10]
    return f"chart-{digest}"


def _num(value: Number) -> Decimal:
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    else:
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"chart value {value!r} is not a number") from None
    if not number.is_finite():
        raise ValueError(f"chart value {value!r} is not a finite number")
    return number


def _shown(value: Number, unit: str) -> str:
    text = str(value).strip() if isinstance(value, str) else str(value)
    return f"{text} {unit}" if unit else text


def _cut(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "\u2026"


def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _pattern(ident: str, index: int) -> str:
    """A ``<pattern>``: the series' colour with a white texture over it."""
    colour, kind = PALETTE[index % len(PALETTE)]
    marks = {
        "solid": "",
        "stripes": '<path d="M0 8 L8 0" stroke="#fff" stroke-width="2"/>',
        "dots": '<circle cx="4" cy="4" r="1.6" fill="#fff"/>',
        "crosshatch": '<path d="M0 0 L8 8 M8 0 L0 8" stroke="#fff" stroke-width="1.2"/>',
        "backstripes": '<path d="M0 0 L8 8" stroke="#fff" stroke-width="2"/>',
        "grid": '<path d="M4 0 V8 M0 4 H8" stroke="#fff" stroke-width="1.2"/>',
        "zigzag": '<path d="M0 6 L2 2 L4 6 L6 2 L8 6" stroke="#fff" fill="none"/>',
        "rings": '<circle cx="4" cy="4" r="2" stroke="#fff" fill="none"/>',
    }[kind]
    return (
        f'<pattern id="{ident}-p{index}" width="8" height="8" patternUnits="userSpaceOnUse">'
        f'<rect width="8" height="8" fill="{colour}"/>{marks}</pattern>'
    )


def _no_data(frame: _Frame, message: str) -> Markup:
    box = _Frame(frame.ident, frame.title, f"{frame.description} {message}", frame.width, 80)
    return Markup(
        box.open() + f'<rect x="1" y="1" width="{box.width - 2}" height="78" fill="#fff" '
        f'stroke="{MUTED}" stroke-dasharray="6 4"/>'
        f'<text x="{box.width // 2}" y="46" text-anchor="middle" class="chart-empty">'
        f"{escape(message)}</text></svg>"
    )


def bar_chart(
    rows: Sequence[tuple[str, Number]],
    *,
    title: str,
    description: str = "",
    unit: str = "",
    ident: str | None = None,
    empty: str = "No data yet.",
) -> Markup:
    """Horizontal bars, one per ``(label, value)`` row, in the order given.

    Bar lengths are proportional to the values (the longest bar is the largest value);
    a value at or below zero draws no bar but still shows its figure. ``unit`` follows each
    figure (``"EUR"``, ``"matches"``). The description read by a screen reader ends with
    every row as text.
    """
    frame = _Frame(_ident(ident, "bar", title, description), title, description, 480, 0)
    if not rows:
        return _no_data(frame, empty)
    numbers = [_num(v) for _, v in rows]
    top = max(numbers)
    row_h, bar_h, pad = 46, 18, 8
    track = 340.0  # the longest bar; the rest of the width holds its figure
    listed = "; ".join(f"{label}: {_shown(v, unit)}" for label, v in rows)
    frame = _Frame(
        frame.ident, title, f"{description} {listed}.".strip(), 480, pad * 2 + row_h * len(rows)
    )
    parts = [frame.open(), f"<defs>{_pattern(frame.ident, 0)}</defs>"]
    for i, ((label, value), number) in enumerate(zip(rows, numbers, strict=True)):
        y = pad + i * row_h
        length = float(number / top) * track if top > 0 and number > 0 else 0.0
        shown = escape(_shown(value, unit))
        parts.append(
            f'<g class="bar"><title>{escape(label)}: {shown}</title>'
            f'<text x="0" y="{y + 14}">{escape(_cut(label))}</text>'
            f'<rect x="0" y="{y + 20}" width="{_fmt(length)}" height="{bar_h}" '
            f'fill="url(#{frame.ident}-p0)" stroke="{PALETTE[0][0]}" data-value="{shown}"/>'
            f'<text x="{_fmt(length + 6)}" y="{y + 34}" class="value">{shown}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _stack_totals(
    days: Sequence[date], series: Mapping[str, Sequence[int]]
) -> tuple[list[int], dict[str, int]]:
    for name, counts in series.items():
        if len(counts) != len(days):
            raise ValueError(
                f"series {name!r} has {len(counts)} values, expected one per day ({len(days)})"
            )
        if any(c < 0 for c in counts):
            raise ValueError(f"series {name!r} has a negative count")
    per_day = [sum(counts[i] for counts in series.values()) for i in range(len(days))]
    return per_day, {name: sum(counts) for name, counts in series.items()}


def _axes(frame: _Frame, left: int, top: int, plot_h: int, peak: int) -> str:
    bottom = top + plot_h
    ticks = []
    for frac in (0, 0.5, 1):
        value = round(peak * frac)
        y = bottom - (value / peak) * plot_h if peak else bottom
        ticks.append(
            f'<line x1="{left}" x2="{frame.width - 8}" y1="{_fmt(y)}" y2="{_fmt(y)}" '
            f'stroke="#d0d0d0"/>'
            f'<text x="{left - 6}" y="{_fmt(y + 5)}" text-anchor="end" fill="{MUTED}">'
            f"{value}</text>"
        )
    return (
        '<g class="axes">' + "".join(ticks) + f'<line x1="{left}" x2="{left}" y1="{top}" '
        f'y2="{bottom}" stroke="{MUTED}"/></g>'
    )


def _columns(
    frame: _Frame,
    days: Sequence[date],
    series: Mapping[str, Sequence[int]],
    geometry: tuple[int, int, int, int],
) -> str:
    left, top, plot_h, peak = geometry
    slot = (frame.width - 8 - left) / len(days)
    bar_w = max(min(slot * 0.7, 48.0), 1.0)
    parts = []
    for i, day in enumerate(days):
        x = left + slot * i + (slot - bar_w) / 2
        y = float(top + plot_h)
        cells = []
        for k, (name, counts) in enumerate(series.items()):
            if counts[i] == 0:
                continue
            h = counts[i] / peak * plot_h
            y -= h
            cells.append(
                f'<rect x="{_fmt(x)}" y="{_fmt(y)}" width="{_fmt(bar_w)}" height="{_fmt(h)}" '
                f'fill="url(#{frame.ident}-p{k})" stroke="#fff" stroke-width="0.5" '
                f'data-series="{escape(name)}" data-value="{counts[i]}">'
                f"<title>{day.isoformat()} {escape(name)}: {counts[i]}</title></rect>"
            )
        parts.append(f'<g class="day" data-day="{day.isoformat()}">{"".join(cells)}</g>')
    return "".join(parts)


def _day_labels(frame: _Frame, days: Sequence[date], left: int, y: int) -> str:
    slot = (frame.width - 8 - left) / len(days)
    shown = sorted({0, len(days) // 2, len(days) - 1})
    return "".join(
        f'<text x="{_fmt(left + slot * i + slot / 2)}" y="{y}" text-anchor="middle" '
        f'fill="{MUTED}">{days[i].isoformat()}</text>'
        for i in shown
    )


def _legend(frame: _Frame, totals: Mapping[str, int], y: int) -> str:
    parts = ['<g class="legend">']
    for k, (name, total) in enumerate(totals.items()):
        row_y = y + k * 24
        parts.append(
            f'<rect x="0" y="{row_y}" width="18" height="18" fill="url(#{frame.ident}-p{k})" '
            f'stroke="{PALETTE[k % len(PALETTE)][0]}"/>'
            f'<text x="26" y="{row_y + 14}">{escape(_cut(name))}: {total}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


def stacked_over_time(
    days: Sequence[date],
    series: Mapping[str, Sequence[int]],
    *,
    title: str,
    description: str = "",
    ident: str | None = None,
    empty: str = "No data yet.",
) -> Markup:
    """One column per day, stacked by series in the mapping's order (first at the bottom).

    ``series`` maps a name (a notice state) to one count per day, aligned with ``days``.
    The legend below the columns names each series with its pattern and its total; the
    description lists every day's counts for a screen reader.
    """
    frame = _Frame(_ident(ident, "stack", title, description), title, description, 640, 0)
    per_day, totals = _stack_totals(days, series)
    if not days or not series or not any(per_day):
        return _no_data(frame, empty)
    left, top, plot_h = 44, 12, 200
    peak = max(per_day)
    listed = "; ".join(
        f"{day.isoformat()}: " + ", ".join(f"{n} {c[i]}" for n, c in series.items())
        for i, day in enumerate(days)
    )
    legend_y = top + plot_h + 36
    frame = _Frame(
        frame.ident,
        title,
        f"{description} {listed}.".strip(),
        640,
        legend_y + 24 * len(series) + 4,
    )
    defs = "".join(_pattern(frame.ident, k) for k in range(len(series)))
    return Markup(
        frame.open()
        + f"<defs>{defs}</defs>"
        + _axes(frame, left, top, plot_h, peak)
        + _columns(frame, days, series, (left, top, plot_h, peak))
        + _day_labels(frame, days, left, top + plot_h + 20)
        + _legend(frame, totals, legend_y)
        + "</svg>"
    )
