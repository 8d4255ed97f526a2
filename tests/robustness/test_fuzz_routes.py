"""Property-based: random path values, query strings and form fields on every route never give a
500 or a traceback, for the public and (signed in as an admin) for the staff.

Every route of `app.url_map` is fuzzed with its own Hypothesis run; the failures of all routes
are reported together. Examples per route: WESTLAKE_FUZZ_EXAMPLES (default 12); the `slow` run
takes ten times as many."""
from __future__ import annotations

import os
import sys
import time

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fuzz_support import Known, draw_form, draw_path, draw_query, form_field_names, is_staff, routes, valid_values
from helpers import STAFF_EMAILS, csrf_from, login, make_comment, seed

EXAMPLES = int(os.environ.get("WESTLAKE_FUZZ_EXAMPLES", "12"))
# Routes that end the session or change a consultation's life cycle run after all the others.
LAST = ("accounts.logout", "manage.")


def _setup(app) -> Known:
    from sqlalchemy import select

    from westlake_feedback.comments.models import Comment
    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.extensions import db

    seed(app)
    with app.app_context():
        for status, clause in (("pending", 12), ("approved", 12), ("approved", None), ("rejected", 3)):
            make_comment("xihu-2023-demo", clause, status=status, name="李四", email="li@example.com")
        make_comment("xihu-2023", 5, status="approved")
        slugs = list(db.session.scalars(select(Consultation.slug)))
        ids = list(db.session.scalars(select(Comment.id)))
        codes = list(db.session.scalars(select(Comment.receipt_code)))
    return Known(slugs=slugs, ids=ids, codes=codes)


def _draft_text() -> str:
    from westlake_feedback.consultations.services import SEED_PATH

    return SEED_PATH.read_text(encoding="utf-8")


def _check(response, where: str) -> None:
    body = response.get_data()  # reads streamed bodies (exports) to the end; XLSX is binary
    text = body[:1500].decode("utf-8", "replace")
    assert response.status_code < 500, f"{where}: HTTP {response.status_code}\n{text}"
    assert b"Traceback (most recent call last)" not in body, f"{where}: traceback in the page"


class Failure(Exception):
    """A request that failed, with what was sent."""


class Fuzzer:
    def __init__(self, app, known: Known, examples: int):
        self.app, self.known, self.examples = app, known, examples
        self.names = form_field_names(app)
        self.valid = valid_values(known, _draft_text())
        self.public = app.test_client()
        page = self.public.get("/c/xihu-2023-demo/clauses/12")
        self.public_csrf = csrf_from(page.get_data(as_text=True))
        self.staff = app.test_client()
        self.staff_csrf = self._sign_in()

    def _sign_in(self) -> str:
        response = login(self.staff, STAFF_EMAILS["admin"])
        assert response.status_code == 302, "the admin could not sign in"
        return csrf_from(self.staff.get("/staff/password").get_data(as_text=True))

    def run(self, rule, method: str) -> str | None:
        staff = is_staff(rule)
        client = self.staff if staff else self.public

        # No shrinking: a failing request is reported as sent, which keeps the run short.
        @settings(max_examples=self.examples, deadline=None, database=None, phases=(Phase.generate,),
                  suppress_health_check=list(HealthCheck), report_multiple_bugs=False)
        @given(data=st.data())
        def example(data):
            path = draw_path(data, rule, self.known)
            query = draw_query(data)
            where = f"{method} {path} {query!r}"
            form = None
            if method != "GET":
                form = draw_form(data, self.names, self.valid)
                form["csrf_token"] = self.staff_csrf if staff else self.public_csrf
                fuzzed = {k: v[:200] for k, v in form.items()
                          if v not in self.valid.get(k, ()) and k not in ("token", "csrf_token")}
                where += f" random fields {fuzzed!r}"
            try:
                response = client.open(path, method=method, query_string=query, data=form)
                _check(response, where)
            except Exception as error:
                raise Failure(f"{type(error).__name__}: {str(error)[:600]}\n    request: {where[:1500]}") from error
            if staff and response.status_code == 302 and "/staff/login" in response.headers.get("Location", ""):
                self.staff_csrf = self._sign_in()  # signed out (the logout route): sign in again

        try:
            example()
        except Failure as failure:
            return f"{method} {rule.rule}: {failure}"
        except Exception as error:  # noqa: BLE001 - e.g. Hypothesis' own errors, reported with the route
            return f"{method} {rule.rule}: {type(error).__name__}: {str(error)[:600]}"
        return None


def _ordered(app):
    return sorted(routes(app), key=lambda item: item[0].endpoint.startswith(LAST))


def _fuzz(app, staff_routes: bool, examples: int) -> None:
    known = _setup(app)
    fuzzer = Fuzzer(app, known, examples)
    selected = [(rule, method) for rule, method in _ordered(app) if is_staff(rule) == staff_routes]
    assert selected, "no routes found"
    failures = []
    for rule, method in selected:
        started = time.perf_counter()
        if failure := fuzzer.run(rule, method):
            failures.append(failure)
        print(f"{time.perf_counter() - started:6.2f}s {method} {rule.rule}", file=sys.stderr)
    assert not failures, f"{len(failures)} of {len(selected)} routes failed:\n\n" + "\n\n".join(failures)


@pytest.mark.parametrize("examples", [EXAMPLES, pytest.param(EXAMPLES * 10, marks=pytest.mark.slow)])
def test_public_routes_never_fail_on_random_input(app, staff, examples):
    _fuzz(app, staff_routes=False, examples=examples)


@pytest.mark.parametrize("examples", [EXAMPLES, pytest.param(EXAMPLES * 10, marks=pytest.mark.slow)])
def test_staff_routes_never_fail_on_random_input(app, staff, examples):
    _fuzz(app, staff_routes=True, examples=examples)
