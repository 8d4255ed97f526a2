"""What a digest to the contact mailbox holds, delivered through a real SMTP server and parsed."""
from __future__ import annotations

import re
import threading
from collections import Counter

import pytest
import time_machine
from sqlalchemy import create_engine, func, select, text

from westlake_feedback.comments.models import Comment
from westlake_feedback.digests.models import Digest
from westlake_feedback.digests.schedule import send_digest_now
from westlake_feedback.extensions import db
from westlake_feedback.mail.sender import drain
from helpers import comment_on, consultation, local, outbox_rows, seed_before_window, text_and_html

DAY = "2023-03-16"


@pytest.fixture
def xihu(mail_app):
    seed_before_window(mail_app)
    return mail_app


def counts_line(label: str, body: str) -> dict[str, int]:
    line = re.search(rf"{label}:(.*)", body).group(1)
    return {name: int(count) for name, count in re.findall(r"([^\s;]+) (\d+)", line)}


def add_letter(slug: str, clause_number: int, body: str, at) -> Comment:
    """A comment that came by post, entered by staff (the staff form is another issue's)."""
    from westlake_feedback.consultations.models import Clause

    target = consultation(slug)
    clause = db.session.scalar(select(Clause).where(Clause.consultation_id == target.id, Clause.number == clause_number))
    comment = Comment(
        consultation=target, clause=clause, stance="oppose", body=body, identity_type="individual",
        name="王五", channel="letter", receipt_code=f"XH-LETTER-{clause_number}", status="pending",
        created_at=at,
    )
    db.session.add(comment)
    db.session.commit()
    return comment


def test_digest_subject_parts_and_counts_match_the_database(xihu, smtp_server):
    with time_machine.travel(local(f"{DAY} 10:00"), tick=False), xihu.app_context():
        comment_on("xihu-2023", 12, stance="amend", body="建议明确资金拨付的时间节点和申请流程。")
        comment_on("xihu-2023", 12, stance="support", body="赞成第十二条的奖补比例。", name="李四", phone="0571-87971371")
        comment_on("xihu-2023", 3, stance="oppose", body="土地要素保障不应只倾向大项目。", email="")
        comment_on("xihu-2023", None, stance="other", body="整体上赞成,条款可以再精简。",
                   identity_type="company", organisation="杭州某某科技有限公司")
        add_letter("xihu-2023", 40, "来信:建议增加对小微企业的扶持。", local(f"{DAY} 09:00"))
        comment_on("xihu-2023", 5, body="广告广告广告广告", honeypot="http://spam.example")  # spam
        digest = send_digest_now(consultation())
        digest_id = digest.id
        assert digest.comment_count == 5
        drain()
        in_digest = select(Comment).where(Comment.digest_id == digest_id)
        stance_counts = Counter(c.stance_label for c in db.session.scalars(in_digest))
        channel_counts = Counter(c.channel_label for c in db.session.scalars(in_digest))
        codes = [c.receipt_code for c in db.session.scalars(in_digest)]
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 6  # the spam is stored...
    digests = [item for item in smtp_server.received if item.message["X-Westlake-Kind"] == "digest"]
    assert len(digests) == 1
    (item,) = digests
    assert item.rcpt_tos == ["xkh_work@sina.com"]
    message = item.message
    assert message["Subject"] == (
        "【意见征集汇总】2023年3月16日 新增意见5条:关于推动经济高质量发展的若干政策(征求意见稿)"
    )
    assert b"=?utf-8?" in item.data.split(b"\r\n\r\n", 1)[0].lower()
    body, html = text_and_html(message)
    stances = counts_line("按态度", body)
    channels = counts_line("按渠道", body)
    assert stances == {"赞成": 1, "反对": 2, "修改建议": 1, "其他": 1}
    assert {k: v for k, v in stances.items() if v} == dict(stance_counts)
    assert {k: v for k, v in channels.items() if v} == dict(channel_counts) == {"网上提交": 4, "信函": 1}
    assert "本次征求意见累计收到意见5条" in body and "新收到意见5条" in body
    assert all(code in body and code in html for code in codes)
    assert "广告广告" not in body  # ...but not reported
    # grouped: whole draft, then section by section, clause by clause in the draft's order
    order = [body.index(s) for s in ("针对整个文件的意见", "一、扩大有效投资政策", "3.加强土地要素保障",
                                     "二、科技创新政策", "12.实施企业研发投入奖补政策(2条)")]
    assert order == sorted(order)
    assert "李四" in body and "张三" in body and "王五" in body  # names shown
    assert "13812345678" not in body + html and "138****5678" in body and "138****5678" in html
    assert "057187971371" not in body + html and "057*****1371" in body
    assert "zhang@example.com" not in body + html and "z***@example.com" in body
    queue = "http://127.0.0.1:5000/staff/c/xihu-2023/comments"
    assert f"审核队列:{queue}" in body.splitlines() and "http://127.0.0.1:5000/staff/comments/" in body
    assert f'href="{queue}"' in html
    assert "<h2" in html and "按态度" in html


