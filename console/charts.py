"""Bar charts as inline SVG, drawn on the server: no script, no CDN, readable by screen readers
(a title and a description; every chart is followed by the same figures in a table)."""

from html import escape
from typing import List, Sequence

from markupsafe import Markup

from bot.texts import text

INK = "#1b1b1b"
BAR = "#1f4e79"  # 8.6:1 on white
GRID = "#767676"


def _frame(title: str, description: str, width: int, height: int, body: List[str]) -> Markup:
    slug = "".join(c if c.isalnum() else "-" for c in title.lower())
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="t-{slug} d-{slug}" class="chart">'
        f'<title id="t-{slug}">{escape(title)}</title>'
        f'<desc id="d-{slug}">{escape(description)}</desc>' + "".join(body) + "</svg>"
    )


def columns(title: str, labels: Sequence[str], values: Sequence[float]) -> Markup:
    """Vertical bars, one per label (days)."""
    width, height, left, bottom, top = 640, 220, 36, 40, 16
    peak = max(values, default=0) or 1
    step = (width - left - 8) / max(len(values), 1)
    body = [
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - 4}" y2="{height - bottom}" '
        f'stroke="{GRID}"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11" fill="{INK}">'
        f"{peak:g}</text>",
    ]
    for index, (label, value) in enumerate(zip(labels, values)):
        bar = (height - bottom - top) * value / peak
        x = left + index * step + step * 0.15
        body.append(
            f'<rect x="{x:.1f}" y="{height - bottom - bar:.1f}" width="{step * 0.7:.1f}" '
            f'height="{bar:.1f}" fill="{BAR}"><title>{escape(label)} : {value:g}</title></rect>'
        )
        if len(labels) <= 16 or index % max(len(labels) // 10, 1) == 0:
            body.append(
                f'<text x="{x + step * 0.35:.1f}" y="{height - bottom + 14}" font-size="10" '
                f'text-anchor="middle" fill="{INK}">{escape(label)}</text>'
            )
    description = ", ".join(f"{label} : {v:g}" for label, v in zip(labels, values))
    description = description or text("console.charts.no_data")
    return _frame(title, description, width, height, body)


def bars(title: str, labels: Sequence[str], values: Sequence[float]) -> Markup:
    """Horizontal bars, one per label (dispositifs), with the value written at the end."""
    row, left, width = 24, 220, 640
    height = max(len(values), 1) * row + 8
    peak = max(values, default=0) or 1
    body = []
    for index, (label, value) in enumerate(zip(labels, values)):
        y = 4 + index * row
        length = (width - left - 50) * value / peak
        body += [
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end" font-size="12" fill="{INK}">'
            f"{escape(label[:34])}</text>",
            f'<rect x="{left}" y="{y + 3}" width="{length:.1f}" height="{row - 8}" fill="{BAR}"/>',
            f'<text x="{left + length + 6:.1f}" y="{y + 15}" font-size="12" fill="{INK}">'
            f"{value:g}</text>",
        ]
    description = ", ".join(f"{label} : {v:g}" for label, v in zip(labels, values))
    description = description or text("console.charts.no_data")
    return _frame(title, description, width, height, body)
