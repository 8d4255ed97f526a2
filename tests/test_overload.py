"""Load shedding (westlake_feedback/overload.py), in-process: with every slot taken, a request is
turned away with 503 and Retry-After after the short wait, a comment POST gets its text back in a
form that resends it, and static files and the health check never wait. The real gunicorn under a
surge is in tests/test_surge.py (slow)."""
from __future__ import annotations

import html
import re
import time

import pytest
from sqlalchemy import func, select

from helpers import form_tokens, seed, valid_comment
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.overload import Slots

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


def test_a_freed_slot_goes_to_a_comment_post_before_an_earlier_page_request(app_factory):
    """Under a surge, a request that finishes a visit (the comment POST, its receipt page) takes
    the next free slot ahead of a page request that began waiting first: shedding it would throw
    away a form already served and make the visitor start over."""
    import threading

    app = app_factory(MAX_IN_FLIGHT=1, IN_FLIGHT_WAIT=30, MAX_WAITING=8)
    seed(app)
    gate = app.extensions["in_flight_limit"]
    client = app.test_client()
    page = client.get(CLAUSE).get_data(as_text=True)
    data = {**form_tokens(page), **valid_comment()}
    served: list[str] = []
    all_slots_taken(gate)

    def wait_for(count: int) -> None:
        for _ in range(1000):
            if gate.waiting == count:
                return
            threading.Event().wait(0.01)
        raise AssertionError(f"{gate.waiting} waiting, not {count}")

    def page_request():
        response = app.test_client().get(CLAUSE)
        served.append(f"page {response.status_code}")
        response.close()

    def comment_post():
        response = client.post(f"{CLAUSE}/comment", data=data)
        served.append(f"post {response.status_code}")
        response.close()

    first, second = threading.Thread(target=page_request), threading.Thread(target=comment_post)
    try:
        first.start()
        wait_for(1)
        second.start()
        wait_for(2)
        assert gate._semaphore.urgent_waiting == 1
    finally:
        free_slots(gate)
        first.join(20)
        second.join(20)
    assert served == ["post 303", "page 200"]


def test_a_quarter_of_the_waiting_places_is_kept_for_finishing_requests(app_factory):
    app = app_factory(MAX_IN_FLIGHT=1, IN_FLIGHT_WAIT=5, MAX_WAITING=4)
    gate = app.extensions["in_flight_limit"]
    assert gate.reserved_waiting == 1
    all_slots_taken(gate)
    try:
        gate.waiting = 3  # three requests already wait
        assert not gate._take_slot(urgent=False)  # a page request is turned away at once
        assert gate.shed == 0
        gate.waiting = 4
        assert not gate._take_slot(urgent=True)  # every place taken: a POST too
    finally:
        gate.waiting = 0
        free_slots(gate)


def test_the_busy_page_of_a_get_is_rendered_once_and_never_shows_a_visitor_s_flash(gated):
    """In a surge most of what is turned away is page requests: their busy page is rendered once
    per path and language and kept; so it carries nothing of one visitor's session."""
    from flask import template_rendered

    app, gate = gated
    visitor = app.test_client()
    page = visitor.get(CLAUSE).get_data(as_text=True)
    posted = visitor.post(f"{CLAUSE}/comment", data={**form_tokens(page), **valid_comment()})
    assert posted.status_code == 303  # a success message now waits in this visitor's session
    posted.close()
    rendered = []

    def note(sender, template, context, **extra):
        rendered.append(template.name)

    template_rendered.connect(note, app)
    all_slots_taken(gate)
    try:
        pages = [client.get(CLAUSE) for client in (visitor, app.test_client(), visitor)]
        english = app.test_client()
        english.set_cookie("lang", "en")
        in_english = english.get(CLAUSE)
    finally:
        free_slots(gate)
        template_rendered.disconnect(note, app)
    assert [p.status_code for p in pages] == [503, 503, 503] and in_english.status_code == 503
    assert rendered == ["errors/busy.html", "errors/busy.html"]  # Chinese once, English once
    assert all(p.get_data() == pages[0].get_data() for p in pages)
    assert "您的意见已提交成功" not in pages[0].get_data(as_text=True)
    assert "Retry-After" in in_english.headers and "网站繁忙" not in in_english.get_data(as_text=True)
    assert "Content-Security-Policy" in pages[1].headers
    receipt = visitor.get(posted.headers["Location"]).get_data(as_text=True)
    assert "您的意见已提交成功" in receipt  # still waiting for the next real page


def test_an_ordinary_waiter_held_back_by_a_finishing_one_gets_a_slot_left_free():
    """Two slots freed at once, one finishing waiter and one ordinary: the ordinary one, woken
    while the finishing one still counted, is woken again once it is gone and takes the other."""
    import threading

    slots = Slots(2)
    assert slots.acquire(blocking=False) and slots.acquire(blocking=False)
    got: list[str] = []
    ordinary = threading.Thread(target=lambda: got.append("page" if slots.acquire(timeout=3, urgent=False) else "shed"))
    urgent = threading.Thread(target=lambda: got.append("post" if slots.acquire(timeout=3) else "shed"))
    ordinary.start()
    urgent.start()
    threading.Event().wait(0.1)
    slots.release()
    slots.release()
    started = time.monotonic()
    ordinary.join(5)
    urgent.join(5)
    assert sorted(got) == ["page", "post"]
    assert time.monotonic() - started < 1  # not after the ordinary waiter's timeout
