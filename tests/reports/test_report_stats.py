"""compute() on a synthetic consultation whose counts are known by construction (conftest.py)."""
from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timezone

from westlake_feedback.reports.data import ClauseInfo, ReportComment, compute, compute_steps
from westlake_feedback.reports.keywords import stopwords
from report_sample import local


def by_key(tallies):
    return {t.key: t.count for t in tallies}


def test_totals_and_participants(sample_stats):
    assert sample_stats.received == 42
    assert sample_stats.excluded == 2          # the two spam comments
    assert sample_stats.counted == 40
    # p0..p29 (30 keys, eight of them used twice) plus two comments without a key.
    assert sample_stats.participants == 32
    assert sample_stats.commented_clauses == 5


def test_comments_per_section_and_clause(sample_stats):
    assert [(s.number, s.display, s.lead_department, s.count) for s in sample_stats.sections] == [
        (1, "一、扩大有效投资政策", "区发改经信局", 13),
        (2, "二、科技创新政策", "区科技局", 8),
        (3, "三、现代服务业政策", "区商务局", 15),
        (None, "总体意见", None, 4),
    ]
    assert [(c.number, c.count) for c in sample_stats.clauses] == [
        (None, 4), (1, 10), (2, 3), (3, 8), (4, 0), (5, 6), (6, 9)]
    assert sample_stats.clauses[1].display == "1.强化项目建设资金保障"
    # Which clauses drew most: most first, clauses without comments left out.
    assert [(c.number, c.count) for c in sample_stats.top_clauses] == [(1, 10), (6, 9), (3, 8), (5, 6), (2, 3)]


def test_stance_per_clause(sample_stats):
    assert by_key(sample_stats.stances) == {"support": 15, "oppose": 7, "amend": 12, "other": 6}
    assert [t.label for t in sample_stats.stances] == ["赞成", "反对", "修改建议", "其他"]
    rows = {r.clause_number: (r.counts["support"], r.counts["oppose"], r.counts["amend"], r.counts["other"], r.total)
            for r in sample_stats.stance_rows}
    assert rows == {
        None: (1, 1, 1, 1, 4),
        1: (5, 2, 2, 1, 10),
        2: (0, 3, 0, 0, 3),
        3: (2, 0, 5, 1, 8),
        5: (6, 0, 0, 0, 6),
        6: (1, 1, 4, 3, 9),
    }
    assert [r.clause_number for r in sample_stats.stance_rows] == [None, 1, 2, 3, 5, 6]


def test_identities_channels_and_moderation(sample_stats):
    assert by_key(sample_stats.identities) == {
        "individual": 8, "company": 8, "social_org": 8, "government": 8, "other": 8}
    assert by_key(sample_stats.channels) == {"web": 25, "letter": 5, "email": 5, "phone": 3, "meeting": 2}
    assert [t.label for t in sample_stats.channels] == ["网上提交", "信函", "电子邮件", "电话", "座谈会"]
    # Moderation covers every received comment, spam included.
    assert by_key(sample_stats.moderation) == {"pending": 6, "approved": 28, "rejected": 6, "spam": 2}


def test_submissions_per_local_day_include_empty_days(sample_stats):
    assert [(d.day.day, d.count) for d in sample_stats.per_day] == [
        (15, 5), (16, 9), (17, 0), (18, 7), (19, 0), (20, 10), (21, 7), (22, 2)]
    assert sample_stats.busiest_day.day == date(2023, 3, 20)


def test_day_boundaries_are_shanghai_days(input_factory):
    def comment(code, moment):
        return ReportComment(code, None, None, None, None, None, "support", "individual", "web", "approved",
                             moment, "意见")

    late_evening = datetime(2023, 3, 15, 15, 30, tzinfo=timezone.utc)    # 23:30 on 15 March in Shanghai
    after_midnight = datetime(2023, 3, 15, 16, 10, tzinfo=timezone.utc)  # 00:10 on 16 March in Shanghai
    stats = compute(input_factory(comments=[comment("A", late_evening), comment("B", after_midnight)]))
    counts = {d.day: d.count for d in stats.per_day}
    assert counts[date(2023, 3, 15)] == 1
    assert counts[date(2023, 3, 16)] == 1
    assert len(stats.per_day) == 8 and sum(counts.values()) == 2


