"""Small server-side SVG charts for the pages: no script and no CDN, so they work under our CSP.

The markup uses CSS classes (`chart-*` in `static/css/fitai.css`) for colours, so the charts follow
the page's light and dark themes, and a `viewBox` without a fixed size, so they scale with their box.
"""

import math
from datetime import datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SVG_NS = "http://www.w3.org/2000/svg"
# Room for the value labels on the left and the dates below the plot.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 76, 24, 16, 36
EMPTY_MESSAGE = "Record at least two measurements to see a chart."


def _number(value: float) -> str:
    """A value as people write it: `82.5`, `100`, `81.65`."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _date(moment: datetime) -> str:
    return f"{moment.day} {moment:%b %Y}"


def _coordinate(value: float) -> str:
    return f"{value:.1f}"


def _svg_open(width: int, height: int, label: str) -> str:
    return (
        f'<svg xmlns="{SVG_NS}" class="chart" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="{escape(label)}">'
    )


def line_chart_svg(
    points: list[tuple[datetime, float]], *, width: int = 640, height: int = 240, unit: str = "kg"
) -> SafeString:
    """Draw `points` (moment, value) as a line over time, with axes and min/max and date labels.

    Every piece of text is escaped, so the result is safe to put in a page as it is. With fewer
    than two usable points (non-finite values are skipped) the chart is a short message instead.
    """
    series = sorted(
        ((moment, float(value)) for moment, value in points if math.isfinite(float(value))),
        key=lambda point: point[0],
    )
    unit_text = escape(unit)
    if len(series) < 2:
        return mark_safe(  # noqa: S308 - the only text is a constant
            _svg_open(width, height, EMPTY_MESSAGE)
            + f'<text class="chart-empty" x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle">'
            + f"{escape(EMPTY_MESSAGE)}</text></svg>"
        )

    left, right = MARGIN_LEFT, width - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, height - MARGIN_BOTTOM
    values = [value for _, value in series]
    low, high = min(values), max(values)
    # A flat series still needs a vertical range; otherwise keep a little air above and below.
    pad = (high - low) * 0.08 or max(abs(high) * 0.05, 1.0)
    scale_low, scale_high = low - pad, high + pad
    first, last = series[0][0].timestamp(), series[-1][0].timestamp()
    span = last - first

    def x_of(index: int, moment: datetime) -> float:
        if span <= 0:  # every point at the same moment: spread them evenly
            return left + (right - left) * index / (len(series) - 1)
        return left + (right - left) * (moment.timestamp() - first) / span

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * (value - scale_low) / (scale_high - scale_low)

    coordinates = [(x_of(index, moment), y_of(value)) for index, (moment, value) in enumerate(series)]
    label = (
        f"{len(series)} measurements from {_date(series[0][0])} to {_date(series[-1][0])}, "
        f"between {_number(low)} and {_number(high)} {unit}"
    )
    parts = [
        _svg_open(width, height, label),
        # Axes: the value axis on the left, the time axis at the bottom.
        f'<g class="chart-axis"><line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>'
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/></g>',
        # Guides at the highest and the lowest value, labelled on the value axis.
        '<g class="chart-guide">',
    ]
    for value in (high, low) if high != low else (high,):
        y = _coordinate(y_of(value))
        parts.append(f'<line x1="{left}" y1="{y}" x2="{right}" y2="{y}"/>')
    parts.append("</g>")
    parts.append('<g class="chart-label">')
    for value, kind in ((high, "max"), (low, "min")) if high != low else ((high, "max"),):
        parts.append(
            f'<text class="chart-label-{kind}" x="{left - 8}" y="{_coordinate(y_of(value) + 4)}" '
            f'text-anchor="end">{_number(value)} {unit_text}</text>'
        )
    date_y = _coordinate(bottom + 22)
    parts.append(
        f'<text class="chart-label-start" x="{left}" y="{date_y}" text-anchor="start">'
        f"{escape(_date(series[0][0]))}</text>"
        f'<text class="chart-label-end" x="{right}" y="{date_y}" text-anchor="end">'
        f"{escape(_date(series[-1][0]))}</text>"
    )
    parts.append("</g>")
    path = " ".join(f"{_coordinate(x)},{_coordinate(y)}" for x, y in coordinates)
    parts.append(f'<polyline class="chart-line" fill="none" points="{path}"/>')
    parts.append('<g class="chart-points">')
    for (moment, value), (x, y) in zip(series, coordinates, strict=True):
        parts.append(
            f'<circle cx="{_coordinate(x)}" cy="{_coordinate(y)}" r="3">'
            f"<title>{_number(value)} {unit_text} on {escape(_date(moment))}</title></circle>"
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()
