"""Front matter for the draft parser: page chrome, page metadata, the notice, titles, 目录.

Everything here works on the "front matter" (the lines before the draft body) as a list of
(line_number, text) pairs, plus the closing paragraphs as a fallback for the signature, the
window and the contacts. Every piece of every front line is accounted to one destination (see
analyse_front). Standard library only.
"""
from __future__ import annotations

import re
from datetime import date

from .parser_contacts import PUNCT, contacts, signature, split_notice
from .parser_dates import cn_to_int, datetime_in, is_date_line, published, window

__all__ = ["analyse_front", "cn_to_int", "is_date_line", "is_explanation_heading", "is_junk", "split_heading"]

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


def is_explanation_heading(text: str) -> bool:
    """起草说明 / 关于《…》的起草说明 / 说明: the heading of a drafting explanation."""
    return bool(_EXPLAIN.match(text))


def is_junk(text: str) -> bool:
    return len(text) <= 60 and bool(_JUNK.match(text))


def _value_ok(kind: str | None, value: str) -> bool:
    if _KEY_LINE.match(value) or re.search(r"[《》。，]", value):
        return False
    if kind in ("pub", "pub2", "written"):
        return datetime_in(value) is not None and len(value) <= 25
    if kind == "code":
        return len(value) <= 60 and bool(re.search(r"\d", value))
    if kind == "docno":
        return len(value) <= 40 and bool(re.search(r"[\d〔\[号]", value))
    return len(value) <= 30 and not re.search(f"[{PUNCT}]", value)


def _titleish(text: str) -> bool:
    return (len(text) <= 100 and not re.search(f"[{PUNCT}]", text) and not text.startswith("附")
            and not re.match(r"^\d{1,2}\s*[.．、]", text) and not _NOTICE_TITLE.match(text)
            and not _EXPLAIN.match(text))


_LEAD = re.compile(r"[（(]\s*(?:由\s*)?([^（）()。，,]{2,60}?)\s*(?:牵头(?:负责|实施|落实|组织实施)?|负责(?:实施|落实)?|组织实施)\s*[)）]")


def split_heading(text: str, kind: str) -> tuple[str, str | None, str]:
    """'扩大有效投资政策(由区发改经信局牵头实施)' -> heading, lead department, run-on intro text."""
    m = _LEAD.search(text)
    if m:
        return text[:m.start()].strip(), m.group(1).strip(), text[m.end():].strip()
    spaced = re.match(rf"^([^\s{PUNCT}]{{1,30}})\s+(\S.*[{PUNCT}].*)$", text) if kind == "head" else None
    if spaced:      # flattened: "总体目标 到2025年，全县……" (the intro ran onto the heading's line)
        return spaced.group(1), None, spaced.group(2).strip()
    if kind == "head" and "。" in text:
        heading, _, rest = text.partition("。")
        return heading.strip(), None, rest.strip()
    return text, None, ""


