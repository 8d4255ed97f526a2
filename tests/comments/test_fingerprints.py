"""Receipt fingerprints: shown on the receipt page and in its mail, and the verify page."""
from __future__ import annotations

import hashlib

import pytest

from helpers import comment_on, csrf_from, rendered_outbox_rows
from westlake_feedback.comments.fingerprints import canonical, comment_fingerprint, fingerprint, grouped

SLUG = "xihu-2023-demo"
TEXT = "建议将第十二条中的“三十日”改为“十五日”,\n并公开办理进度。"


def test_the_canonical_form_is_documented_json():
    assert canonical(12, "amend", "好") == '{"clause":12,"stance":"amend","text":"好"}'.encode()
    assert fingerprint(None, "support", "好") == hashlib.sha256(
        '{"clause":null,"stance":"support","text":"好"}'.encode()).hexdigest()


def test_any_changed_character_changes_the_fingerprint():
    base = fingerprint(3, "amend", TEXT)
    for index in range(len(TEXT)):
        for replacement in ("x", "。", " "):
            changed = TEXT[:index] + replacement + TEXT[index + 1:]
            if changed != TEXT:
                assert fingerprint(3, "amend", changed) != base, (index, replacement)
    assert fingerprint(3, "amend", TEXT + "。") != base
    assert fingerprint(4, "amend", TEXT) != base and fingerprint(None, "amend", TEXT) != base
    assert fingerprint(3, "oppose", TEXT) != base


def test_receipt_page_and_mail_show_the_fingerprint(seeded, client):
    with seeded.app_context():
        comment = comment_on(SLUG, 12, body=TEXT, email="citizen@example.com")
        code, digest = comment.receipt_code, comment_fingerprint(comment)
        assert digest == fingerprint(12, "amend", TEXT)
        mail = rendered_outbox_rows()[-1]
        text, html = mail.text_body, mail.html_body
    page = client.get(f"/receipt/{code}").get_data(as_text=True)
    assert grouped(digest) in page and f"/receipt/{code}/verify" in page
    assert grouped(digest) in text and grouped(digest) in html


def _verify(client, code: str, text: str):
    page = client.get(f"/receipt/{code}/verify")
    assert page.status_code == 200
    return client.post(f"/receipt/{code}/verify", data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                                                        "text": text})


def test_verify_says_whether_the_pasted_text_matches_without_showing_it(seeded, client):
    with seeded.app_context():
        code = comment_on(SLUG, 12, body=TEXT).receipt_code
    page = client.get(f"/receipt/{code}/verify").get_data(as_text=True)
    assert "三十日" not in page
    same = _verify(client, code, "  " + TEXT.replace("\n", "\r\n") + "\n")  # as a browser sends it
    assert same.status_code == 200 and 'id="verify-result"' in same.get_data(as_text=True)
    assert "完全一致" in same.get_data(as_text=True) and "三十日" not in same.get_data(as_text=True)
    other = _verify(client, code, TEXT.replace("十五日", "十五天"))
    body = other.get_data(as_text=True)
    assert other.status_code == 200 and "不一致" in body and "三十日" not in body and "十五天" not in body


@pytest.mark.parametrize("text", ["", "   ", "x" * 20_001, "\x00\u202e?", "\u200b"])
def test_bad_verify_input_is_a_form_error_not_a_500(seeded, client, text):
    with seeded.app_context():
        code = comment_on(SLUG, body=TEXT).receipt_code
    response = _verify(client, code, text)
    assert response.status_code in (200, 400)


def test_verify_of_unknown_or_malformed_codes(seeded, client):
    with seeded.app_context():
        code = comment_on(SLUG, body=TEXT).receipt_code
    assert client.get("/receipt/XH-2222-2222/verify").status_code == 404
    assert client.get("/receipt/%ZZ/verify").status_code == 404
    assert client.post("/receipt/XH-2222-2222/verify", data={"text": "x"}).status_code in (400, 404)
    lower = client.get(f"/receipt/{code.lower()}/verify")
    assert lower.status_code == 302 and lower.headers["Location"].endswith(f"/receipt/{code}/verify")
    assert client.post(f"/receipt/{code}/verify", data={"text": TEXT}).status_code == 400  # no CSRF token


def test_verify_is_rate_limited_with_receipt_lookups(app_factory):
    from helpers import seed

    app = app_factory(RATELIMIT_ENABLED=True, RECEIPT_RATE_LIMIT="3 per 10 minutes")
    seed(app)
    with app.app_context():
        code = comment_on(SLUG, body=TEXT).receipt_code
    client = app.test_client()
    assert client.get("/receipt/XH-2222-2222").status_code == 404
    assert _verify(client, code, "不对").status_code == 200  # a mismatch counts
    assert client.get("/receipt/XH-3333-3333/verify").status_code == 404
    assert client.get(f"/receipt/{code}/verify").status_code == 429
