"""Rate limits on the public forms: keyed on the real client address (ProxyFix), counted in the
app's database, answered with 429 + Retry-After, and on the comment form without losing the text."""
from __future__ import annotations

import html as html_lib

from sqlalchemy import func, select

from helpers import comment_on, form_tokens, seed, valid_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.ratelimit import RateLimitCounter

DEMO = "/c/xihu-2023-demo"
CLAUSE12 = f"{DEMO}/clauses/12"


def limited_app(app_factory, **overrides):
    app = app_factory(RATELIMIT_ENABLED=True, COMMENT_RATE_LIMIT="2 per 10 minutes", **overrides)
    seed(app)
    return app


def post(client, page_url: str, action_url: str, **fields):
    page = client.get(page_url)
    assert page.status_code == 200
    return client.post(action_url, data={**form_tokens(page.get_data(as_text=True)), **valid_comment(**fields)})


def comments_stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Comment))


def test_over_the_limit_the_form_comes_back_with_the_typed_text(app_factory):
    app = limited_app(app_factory)
    client = app.test_client()
    assert post(client, DEMO + "/", f"{DEMO}/comment").status_code == 303
    assert post(client, CLAUSE12, f"{CLAUSE12}/comment").status_code == 303  # one counter for both forms
    typed = "第十二条建议增加对小微企业的倾斜<措施>,并公布申请材料清单。"
    refused = post(client, CLAUSE12, f"{CLAUSE12}/comment", body=typed, name="李四", phone="13900001111")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    page = refused.get_data(as_text=True)
    assert html_lib.escape(typed, quote=False) in page  # in the textarea, escaped
    assert 'value="李四"' in page and 'value="13900001111"' in page
    assert "同一网络地址短时间内提交的意见过多,请10分钟后再次点击提交。您填写的内容已保留。" in page
    assert 'name="csrf_token"' in page  # can be sent again as it is
    assert comments_stored(app) == 2
    on_notice = post(client, DEMO + "/", f"{DEMO}/comment", body=typed)
    assert on_notice.status_code == 429 and html_lib.escape(typed, quote=False) in on_notice.get_data(as_text=True)


def test_counters_live_in_the_database(app_factory):
    app = limited_app(app_factory)
    client = app.test_client()
    post(client, CLAUSE12, f"{CLAUSE12}/comment")
    with app.app_context():
        rows = list(db.session.scalars(select(RateLimitCounter)))
    assert [row.hits for row in rows] == [1]
    assert "127.0.0.1" in rows[0].key and "comment" in rows[0].key


def test_behind_one_trusted_proxy_each_citizen_has_their_own_limit(app_factory):
    app = limited_app(app_factory, TRUSTED_PROXIES=1)
    first, second = app.test_client(), app.test_client()
    first.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.1"
    second.environ_base["HTTP_X_FORWARDED_FOR"] = "198.51.100.2"
    assert [post(first, CLAUSE12, f"{CLAUSE12}/comment").status_code for _ in range(3)] == [303, 303, 429]
    assert post(second, CLAUSE12, f"{CLAUSE12}/comment").status_code == 303


def test_with_no_trusted_proxy_a_forged_forwarded_for_is_ignored(app_factory):
    app = limited_app(app_factory, TRUSTED_PROXIES=0)
    client = app.test_client()
    codes = []
    for n in range(3):
        client.environ_base["HTTP_X_FORWARDED_FOR"] = f"203.0.113.{n + 1}"
        codes.append(post(client, CLAUSE12, f"{CLAUSE12}/comment").status_code)
    assert codes == [303, 303, 429]


def test_ipv6_clients_count_per_64_network(app_factory):
    app = limited_app(app_factory)
    client = app.test_client()
    codes = []
    for n in range(3):  # a new address in the same /64 for every request
        client.environ_base["REMOTE_ADDR"] = f"2001:db8:1:2::{n + 1}"
        codes.append(post(client, CLAUSE12, f"{CLAUSE12}/comment").status_code)
    assert codes == [303, 303, 429]
    client.environ_base["REMOTE_ADDR"] = "2001:db8:1:3::1"
    assert post(client, CLAUSE12, f"{CLAUSE12}/comment").status_code == 303


def test_receipt_misses_are_limited_and_finding_ones_own_is_not(app_factory):
    app = app_factory(RATELIMIT_ENABLED=True, RECEIPT_RATE_LIMIT="3 per 10 minutes")
    seed(app)
    with app.app_context():
        code = comment_on("xihu-2023-demo", 12).receipt_code
    client = app.test_client()
    for _ in range(5):  # hits do not count
        assert client.get(f"/receipt/{code}").status_code == 200
        assert client.get(f"/receipt?code={code.lower()}").status_code == 302
    assert client.get("/receipt").status_code == 200
    misses = [client.get("/receipt?code=XH-AAAA-AAAA").status_code,
              client.get("/receipt/XH-BBBB-BBBB").status_code,
              client.get("/receipt?code=XH-CCCC-CCCC").status_code]
    assert misses == [404, 404, 404]
    refused = client.get("/receipt/XH-DDDD-DDDD")
    assert refused.status_code == 429
    assert 0 < int(refused.headers["Retry-After"]) <= 600
    page = refused.get_data(as_text=True)
    assert "查询过于频繁" in page
    assert "为防止他人猜测回执编号,同一网络地址短时间内查询不到的次数有限。请核对回执编号,10分钟后再试。" in page
    assert client.get(f"/receipt?code={code}").status_code == 429  # the address waits, whatever it asks


def test_failed_logins_are_limited_and_successful_ones_are_not(app_factory, staff):
    from helpers import STAFF_EMAILS, login

    app = app_factory(RATELIMIT_ENABLED=True, LOGIN_RATE_LIMIT="2 per 15 minutes")
    for _ in range(3):  # a whole office behind one address signs in
        assert login(app.test_client(), STAFF_EMAILS["analyst"]).status_code == 302
    office = app.test_client()
    assert [login(office, STAFF_EMAILS["analyst"], "wrong-password-1").status_code for _ in range(3)] == [400, 400, 429]
    refused = login(office, STAFF_EMAILS["analyst"])
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
