"""Numbers and dates for the draft parser: Chinese numerals, publication dates, the comment window.

Standard library only. Dates are written with ASCII, full-width (２０１９) or Chinese numerals
(二〇一九年六月三十日); all three are understood everywhere a date is looked for.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

FULLWIDTH = str.maketrans("０１２３４５６７８９＠", "0123456789@")
_CN_DIGIT = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, **{str(d): d for d in range(10)}}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}


def cn_to_int(text: str) -> int:
    """'十二' -> 12, '一百零五' -> 105, '二〇二三' -> 2023, '１２' -> 12."""
    s = re.sub(r"\s", "", text).translate(FULLWIDTH)
    if s.isdigit():
        return int(s)
    if not any(ch in _CN_UNIT for ch in s):        # digit by digit, as in years
        return int("".join(str(_CN_DIGIT[ch]) for ch in s))
    total = num = 0
    for ch in s:
        if ch in _CN_DIGIT:
            num = _CN_DIGIT[ch]
        else:
            total += (num or 1) * _CN_UNIT[ch]
            num = 0
    return total + num


# ---------------------------------------------------------------- single dates
_Y = r"(\d{4}|[〇○零Ｏ一二三四五六七八九]{4})"
_MD = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
DATE_ONLY = re.compile(rf"^{_Y}\s*年\s*{_MD}\s*月\s*{_MD}\s*日$|^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}})$")
SIGN_DATE = rf"{_Y}\s*年\s*{_MD}\s*月\s*{_MD}\s*日"
_DATETIME = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                       r"(?:\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?")


def is_date_line(text: str) -> bool:
    return bool(DATE_ONLY.match(text.translate(FULLWIDTH)))


def date_of(match: re.Match) -> date | None:
    groups = [g for g in match.groups() if g is not None]
    try:
        return date(*(cn_to_int(g) for g in groups[:3]))
    except (ValueError, KeyError):
        return None


def datetime_in(text: str) -> datetime | None:
    m = _DATETIME.search(text.translate(FULLWIDTH))
    if not m:
        return None
    try:
        return datetime(*(int(g) for g in m.groups() if g is not None))
    except ValueError:
        return None


def published(page: dict[str, str], sign_date: date | None) -> datetime | None:
    """The page's 发布日期, else the signature date, else the 成文日期 (local, naive)."""
    for key in ("发布日期", "发布时间", "公布日期", "公开日期"):
        if key in page and datetime_in(page[key]):
            return datetime_in(page[key])
    if sign_date:
        return datetime.combine(sign_date, datetime.min.time())
    for key in ("成文日期", "印发日期"):
        if key in page and datetime_in(page[key]):
            return datetime_in(page[key])
    return None


# ---------------------------------------------------------------- the comment window
_YR = r"\d{4}|[〇○零Ｏ一二三四五六七八九]{4}"
_MDN = r"\d{1,2}|[一二三四五六七八九十]{1,3}"
_D = (rf"(?:({_YR})\s*年\s*)?({_MDN})\s*月\s*({_MDN})\s*[日号]"
      r"|(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})日?")
_WEEKDAY = r"(?:\s*[（(][^）)]{1,6}[)）])?(?:\s*(?:[上下]午)?\s*\d{1,2}\s*(?:[:：]\s*\d{2}|[时点](?:\d{1,2}分)?))?"
_RANGE = re.compile(rf"(?:{_D}){_WEEKDAY}\s*(?:起|开始)?\s*(?:至|到|—+|–|-|－|~|～|〜)\s*(?:{_D}){_WEEKDAY}")
_RANGE_DAY = re.compile(rf"(?:{_D}){_WEEKDAY}\s*(?:起|开始)?\s*(?:至|到|—+|–|-|－|~|～|〜)\s*({_MDN})\s*[日号]")
# Deadline only: 截至/截止…, …前 / 之前 / 以前, 至…止 / 为止.
_CLOSE = [
    re.compile(rf"(?:截止|截至)(?:日期|时间)?(?:为|是|到|[:：])?\s*(?:{_D})"),
    re.compile(rf"(?:{_D}){_WEEKDAY}\s*(?:前|之前|以前|止|为止)"),
]
_DAYS = re.compile(r"(?:发布|公布|印发|公告|通知)之日起\s*(\d+|[一二三四五六七八九十]{1,3})\s*(个工作日|日|天)"
                   r"|(?:征求意见|公示)(?:期|时间|期限)(?:为|是)?\s*(\d+|[一二三四五六七八九十]{1,3})\s*(个工作日|日|天)")
_WINDOW_HINT = re.compile(r"意见|建议|反馈|截止|截至|征求|征集")


def _ymd(groups: tuple, default_year: int) -> tuple[int, int, int]:
    if groups[1] is not None:
        return (cn_to_int(groups[0]) if groups[0] else default_year), cn_to_int(groups[1]), cn_to_int(groups[2])
    return int(groups[3]), int(groups[4]), int(groups[5])


def window(texts: list[str], published_at: datetime | None, today: date | None):
    """(opens_on, closes_on), both inclusive local dates.

    A missing year comes from the publication date, else from `today`; a closing date earlier in
    the year than the opening date (or the publication date) rolls over to the next year. With only
    a deadline ("请于11月23日前", "截至…", "至…止") the window opens on the publication date (the
    page's date, else the signature's), and the deadline day itself still counts (closes_on = that
    day). "N日" periods follow 民法典 art. 201: the day of publication is not counted, so they end on
    pub + N days. Only the notice (then the rest of the front matter except the 起草说明, then the
    closing text) is searched, never the draft body.
    """
    base = published_at.date() if published_at else (today or date.today())
    for text in texts:
        sentences = [s for s in re.split(r"[。！？!?\n；;]", text.translate(FULLWIDTH)) if _WINDOW_HINT.search(s)]
        found = _range_in(sentences, base) or _deadline_in(sentences, base, published_at)
        if found:
            return found
        for s in sentences:
            m = _DAYS.search(s)
            if m and published_at:
                n = cn_to_int(m.group(1) or m.group(3))
                if "工作日" in (m.group(2) or m.group(4)):
                    day, left = base, n
                    while left:
                        day += timedelta(days=1)
                        left -= day.weekday() < 5
                    return base, day
                return base, base + timedelta(days=n)
    return None, None


def _range_in(sentences: list[str], base: date):
    for s in sentences:
        m = _RANGE.search(s) or _RANGE_DAY.search(s)
        if not m:
            continue
        try:
            y1, m1, d1 = _ymd(m.groups()[:6], base.year)
            if len(m.groups()) == 7:        # "3月15日至22日"
                return date(y1, m1, d1), date(y1, m1, cn_to_int(m.group(7)))
            y2, m2, d2 = _ymd(m.groups()[6:], y1)
            if m.group(7) is None and m.group(10) is None and (m2, d2) < (m1, d1):
                y2 += 1
            return date(y1, m1, d1), date(y2, m2, d2)
        except (ValueError, KeyError):
            pass
    return None


def _deadline_in(sentences: list[str], base: date, published_at: datetime | None):
    for pattern in _CLOSE:
        for s in sentences:
            m = pattern.search(s)
            if not m:
                continue
            try:
                y, mo, d = _ymd(m.groups()[:6], base.year)
                closes = date(y, mo, d)
            except (ValueError, KeyError):
                continue
            if not (m.group(1) or m.group(4)) and published_at and closes < base:
                closes = closes.replace(year=closes.year + 1)
            return (base if published_at else None), closes
    return None