# ---------------------------------------------------------------- the front matter
def analyse_front(lines: list[tuple[int, str]], tail: list[str], today: date | None):
    """Split the front matter into notice / preamble and extract the metadata fields.

    Returns (fields for ParsedDraft, uses): `uses` says where every piece of every front line went,
    as (line_no, destination, text) in source order. Destinations: "ignored" (page chrome),
    "meta" (page metadata, contact lines, the signature), "notice_title", "notice", "title",
    "toc", "preamble"."""
    page: dict[str, str] = {}
    kept: list[tuple[int, str]] = []
    order: list[tuple[int, str, str] | int] = []     # a use, or the index of a kept line (decided below)
    i = 0
    while i < len(lines):
        no, raw = lines[i]
        text = _BREADCRUMB.sub("", raw)
        if text != raw:
            order.append((no, "ignored", raw[:len(raw) - len(text)]))
        if is_junk(text):
            order.append((no, "ignored", text))
            i += 1
            continue
        bare = _KEY_BARE.match(text)
        if bare:        # key on one line, value on the next (unless the next line is another key)
            order.append((no, "meta", text))
            key = bare.group(1)
            if i + 1 < len(lines) and _value_ok(_KEYS[key], lines[i + 1][1]):
                page.setdefault(key, lines[i + 1][1])
                order.append((lines[i + 1][0], "meta", lines[i + 1][1]))
                i += 1
            i += 1
            continue
        taken, rest = _take_pairs(text, page)
        order.append((no, "meta", taken))
        for part in _split_flattened(rest):
            taken, part = _take_pairs(part, page)
            order.append((no, "meta", taken))
            if part:
                order.append(len(kept))
                kept.append((no, part))
        i += 1

    texts = [t for _, t in kept]
    nt = next((k for k, t in enumerate(texts) if _NOTICE_TITLE.match(t) and not re.search("[。，,；;]", t)), None)
    lo = nt + 1 if nt is not None else 0
    toc = _toc_lines(texts, lo)
    dt = _find_title(texts, lo, toc)
    sh = next((k for k in range(lo, dt[0] if dt else len(texts)) if _EXPLAIN.match(texts[k])), None)
    stops = [x for x in (sh, dt[0] if dt else None, min(toc) if toc else None) if x is not None and x >= lo]
    n_end = min(stops + [len(texts)])
    notice = [k for k in range(lo, n_end) if nt is None or texts[k] != texts[nt]]    # pages repeat their title
    if nt is None and not any(_NOTICE_HINT.search(texts[k]) for k in notice):
        n_end, notice = lo, []
    title_lines = set(range(dt[0], dt[1] + 1)) if dt else set()
    where: dict[int, list[tuple[str, str]]] = {}
    for k, t in enumerate(texts):
        dest = ("notice_title" if k == nt or (nt is not None and lo <= k < n_end and t == texts[nt])
                else "ignored" if k < lo else "toc" if k in toc else "title" if k in title_lines
                else None if k < n_end else "preamble")
        where[k] = [(dest, t)] if dest else []
    notice_parts, issuer, sign_date = split_notice([texts[k] for k in notice])
    for k, parts in zip(notice, notice_parts):
        where[k] = parts
    uses = [u for item in order for u in ([item] if isinstance(item, tuple) else
                                          [(kept[item][0], d, t) for d, t in where[item]]) if u[2].strip()]

    def joined(dest: str) -> str:
        return "\n".join(t.strip() for _, d, t in uses if d == dest)

    info = contacts("\n".join(texts[k] for k in notice), "\n".join(texts), "\n".join(tail))
    info.update(title="".join(texts[dt[0]:dt[1] + 1]) if dt else None,
                notice_title=texts[nt] if nt is not None else None,
                notice_text=joined("notice"), preamble=joined("preamble"),
                metadata_text=joined("meta"), ignored_text=joined("ignored"), toc_text=joined("toc"),
                index_number=page.get("索引号") or page.get("统一编号"),
                document_number=page.get("文号") or page.get("发文字号") or page.get("文件编号"))
    if info["title"] is None and nt is not None:
        quoted = re.search(r"《([^》]+)》", texts[nt])
        info["title"] = quoted.group(1) if quoted else None
    tail_issuer, tail_date = signature(tail)     # a signature after the draft
    issuer, sign_date = issuer or tail_issuer, sign_date or tail_date
    org = next((page[k] for k in ("发布单位", "发布机构", "发文机关", "发文单位", "信息来源", "来源") if k in page), None)
    if issuer is None and nt is not None:   # "杭州市西湖区人民政府办公室关于公开征求…的通知"
        m = re.match(r"^((?:(?!关于)[^\s《》]){2,30}?(?:人民政府|政府|办公室|办公厅|局|委员会|厅|中心))关于", texts[nt])
        issuer = m.group(1) if m else None
    info["issuer"] = issuer or org
    info["published_at"] = published(page, sign_date)
    explain = range(sh, dt[0] if dt and dt[0] > sh else len(texts)) if sh is not None else range(0)
    outside = "\n".join(t for k, t in enumerate(texts) if k not in explain)   # never the 起草说明's dates
    window_texts = [(texts[nt] if nt is not None else "") + "\n" + "\n".join(texts[k] for k in notice),
                    outside, "\n".join(tail)]
    info["opens_on"], info["closes_on"] = window(window_texts, info["published_at"], today)
    return info, uses


def _take_pairs(text: str, page: dict[str, str]) -> tuple[str, str]:
    """Consume leading "发布日期：2023-03-15 09:21  来源：区政府办 …" pairs: (what was taken, the rest)."""
    pos = 0
    while m := _KEY_PAIR.match(text, pos):
        if m.group(2) and not _value_ok(_KEYS[m.group(1)], m.group(2)):
            return text[:m.start(2)], text[m.start(2):].strip()     # "浏览次数: 为深入贯彻……": no value
        if m.group(2):
            page.setdefault(m.group(1), m.group(2))
        pos = m.end()
    return text[:pos], text[pos:].strip()

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


