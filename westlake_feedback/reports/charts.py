"""Charts drawn on the server: SVG for the HTML report, PNG (Pillow) for the DOCX.

No JavaScript, no web fonts, no external URLs. Each SVG is `role="img"` labelled by its own
<title> and <desc>, the desc spelling out the data for screen readers; every bar carries its value.
"""
from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .figures import DayCount, ReportStats

FONT_STACK = ("'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Hiragino Sans GB',"
              "'Microsoft YaHei','WenQuanYi Micro Hei',sans-serif")
BAR = "#2f6690"       # 6:1 against white
INK = "#1a1a1a"
GRID = "#c8c8c8"
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simsun.ttc",
)


@dataclass(frozen=True)
class Chart:
    """What a chart shows, independent of how it is drawn."""

    chart_id: str
    title: str
    desc: str
    labels: list[str]
    values: list[int]


def _t(text: str) -> str:
    return escape(_ILLEGAL_XML.sub("", str(text)))


def _a(text: str) -> str:
    return quoteattr(_ILLEGAL_XML.sub("", str(text)))


def text_width(text: str, size: float) -> float:
    """Rough rendered width: CJK and full-width characters one em, the rest about half."""
    return sum(size if ord(ch) > 0x2E7F else size * 0.58 for ch in text)


def shorten(text: str, max_width: float, size: float) -> str:
    if text_width(text, size) <= max_width:
        return text
    while text and text_width(text + "…", size) > max_width:
        text = text[:-1]
    return text + "…"


def nice_step(top: int, ticks: int = 4) -> int:
    if top <= ticks:
        return 1
    raw = top / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    return int(next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw) or 1)


# ---- the two charts of the report ----------------------------------------------------------------

def per_day_chart(stats: ReportStats) -> Chart:
    days: list[DayCount] = stats.per_day
    total = sum(d.count for d in days)
    parts = "；".join(f"{d.day.month}月{d.day.day}日{d.count}件" for d in days)
    span = f"{days[0].day:%Y}年{days[0].day.month}月{days[0].day.day}日至{days[-1].day.month}月{days[-1].day.day}日" if days else ""
    busiest = stats.busiest_day
    peak = f"，最多的是{busiest.day.month}月{busiest.day.day}日（{busiest.count}件）" if busiest else ""
    desc = f"{span}每日收到意见数，合计{total}件{peak}。{parts}。"
    return Chart("chart-per-day", "每日收到意见数", desc,
                 [f"{d.day.month}/{d.day.day}" for d in days], [d.count for d in days])


def top_clauses_chart(stats: ReportStats, n: int = 10) -> Chart:
    top = stats.top_clauses[:n]
    parts = "；".join(f"{c.display}{c.count}件" for c in top)
    desc = f"收到意见最多的{len(top)}个条款：{parts}。" if top else "尚无针对具体条款的意见。"
    return Chart("chart-top-clauses", f"意见最多的条款（前{len(top)}位）", desc,
                 [c.display for c in top], [c.count for c in top])


# ---- SVG ---------------------------------------------------------------------------------------

def _svg_open(chart: Chart, width: int, height: int) -> list[str]:
    cid = chart.chart_id
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{cid}-title {cid}-desc" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart" '
        f'font-family={_a(FONT_STACK)} font-size="12" fill="{INK}">',
        f'<title id="{cid}-title">{_t(chart.title)}</title>',
        f'<desc id="{cid}-desc">{_t(chart.desc)}</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
    ]


def vertical_bar_svg(chart: Chart) -> str:
    width, height = 720, 300
    left, right, top, bottom = 44, 12, 24, 252
    n = max(len(chart.values), 1)
    peak = max(chart.values, default=0)
    step = nice_step(peak)
    scale_top = max(step * math.ceil(peak / step), step)
    slot = (width - left - right) / n
    bar = slot * 0.7
    every = max(1, math.ceil(n / 16))
    out = _svg_open(chart, width, height)
    for tick in range(0, scale_top + 1, step):
        y = bottom - (bottom - top) * tick / scale_top
        out.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        out.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>')
    for i, (label, value) in enumerate(zip(chart.labels, chart.values)):
        x = left + i * slot + (slot - bar) / 2
        h = (bottom - top) * value / scale_top
        out.append(f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{bar:.1f}" height="{h:.1f}" fill="{BAR}"/>')
        if slot >= 18 or value == peak:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{bottom - h - 4:.1f}" text-anchor="middle" '
                       f'font-size="11">{value}</text>')
        if i % every == 0:
            out.append(f'<text x="{x + bar / 2:.1f}" y="{bottom + 16}" text-anchor="middle" '
                       f'font-size="11">{_t(label)}</text>')
    out.append(f'<line x1="{left}" y1="{bottom}" x2="{width - right}" y2="{bottom}" stroke="{INK}" stroke-width="1"/>')
    out.append(f'<text x="{left}" y="{height - 8}" font-size="11">日期（北京时间）／意见数（件）</text>')
    out.append("</svg>")
    return "\n".join(out)


