"""Notice metadata for parser.py: page chrome, titles, dates, the comment window and contacts.

Everything here works on the "front matter" (the lines before the draft body) as a list of
(line_number, text) pairs, plus the closing paragraphs as a fallback. Standard library only.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta

_FULLWIDTH = str.maketrans("０１２３４５６７８９＠", "0123456789@")
_CN_DIGIT = {"零": 0, "〇": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
             "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, **{str(d): d for d in range(10)}}
_CN_UNIT = {"十": 10, "百": 100, "千": 1000}
_PUNCT = "。；;！？!?，,：:"


def cn_to_int(text: str) -> int:
    """'十二' -> 12, '一百零五' -> 105, '二〇二三' -> 2023, '１２' -> 12."""
    s = re.sub(r"\s", "", text).translate(_FULLWIDTH)
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


# ---------------------------------------------------------------- line classes
_KEYS = {  # page metadata key -> kind of value it takes
    "索引号": "code", "统一编号": "code", "文号": "docno", "发文字号": "docno", "文件编号": "docno",
    "发布日期": "pub", "发布时间": "pub", "公布日期": "pub2", "公开日期": "pub2", "成文日期": "written",
    "印发日期": "written", "发布单位": "org", "发布机构": "org", "发文机关": "org", "发文单位": "org",
    "信息来源": "org", "来源": "org", "公开方式": None, "主题分类": None, "体裁分类": None,
    "组配分类": None, "服务对象": None, "有效性": None, "生效日期": None, "废止日期": None,
    "浏览次数": None, "访问次数": None, "阅读次数": None, "点击数": None, "公开范围": None,
    "公开时限": None, "信息分类": None, "文件类型": None, "所属主题": None, "作者": None, "字号": None,
}
_KEY_ALT = "|".join(sorted(_KEYS, key=len, reverse=True))
_KEY_LINE = re.compile(rf"^(?:{_KEY_ALT})\s*(?:[:：]|$)")
_KEY_BARE = re.compile(rf"^({_KEY_ALT})\s*[:：]?$")
_KEY_PAIR = re.compile(rf"\s*({_KEY_ALT})\s*[:：]\s*(\d{{4}}\s*[-/.年]\s*\d{{1,2}}\s*[-/.月]\s*\d{{1,2}}日?"
                       rf"(?:\s+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?|(?:(?!{_KEY_ALT})\S)*)\s*")
_JUNK = re.compile(
    r"^(?:[|｜丨\-—_=*·•>»\s]+|法定主动公开内容|政府信息公开(?:年报|指南|制度|目录)?|主动公开|依申请公开"
    r"|(?:首页|当前位置|您当前的位置|您现在的位置)\s*[:：>»].*|【打印.*|打印本页.*|【?关闭(?:本页|窗口)】?"
    r"|【?字体[:：].*|分享到.*|扫一扫.*|收藏(?:本页)?|返回顶部|上一篇.*|下一篇.*|【[大中小]】.*)$")
_NOTICE_TITLE = re.compile(r"^.{0,150}(?:征求|征集|意见|听证|公开).{0,80}(?:通知|公告|公示|启事|函|通告)$")
_NOTICE_HINT = re.compile(r"征求意见|提出意见|意见建议|意见和建议|反馈|联系人|电子邮箱|截止|截至")
_MARK = (r"[（(【〔]\s*(?:公开)?(?:征求意见稿|(?:修订|修正)?草案(?:征求意见稿|修改稿|送审稿)?|送审稿|修订稿"
         r"|修改稿|讨论稿|代拟稿|审议稿|试行稿|草稿)\s*[)）】〕]")
_MARK_ONLY = re.compile(rf"^{_MARK}$")
_MARK_END = re.compile(rf"{_MARK}$")
_DOC_END = re.compile(r"(?:办法|条例|规定|细则|规则|意见|政策|措施|方案|决定|规划|标准|规程|指引|纲要|章程"
                      r"|公约|制度|[（(](?:试行|暂行)[)）])$")
_EXPLAIN = re.compile(r"^(?![0-9０-９]{1,2}\s*[.．、]|附|[（(])(?:[^。；;]{0,80}(?:起草|编制|制定|修订|修改)(?:情况)?的?"
                      r"|关于[^。；;]{0,80}的)?(?:说\s*明|政策解读)$")
_INLINE_TITLE = re.compile(rf"(?:^|[\s。；;：:])([^\s。；;：:《》]{{2,80}}\s?{_MARK})(?=\s|$)")
_INLINE_EXPLAIN = re.compile(r"(?<=\s)(?:关于《[^》]{1,80}》的|《[^》]{1,80}》)?(?:起草|编制|制定|修订)说明(?=\s)")
_BREADCRUMB = re.compile(r"^(?:(?:[|｜丨]|法定主动公开内容|政府信息公开年报|主动公开)\s*)+(?=\S)|"
                         r"^(?:您?(?:当前|现在)?(?:所在)?的?位置\s*[:：]\s*)?首页(?:\s*[>»/]\s*[^\s>»/]+)+\s*")
_TOC_HEAD = re.compile(r"^目\s*录")
_TOC_ENTRY = re.compile(r"^第\s*[零〇一二两三四五六七八九十百0-9０-９]{1,6}\s*[章节](?:[^。；;，,：:]{0,30})$")
_CONTACT = re.compile(r"^(?:联\s*系\s*人|联系电话|咨询电话|办公电话|电\s*话|传\s*真|电子邮箱|电子邮件|邮\s*箱"
                      r"|E-?mail|联系地址|通信地址|通讯地址|邮寄地址|地\s*址|邮政编码|邮\s*编)\s*[:：]", re.I)
_Y = r"(\d{4}|[〇○零一二三四五六七八九]{4})"
_MD = r"(\d{1,2}|[一二三四五六七八九十]{1,3})"
_DATE_ONLY = re.compile(rf"^{_Y}\s*年\s*{_MD}\s*月\s*{_MD}\s*日$|^(\d{{4}})[-/.](\d{{1,2}})[-/.](\d{{1,2}})$")
_SIGN_TAIL = re.compile(rf"(?:^|\s+|(?<=[。！]))([^\s{_PUNCT}]{{2,30}})\s+({_Y}\s*年\s*{_MD}\s*月\s*{_MD}\s*日)\s*$")
_DATETIME = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
                       r"(?:\s*(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?")


def is_explanation_heading(text: str) -> bool:
    """起草说明 / 关于《…》的起草说明 / 说明: the heading of a drafting explanation."""
    return bool(_EXPLAIN.match(text))


def is_junk(text: str) -> bool:
    return len(text) <= 60 and bool(_JUNK.match(text))


def is_date_line(text: str) -> bool:
    return bool(_DATE_ONLY.match(text))


def _date_of(match: re.Match) -> date | None:
    groups = [g for g in match.groups() if g is not None]
    try:
        return date(*(cn_to_int(g) for g in groups[:3]))
    except (ValueError, KeyError):
        return None


def _datetime_in(text: str) -> datetime | None:
    m = _DATETIME.search(text.translate(_FULLWIDTH))
    if not m:
        return None
    try:
        return datetime(*(int(g) for g in m.groups() if g is not None))
    except ValueError:
        return None


def _value_ok(kind: str | None, value: str) -> bool:
    if _KEY_LINE.match(value) or re.search(r"[《》。，]", value):
        return False
    if kind in ("pub", "pub2", "written"):
        return _datetime_in(value) is not None and len(value) <= 25
    if kind == "code":
        return len(value) <= 60 and bool(re.search(r"\d", value))
    if kind == "docno":
        return len(value) <= 40 and bool(re.search(r"[\d〔\[号]", value))
    return len(value) <= 30 and not re.search(f"[{_PUNCT}]", value)


def _titleish(text: str) -> bool:
    return (len(text) <= 100 and not re.search(f"[{_PUNCT}]", text) and not text.startswith("附")
            and not re.match(r"^\d{1,2}\s*[.．、]", text) and not _NOTICE_TITLE.match(text)
            and not _EXPLAIN.match(text))


_LEAD = re.compile(r"[（(]\s*(?:由\s*)?([^（）()。，,]{2,60}?)\s*(?:牵头(?:负责|实施|落实|组织实施)?|负责(?:实施|落实)?|组织实施)\s*[)）]")


def split_heading(text: str, kind: str) -> tuple[str, str | None, str]:
    """'扩大有效投资政策(由区发改经信局牵头实施)' -> heading, lead department, run-on intro text."""
    m = _LEAD.search(text)
    if m:
        return text[:m.start()].strip(), m.group(1).strip(), text[m.end():].strip()
    if kind == "head" and "。" in text:
        heading, _, rest = text.partition("。")
        return heading.strip(), None, rest.strip()
    return text, None, ""


# ---------------------------------------------------------------- the front matter
def analyse_front(lines: list[tuple[int, str]], tail: list[str], today: date | None) -> dict:
    """Split the front matter into notice / preamble and extract the metadata fields."""
    page: dict[str, str] = {}
    kept: list[str] = []
    i = 0
    while i < len(lines):
        text = _BREADCRUMB.sub("", lines[i][1])
        if is_junk(text):
            i += 1
            continue
        bare = _KEY_BARE.match(text)
        if bare:        # key on one line, value on the next (unless the next line is another key)
            key = bare.group(1)
            if i + 1 < len(lines) and _value_ok(_KEYS[key], lines[i + 1][1]):
                page.setdefault(key, lines[i + 1][1])
                i += 1
            i += 1
            continue
        for part in _split_flattened(_take_pairs(text, page)):
            if part := _take_pairs(part, page):
                kept.append(part)
        i += 1

    nt = next((k for k, t in enumerate(kept) if _NOTICE_TITLE.match(t) and not re.search("[。，,；;]", t)), None)
    lo = nt + 1 if nt is not None else 0
    toc = _toc_lines(kept, lo)
    dt = _find_title(kept, lo, toc)
    sh = next((k for k in range(lo, dt[0] if dt else len(kept)) if _EXPLAIN.match(kept[k])), None)
    stops = [x for x in (sh, dt[0] if dt else None, min(toc) if toc else None) if x is not None and x >= lo]
    n_end = min(stops + [len(kept)])
    notice = [t for t in kept[lo:n_end] if nt is None or t != kept[nt]]     # pages repeat their title
    if nt is None and not any(_NOTICE_HINT.search(t) for t in notice):
        n_end, notice = lo, []
    skip = set(toc) | (set(range(dt[0], dt[1] + 1)) if dt else set())
    preamble = [kept[k] for k in range(n_end, len(kept)) if k not in skip]

    notice_text, issuer, sign_date = _split_notice(notice)
    info = _contacts("\n".join(notice), "\n".join(kept), "\n".join(tail))
    info.update(title="".join(kept[dt[0]:dt[1] + 1]) if dt else None,
                notice_title=kept[nt] if nt is not None else None,
                notice_text="\n".join(notice_text), preamble="\n".join(preamble),
                index_number=page.get("索引号") or page.get("统一编号"),
                document_number=page.get("文号") or page.get("发文字号") or page.get("文件编号"))
    if info["title"] is None and nt is not None:
        quoted = re.search(r"《([^》]+)》", kept[nt])
        info["title"] = quoted.group(1) if quoted else None
    if issuer is None:
        _, issuer, _ = _split_notice(tail)
    org = next((page[k] for k in ("发布单位", "发布机构", "发文机关", "发文单位", "信息来源", "来源") if k in page), None)
    if issuer is None and nt is not None:   # "杭州市西湖区人民政府办公室关于公开征求…的通知"
        m = re.match(r"^((?:(?!关于)[^\s《》]){2,30}?(?:人民政府|政府|办公室|办公厅|局|委员会|厅|中心))关于", kept[nt])
        issuer = m.group(1) if m else None
    info["issuer"] = issuer or org
    info["published_at"] = _published(page, sign_date)
    explain = range(sh, dt[0] if dt and dt[0] > sh else len(kept)) if sh is not None else range(0)
    outside = "\n".join(t for k, t in enumerate(kept) if k not in explain)   # never the 起草说明's dates
    window_texts = [(kept[nt] if nt is not None else "") + "\n" + "\n".join(notice), outside, "\n".join(tail)]
    info["opens_on"], info["closes_on"] = _window(window_texts, info["published_at"], today)
    return info


def _take_pairs(text: str, page: dict[str, str]) -> str:
    """Consume leading "发布日期：2023-03-15 09:21  来源：区政府办 …" pairs; return the rest."""
    pos = 0
    while m := _KEY_PAIR.match(text, pos):
        if m.group(2) and not _value_ok(_KEYS[m.group(1)], m.group(2)):
            return text[m.start(2):].strip()        # "浏览次数: 为深入贯彻……": the text is no value
        if m.group(2):
            page.setdefault(m.group(1), m.group(2))
        pos = m.end()
    return text[pos:].strip()


def _split_flattened(text: str) -> list[str]:
    """Flattened pages: '关于…的公告 为规范…。 XX局 2023年3月15日 XX办法(征求意见稿) 为…' -> the notice
    title, the notice, the draft title and the rest as separate lines."""
    if not text:
        return []
    for m in re.finditer(r"(?:^|(?<=\s))(\S{4,150}?(?:通知|公告|公示|启事|通告))(?=\s)", text):
        if _NOTICE_TITLE.match(m.group(1)) and not re.search("[。，,；;]", m.group(1)):
            return [p for p in (text[:m.start()].strip(), m.group(1)) if p] + _split_flattened(text[m.end():].strip())
    for m in reversed(list(_INLINE_TITLE.finditer(text))):
        before, title = text[:m.start(1)], re.sub(r"\s", "", m.group(1))
        if date_first := re.match(r"\d{4}年\d{1,2}月\d{1,2}日", title):     # "…局 2023年3月15日XX办法(草案)"
            before, title = before + date_first.group(0), title[date_first.end():]
        if before and _titleish(title) and not re.search(r"(附件|\d\s*[.．、])\s*\S*$", before):
            return _split_flattened(before.rstrip()) + [title] + _split_flattened(text[m.end(1):].strip())
    m = _INLINE_EXPLAIN.search(text)
    if m:
        return [text[:m.start()].rstrip(), m.group(0)] + _split_flattened(text[m.end():].strip())
    return [text]


def _toc_lines(kept: list[str], lo: int) -> list[int]:
    """目录 lines and chapter-only lines before the body: a table of contents, never preamble."""
    return [k for k in range(lo, len(kept)) if _TOC_HEAD.match(kept[k]) or _TOC_ENTRY.match(kept[k])]


def _find_title(kept: list[str], lo: int, toc: list[int]) -> tuple[int, int] | None:
    """(first, last) index of the draft title: nearest line with a (征求意见稿)-like marker before the
    body, else a short document-name line directly before the body (or before one preamble paragraph)."""
    for k in range(len(kept) - 1, lo - 1, -1):
        if _MARK_ONLY.match(kept[k]):
            if k - 1 >= lo and _titleish(kept[k - 1]) and not _MARK_ONLY.match(kept[k - 1]):
                return k - 1, k
        elif _MARK_END.search(kept[k]) and _titleish(kept[k]):
            return k, k
    rest = [k for k in range(len(kept) - 1, lo - 1, -1) if k not in toc][:2]
    for k in rest:
        if _DOC_END.search(kept[k]) and _titleish(kept[k]) and len(kept[k]) <= 60:
            return k, k
    return None


def _split_notice(notice: list[str]) -> tuple[list[str], str | None, date | None]:
    """Notice paragraphs without contact lines, the signature (issuer) and its date."""
    body, issuer, sign_date = [], None, None
    for text in notice:
        if _CONTACT.match(text):
            continue
        m = _DATE_ONLY.match(text)
        if m:
            sign_date = sign_date or _date_of(m)
            names = []
            while body and len(names) < 3 and len(body[-1]) <= 30 and not re.search(f"[{_PUNCT}]", body[-1]) \
                    and not re.match(r"特此|附\s*件", body[-1]):
                names.insert(0, body.pop())
            issuer = issuer or ("、".join(names) or None)
            continue
        m = _SIGN_TAIL.search(text)
        if m and re.search(r"(?:政府|办公室|办公厅|局|委员会|委|厅|办|中心|院|部|处|街道|镇|乡|会)$", m.group(1)):
            issuer = issuer or m.group(1)
            sign_date = sign_date or _date_of(_DATE_ONLY.match(m.group(2)))
            text = text[:m.start()].rstrip()
        m = re.search(r"\s(?=(?:联\s*系\s*人|联系电话|电子邮箱|联系地址|通信地址|通讯地址|邮政编码)\s*[:：])", text)
        body.append(text[:m.start()] if m else text)    # flattened: the contact lines follow the notice
    return body, issuer, sign_date


def _published(page: dict[str, str], sign_date: date | None) -> datetime | None:
    for key in ("发布日期", "发布时间", "公布日期", "公开日期"):
        if key in page and _datetime_in(page[key]):
            return _datetime_in(page[key])
    if sign_date:
        return datetime.combine(sign_date, datetime.min.time())
    for key in ("成文日期", "印发日期"):
        if key in page and _datetime_in(page[key]):
            return _datetime_in(page[key])
    return None


# ---------------------------------------------------------------- contacts
_PERSON = re.compile(r"联\s*系\s*人(?:员)?(?:及(?:联系)?(?:电话|方式))?\s*[:：]\s*([^\s:：，,；;。、（()）\d]{2,12}?)"
                     r"(?=[\s:：，,；;。、（()）\d]|联系|电话|手机|邮箱|电子|地址|通[信讯]|邮编|邮政|传真|$)")
_PHONE = re.compile(r"(?:联系电话|咨询电话|办公电话|联系方式|电\s*话|Tel|TEL)\s*[:：]\s*"
                    r"([+(（]?\d[\d\-－—()（） 转]{5,30}\d)")
_PHONE_ANY = re.compile(r"(?<!\d)(0\d{2,3}[-－—]\d{7,8}(?:转\d+)?|1[3-9]\d{9})(?!\d)")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_EMAIL_LABEL = re.compile(r"(?:电子邮箱|电子信箱|电子邮件|邮\s*箱|E-?mail)\s*[:：为至]?\s*([A-Za-z0-9._%+-]+@[A-Za-z0-9-]+"
                          r"(?:\.[A-Za-z0-9-]+)+)", re.I)
_ADDRESS = re.compile(r"(?<![件箱])(?:联系地址|通信地址|通讯地址|邮寄地址|信函请寄至|请寄至|邮寄至|寄至|地\s*址)"
                      r"\s*[:：]?\s*([^，,；;。\n:：]+?)\s*(?=[（(]?\s*(?:邮政编码|邮编)|[，,；;。\n）)]|$)")
_POSTCODE = re.compile(r"(?:邮政编码|邮\s*编)\s*[:：]?\s*(\d{6})(?!\d)")


def _contacts(*blobs: str) -> dict:
    """Search each text in turn (notice first, then all front matter, then closing text)."""
    blobs = [b.translate(_FULLWIDTH) for b in blobs]

    def first(pattern: re.Pattern, check=lambda v: True) -> str | None:
        for blob in blobs:
            for m in pattern.finditer(blob):
                value = m.group(1).strip().rstrip("-－—( （")
                if check(value):
                    return value
        return None

    return {
        "contact_person": first(_PERSON),
        "phone": re.sub(r"[－—–]", "-", first(_PHONE, lambda v: len(re.sub(r"\D", "", v)) >= 7)
                        or first(_PHONE_ANY) or "") or None,
        "email": first(_EMAIL_LABEL) or next((m.group(0) for b in blobs for m in _EMAIL.finditer(b)), None),
        "postal_address": first(_ADDRESS, lambda v: 4 <= len(v) <= 120 and "@" not in v and "http" not in v),
        "postcode": first(_POSTCODE),
    }


# ---------------------------------------------------------------- the comment window
_D = r"(?:(\d{4})\s*年\s*)?(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]|(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})日?"
_WEEKDAY = r"(?:\s*[（(][^）)]{1,6}[)）])?(?:\s*(?:[上下]午)?\s*\d{1,2}\s*(?:[:：]\s*\d{2}|[时点](?:\d{1,2}分)?))?"
_RANGE = re.compile(rf"(?:{_D}){_WEEKDAY}\s*(?:起|开始)?\s*(?:至|到|—+|–|-|－|~|～|〜)\s*(?:{_D}){_WEEKDAY}")
_RANGE_DAY = re.compile(rf"(?:{_D}){_WEEKDAY}\s*(?:起|开始)?\s*(?:至|到|—+|–|-|－|~|～|〜)\s*(\d{{1,2}})\s*[日号]")
_CLOSE = [
    re.compile(rf"(?:截止|截至)(?:日期|时间)?(?:为|是|到|[:：])?\s*(?:{_D})"),
    re.compile(rf"(?:{_D}){_WEEKDAY}\s*(?:前|之前|以前|止|为止)"),
]
_DAYS = re.compile(r"(?:发布|公布|印发|公告|通知)之日起\s*(\d+|[一二三四五六七八九十]{1,3})\s*(个工作日|日|天)"
                   r"|(?:征求意见|公示)(?:期|时间|期限)(?:为|是)?\s*(\d+|[一二三四五六七八九十]{1,3})\s*(个工作日|日|天)")
_WINDOW_HINT = re.compile(r"意见|建议|反馈|截止|截至|征求|征集")


def _ymd(groups: tuple, default_year: int) -> tuple[int, int, int]:
    if groups[1] is not None:
        return int(groups[0]) if groups[0] else default_year, int(groups[1]), int(groups[2])
    return int(groups[3]), int(groups[4]), int(groups[5])


def _window(texts: list[str], published: datetime | None, today: date | None):
    """(opens_on, closes_on), both inclusive local dates.

    A missing year comes from the publication date, else from `today`; a closing date earlier in
    the year than the opening date (or the publication date) rolls over to the next year. With only
    a deadline ("请于11月23日前", "截止日期为…") the window opens on the publication date, and the
    deadline day itself still counts (closes_on = 11-23). "N日" periods follow 民法典 art. 201: the
    day of publication is not counted, so they end on pub + N days. Only the notice (then the rest of
    the front matter except the 起草说明, then the closing text) is searched, never the draft body.
    """
    base = published.date() if published else (today or date.today())
    for text in texts:
        sentences = [s for s in re.split(r"[。！？!?\n；;]", text.translate(_FULLWIDTH)) if _WINDOW_HINT.search(s)]
        for s in sentences:
            m = _RANGE.search(s) or _RANGE_DAY.search(s)
            if m:
                try:
                    y1, m1, d1 = _ymd(m.groups()[:6], base.year)
                    if len(m.groups()) == 7:        # "3月15日至22日"
                        return date(y1, m1, d1), date(y1, m1, int(m.group(7)))
                    y2, m2, d2 = _ymd(m.groups()[6:], y1)
                    if m.group(7) is None and m.group(10) is None and (m2, d2) < (m1, d1):
                        y2 += 1
                    return date(y1, m1, d1), date(y2, m2, d2)
                except ValueError:
                    pass
        for pattern in _CLOSE:
            for s in sentences:
                m = pattern.search(s)
                if m:
                    try:
                        y, mo, d = _ymd(m.groups()[:6], base.year)
                        closes = date(y, mo, d)
                    except ValueError:
                        continue
                    if not (m.group(1) or m.group(4)) and published and closes < base:
                        closes = closes.replace(year=closes.year + 1)
                    return (base if published else None), closes
        for s in sentences:
            m = _DAYS.search(s)
            if m and published:
                n = cn_to_int(m.group(1) or m.group(3))
                if "工作日" in (m.group(2) or m.group(4)):
                    day, left = base, n
                    while left:
                        day += timedelta(days=1)
                        left -= day.weekday() < 5
                    return base, day
                return base, base + timedelta(days=n)
    return None, None

