"""The SVG bar chart: an image named by its title and described, one bar per non-zero value scaled to a round
axis top, a tooltip per bar, every text escaped."""

import lxml.etree

from publisher.web.charts import HEIGHT, Series, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def _parse(markup: str) -> lxml.etree._Element:
    return lxml.etree.fromstring(str(markup).replace("<svg ", '<svg xmlns="http://www.w3.org/2000/svg" ', 1))


def test_bars_are_scaled_to_a_round_top_with_a_tooltip_each_and_the_chart_is_a_named_image():
    people, machines = Series("people", "human", [12, 0, 8]), Series("machines", "machine", [30, 0, 0])
    svg = _parse(
        bar_chart("c", "Opens over time", "20 by people, 30 by machines", ["09h", "10h", "11h"], [people, machines])
    )

    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "c-title c-desc"
    assert svg.find(f"{SVG}title").text == "Opens over time"
    assert svg.find(f"{SVG}desc").text == "20 by people, 30 by machines"
    bars = svg.findall(f"{SVG}rect")
    assert [bar.find(f"{SVG}title").text for bar in bars] == ["09h: 12 people", "09h: 30 machines", "11h: 8 people"]
    heights = [float(bar.get("height")) for bar in bars]
    assert abs(heights[1] / heights[0] - 30 / 12) < 0.01, "heights in proportion (to a tenth of a unit)"
    assert [t.text for t in svg.findall(f"{SVG}text")][:3] == ["0", "25", "50"], "the axis tops at 50 for 30"
    assert max(float(bar.get("y")) + float(bar.get("height")) for bar in bars) < HEIGHT


def test_every_text_is_escaped():
    markup = bar_chart("c", "<script>x</script>", "a & b", ["<b>"], [Series("<i>", "human", [1])])

    assert "<script>" not in markup and "<b>" not in markup and "<i>" not in markup
    svg = _parse(markup)
    assert svg.find(f"{SVG}title").text == "<script>x</script>"
    assert svg.find(f"{SVG}rect/{SVG}title").text == "<b>: 1 <i>"
