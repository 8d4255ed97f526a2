"""When digests and close notices go out, with a frozen clock. The Xihu window: 2023-03-15 00:00
to 2023-03-23 00:00 Asia/Shanghai; the daily digest is at 18:00."""
from __future__ import annotations

import re
import threading

import pytest
import time_machine
from sqlalchemy import func, select

from westlake_feedback.comments.models import Comment
from westlake_feedback.digests.models import Digest
from westlake_feedback.digests.schedule import send_due_close_notices, send_due_digests
from westlake_feedback.extensions import db
from westlake_feedback.worker import run_jobs_once
from helpers import comment_on, consultation, local, outbox_rows, seed, seed_before_window, text_and_html


@pytest.fixture
def xihu(app_factory, tmp_path):
    app = app_factory(OUTBOX_DIR=str(tmp_path / "outbox"))
    seed_before_window(app, demo=False)
    return app


def digests() -> list[Digest]:
    return list(db.session.scalars(select(Digest).order_by(Digest.id)))


def jobs_at(app, moment: str) -> dict:
    with time_machine.travel(local(moment), tick=False), app.app_context():
        return run_jobs_once()


def test_the_daily_digest_goes_at_18_00_and_only_once(xihu):
    assert jobs_at(xihu, "2023-03-15 18:00")["digests"] == 1  # the first day: nothing yet
    with time_machine.travel(local("2023-03-16 09:00"), tick=False), xihu.app_context():
        comment_on("xihu-2023", 12)
    assert jobs_at(xihu, "2023-03-16 17:59:59")["digests"] == 0
    assert jobs_at(xihu, "2023-03-16 18:00:00")["digests"] == 1
    assert jobs_at(xihu, "2023-03-16 18:00:30")["digests"] == 0
    assert jobs_at(xihu, "2023-03-16 23:59:00")["digests"] == 0
    with xihu.app_context():
        first, digest = digests()
        assert (str(digest.slot_date), digest.kind, digest.comment_count) == ("2023-03-16", "scheduled", 1)
        note, mail = outbox_rows("digest")
        assert note.text_body.strip() == "征求意见开始以来,尚未收到意见。"
        assert mail.status == "sent"  # the same round drained it
        assert mail.subject.startswith("【意见征集日报】2023年3月16日 新增意见1条")


def test_a_worker_restarted_across_18_00_sends_that_days_digest_once(xihu):
    jobs_at(xihu, "2023-03-15 18:00")
    assert jobs_at(xihu, "2023-03-16 17:59:30")["digests"] == 0  # the worker stops here...
    assert jobs_at(xihu, "2023-03-16 18:07:00")["digests"] == 1  # ...and is back after 18:00
    second_worker = jobs_at(xihu, "2023-03-16 18:07:05")
    assert second_worker["digests"] == 0
    with xihu.app_context():
        assert [str(d.slot_date) for d in digests()] == ["2023-03-15", "2023-03-16"]


def test_two_workers_at_18_00_make_one_digest(xihu, app_factory, tmp_path):
    workers = [xihu, app_factory(OUTBOX_DIR=str(tmp_path / "outbox"))]
    with time_machine.travel(local("2023-03-16 17:00"), tick=False), xihu.app_context():
        comment_on("xihu-2023", 12)
    made, errors = [], []
    barrier = threading.Barrier(2)

    def work(app):
        try:
            with app.app_context():
                barrier.wait()
                made.extend(send_due_digests(now=local("2023-03-16 18:00")))
                db.session.remove()
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=work, args=(app,)) for app in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors
    assert len(made) == 1
    with xihu.app_context():
        assert len(digests()) == 1 and len(outbox_rows("digest")) == 1


