"""A report built for one round counts per tag only that round's comments (the codebook is the
consultation's, so one tag carries comments of both rounds); a report on every round counts them all."""
from __future__ import annotations

import io

import docx
import openpyxl

from helpers import comment_on, consultation, make_comment
from round_helpers import import_round_cli
from westlake_feedback.extensions import db
from westlake_feedback.reports.data import compute
from westlake_feedback.reports.loading import load_report_input
from westlake_feedback.reports.services import build, request_report
from westlake_feedback.rounds.services import draft_round, publish_round
from westlake_feedback.tags.models import CommentTag, Tag

SLUG = "xihu-2023-demo"


def _tagged_in_two_rounds(app, runner, tmp_path) -> None:
    """Round 1: two comments tagged 资金 (one of them also 期限) and one spam tagged 资金;
    round 2: three comments tagged 资金, two of them also 期限, and one untagged."""
    with app.app_context():
        round_one = [make_comment(SLUG, clause=12, body="对原第12条的资金意见一"),
                     make_comment(SLUG, clause=21, body="对原第21条的资金意见二")]
        spam = make_comment(SLUG, clause=21, body="垃圾信息", status="spam")
    assert import_round_cli(runner, tmp_path).exit_code == 0
    with app.app_context():
        c = consultation(SLUG)
        publish_round(draft_round(c))
        round_two = [comment_on(SLUG, 11, body=body).id for body in (
            "建议把研发资助的拨付时间写明,最迟在验收后三个月内到账。",
            "中小企业首次设立研发机构的认定标准不清楚,希望另行发文说明。",
            "资助上限提高到三百万元后,请同步公布评审专家的名单和评分细则。")]
        comment_on(SLUG, 12, body="对新第12条的意见,没有标签。")
        money, deadline, unused = Tag(consultation_id=c.id, name="资金"), Tag(consultation_id=c.id, name="期限"), \
            Tag(consultation_id=c.id, name="未用")
        db.session.add_all([money, deadline, unused])
        db.session.flush()
        db.session.add_all([CommentTag(comment_id=i, tag_id=money.id) for i in round_one + [spam] + round_two]
                           + [CommentTag(comment_id=round_one[0], tag_id=deadline.id),
                              CommentTag(comment_id=round_two[0], tag_id=deadline.id),
                              CommentTag(comment_id=round_two[1], tag_id=deadline.id)])
        db.session.commit()


def _tags(stats) -> list[tuple]:
    return [(t.name, t.comments, t.opinions) for t in stats.groups.tags]


def test_one_rounds_report_counts_only_its_tagged_comments(seeded, staff, runner, tmp_path):
    _tagged_in_two_rounds(seeded, runner, tmp_path)
    with seeded.app_context():
        c = consultation(SLUG)
        everything = compute(load_report_input(c, 1))
        assert _tags(everything) == [("期限", 3, 3), ("未用", 0, 0), ("资金", 5, 5)]   # spam left out
        assert _tags(compute(load_report_input(c, 1, round_number=1))) == [("期限", 1, 1), ("未用", 0, 0), ("资金", 2, 2)]
        assert _tags(compute(load_report_input(c, 1, round_number=2))) == [("期限", 2, 2), ("未用", 0, 0), ("资金", 3, 3)]
        db.session.rollback()


def test_the_built_files_of_a_one_round_report(seeded, staff, runner, tmp_path):
    _tagged_in_two_rounds(seeded, runner, tmp_path)
    with seeded.app_context():
        report = build(request_report(consultation(SLUG), "manual", round_number=2))
        assert report.comment_count == 4
        book = openpyxl.load_workbook(io.BytesIO(report.xlsx))
        assert [list(r[::2]) for r in book["标签"].iter_rows(min_row=2, values_only=True)] == [
            ["期限", 2], ["未用", 0], ["资金", 3]]
        document = docx.Document(io.BytesIO(report.docx))
        tags = next(t for t in document.tables if [cell.text for cell in t.rows[0].cells][:2] == ["标签", "说明"])
        assert [[cell.text for cell in r.cells][2] for r in tags.rows[1:]] == ["2", "0", "3"]
