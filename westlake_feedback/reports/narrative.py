"""The report's sentences, written once for the HTML, DOCX and XLSX versions."""
from __future__ import annotations

from .data import ReportInput
from .figures import ReportStats
from .labels import cn_date, cn_datetime, window_text


def report_title(report_input: ReportInput) -> str:
    return f"关于《{report_input.title}》公开征求意见情况的报告"


def version_line(report_input: ReportInput) -> str:
    return f"第{report_input.version}版　{cn_datetime(report_input.generated_at)}生成"


def intro(stats: ReportStats, report_input: ReportInput) -> str:
    who = report_input.issuer or "本单位"
    return (
        f"{who}于{window_text(report_input.opens_at, report_input.closes_at)}就《{report_input.title}》"
        f"公开向社会征求意见。现将意见征集和采纳情况报告如下。"
    )


def overview(stats: ReportStats) -> str:
    excluded = f"，其中{stats.excluded}件为垃圾信息，不计入统计" if stats.excluded else ""
    return (
        f"征求意见期间共收到意见{stats.received}件{excluded}；计入统计的意见{stats.counted}件，"
        f"来自{stats.participants}位参与者，涉及{stats.commented_clauses}个条款，"
        f"另有针对征求意见稿整体的意见{stats.clauses[0].count}件。"
        + (stats.groups.sentence() if stats.groups is not None else "")
    )


def round_note(report_input: ReportInput) -> str:
    """Said when the report covers one round only (`ReportInput.round_number`)."""
    return f"本报告仅统计针对第{report_input.round_number}轮征求意见稿的意见。"


def per_day(stats: ReportStats) -> str:
    days = len(stats.per_day)
    total = sum(d.count for d in stats.per_day)
    if not total:
        return f"征求意见期间共{days}天，尚未收到意见。"
    busiest = stats.busiest_day
    return (
        f"征求意见期间共{days}天，日均收到意见{total / days:.1f}件，"
        f"收到意见最多的是{cn_date(busiest.day)}（{busiest.count}件）。日期按北京时间计算。"
    )


def distribution(stats: ReportStats) -> str:
    if not stats.top_clauses:
        return "尚无针对具体条款的意见。"
    top = stats.top_clauses[0]
    return f"收到意见最多的条款是“{top.display}”（{top.count}件）。"


def keywords_note() -> str:
    return "以下为各部分意见中出现次数最多的词语（按中文分词统计，已剔除常用虚词和“建议”“意见”等通用词）。"


def decisions(stats: ReportStats) -> str:
    parts = "、".join(f"{t.label}{t.count}件" for t in stats.decisions if t.key != "undecided")
    undecided = next(t.count for t in stats.decisions if t.key == "undecided")
    return (
        f"截至报告生成时，已对{stats.decided}件意见作出答复，其中{parts}；"
        f"尚有{undecided}件意见未答复。"
    )
