"""Load shedding (westlake_feedback/overload.py), in-process: with every slot taken, a request is
turned away with 503 and Retry-After after the short wait, a comment POST gets its text back in a
form that resends it, and static files and the health check never wait. The real gunicorn under a
surge is in tests/test_surge.py (slow)."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from helpers import form_tokens, seed, valid_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db

CLAUSE = "/c/xihu-2023-demo/clauses/12"


@pytest.fixture
def gated(app_factory):
    app = app_factory(MAX_IN_FLIGHT=1, IN_FLIGHT_WAIT=0.05, OVERLOAD_RETRY_AFTER=7)
    seed(app)
    return app, app.extensions["in_flight_limit"]


def all_slots_taken(gate) -> None:
    for _ in range(gate.slots):
        assert gate._semaphore.acquire(timeout=1)


def free_slots(gate) -> None:
    for _ in range(gate.slots):
        gate._semaphore.release()


def test_a_request_beyond_the_slots_gets_503_with_retry_after(gated):
    app, gate = gated
    client = app.test_client()
    assert client.get(CLAUSE).status_code == 200  # its slot is freed once the body is read
    all_slots_taken(gate)
    try:
        response = client.get(CLAUSE)
    finally:
        free_slots(gate)
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response.headers
    page = response.get_data(as_text=True)
    assert "网站繁忙" in page and "7秒" in page
    assert gate.shed == 1
    assert client.get(CLAUSE).status_code == 200  # slots free again


def test_the_api_is_told_in_json(gated):
    app, gate = gated
    all_slots_taken(gate)
    try:
        response = app.test_client().get("/api/v1/consultations")
    finally:
        free_slots(gate)
    assert response.status_code == 503 and response.headers["Retry-After"] == "7"
    assert response.get_json() == {"error": "overloaded"}


def test_static_files_and_the_health_check_never_wait(gated):
    app, gate = gated
    client = app.test_client()
    all_slots_taken(gate)
    try:
        assert client.get("/healthz").status_code == 200
        static = client.get("/static/css/site.css")
        assert static.status_code == 200
        static.close()
    finally:
        free_slots(gate)
    assert gate.shed == 0


def test_a_shed_comment_post_gives_back_the_text_and_resends_it(gated):
    app, gate = gated
    client = app.test_client()
    page = client.get(CLAUSE).get_data(as_text=True)
    text = '建议写明申报材料清单 <b>& "引号"</b>,并在三十日内答复。'
    data = {**form_tokens(page), **valid_comment(body=text)}
    all_slots_taken(gate)
    try:
        shed = client.post(f"{CLAUSE}/comment", data=data)
    finally:
        free_slots(gate)
    assert shed.status_code == 503 and shed.headers["Retry-After"] == "7"
    body = shed.get_data(as_text=True)
    assert "您的意见尚未提交" in body
    textarea = re.search(r'<textarea id="body" name="body"[^>]*>(.*?)</textarea>', body, re.S)
    assert textarea and html.unescape(textarea.group(1)) == text  # escaped, and whole
    assert "<b>&" not in body
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Comment)) == 0
    # The page's own form posts everything again, tokens included: one click stores the comment.
    form = re.search(r'<form method="post" action="([^"]+)"', body)
    assert form.group(1) == f"{CLAUSE}/comment"
    resent = {name: html.unescape(value) for name, value in
              re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', body)}
    resent["body"] = html.unescape(textarea.group(1))
    assert resent["email"] == data["email"] and resent["token"] == data["token"]
    stored = client.post(form.group(1), data=resent)
    assert stored.status_code == 303, stored.get_data(as_text=True)[:500]
    stored.close()  # as a server does: frees the slot (the test client leaves that to its caller)
    again = client.post(form.group(1), data=resent)  # sent twice: still one comment
    assert again.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Comment.body)).all() == [text]


def test_the_shed_page_leaves_a_waiting_flash_message_alone(gated):
    app, gate = gated
    client = app.test_client()
    page = client.get(CLAUSE).get_data(as_text=True)
    posted = client.post(f"{CLAUSE}/comment", data={**form_tokens(page), **valid_comment()})
    assert posted.status_code == 303
    posted.close()
    all_slots_taken(gate)
    try:
        assert client.get(CLAUSE).status_code == 503
    finally:
        free_slots(gate)
    receipt = client.get(posted.headers["Location"]).get_data(as_text=True)
    assert "您的意见已提交成功" in receipt


def test_shedding_is_off_with_zero_slots(app_factory):
    assert "in_flight_limit" not in app_factory(MAX_IN_FLIGHT=0).extensions


def test_beyond_the_waiters_a_request_is_turned_away_without_waiting(app_factory):
    """A waiting request holds a gunicorn thread; with the waiters bounded, the next request is
    answered 503 at once instead of queueing behind them for a thread."""
    import threading

    app = app_factory(MAX_IN_FLIGHT=1, IN_FLIGHT_WAIT=30, MAX_WAITING=1, OVERLOAD_RETRY_AFTER=7)
    seed(app)
    gate = app.extensions["in_flight_limit"]
    assert gate.max_waiting == 1
    all_slots_taken(gate)
    answers = []
    waiter = threading.Thread(target=lambda: answers.append(app.test_client().get(CLAUSE).status_code))
    try:
        waiter.start()
        for _ in range(500):  # until the request is waiting for the slot
            if gate.waiting == 1:
                break
            threading.Event().wait(0.01)
        assert gate.waiting == 1
        response = app.test_client().get(CLAUSE)
        assert response.status_code == 503 and response.headers["Retry-After"] == "7"
        assert waiter.is_alive() and gate.waiting == 1, "turned away while the waiter still waits"
    finally:
        free_slots(gate)
        waiter.join(10)
    assert answers == [200]
    assert gate.shed == 1 and gate.waiting == 0


def test_the_waiters_default_to_four_times_the_slots(app_factory):
    assert app_factory(MAX_IN_FLIGHT=3).extensions["in_flight_limit"].max_waiting == 12
