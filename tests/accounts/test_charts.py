"""The server-side SVG line chart: valid markup, one mark per point, escaped text, an empty state."""

import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import pytest
from django.utils.safestring import SafeString

from accounts.charts import EMPTY_MESSAGE, SVG_NS, line_chart_svg

NS = {"svg": SVG_NS}
START = datetime(2026, 1, 5, 7, 30, tzinfo=UTC)


def _points(*values: float) -> list[tuple[datetime, float]]:
    return [(START + timedelta(days=index), value) for index, value in enumerate(values)]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own markup, parsed to check that it is well formed


def _texts(root: ET.Element) -> list[str]:
    return ["".join(element.itertext()) for element in root.iterfind(".//svg:text", NS)]


def _polyline_points(root: ET.Element) -> list[tuple[float, float]]:
    polyline = root.find(".//svg:polyline", NS)
    assert polyline is not None, "the chart has no line"
    return [tuple(map(float, pair.split(","))) for pair in polyline.get("points").split()]


def test_chart_is_valid_svg_that_scales_with_its_box():
    svg = line_chart_svg(_points(82.5, 82.1, 81.7), width=600, height=200)
    root = _parse(svg)
    assert root.tag == f"{{{SVG_NS}}}svg"
    assert root.get("viewBox") == "0 0 600 200"
    assert root.get("width") is None
    assert root.get("role") == "img"
    assert "3 measurements" in root.get("aria-label")
    assert isinstance(svg, SafeString)


def test_chart_draws_one_vertex_and_one_marker_per_point():
    root = _parse(line_chart_svg(_points(80, 81, 79.5, 80.2, 82)))
    assert len(_polyline_points(root)) == 5
    assert len(root.findall(".//svg:circle", NS)) == 5


def test_chart_puts_points_in_time_order_left_to_right_and_higher_values_higher():
    newest_first = list(reversed(_points(70, 90, 80)))
    coordinates = _polyline_points(_parse(line_chart_svg(newest_first, width=640, height=240)))
    xs = [x for x, _ in coordinates]
    assert xs == sorted(xs)
    assert all(0 <= x <= 640 for x in xs)
    (_, y70), (_, y90), (_, y80) = coordinates
    assert y90 < y80 < y70  # SVG's y grows downwards


def test_chart_labels_min_max_and_first_and_last_dates_with_the_unit():
    texts = _texts(_parse(line_chart_svg(_points(81.65, 90, 85.25), unit="kg")))
    assert "90 kg" in texts
    assert "81.65 kg" in texts
    assert "5 Jan 2026" in texts
    assert "7 Jan 2026" in texts


def test_chart_has_axes_and_a_tooltip_per_point():
    root = _parse(line_chart_svg(_points(10, 12), unit="cm"))
    assert len(root.findall(".//svg:g[@class='chart-axis']/svg:line", NS)) == 2
    titles = [title.text for title in root.iterfind(".//svg:circle/svg:title", NS)]
    assert titles == ["10 cm on 5 Jan 2026", "12 cm on 6 Jan 2026"]


def test_chart_escapes_the_unit_everywhere():
    hostile = '<script>alert("x")</script>&'
    svg = line_chart_svg(_points(1, 2), unit=hostile)
    assert "<script>" not in svg
    root = _parse(svg)
    assert f"2 {hostile}" in _texts(root)
    assert hostile in root.get("aria-label")


def test_chart_of_a_flat_series_stays_inside_the_box():
    root = _parse(line_chart_svg(_points(75, 75, 75), width=640, height=240))
    coordinates = _polyline_points(root)
    assert len({y for _, y in coordinates}) == 1
    assert all(0 < y < 240 for _, y in coordinates)
    assert "75 kg" in _texts(root)


def test_chart_spreads_points_taken_at_the_same_moment():
    same_moment = [(START, 80.0), (START, 81.0)]
    xs = [x for x, _ in _polyline_points(_parse(line_chart_svg(same_moment)))]
    assert xs[0] < xs[1]


@pytest.mark.parametrize("points", [[], _points(80)])
def test_chart_with_fewer_than_two_points_shows_a_message_instead(points):
    root = _parse(line_chart_svg(points))
    assert root.find(".//svg:polyline", NS) is None
    assert root.findall(".//svg:circle", NS) == []
    assert _texts(root) == [EMPTY_MESSAGE]


def test_chart_skips_values_that_are_not_numbers():
    root = _parse(line_chart_svg([*_points(80, 81), (START + timedelta(days=9), float("nan"))]))
    assert len(_polyline_points(root)) == 2
