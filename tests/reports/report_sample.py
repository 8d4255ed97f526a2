"""A synthetic consultation with counts known by construction: 3 sections, 6 clauses, 40 comments
(plus 2 spam) spread over days, channels, stances, identities, statuses and decisions."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from westlake_feedback.reports.data import (
    ClauseInfo, ClauseResponseInfo, ReportComment, ReportInput, SectionInfo,
)
from westlake_feedback.timeutil import window_from_days

SHANGHAI = ZoneInfo("Asia/Shanghai")
IDENTITIES = ["individual", "company", "social_org", "government", "other"]
STANCE_CODES = {"S": "support", "O": "oppose", "A": "amend", "X": "other"}
# Comments per clause block, in order, as stance letters. None = the whole draft; clause 4 gets none.
BLOCKS = [
    (None, "SOAX"),
    (1, "SSSSSOOAAX"),
    (2, "OOO"),
    (3, "SSAAAAAX"),
    (5, "SSSSSS"),
    (6, "SOAAAAXXX"),
]
# Local day of comment i: 15th for i 0-4, 16th for 5-13, none on 17th, 18th for 14-20, none on 19th,
# 20th for 21-30, 21st for 31-37, 22nd for 38-39.
DAY_OF = [15] * 5 + [16] * 9 + [18] * 7 + [20] * 10 + [21] * 7 + [22] * 2
BODIES = {
    None: "整体赞成，文件的执行力度很关键。",
    1: "我们建议进一步加强停车场建设，停车位不足，停车位收费偏高。",
    2: "我们建议进一步加强停车场建设，停车位不足，停车位收费偏高。",
    3: "希望增加人才公寓的供给，人才公寓租金太高。",
    5: "养老服务补贴应该覆盖更多老人。",
    6: "养老服务补贴应该覆盖更多老人。",
}
SECTIONS = [
    SectionInfo(1, "一、", "扩大有效投资政策", "区发改经信局"),
    SectionInfo(2, "二、", "科技创新政策", "区科技局"),
    SectionInfo(3, "三、", "现代服务业政策", "区商务局"),
]
CLAUSES = [
    ClauseInfo(1, "1.", "强化项目建设资金保障", 1),
    ClauseInfo(2, "2.", "向上争取资金支持", 1),
    ClauseInfo(3, "3.", "加强土地要素保障", 2),
    ClauseInfo(4, "4.", "加强用能要素保障", 2),
    ClauseInfo(5, "5.", "强化科技创新财政资金保障", 3),
    ClauseInfo(6, "6.", "实施高层次科技人才引育政策", 3),
]
DECISION_OF = {0: "adopted", 1: "partly_adopted", 2: "not_adopted", 3: "explained"}


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2023, 3, day, hour, minute, tzinfo=SHANGHAI).astimezone(timezone.utc)


def channel_of(i: int) -> str:
    return "web" if i < 25 else "letter" if i < 30 else "email" if i < 35 else "phone" if i < 38 else "meeting"


def status_of(i: int) -> str:
    return "approved" if i < 28 else "pending" if i < 34 else "rejected"


def created_of(i: int) -> datetime:
    if i == 4:
        return local(15, 23, 30)   # 15:30 UTC: still 15 March in Shanghai
    if i == 5:
        return local(16, 0, 10)    # 16:10 UTC on 15 March: already 16 March in Shanghai
    return local(DAY_OF[i], 10, i)


def make_comments() -> list[ReportComment]:
    by_number = {c.number: c for c in CLAUSES}
    comments, i = [], 0
    for clause_number, stances in BLOCKS:
        clause = by_number.get(clause_number)
        section = SECTIONS[clause.section_number - 1] if clause else None
        for letter in stances:
            comments.append(ReportComment(
                receipt_code=f"R{i:04d}",
                section_number=section.number if section else None,
                section_heading=section.heading if section else None,
                clause_number=clause_number,
                clause_label=clause.label if clause else None,
                clause_title=clause.title if clause else None,
                stance=STANCE_CODES[letter],
                identity_type=IDENTITIES[i % 5],
                channel=channel_of(i),
                status=status_of(i),
                created_at=created_of(i),
                body=BODIES[clause_number],
                name_public="王先生" if i % 3 == 0 else None,
                decision=DECISION_OF.get(i % 10),
                response=f"答复{i}" if i % 10 in DECISION_OF else "",
                participant_key=f"p{i % 30}" if i < 38 else None,
            ))
            i += 1
    assert i == 40
    for n in (1, 2):   # spam, on a day that otherwise has no comments
        comments.append(ReportComment(
            receipt_code=f"S000{n}", section_number=1, section_heading="扩大有效投资政策", clause_number=1,
            clause_label="1.", clause_title="强化项目建设资金保障", stance="support", identity_type="other",
            channel="web", status="spam", created_at=local(17, 12, n), body="代开发票代开发票，发票优惠",
            participant_key=f"spam{n}",
        ))
    return comments


def make_input(**overrides) -> ReportInput:
    opens_at, closes_at = window_from_days(date(2023, 3, 15), date(2023, 3, 22))
    values = dict(
        title="西湖区人民政府关于推动经济高质量发展的若干政策（征求意见稿）",
        slug="xihu-2023",
        issuer="西湖区政府办公室",
        opens_at=opens_at,
        closes_at=closes_at,
        generated_at=local(23, 9, 30),
        sections=SECTIONS,
        clauses=CLAUSES,
        comments=make_comments(),
        clause_responses=[
            ClauseResponseInfo(1, "关于资金保障的意见已吸收，第1条增加了资金拨付时限。"),
            ClauseResponseInfo(None, "总体意见已逐条研究。"),
            ClauseResponseInfo(3, "  "),
        ],
        version=2,
    )
    values.update(overrides)
    return ReportInput(**values)


def many_answers_input(copies: int = 60) -> ReportInput:
    """The sample's comments `copies` times over, every one but spam answered (40 per copy), each
    body and answer its own, some with line breaks, XML's special characters or text that looks
    like the DOCX writer's row markers."""
    base = make_input()
    texts = ("普通意见{n}", "第一行{n}\n第二行\r\n第三行", "a & b < c > d ]]> {n}", "<!--rows-9--> {n}", "  前后空格{n}  ")
    comments = []
    for copy in range(copies):
        for i, c in enumerate(base.comments):
            n = copy * len(base.comments) + i
            decision = None if c.status == "spam" else c.decision or ("adopted", "explained")[n % 2]
            comments.append(replace(c, receipt_code=f"M{n:05d}", body=texts[n % len(texts)].format(n=n),
                                    decision=decision, response=f"答复{n}" + ("\n另起一行" if n % 7 == 0 else "")))
    return make_input(comments=comments)
