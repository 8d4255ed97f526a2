from __future__ import annotations

import re
from datetime import datetime, timezone

import time_machine


def text_of(response) -> str:
    return response.get_data(as_text=True)


def test_home_lists_open_consultations_first_and_points_to_demo(seeded, client):
    html = text_of(client.get("/"))
    demo_at = html.index("/c/xihu-2023-demo/")
    real_at = html.index("/c/xihu-2023/")
    assert demo_at < real_at
    assert "进入演示,体验提交意见" in html
    assert "征求意见中" in html and "已截止" in html
    assert re.search(r"剩余(7天23小时|8天0小时)", html)


def test_notice_page_has_metadata_contact_and_toc(seeded, client):
    html = text_of(client.get("/c/xihu-2023/"))
    for expected in (
        "关于对《西湖区人民政府关于推动经济高质量发展的若干政策》征求意见的通知",
        "西湖区政府办公室",
        "许可汗",
        "杭州市西湖区浙文三西路18号",
        "310007",
        "0571-87971371",
        "xkh_work@sina.com",
        "2023年3月15日 00:00 至 2023年3月22日 24:00",
        "已截止",
        "扩大有效投资政策",
        "牵头实施:区发改经信局",
        "强化项目建设资金保障",
    ):
        assert expected in html, expected
    assert html.count('href="/c/xihu-2023/clauses/') == 52
    assert 'name="body"' not in html  # closed: no form
    assert "征求意见已截止" in html


def test_notice_toc_shows_published_counts(seeded, client, ctx):
    from sqlalchemy import select

    from westlake_feedback.comments.models import Comment
    from westlake_feedback.consultations.models import Clause, Consultation
    from westlake_feedback.extensions import db

    consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023-demo"))
    clause = db.session.scalar(select(Clause).where(Clause.consultation == consultation, Clause.number == 3))
    for index, status in enumerate(["approved", "approved", "pending", "spam"]):
        db.session.add(Comment(consultation=consultation, clause=clause, stance="support", body="同意本条内容。",
                               identity_type="individual", receipt_code=f"XH-TEST-000{index}", status=status))
    db.session.commit()
    html = text_of(client.get("/c/xihu-2023-demo/"))
    item = html[html.index("/c/xihu-2023-demo/clauses/3\""):]
    assert re.match(r'[^<]*">\s*<span class="clause-no">3\.</span>[^<]*</a>\s*<span class="count">2条意见', item)


def test_demo_is_labelled_on_every_page(seeded, client):
    for url in ("/c/xihu-2023-demo/", "/c/xihu-2023-demo/clauses/12", "/c/xihu-2023-demo/full"):
        assert "演示版" in text_of(client.get(url)), url
    assert "演示版" not in text_of(client.get("/c/xihu-2023/"))


def test_clause_page_in_context(seeded, client):
    html = text_of(client.get("/c/xihu-2023-demo/clauses/12"))
    assert "三、" in html or "二、" in html  # a section heading label precedes the clause
    assert 'rel="prev" href="/c/xihu-2023-demo/clauses/11"' in html
    assert 'rel="next" href="/c/xihu-2023-demo/clauses/13"' in html
    assert "http://localhost/c/xihu-2023-demo/clauses/12" in html  # permalink
    assert 'name="body"' in html and 'name="csrf_token"' in html
    assert "个人信息处理说明" in html
    assert '<span class="clause-no">12.</span>实施企业研发投入奖补政策</h1>' in html
    assert '<div class="clause-text"><p>鼓励企业加大研发投入力度' in html  # title not repeated


def test_first_and_last_clause_navigation(seeded, client):
    first = text_of(client.get("/c/xihu-2023/clauses/1"))
    last = text_of(client.get("/c/xihu-2023/clauses/52"))
    assert 'rel="prev"' not in first and 'rel="next"' in first
    assert 'rel="next"' not in last and 'rel="prev"' in last


def test_full_text_has_every_clause_anchor_in_order(seeded, client):
    html = text_of(client.get("/c/xihu-2023/full"))
    anchors = [int(n) for n in re.findall(r'id="clause-(\d+)"', html)]
    assert anchors == list(range(1, 53))
    assert html.index("为深入贯彻落实中央") < html.index('id="clause-1"')
    assert html.index('id="clause-52"') < html.index("上述7个领域政策")


def test_unknown_things_are_404_pages(seeded, client):
    for url in ("/c/xihu-2023/clauses/53", "/c/xihu-2023/clauses/0", "/c/xihu-2023/clauses/abc",
                "/c/nope/", "/c/nope/full", "/receipt/nothing", "/no-such-page"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "页面不存在" in text_of(response)


def test_post_to_unknown_clause_is_404(seeded, client):
    assert client.post("/c/xihu-2023-demo/clauses/99/comment", data={}).status_code == 404


def test_pages_before_the_window_say_not_yet_open(seeded, client):
    with time_machine.travel(datetime(2023, 3, 1, tzinfo=timezone.utc), tick=False):
        html = text_of(client.get("/c/xihu-2023/"))
    assert "未开始" in html and "征求意见尚未开始" in html and 'name="body"' not in html


def test_security_headers_and_lang(seeded, client):
    response = client.get("/c/xihu-2023/")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert '<html lang="zh-CN">' in text_of(response)
    assert 'class="skip-link" href="#main"' in text_of(response)


def test_english_interface(seeded, client):
    switch = client.get("/lang/en?next=/c/xihu-2023-demo/clauses/12")
    assert switch.status_code == 302 and switch.headers["Location"].endswith("/c/xihu-2023-demo/clauses/12")
    html = text_of(client.get("/c/xihu-2023-demo/clauses/12"))
    assert '<html lang="en">' in html
    assert "Submit" in html and "提交意见" not in html
    assert client.get("/lang/en?next=https://evil.example/").headers["Location"] == "/"


def test_static_assets_are_served_locally(seeded, client):
    html = text_of(client.get("/"))
    assert "https://" not in re.sub(r'href="https?://localhost[^"]*"', "", html.split("<body")[0])
    assert client.get("/static/css/site.css").status_code == 200