def test_html_part_escapes_what_commenters_wrote(xihu, smtp_server):
    with time_machine.travel(local(f"{DAY} 10:00"), tick=False), xihu.app_context():
        comment_on("xihu-2023", 12, body="<script>alert('x')</script><img src=x onerror=alert(1)>", name="<b>x</b>")
        send_digest_now(consultation())
        drain()
    (digest,) = [i.message for i in smtp_server.received if i.message["X-Westlake-Kind"] == "digest"]
    body, html = text_and_html(digest)
    assert "<script>" not in html and "<img src=x" not in html and "<b>x</b>" not in html
    assert "&lt;script&gt;" in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "<script>alert('x')</script>" in body  # plain text stays as typed


def test_each_comment_is_in_exactly_one_digest(xihu, smtp_server):
    with xihu.app_context():
        with time_machine.travel(local(f"{DAY} 10:00"), tick=False):
            first = [comment_on("xihu-2023", 12).receipt_code for _ in range(2)]
            send_digest_now(consultation())
        with time_machine.travel(local(f"{DAY} 11:00"), tick=False):
            second = [comment_on("xihu-2023", 7).receipt_code]
            send_digest_now(consultation())
        with time_machine.travel(local(f"{DAY} 12:00"), tick=False):
            drain()
    bodies = [text_and_html(i.message)[0] for i in smtp_server.received if i.message["X-Westlake-Kind"] == "digest"]
    assert len(bodies) == 2
    assert all(code in bodies[0] and code not in bodies[1] for code in first)
    assert all(code in bodies[1] and code not in bodies[0] for code in second)
    assert "自2023年3月16日 10:00上次汇总至2023年3月16日 11:00" in bodies[1]


def test_spam_is_not_reported_until_a_moderator_rescues_it(xihu):
    with time_machine.travel(local(f"{DAY} 10:00"), tick=False), xihu.app_context():
        spam = comment_on("xihu-2023", 12, honeypot="x", body="被误判为垃圾信息的真实意见。")
        assert send_digest_now(consultation()).comment_count == 0
        spam.status = "pending"  # rescued
        db.session.commit()
        digest = send_digest_now(consultation())
        assert digest.comment_count == 1
        assert "被误判为垃圾信息的真实意见" in outbox_rows("digest")[-1].text_body


def test_a_day_with_nothing_new_sends_one_line_or_nothing(xihu, smtp_server):
    with time_machine.travel(local(f"{DAY} 10:00"), tick=False), xihu.app_context():
        comment_on("xihu-2023", 12)
        send_digest_now(consultation())
        empty = send_digest_now(consultation())
        assert empty.comment_count == 0 and empty.message_id is not None
        consultation().digest_send_empty = False
        db.session.commit()
        silent = send_digest_now(consultation())
        assert silent.comment_count == 0 and silent.message_id is None
        assert db.session.scalar(select(func.count()).select_from(Digest)) == 3  # all recorded
        drain()
    note = [i.message for i in smtp_server.received if i.message["X-Westlake-Kind"] == "digest"][1]
    assert note["Subject"].endswith("无新增意见:关于推动经济高质量发展的若干政策(征求意见稿)")
    body, html = text_and_html(note)
    assert body.strip() == "自2023年3月16日 10:00上次汇总以来,本次征求意见没有收到新的意见。"
    assert "没有收到新的意见" in html


def test_a_comment_committed_after_a_digest_goes_in_the_next_even_if_it_is_older(xihu):
    """Selection is by record (comments.digest_id), not by time: a comment whose created_at is
    before the digest but whose commit came after it is not skipped."""
    with xihu.app_context():
        with time_machine.travel(local(f"{DAY} 18:00"), tick=False):
            comment_on("xihu-2023", 12, body="十八点前按时提交的意见。")
            first = send_digest_now(consultation())
            # a request that began at 17:59:58 and committed only now, after the digest
            late = comment_on("xihu-2023", 12, body="开始得早、提交得晚的意见。", at=local(f"{DAY} 17:59:58"))
        with time_machine.travel(local(f"{DAY} 19:00"), tick=False):
            second = send_digest_now(consultation())
        assert first.comment_count == 1 and second.comment_count == 1
        assert db.session.get(Comment, late.id).digest_id == second.id
        digests = outbox_rows("digest")
        assert "开始得早、提交得晚的意见" in digests[1].text_body
        assert "开始得早、提交得晚的意见" not in digests[0].text_body


