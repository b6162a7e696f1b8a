"""Server-side SVG charts of the progress dashboard: stacked weekly volume and a training heat-map.

Like `accounts.charts` (whose line chart draws the strength and body-weight series), they carry no
script and no fixed size, take their colours from CSS classes, and escape every piece of text.
"""

from collections.abc import Sequence
from datetime import date, timedelta

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SVG_NS = "http://www.w3.org/2000/svg"
EMPTY_MESSAGE = "Complete a workout to see this chart."


def _open(width: int, height: int, label: str, kind: str) -> str:
    return (
        f'<svg xmlns="{SVG_NS}" class="chart chart-{kind}" viewBox="0 0 {width} {height}" '
        f'preserveAspectRatio="xMidYMid meet" role="img" aria-label="{escape(label)}">'
    )


def _empty(width: int, height: int, kind: str) -> SafeString:
    return mark_safe(  # noqa: S308 - the only text is a constant
        _open(width, height, EMPTY_MESSAGE, kind)
        + f'<text class="chart-empty" x="{width / 2:.1f}" y="{height / 2:.1f}" text-anchor="middle">'
        + f"{escape(EMPTY_MESSAGE)}</text></svg>"
    )


def _kg(value: float) -> str:
    return f"{value:,.0f} kg"


def stacked_bars_svg(
    buckets: Sequence[dict], *, groups: Sequence[tuple[str, str]], width: int = 640, height: int = 260
) -> SafeString:
    """Weekly volume as stacked bars, one colour class per muscle group (`chart-group-<key>`).

    `buckets` are the `analytics_volume` buckets (`start`, `groups[{key, volume_kg}]`); `groups` the
    (key, name) pairs in legend order.
    """
    if not buckets or not any(group["volume_kg"] for bucket in buckets for group in bucket["groups"]):
        return _empty(width, height, "bars")
    left, right, top, bottom = 64, width - 12, 12, height - 56
    stacks = [sum(group["volume_kg"] for group in bucket["groups"]) for bucket in buckets]
    peak = max(stacks) or 1.0
    slot = (right - left) / len(buckets)
    bar = max(2.0, slot * 0.7)
    label = f"Volume per week by muscle group over {len(buckets)} weeks, at most {_kg(peak)} in a week"
    parts = [
        _open(width, height, label, "bars"),
        f'<g class="chart-axis"><line x1="{left}" y1="{top}" x2="{left}" y2="{bottom}"/>'
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}"/></g>',
        f'<g class="chart-label"><text x="{left - 6}" y="{top + 10}" text-anchor="end">{_kg(peak)}</text>'
        f'<text x="{left - 6}" y="{bottom}" text-anchor="end">0</text></g>',
    ]
    for index, bucket in enumerate(buckets):
        x = left + slot * index + (slot - bar) / 2
        y = float(bottom)
        by_key = {group["key"]: group for group in bucket["groups"]}
        for key, name in groups:
            volume = by_key.get(key, {}).get("volume_kg", 0)
            if not volume:
                continue
            size = (bottom - top) * volume / peak
            y -= size
            parts.append(
                f'<rect class="chart-bar chart-group-{escape(key)}" x="{x:.1f}" y="{y:.1f}" '
                f'width="{bar:.1f}" height="{size:.1f}"><title>{escape(name)}: {_kg(volume)} '
                f"in the week of {escape(_day(bucket['start']))}</title></rect>"
            )
    parts.append(
        f'<g class="chart-label"><text x="{left}" y="{bottom + 18}" text-anchor="start">'
        f"{escape(_day(buckets[0]['start']))}</text>"
        f'<text x="{right}" y="{bottom + 18}" text-anchor="end">'
        f"{escape(_day(buckets[-1]['start']))}</text></g>"
    )
    parts.append('<g class="chart-legend">')
    for index, (key, name) in enumerate(groups):
        x = left + index * ((right - left) / max(1, len(groups)))
        parts.append(
            f'<rect class="chart-group-{escape(key)}" x="{x:.1f}" y="{height - 22}" width="12" height="12"/>'
            f'<text x="{x + 16:.1f}" y="{height - 12}">{escape(name)}</text>'
        )
    parts.append("</g></svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


def heatmap_svg(counts: dict[date, int], *, end: date, weeks: int = 26, cell: int = 16) -> SafeString:
    """A calendar of the last `weeks` weeks (columns) by weekday (rows), shaded by workouts that day."""
    first = end - timedelta(days=end.weekday()) - timedelta(weeks=weeks - 1)
    left, top, gap = 34, 8, 3
    width, height = left + weeks * (cell + gap), top + 7 * (cell + gap) + 4
    trained = sum(1 for day, count in counts.items() if count and first <= day <= end)
    label = f"Training calendar of the last {weeks} weeks: {trained} days with a workout"
    parts = [_open(width, height, label, "heatmap"), '<g class="chart-label">']
    for row, name in ((0, "Mon"), (2, "Wed"), (4, "Fri"), (6, "Sun")):
        parts.append(f'<text x="0" y="{top + row * (cell + gap) + cell - 4}">{name}</text>')
    parts.append("</g>")
    for column in range(weeks):
        for row in range(7):
            day = first + timedelta(weeks=column, days=row)
            if day > end:
                continue
            count = counts.get(day, 0)
            level = min(count, 3)
            parts.append(
                f'<rect class="heat heat-{level}" x="{left + column * (cell + gap)}" '
                f'y="{top + row * (cell + gap)}" width="{cell}" height="{cell}" rx="3">'
                f"<title>{escape(_day(day))}: {count} workout{'s' if count != 1 else ''}</title></rect>"
            )
    parts.append("</svg>")
    return mark_safe("".join(parts))  # noqa: S308 - every text above went through escape()


def _day(value: date | str) -> str:
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {day:%b %Y}"
