from __future__ import annotations

from flask import current_app, render_template, request

from ..comments.forms import CommentForm
from ..comments.paging import clause_comment_page
from ..comments.services import published_comment_counts
from ..extensions import db
from ..feedback.report import feedback_summary
from ..inputs import page_arg
from ..pagecache import cached_page
from ..timeutil import now_utc
from . import bp
from .models import Clause, Consultation
from .services import (clause_by_number, listed_consultations, neighbour_clauses, public_clause_by_number,
                       public_consultation_by_slug, sort_for_home)


# Pages holding the comment form carry a CSRF token and a one-time submission token (and, after
# an error, what the person typed): no cache, shared or not, may keep them for another request.
NO_SHARED_CACHE = {"Cache-Control": "private, no-store"}


def get_consultation(slug: str, *, with_structure: bool = False) -> Consultation:
    """A published or archived consultation; drafts are 404 here (staff preview them under /staff)."""
    return db.first_or_404(public_consultation_by_slug(slug, with_structure=with_structure))


def get_clause(consultation: Consultation, number: int) -> Clause:
    return db.first_or_404(clause_by_number(consultation, number))


def get_public_clause(slug: str, number: int) -> Clause:
    """get_clause(get_consultation(slug), number) in one query; `.consultation` is loaded."""
    return db.first_or_404(public_clause_by_number(slug, number))


@bp.get("/")
@cached_page
def index():
    now = now_utc()
    consultations = sort_for_home(list(db.session.scalars(listed_consultations())), now)
    counts = {c.id: c.approved_count for c in consultations}
    return render_template("consultations/index.html", consultations=consultations, counts=counts, at=now)


def render_notice(consultation: Consultation, form: CommentForm | None = None, status: int = 200):
    form = form or CommentForm.fresh()
    return (
        render_template(
            "consultations/notice.html",
            consultation=consultation,
            counts=published_comment_counts(consultation),
            form=form,
            at=now_utc(),
            feedback_report=feedback_summary(consultation) if consultation.feedback_is_published else None,
        ),
        status,
        NO_SHARED_CACHE,
    )


@bp.get("/c/<slug>/")
@cached_page
def notice(slug: str):
    return render_notice(get_consultation(slug, with_structure=True))


def render_clause(consultation: Consultation, clause: Clause, form: CommentForm | None = None, status: int = 200):
    comments = clause_comment_page(
        clause, page_arg(request.args), current_app.config["COMMENTS_PER_PAGE"],
        before=request.args.get("before"), with_items=consultation.show_approved_comments,
    )
    previous, following = neighbour_clauses(clause)
    return (
        render_template(
            "consultations/clause.html",
            consultation=consultation,
            clause=clause,
            previous=previous,
            following=following,
            comments=comments,
            form=form or CommentForm.fresh(),
            at=now_utc(),
        ),
        status,
        NO_SHARED_CACHE,
    )


@bp.get("/c/<slug>/clauses/<int:number>")
@cached_page
def clause(slug: str, number: int):
    consultation = get_consultation(slug)
    return render_clause(consultation, get_clause(consultation, number))


@bp.get("/c/<slug>/full")
@cached_page
def full(slug: str):
    consultation = get_consultation(slug, with_structure=True)
    return render_template(
        "consultations/full.html",
        consultation=consultation,
        counts=published_comment_counts(consultation),
        at=now_utc(),
    )

