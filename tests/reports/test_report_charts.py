"""Server-drawn charts: accessible, well-formed, escaped SVG; PNG with or without a CJK font."""
from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from westlake_feedback.reports import charts
from westlake_feedback.reports.data import ClauseInfo, compute

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def test_per_day_svg_is_accessible_and_labelled(sample_stats):
    chart = charts.per_day_chart(sample_stats)
    root = parse(charts.vertical_bar_svg(chart))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    title = root.find(f"{SVG}title")
    desc = root.find(f"{SVG}desc")
    assert (title.get("id"), desc.get("id")) == (title_id, desc_id)
    assert title.text == "每日收到意见数"
    assert "合计40件" in desc.text and "3月20日（10件）" in desc.text and "3月17日0件" in desc.text
    texts = [t.text for t in root.iter(f"{SVG}text")]
    for label in ("3/15", "3/17", "3/22"):
        assert label in texts
    for value in ("5", "9", "10", "2"):
        assert value in texts
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("fill") == charts.BAR]
    assert len(bars) == 8
    assert "Noto Sans CJK SC" in root.get("font-family")


def test_svg_has_no_script_or_external_reference(sample_stats):
    for svg in (charts.vertical_bar_svg(charts.per_day_chart(sample_stats)),
                charts.horizontal_bar_svg(charts.top_clauses_chart(sample_stats))):
        assert "<script" not in svg.lower()
        assert "href" not in svg and "url(" not in svg and "@import" not in svg
        assert svg.count("http://") == 1   # only the SVG namespace


def test_text_is_escaped(input_factory):
    base = input_factory()
    hostile = ClauseInfo(1, "1.", '<script>alert("x")</script> & \x01强化', 1)
    comments = [replace(c, clause_title=hostile.title) if c.clause_number == 1 else c for c in base.comments]
    stats = compute(input_factory(clauses=[hostile, *base.clauses[1:]], comments=comments))
    svg = charts.horizontal_bar_svg(charts.top_clauses_chart(stats))
    assert "<script" not in svg
    root = parse(svg)   # still well-formed: the control character is gone, & and < are escaped
    assert '<script>alert("x")</script>' in root.find(f"{SVG}desc").text
    assert "&lt;script&gt;" in svg


def test_top_clauses_svg(sample_stats):
    root = parse(charts.horizontal_bar_svg(charts.top_clauses_chart(sample_stats)))
    assert root.find(f"{SVG}title").text == "意见最多的条款（前5位）"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "1.强化项目建设资金保障" in texts and "10" in texts


def test_empty_charts_are_still_well_formed(input_factory):
    stats = compute(input_factory(comments=[]))
    parse(charts.vertical_bar_svg(charts.per_day_chart(stats)))
    root = parse(charts.horizontal_bar_svg(charts.top_clauses_chart(stats)))
    assert "尚无" in root.find(f"{SVG}desc").text


@pytest.mark.parametrize("font_path", [None, ""], ids=["system-font", "no-font"])
def test_png_charts(sample_stats, font_path):
    for draw, chart in ((charts.vertical_bar_png, charts.per_day_chart(sample_stats)),
                        (charts.horizontal_bar_png, charts.top_clauses_chart(sample_stats))):
        png = draw(chart, font_path=font_path)
        assert png.startswith(b"\x89PNG\r\n\x1a\n")
        image = Image.open(io.BytesIO(png))
        assert image.width == 1440 and image.height > 100


def test_cjk_font_is_found_when_noto_is_installed():
    noto = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
    if not noto.exists():
        pytest.skip("fonts-noto-cjk is not installed")
    path, index = charts.find_cjk_font()
    assert path == str(noto) and index == 2   # the Simplified Chinese face of the collection
    assert charts.png_has_text()
