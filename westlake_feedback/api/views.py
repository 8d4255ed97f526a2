"""The public read API under /api/v1/ (JSON). Described exactly by /api/v1/openapi.json."""
from __future__ import annotations

from flask import abort, current_app, jsonify, request
from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import selectinload

from ..comments.models import Comment, CommentStatus
from ..comments.paging import parse_cursor
from ..comments.services import published_comment_counts
from ..consultations.models import Consultation
from ..consultations.services import clause_by_number, listed_consultations, public_consultation_by_slug
from ..extensions import csrf, db, limiter
from ..feedback.report import ALL, after, build_report, clause_of_round, cursor_of, entries_query, entry
from ..inputs import parse_int
from ..timeutil import now_utc
from . import bp, caching, serializers  # noqa: F401  (caching: the ETag hooks)
from .openapi import openapi_document

MAX_PER_PAGE = 100


class BadParameter(Exception):
    def __init__(self, name: str, message: str):
        self.name, self.message = name, message


@bp.errorhandler(BadParameter)
def bad_parameter(error: BadParameter):
    return jsonify(error="bad_request", parameter=error.name, message=error.message), 400


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None:
        return default
    value = parse_int(raw, low, high)
    if value is None:
        raise BadParameter(name, f"{name} must be an integer from {low} to {high}")
    return value


def _cursor_arg(name: str) -> tuple | None:
    """A cursor (`next_cursor` of an earlier page) or None without one; anything else is a 400."""
    raw = request.args.get(name)
    if raw is None:
        return None
    cursor = parse_cursor(raw)
    if cursor is None:
        raise BadParameter(name, f"{name} must be the next_cursor of an earlier page")
    return cursor


def _consultation(slug: str, structure: bool = True) -> Consultation:
    consultation = db.session.scalar(public_consultation_by_slug(slug, with_structure=structure))
    if consultation is None:
        abort(404)
    return consultation


@bp.after_request
def cors(response):
    allowed = current_app.config.get("API_CORS_ORIGINS") or []
    origin = request.headers.get("Origin")
    if origin and origin in allowed:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Vary"] = "Origin"
    return response


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/consultations")
def consultations():
    at = now_utc()
    items = [serializers.consultation_summary(c, at, c.approved_count)
             for c in db.session.scalars(listed_consultations())]
    return jsonify(items=items)


@bp.get("/consultations/<slug>")
def consultation(slug: str):
    consultation = _consultation(slug)
    counts = published_comment_counts(consultation)
    body = serializers.consultation_summary(consultation, now_utc(), sum(counts.values()))
    body.update(
        preamble=consultation.preamble,
        closing_text=consultation.closing_text,
        whole_draft_comment_count=counts.get(None, 0),
        sections=[serializers.section(s, counts) for s in consultation.sections],
        unsectioned_clauses=[
            serializers.clause_summary(c, counts.get(c.id, 0)) for c in consultation.clauses if c.section_id is None
        ],
    )
    return jsonify(body)


@bp.get("/consultations/<slug>/clauses")
def clauses(slug: str):
    consultation = _consultation(slug)
    counts = published_comment_counts(consultation)
    return jsonify(items=[serializers.clause_detail(c, counts.get(c.id, 0)) for c in consultation.clauses])


@bp.get("/consultations/<slug>/clauses/<int:number>")
def clause(slug: str, number: int):
    consultation = _consultation(slug)
    found = db.session.scalar(clause_by_number(consultation, number))
    if found is None:
        abort(404)
    return jsonify(serializers.clause_detail(found, found.approved_count))


@bp.get("/consultations/<slug>/comments")
def comments(slug: str):
    """Newest first. `page` reads by offset; `before` (a `next_cursor`) reads the next page by
    keyset, at the same cost on page 1,000 as on page 1. The total comes from the stored counts
    where a filter allows (none, or a clause), else from one count along an index."""
    consultation = _consultation(slug, structure=False)
    page = _int_arg("page", 1, 1, 100000)
    per_page = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    cursor = _cursor_arg("before")
    clause_number = _int_arg("clause", 0, 0, 100000) if "clause" in request.args else None
    round_number = _int_arg("round", 1, 1, 100000) if "round" in request.args else None
    query = (
        select(Comment)
        .where(Comment.consultation_id == consultation.id, Comment.status == CommentStatus.APPROVED.value)
        .options(selectinload(Comment.clause))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
    total = None
    if clause_number:  # the clause of that round (the current round by default)
        clause = db.session.scalar(clause_of_round(consultation, clause_number, round_number))
        query = query.where(Comment.clause_id == clause.id) if clause else None
        total = clause.approved_count if clause else 0
    else:
        if clause_number == 0:
            query = query.where(Comment.clause_id.is_(None))
        if round_number is not None:
            query = query.where(Comment.round_number == round_number)
        if clause_number is None and round_number is None:
            total = consultation.approved_count
    if total is None:
        total = db.session.scalar(query.with_only_columns(func.count()).order_by(None))
    hidden = not consultation.show_approved_comments
    items, next_cursor = [], None
    if total and query is not None and not hidden:
        if cursor is not None:
            query = query.where(tuple_(Comment.created_at, Comment.id) < tuple_(*cursor))
        else:
            query = query.offset((page - 1) * per_page)
        items = list(db.session.scalars(query.limit(per_page + 1)))
        if len(items) > per_page:
            items = items[:per_page]
            next_cursor = cursor_of(items[-1].created_at, items[-1].id)
    return jsonify(
        page=page,
        per_page=per_page,
        total=total,
        comments_hidden=hidden,
        next_cursor=next_cursor,
        items=[serializers.comment(c) for c in items],
    )


def _published_feedback(slug: str) -> Consultation:
    consultation = _consultation(slug, structure=False)
    if not consultation.feedback_is_published:
        abort(404)
    return consultation


@bp.get("/consultations/<slug>/feedback")
def feedback(slug: str):
    """Counts and answers per clause (aggregate queries); the entries are under /feedback/entries."""
    return jsonify(serializers.feedback(build_report(_published_feedback(slug))))


@bp.get("/consultations/<slug>/feedback/entries")
def feedback_entries(slug: str):
    """The published comments with their answers, oldest first, by keyset (`after`)."""
    consultation = _published_feedback(slug)
    per_page = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    cursor = request.args.get("after")
    if cursor is not None and _cursor_arg("after") is None:
        raise BadParameter("after", "after must be a next_cursor value")
    clause_number = _int_arg("clause", 0, 0, 100000) if "clause" in request.args else None
    round_number = _int_arg("round", 1, 1, 100000) if "round" in request.args else None
    hidden = not consultation.show_approved_comments
    items = []
    if clause_number:
        clause = db.session.scalar(clause_of_round(consultation, clause_number, round_number))
        query = entries_query(consultation, clause) if clause else None
    else:
        query = entries_query(consultation, None if clause_number == 0 else ALL)
        if round_number is not None:
            query = query.where(Comment.round_number == round_number)
    if query is not None and not hidden:
        query = (after(query, cursor) if cursor else query).options(selectinload(Comment.clause))
        items = [(entry(c, d), c) for c, d in db.session.execute(query.limit(per_page + 1))]
    more = len(items) > per_page
    items = items[:per_page]
    return jsonify(
        per_page=per_page,
        texts_hidden=hidden,
        next_cursor=items[-1][0].cursor if more else None,
        items=[serializers.feedback_entry(e, c) for e, c in items],
    )


def init_api(app) -> None:
    csrf.exempt(bp)
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(bp)
    app.register_blueprint(bp)