def horizontal_bar_svg(chart: Chart) -> str:
    width, row = 720, 28
    label_size = 12
    label_width = min(max((text_width(s, label_size) for s in chart.labels), default=60) + 8, 300)
    left, right, top = label_width + 8, 48, 12
    height = top + row * max(len(chart.values), 1) + 12
    peak = max(chart.values, default=0) or 1
    out = _svg_open(chart, width, height)
    if not chart.values:
        out.append(f'<text x="12" y="{top + 18}">{_t(chart.desc)}</text>')
    for i, (label, value) in enumerate(zip(chart.labels, chart.values)):
        y = top + i * row
        w = (width - left - right) * value / peak
        out.append(f'<text x="{left - 8:.1f}" y="{y + 18}" text-anchor="end" font-size="{label_size}">'
                   f'{_t(shorten(label, label_width - 8, label_size))}</text>')
        out.append(f'<rect x="{left:.1f}" y="{y + 5}" width="{w:.1f}" height="{row - 10}" fill="{BAR}"/>')
        out.append(f'<text x="{left + w + 6:.1f}" y="{y + 18}" font-size="12">{value}</text>')
    out.append("</svg>")
    return "\n".join(out)


# ---- PNG ---------------------------------------------------------------------------------------

@lru_cache(maxsize=4)
def find_cjk_font(extra: str | None = None):
    """(path, index) of a font with Chinese glyphs, preferring the Simplified Chinese face of a
    collection, or None when the system has none."""
    from PIL import ImageFont

    for candidate in ([extra] if extra else []) + list(FONT_CANDIDATES):
        if not candidate or not Path(candidate).is_file():
            continue
        first_ok = None
        for index in range(12):
            try:
                name = " ".join(ImageFont.truetype(candidate, 12, index=index).getname())
            except OSError:
                break
            first_ok = index if first_ok is None else first_ok
            if " SC" in name or "GB" in name:
                return candidate, index
        if first_ok is not None:
            return candidate, first_ok
    return None


@lru_cache(maxsize=16)
def _pil_font(path: str, index: int, size: int):
    from PIL import ImageFont

    return ImageFont.truetype(path, size, index=index)


def _png(chart: Chart, horizontal: bool, scale: int = 2, font_path: str | None = None) -> bytes:
    """font_path: None looks for a system CJK font, "" draws bars without any text."""
    from PIL import Image, ImageDraw

    found = None if font_path == "" else find_cjk_font(font_path)

    def font(size: int):
        return _pil_font(found[0], found[1], size * scale) if found else None

    n = max(len(chart.values), 1)
    peak = max(chart.values, default=0)
    width = 720
    if horizontal:
        row = 30
        label_width = min(max((text_width(s, 13) for s in chart.labels), default=60) + 10, 300) if found else 10
        height = 16 + row * n + 12
    else:
        height = 300
    img = Image.new("RGB", (width * scale, height * scale), "white")
    draw = ImageDraw.Draw(img)
    s = lambda v: v * scale  # noqa: E731 - px to canvas units
    small = font(11)
    if horizontal:
        left, right, top = label_width + 8, 48, 16
        top_value = peak or 1
        for i, (label, value) in enumerate(zip(chart.labels, chart.values)):
            y = top + i * row
            w = (width - left - right) * value / top_value
            draw.rectangle([s(left), s(y + 5), s(left + max(w, 0.5)), s(y + row - 5)], fill=BAR)
            if found:
                text = shorten(label, label_width - 10, 13)
                draw.text((s(left - 8), s(y + row / 2)), text, font=font(13), fill=INK, anchor="rm")
                draw.text((s(left + w + 6), s(y + row / 2)), str(value), font=font(12), fill=INK, anchor="lm")
    else:
        left, right, top, bottom = 44, 12, 24, 252
        step = nice_step(peak)
        scale_top = max(step * math.ceil(peak / step), step)
        slot = (width - left - right) / n
        bar = slot * 0.7
        every = max(1, math.ceil(n / 16))
        for tick in range(0, scale_top + 1, step):
            y = bottom - (bottom - top) * tick / scale_top
            draw.line([s(left), s(y), s(width - right), s(y)], fill=GRID, width=scale)
            if found:
                draw.text((s(left - 6), s(y)), str(tick), font=small, fill=INK, anchor="rm")
        for i, (label, value) in enumerate(zip(chart.labels, chart.values)):
            x = left + i * slot + (slot - bar) / 2
            h = (bottom - top) * value / scale_top
            if h:
                draw.rectangle([s(x), s(bottom - h), s(x + bar), s(bottom)], fill=BAR)
            if found and (slot >= 18 or value == peak):
                draw.text((s(x + bar / 2), s(bottom - h - 3)), str(value), font=small, fill=INK, anchor="mb")
            if found and i % every == 0:
                draw.text((s(x + bar / 2), s(bottom + 5)), label, font=small, fill=INK, anchor="mt")
        draw.line([s(left), s(bottom), s(width - right), s(bottom)], fill=INK, width=scale)
        if found:
            draw.text((s(left), s(height - 8)), "日期（北京时间）／意见数（件）", font=small, fill=INK, anchor="ls")
    buffer = io.BytesIO()
    img.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def vertical_bar_png(chart: Chart, font_path: str | None = None) -> bytes:
    return _png(chart, horizontal=False, font_path=font_path)


def horizontal_bar_png(chart: Chart, font_path: str | None = None) -> bytes:
    return _png(chart, horizontal=True, font_path=font_path)


def png_has_text() -> bool:
    """Whether PNG charts carry their labels (a CJK font was found); if not, writers add a table."""
    return find_cjk_font() is not None