def test_a_comment_still_uncommitted_during_a_digest_waits_for_the_next(xihu, database_url):
    """Real concurrency on PostgreSQL: a comment inserted (not yet committed) by another connection
    while the digest runs. SQLite serialises writers, so the case cannot arise there."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time")
    with time_machine.travel(local(f"{DAY} 18:00"), tick=False), xihu.app_context():
        comment_on("xihu-2023", 12, body="已提交的意见。")
        target_id = consultation().id
        other = create_engine(database_url)
        with other.connect() as connection:
            connection.execute(text(
                "INSERT INTO comments (consultation_id, stance, body, identity_type, channel, receipt_code, status,"
                " created_at) VALUES (:c, 'amend', '尚未提交的意见。', 'individual', 'web', 'XH-9999-9999',"
                " 'pending', now() - interval '1 minute')"
            ), {"c": target_id})
            done = threading.Event()
            result = {}

            def digest_now():
                with xihu.app_context():
                    result["count"] = send_digest_now(consultation()).comment_count
                    done.set()

            thread = threading.Thread(target=digest_now)
            thread.start()
            assert done.wait(10), "the digest must not wait for the uncommitted comment"
            thread.join()
            connection.commit()
        other.dispose()
        assert result["count"] == 1
        assert send_digest_now(consultation()).comment_count == 1
        assert "尚未提交的意见" in outbox_rows("digest")[-1].text_body


def test_a_digest_send_that_fails_half_way_is_delivered_once_and_nothing_repeats(xihu, smtp_server):
    with xihu.app_context():
        with time_machine.travel(local(f"{DAY} 10:00"), tick=False):
            codes = [comment_on("xihu-2023", n, email=f"p{n}@example.com").receipt_code for n in (1, 2, 3)]
            send_digest_now(consultation())  # 3 receipts then the digest in the outbox
            smtp_server.drop_connection_after(2)  # hang up while sending the third receipt
            first = drain()
            assert first.sent == 2 and first.connection_lost
        with time_machine.travel(local(f"{DAY} 10:30"), tick=False):
            later_code = comment_on("xihu-2023", 4, email="").receipt_code
            send_digest_now(consultation())
            drain()
        assert {row.status for row in outbox_rows()} == {"sent"}
    kinds = Counter(item.message["X-Westlake-Kind"] for item in smtp_server.received)
    assert kinds == {"receipt": 3, "digest": 2}
    assert Counter(item.outbox_id for item in smtp_server.received).most_common(1)[0][1] == 1
    bodies = [text_and_html(i.message)[0] for i in smtp_server.received if i.message["X-Westlake-Kind"] == "digest"]
    assert all(code in bodies[0] for code in codes) and later_code not in bodies[0]
    assert later_code in bodies[1] and not any(code in bodies[1] for code in codes)


def test_recipients_are_the_contact_mailbox_and_the_extras(xihu, smtp_server):
    runner = xihu.test_cli_runner()
    result = runner.invoke(args=["digests", "configure", "xihu-2023", "--extra-recipients",
                                 "zhuren@example.gov.cn, mishu@example.gov.cn;xkh_work@sina.com"])
    assert result.exit_code == 0, result.output
    assert "to: xkh_work@sina.com, zhuren@example.gov.cn, mishu@example.gov.cn" in result.output
    assert runner.invoke(args=["digests", "configure", "xihu-2023", "--extra-recipients", "oops"]).exit_code != 0
    with time_machine.travel(local(f"{DAY} 10:00"), tick=False), xihu.app_context():
        send_digest_now(consultation())
        drain()
    (item,) = smtp_server.received
    assert sorted(item.rcpt_tos) == ["mishu@example.gov.cn", "xkh_work@sina.com", "zhuren@example.gov.cn"]


def test_a_demo_never_writes_to_the_real_contact_mailbox_over_smtp(xihu, app_factory, tmp_path):
    with time_machine.travel(local(f"{DAY} 10:00"), tick=False), xihu.app_context():
        demo = consultation("xihu-2023-demo")
        comment_on("xihu-2023-demo", 12)
        assert send_digest_now(demo) is None  # SMTP configured, no extras: nobody to write to
        demo.digest_extra_recipients = "tester@example.com"
        db.session.commit()
        send_digest_now(demo)
        assert outbox_rows("digest")[-1].recipients == ["tester@example.com"]
    offline = app_factory(OUTBOX_DIR=str(tmp_path))  # .eml files: the notice's own mailbox is fine
    with time_machine.travel(local(f"{DAY} 11:00"), tick=False), offline.app_context():
        demo = consultation("xihu-2023-demo")
        demo.digest_extra_recipients = ""
        comment_on("xihu-2023-demo", 12)
        send_digest_now(demo)
        assert outbox_rows("digest")[-1].recipients == ["xkh_work@sina.com"]