def test_a_worker_down_for_a_day_sends_the_latest_slot_with_everything_since(xihu):
    with xihu.app_context():
        with time_machine.travel(local("2023-03-16 12:00"), tick=False):
            comment_on("xihu-2023", 1)
        with time_machine.travel(local("2023-03-17 08:00"), tick=False):
            comment_on("xihu-2023", 2)
    assert jobs_at(xihu, "2023-03-17 09:00")["digests"] == 1  # the missed 16 March slot, late
    assert jobs_at(xihu, "2023-03-17 17:00")["digests"] == 0
    assert jobs_at(xihu, "2023-03-17 18:00")["digests"] == 1
    with xihu.app_context():
        assert [(str(d.slot_date), d.comment_count) for d in digests()] == [("2023-03-16", 2), ("2023-03-17", 0)]


def test_digest_time_is_set_per_consultation(xihu):
    runner = xihu.test_cli_runner()
    assert runner.invoke(args=["digests", "configure", "xihu-2023", "--time", "25:00"]).exit_code != 0
    result = runner.invoke(args=["digests", "configure", "xihu-2023", "--time", "09:30", "--skip-empty"])
    assert "daily at 09:30" in result.output and "empty days: nothing" in result.output
    assert jobs_at(xihu, "2023-03-15 09:29")["digests"] == 0
    assert jobs_at(xihu, "2023-03-15 09:30")["digests"] == 1
    assert jobs_at(xihu, "2023-03-15 18:00")["digests"] == 0
    with xihu.app_context():
        (digest,) = digests()
        assert digest.message_id is None  # nothing new, and this consultation sends no empty note


def test_slots_lie_inside_the_window_the_last_days_included(xihu):
    assert jobs_at(xihu, "2023-03-14 18:00")["digests"] == 0  # before the window
    assert jobs_at(xihu, "2023-03-15 18:00")["digests"] == 1  # the first day
    assert jobs_at(xihu, "2023-03-22 18:00")["digests"] == 1  # the last day
    assert jobs_at(xihu, "2023-03-23 18:00")["digests"] == 0  # closed
    with xihu.app_context():
        assert [str(d.slot_date) for d in digests() if d.kind == "scheduled"] == ["2023-03-15", "2023-03-22"]


def test_at_the_close_the_leftovers_go_in_a_final_digest_then_the_close_notice(xihu):
    with xihu.app_context():
        with time_machine.travel(local("2023-03-22 10:00"), tick=False):
            comment_on("xihu-2023", 12, stance="support")
        with time_machine.travel(local("2023-03-22 18:00"), tick=False):
            run_jobs_once()
        with time_machine.travel(local("2023-03-22 21:00"), tick=False):
            late_id = comment_on("xihu-2023", 30, body="截止当晚提交的意见。", stance="oppose").id
            comment_on("xihu-2023", 30, honeypot="x")
    # 00:01: inside the grace period in which requests begun before 24:00 may still commit
    assert jobs_at(xihu, "2023-03-23 00:01")["close-of-window"] == 0
    assert jobs_at(xihu, "2023-03-23 00:02:01")["close-of-window"] == 1
    assert jobs_at(xihu, "2023-03-23 00:10")["close-of-window"] == 0
    later = jobs_at(xihu, "2023-03-24 18:00")
    assert (later["digests"], later["close-of-window"], later["outbox"].sent) == (0, 0, 0)
    with xihu.app_context():
        assert [(d.kind, d.comment_count) for d in digests()] == [("scheduled", 1), ("final", 1)]
        assert db.session.get(Comment, late_id).digest_id == digests()[1].id
        final_mail, notice = outbox_rows("digest")[-1], outbox_rows("close_notice")[0]
        assert final_mail.id < notice.id and final_mail.status == notice.status == "sent"
        assert "截止当晚提交的意见" in final_mail.text_body
        assert final_mail.subject.startswith("【截止前最后一批意见】2023年3月22日 新增意见1条")
        assert notice.subject == "【征求意见已截止】共收到意见2条:关于推动经济高质量发展的若干政策(征求意见稿)"
        assert "征求意见已于2023年3月22日 24:00截止" in notice.text_body
        assert "征求意见期间共收到意见2条" in notice.text_body
        assert "赞成 1;反对 1;修改建议 0;其他 0" in notice.text_body
        assert "待审核 2;已公开 0;未予公开 0" in notice.text_body
        assert "二、科技创新政策 1" in notice.text_body and "最后一次汇总后新收到的1条意见已另行发送" in notice.text_body
        assert consultation().close_notice_sent_at == local("2023-03-23 00:02:01")
        total = db.session.scalar(select(func.count()).select_from(Comment).where(Comment.status != "spam"))
        assert f"共收到意见{total}条" in notice.subject


