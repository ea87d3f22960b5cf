"""The SVG charts, read back as XML: bars proportional to their values, labels escaped,
named for a screen reader, sized by viewBox, and a clear figure when there is no data."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date, timedelta
from decimal import Decimal

import pytest
from markupsafe import Markup

from consentry.web.charts import PALETTE, bar_chart, stacked_over_time

NS = {"svg": "http://www.w3.org/2000/svg"}


def parse(svg: Markup) -> ET.Element:
    assert isinstance(svg, Markup)
    return ET.fromstring(str(svg))


def bars(root: ET.Element) -> list[tuple[str, float, str]]:
    """(label, bar width, figure shown) per row, in order."""
    out = []
    for g in root.findall("svg:g[@class='bar']", NS):
        label, figure = (t.text or "" for t in g.findall("svg:text", NS))
        rect = g.find("svg:rect", NS)
        assert rect is not None
        out.append((label, float(rect.get("width", "nan")), figure))
    return out


def assert_named(root: ET.Element, title: str) -> str:
    assert root.get("role") == "img"
    labelled = (root.get("aria-labelledby") or "").split()
    assert len(labelled) == 2
    t = root.find("svg:title", NS)
    d = root.find("svg:desc", NS)
    assert t is not None and d is not None
    assert [t.get("id"), d.get("id")] == labelled
    assert t.text == title
    view = (root.get("viewBox") or "").split()
    assert len(view) == 4 and view[:2] == ["0", "0"]
    # a natural width, no height: app.css's max-width 100% shrinks it, proportions kept
    assert root.get("width") == view[2] and root.get("height") is None
    assert root.get("style") is None  # the web's CSP allows no inline style
    return d.text or ""


def test_bar_lengths_are_proportional_to_the_values() -> None:
    svg = bar_chart(
        [("Work A", 10), ("Work B", 5), ("Work C", 0), ("Work D", 2)],
        title="Matches per work",
        unit="matches",
    )
    root = parse(svg)
    desc = assert_named(root, "Matches per work")
    rows = bars(root)
    assert [r[0] for r in rows] == ["Work A", "Work B", "Work C", "Work D"]
    assert [r[2] for r in rows] == ["10 matches", "5 matches", "0 matches", "2 matches"]
    longest = rows[0][1]
    assert longest > 100
    for (_, width, _), value in zip(rows, [10, 5, 0, 2], strict=True):
        assert width == pytest.approx(longest * value / 10, abs=0.01)
    assert "Work B: 5 matches" in desc  # every figure in text for a screen reader


def test_amounts_are_shown_exactly_as_decimal_strings() -> None:
    rows: list[tuple[str, Decimal | int | str]] = [
        ("Alice", "12.50"),
        ("Bob", Decimal("0.10")),
        ("Carol", "37.5000"),
    ]
    root = parse(bar_chart(rows, title="Statement by creator", unit="EUR"))
    got = bars(root)
    assert [g[2] for g in got] == ["12.50 EUR", "0.10 EUR", "37.5000 EUR"]
    assert got[0][1] == pytest.approx(got[2][1] * 12.5 / 37.5, abs=0.01)
    assert got[1][1] == pytest.approx(got[2][1] * 0.1 / 37.5, abs=0.01)


def test_labels_and_titles_are_escaped() -> None:
    evil = '<script>alert("x")</script> & "quotes"'
    svg = bar_chart([(evil, 3)], title="A <b>title</b> & more", description="d < e")
    assert "<script>" not in str(svg) and "<b>" not in str(svg)
    root = parse(svg)  # well-formed XML despite the markup in the label
    assert_named(root, "A <b>title</b> & more")
    assert bars(root)[0][0] == evil
    stacked = stacked_over_time([date(2026, 1, 1)], {evil: [2]}, title="<t>", description="<d>")
    assert "<script>" not in str(stacked)
    legend = parse(stacked).find("svg:g[@class='legend']/svg:text", NS)
    assert legend is not None and legend.text == f"{evil}: 2"


def test_long_labels_are_cut_but_kept_whole_in_the_row_title() -> None:
    label = "A very long title " * 10
    root = parse(bar_chart([(label, 1)], title="t"))
    g = root.find("svg:g[@class='bar']", NS)
    assert g is not None
    shown = g.find("svg:text", NS)
    assert shown is not None and shown.text is not None
    assert len(shown.text) <= 60 and shown.text.endswith("\u2026")
    hover = g.find("svg:title", NS)
    assert hover is not None and hover.text == f"{label}: 1"


def test_no_data_says_so() -> None:
    for svg in (
        bar_chart([], title="Matches per work"),
        stacked_over_time([], {}, title="Notices per day"),
        stacked_over_time([date(2026, 1, 1)], {"sent": [0]}, title="Notices per day"),
    ):
        root = parse(svg)
        desc = assert_named(root, root.findtext("svg:title", namespaces=NS) or "")
        assert "No data yet." in desc
        texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
        assert texts == ["No data yet."]


def test_two_charts_on_one_page_do_not_share_ids() -> None:
    a = parse(bar_chart([("x", 1)], title="Matches"))
    b = parse(bar_chart([("x", 1)], title="Amounts"))
    c = parse(bar_chart([("x", 1)], title="Matches", ident="my chart 1"))
    ids = [e.get("id") for root in (a, b, c) for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert all(i and i[0].isalpha() and " " not in i for i in ids)


def test_stacked_columns_add_up_per_day_and_the_legend_writes_totals() -> None:
    days = [date(2026, 3, 1) + timedelta(days=i) for i in range(4)]
    series = {
        "sent": [4, 2, 0, 0],
        "delivered": [0, 2, 3, 1],
        "acknowledged": [0, 0, 1, 3],
    }
    root = parse(
        stacked_over_time(days, series, title="Notices per day", description="A campaign.")
    )
    desc = assert_named(root, "Notices per day")
    assert "2026-03-02: sent 2, delivered 2, acknowledged 0" in desc
    columns = root.findall("svg:g[@class='day']", NS)
    assert [c.get("data-day") for c in columns] == [d.isoformat() for d in days]
    heights = []
    for col in columns:
        cells = col.findall("svg:rect", NS)
        heights.append(sum(float(r.get("height", "0")) for r in cells))
        for r in cells:  # the pattern names the series, not the colour alone
            k = list(series).index(r.get("data-series", ""))
            assert r.get("fill", "").endswith(f"-p{k})")
    # every day has 4 notices in all: equal column heights
    assert max(heights) == pytest.approx(min(heights), abs=0.02)
    patterns = root.findall("svg:defs/svg:pattern", NS)
    assert len(patterns) == 3
    assert len({p.find("svg:rect", NS).get("fill") for p in patterns}) == 3  # type: ignore[union-attr]
    legend = [t.text for t in root.findall("svg:g[@class='legend']/svg:text", NS)]
    assert legend == ["sent: 6", "delivered: 6", "acknowledged: 4"]


def test_stacked_heights_are_proportional() -> None:
    days = [date(2026, 3, 1), date(2026, 3, 2)]
    root = parse(stacked_over_time(days, {"a": [8, 2], "b": [0, 2]}, title="t"))
    cols = root.findall("svg:g[@class='day']", NS)
    h = [[float(r.get("height", "0")) for r in c.findall("svg:rect", NS)] for c in cols]
    assert h[1][0] == pytest.approx(h[0][0] / 4, abs=0.01)
    assert h[1][1] == pytest.approx(h[0][0] / 4, abs=0.01)


def test_bad_input_is_refused_with_what_was_expected() -> None:
    with pytest.raises(ValueError, match="one per day"):
        stacked_over_time([date(2026, 1, 1)], {"sent": [1, 2]}, title="t")
    with pytest.raises(ValueError, match="not a number"):
        bar_chart([("x", "12,50")], title="t")
    with pytest.raises(ValueError, match="negative"):
        stacked_over_time([date(2026, 1, 1)], {"sent": [-1]}, title="t")


def test_palette_colours_have_enough_contrast_against_white() -> None:
    def luminance(colour: str) -> float:
        def channel(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)

    for colour, _ in PALETTE:
        assert 1.05 / (luminance(colour) + 0.05) >= 3.0, colour
    assert len({kind for _, kind in PALETTE}) == len(PALETTE)  # a texture each