def test_comments_outside_the_window_widen_the_series(input_factory):
    base = input_factory().comments[0]
    late_letter = replace(base, receipt_code="L1", created_at=local(25, 9))
    stats = compute(input_factory(comments=[base, late_letter]))
    assert [(d.day.day, d.count) for d in stats.per_day][-4:] == [(22, 0), (23, 0), (24, 0), (25, 1)]


def test_decision_summary_and_adoption_rows(sample_stats):
    assert by_key(sample_stats.decisions) == {
        "adopted": 4, "partly_adopted": 4, "not_adopted": 4, "explained": 4, "undecided": 24}
    assert sample_stats.decided == 16
    rows = sample_stats.adoption_rows
    # Clause order (the whole draft first), then submission time.
    assert [r.receipt_code for r in rows] == [
        "R0000", "R0001", "R0002", "R0003", "R0010", "R0011", "R0012", "R0013",
        "R0020", "R0021", "R0022", "R0023", "R0030", "R0031", "R0032", "R0033"]
    assert [r.seq for r in rows] == list(range(1, 17))
    first = rows[0]
    assert (first.clause_display, first.decision_label, first.response) == ("总体意见", "采纳", "答复0")
    assert rows[4].clause_display == "1.强化项目建设资金保障"
    assert [r.decision_label for r in rows[4:8]] == ["采纳", "部分采纳", "不采纳", "解释说明"]


def test_clause_responses_in_clause_order_without_blanks(sample_stats):
    assert [(r.clause_number, r.clause_display) for r in sample_stats.clause_responses] == [
        (None, "总体意见"), (1, "1.强化项目建设资金保障")]


def test_keywords_per_section(sample_stats):
    groups = {k.section_number: k for k in sample_stats.keywords_by_section}
    assert list(groups) == [1, 2, 3, None]
    assert groups[1].keywords[0] == ("停车位", 26)
    assert groups[1].comments == 13
    assert {"人才", "公寓"} <= {w for w, _ in groups[2].keywords[:2]}
    assert ("养老", 15) in groups[3].keywords
    every_word = {w for k in sample_stats.keywords_by_section for w, _ in k.keywords}
    assert not every_word & stopwords()
    assert not every_word & {"发票", "代开"}     # spam is not analysed
    assert sample_stats.keywords_overall[0] == ("停车位", 26)


def test_excluded_statuses_can_be_changed(input_factory):
    stats = compute(input_factory(excluded_statuses=()))
    assert stats.counted == 42 and stats.excluded == 0
    assert stats.participants == 34
    assert {d.day.day: d.count for d in stats.per_day}[17] == 2


def test_clauses_outside_sections_and_unknown_clauses(input_factory):
    base = input_factory()
    loose = ClauseInfo(7, "第七条", "附则", None)
    orphan = replace(base.comments[5], receipt_code="X1", clause_number=99, clause_label="第九十九条",
                     clause_title="已删除的条款", section_number=None)
    stats = compute(input_factory(clauses=[*base.clauses, loose], comments=[*base.comments, orphan]))
    assert stats.sections[-1].display == "总体意见及未分章条款"
    assert stats.sections[-1].count == 5
    assert [(c.number, c.display, c.count) for c in stats.clauses[-2:]] == [
        (7, "第七条 附则", 0), (99, "第九十九条 已删除的条款", 1)]


def test_empty_consultation(input_factory):
    stats = compute(input_factory(comments=[], clause_responses=[]))
    assert (stats.received, stats.counted, stats.participants, stats.decided) == (0, 0, 0, 0)
    assert len(stats.per_day) == 8 and all(d.count == 0 for d in stats.per_day)
    assert stats.busiest_day is None
    assert stats.top_clauses == [] and stats.adoption_rows == [] and stats.keywords_by_section == []


def test_progress_is_reported_to_the_end(sample_input):
    calls = []
    compute(sample_input, progress=lambda done, total, stage: calls.append((done, total, stage)))
    total = compute_steps(sample_input)
    assert {t for _, t, _ in calls} == {total}
    dones = [d for d, _, _ in calls]
    assert dones == sorted(dones) and dones[0] == 0 and dones[-1] == total
    stages = [s for _, _, s in calls]
    assert stages[0] == "tally" and "keywords" in stages and stages[-1] == "done"
    assert len(calls) < 200   # reported in chunks, not once per comment of a big consultation