def test_no_final_digest_when_nothing_is_left_over(xihu):
    with xihu.app_context():
        with time_machine.travel(local("2023-03-22 10:00"), tick=False):
            comment_on("xihu-2023", 12)
    jobs_at(xihu, "2023-03-22 18:00")
    jobs_at(xihu, "2023-03-23 08:00")  # a worker that was down at midnight still sends it
    with xihu.app_context():
        assert [d.kind for d in digests()] == ["scheduled"]
        (notice,) = outbox_rows("close_notice")
        assert "共收到意见1条" in notice.subject and "另行发送" not in notice.text_body


def test_two_workers_send_one_close_notice(xihu):
    with xihu.app_context():
        assert len(send_due_close_notices(now=local("2023-03-23 01:00"))) == 1
        assert send_due_close_notices(now=local("2023-03-23 01:00")) == []
        assert len(outbox_rows("close_notice")) == 1


def test_no_close_notice_for_a_consultation_imported_after_it_closed(app_factory, tmp_path):
    app = app_factory(OUTBOX_DIR=str(tmp_path))
    seed(app)  # imported today: the 2023 window closed long ago
    with app.app_context():
        assert send_due_close_notices() == []
        assert send_due_digests() == []
        assert outbox_rows() == []


def test_cron_commands_do_the_same_jobs(xihu):
    runner = xihu.test_cli_runner()
    with time_machine.travel(local("2023-03-15 10:00"), tick=False):
        with xihu.app_context():
            comment_on("xihu-2023", 12)
        assert "nothing due" in runner.invoke(args=["digests", "send"]).output
        now = runner.invoke(args=["digests", "send", "--now", "--consultation", "xihu-2023"])
        assert re.search(r"xihu-2023: digest \d+ \(on_demand\), 1 comment\(s\), mail queued", now.output)
        assert runner.invoke(args=["digests", "send", "--consultation", "nope"]).exit_code != 0
    with time_machine.travel(local("2023-03-15 18:00"), tick=False):
        due = runner.invoke(args=["digests", "send"]).output
        assert re.search(r"xihu-2023: digest \d+ \(scheduled\), 0 comment\(s\), mail queued", due)
        assert "nothing due" in runner.invoke(args=["digests", "send"]).output
        assert "sent 3" in runner.invoke(args=["outbox", "drain"]).output  # receipt + 2 digests
    with time_machine.travel(local("2023-03-23 09:00"), tick=False):
        assert "close notice queued (1 comment(s) in total)" in runner.invoke(args=["digests", "send"]).output
        result = runner.invoke(args=["worker", "--once"])
        assert result.exit_code == 0
    with xihu.app_context():
        assert {row.status for row in outbox_rows()} == {"sent"}


def test_an_extended_deadline_gets_its_own_close_notice(xihu):
    from westlake_feedback.consultations.services import SEED_PATH, import_draft, read_draft_file

    jobs_at(xihu, "2023-03-23 01:00")
    with time_machine.travel(local("2023-03-24 09:00"), tick=False), xihu.app_context():
        assert consultation().close_notice_sent_at is not None
        # the office extends the consultation by a week
        import_draft(read_draft_file(SEED_PATH), slug="xihu-2023", closes_at=local("2023-03-31 00:00"))
        assert consultation().close_notice_sent_at is None
        comment_on("xihu-2023", 12)
    assert jobs_at(xihu, "2023-03-24 18:00")["digests"] == 1
    assert jobs_at(xihu, "2023-03-31 00:05")["close-of-window"] == 1
    with xihu.app_context():
        notices = outbox_rows("close_notice")
        assert len(notices) == 2 and "共收到意见1条" in notices[1].subject
        assert "2023年3月30日 24:00截止" in notices[1].text_body
