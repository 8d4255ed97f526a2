"""Fixed Chinese wording shared by the three report formats.

The report is an official document the district office hands its leaders, written in Chinese
whatever language a staff member browses in, and it is built by the worker outside any request.
So its wording lives here as plain Chinese rather than in the UI translation catalogue; the
HTML, DOCX and XLSX versions all read the same labels and headings.
"""
from __future__ import annotations

STANCES = {"support": "赞成", "oppose": "反对", "amend": "修改建议", "other": "其他"}
IDENTITIES = {"individual": "个人", "company": "企业", "social_org": "社会组织", "government": "政府部门", "other": "其他"}
CHANNELS = {"web": "网上提交", "letter": "信函", "email": "电子邮件", "phone": "电话", "meeting": "座谈会"}
STATUSES = {"pending": "待审核", "approved": "已公开", "rejected": "未予公开", "spam": "垃圾信息"}
DECISIONS = {"adopted": "采纳", "partly_adopted": "部分采纳", "not_adopted": "不采纳", "explained": "解释说明"}
UNDECIDED = "尚未答复"

WHOLE_DRAFT = "总体意见"
WHOLE_DRAFT_AND_LOOSE = "总体意见及未分章条款"

# Top-level headings, in document order (一、二、… as Chinese official documents number them).
HEADINGS = {
    "overview": "一、基本情况",
    "per_day": "二、每日提交情况",
    "distribution": "三、意见分布",
    "stance": "四、各条款意见倾向",
    "keywords": "五、意见关键词",
    "moderation": "六、审核情况",
    "adoption": "七、意见采纳情况",
}

ADOPTION_COLUMNS = ("序号", "条款", "意见摘要", "是否采纳", "理由")
SUMMARY_CHARS = 80


def label_for(table: dict[str, str], key: str | None) -> str:
    """The Chinese label of a known value; an unknown value is shown as stored."""
    if key is None:
        return ""
    return table.get(key, key)


def summarise(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first `limit` characters of a comment on one line, with an ellipsis when cut."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[:limit].rstrip() + "…"


def cn_date(day) -> str:
    """2023年3月15日"""
    return f"{day.year}年{day.month}月{day.day}日"


def cn_datetime(moment) -> str:
    """2023年3月23日 09:30, in Asia/Shanghai."""
    from ..timeutil import to_local

    local = to_local(moment)
    return f"{cn_date(local)} {local:%H:%M}"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "—"


def window_text(opens_at, closes_at) -> str:
    """The consultation window as notices write it: 2023年3月15日至3月22日 (closing day inclusive)."""
    from datetime import timedelta

    from ..timeutil import to_local

    first = to_local(opens_at).date()
    last = to_local(closes_at - timedelta(microseconds=1)).date()
    end = f"{last.month}月{last.day}日" if last.year == first.year else cn_date(last)
    return f"{cn_date(first)}至{end}"
