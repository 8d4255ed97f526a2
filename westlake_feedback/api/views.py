"""The public read API under /api/v1/ (JSON). Described exactly by /api/v1/openapi.json."""
from __future__ import annotations

from flask import abort, current_app, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..comments.models import Comment, CommentStatus
from ..comments.services import published_comment_counts
from ..consultations.models import Clause, Consultation, ConsultationRound
from ..consultations.services import clause_by_number, listed_consultations, public_consultation_by_slug
from ..extensions import csrf, db, limiter
from ..feedback.services import build_report
from ..inputs import parse_int
from ..timeutil import now_utc
from . import bp, serializers
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


def _consultation(slug: str) -> Consultation:
    consultation = db.session.scalar(public_consultation_by_slug(slug, with_structure=True))
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
    consultation = _consultation(slug)
    page = _int_arg("page", 1, 1, 100000)
    per_page = _int_arg("per_page", 50, 1, MAX_PER_PAGE)
    clause_number = _int_arg("clause", 0, 0, 100000) if "clause" in request.args else None
    round_number = _int_arg("round", 1, 1, 100000) if "round" in request.args else None
    query = (
        select(Comment)
        .where(Comment.consultation_id == consultation.id, Comment.status == CommentStatus.APPROVED.value)
        .options(selectinload(Comment.clause))
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )
    if round_number is not None:
        query = query.where(Comment.round_number == round_number)
    if clause_number == 0:
        query = query.where(Comment.clause_id.is_(None))
    elif clause_number is not None:  # the clause of that round (the current round by default)
        in_round = (Clause.consultation_id == consultation.id
                    if round_number in (None, consultation.current_round) else
                    Clause.round_id.in_(select(ConsultationRound.id).where(
                        ConsultationRound.consultation_id == consultation.id, ConsultationRound.number == round_number)))
        query = query.join(Clause, Comment.clause_id == Clause.id).where(Clause.number == clause_number, in_round)
    result = db.paginate(query, page=page, per_page=per_page, error_out=False)
    hidden = not consultation.show_approved_comments
    return jsonify(
        page=page,
        per_page=per_page,
        total=result.total,
        comments_hidden=hidden,
        items=[] if hidden else [serializers.comment(c) for c in result.items],
    )


@bp.get("/consultations/<slug>/feedback")
def feedback(slug: str):
    consultation = _consultation(slug)
    if not consultation.feedback_is_published:
        abort(404)
    return jsonify(serializers.feedback(build_report(consultation)))


def init_api(app) -> None:
    csrf.exempt(bp)
    limiter.limit(lambda: current_app.config["API_RATE_LIMIT"])(bp)
    app.register_blueprint(bp)
