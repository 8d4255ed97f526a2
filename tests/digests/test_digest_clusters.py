"""The digest says how many of its new comments joined a cluster that existed before them,
delivered through a real SMTP server (aiosmtpd) and parsed."""
from __future__ import annotations

import pytest
import time_machine

from helpers import comment_on, consultation, local, seed_before_window, text_and_html
from westlake_feedback.digests.schedule import send_digest_now
from westlake_feedback.mail.sender import drain

DAY = "2023-03-16"
LETTER = "我们强烈建议把第十二条的申报期限从十五个工作日延长到三十个工作日，方便小微企业准备申报材料。"
SENTENCE = "新收到的意见中有{n}条与此前收到的意见内容相同或高度相似,已归入已有的相似意见组。"


@pytest.fixture
def xihu(mail_app):
    seed_before_window(mail_app)
    return mail_app


def test_the_digest_counts_comments_that_joined_an_existing_cluster(xihu, smtp_server):
    with xihu.app_context():
        with time_machine.travel(local(f"{DAY} 10:00"), tick=False):
            comment_on("xihu-2023", 12, body=LETTER, name="张三")  # starts the cluster
            comment_on("xihu-2023", 12, body=LETTER.replace("我们", "本公司"), name="李四")  # joins it
            comment_on("xihu-2023", 7, body="建议公布资金拨付的具体时间表和负责部门。")
            send_digest_now(consultation())
        with time_machine.travel(local(f"{DAY} 11:00"), tick=False):
            comment_on("xihu-2023", 12, body=LETTER + "谢谢！", name="王五")  # joins yesterday's cluster
            comment_on("xihu-2023", 12, body=LETTER + "谢谢！", name="赵六")
            comment_on("xihu-2023", 3, body="建议对第三条的适用范围作出更明确的界定，避免执行中产生歧义。")
            send_digest_now(consultation())
        with time_machine.travel(local(f"{DAY} 11:30"), tick=False):
            comment_on("xihu-2023", 9, body="第九条的补贴比例建议按企业规模分档设置。")
            send_digest_now(consultation())
        with time_machine.travel(local(f"{DAY} 12:00"), tick=False):
            drain()
    digests = [text_and_html(i.message) for i in smtp_server.received if i.message["X-Westlake-Kind"] == "digest"]
    assert len(digests) == 3
    for (plain, html), joined in zip(digests, (1, 2, 0)):
        if joined:
            assert SENTENCE.format(n=joined) in plain
            assert SENTENCE.format(n=joined) in html
        else:
            assert "已归入已有的相似意见组" not in plain and "已归入已有的相似意见组" not in html
