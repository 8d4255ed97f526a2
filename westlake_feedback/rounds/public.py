"""Public round pages: an earlier round's text and clauses (read-only: comments are taken on the
current round only, on its usual pages), the comparison table (修改对照表) and its downloads."""
from __future__ import annotations

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from sqlalchemy import select

from ..comments.paging import clause_comment_page
from ..consultations.comparison_docx import build_comparison_docx
from ..consultations.comparison_xlsx import build_comparison_xlsx
from ..consultations.models import Clause, Consultation, ConsultationRound
from ..consultations.views import get_clause, get_consultation, render_clause
from ..extensions import db
from ..inputs import page_arg
from ..pagecache import cached_page
from ..timeutil import now_utc
from . import bp
from .comparison import match_rows
from .services import published_rounds, round_by_number, round_clauses, round_sections, stored_matches

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_template_global()
def round_switcher(consultation: Consultation) -> list[ConsultationRound]:
    """The published rounds of a consultation, for the switcher (empty while there is only one)."""
    if (consultation.current_round or 1) < 2:
        return []
    return list(db.session.scalars(published_rounds(consultation)))


def _published_round(consultation: Consultation, number: int) -> ConsultationRound:
    round_ = db.first_or_404(round_by_number(consultation, number))
    if not round_.is_published:
        abort(404)
    return round_


def _successors(clause: Clause) -> list[Clause]:
    """The clauses of the next round that this clause went to."""
    from ..consultations.models import ClauseAlignment

    return list(db.session.scalars(
        select(Clause).join(ClauseAlignment, ClauseAlignment.new_clause_id == Clause.id)
        .join(ConsultationRound, ConsultationRound.id == ClauseAlignment.round_id)
        .where(ClauseAlignment.old_clause_id == clause.id, ConsultationRound.status == "published")
        .order_by(Clause.position)))


@bp.get("/c/<slug>/rounds/<int:number>/")
@cached_page
def round_text(slug: str, number: int):
    consultation = get_consultation(slug)
    if number == consultation.current_round:
        return redirect(url_for("consultations.notice", slug=slug))
    round_ = _published_round(consultation, number)
    clauses = round_clauses(round_)
    return render_template("rounds/round.html", consultation=consultation, round=round_,
                           sections=round_sections(round_), clauses=clauses, at=now_utc())


@bp.get("/c/<slug>/rounds/<int:number>/clauses/<int:clause_number>")
@cached_page
def round_clause(slug: str, number: int, clause_number: int):
    consultation = get_consultation(slug)
    if number == consultation.current_round:        # the current round: its clause page, with the form
        return render_clause(consultation, get_clause(consultation, clause_number))
    round_ = _published_round(consultation, number)
    clause = db.first_or_404(select(Clause).where(Clause.round_id == round_.id, Clause.number == clause_number))
    comments = clause_comment_page(  # paged as the current clause page: by stored count and keyset
        clause, page_arg(request.args), current_app.config["COMMENTS_PER_PAGE"],
        before=request.args.get("before"), with_items=consultation.show_approved_comments,
    )
    previous, following = _neighbours(round_, clause)
    return render_template("rounds/clause.html", consultation=consultation, round=round_, clause=clause,
                           successors=_successors(clause), comments=comments, previous=previous,
                           following=following, at=now_utc())


def _neighbours(round_, clause):
    clauses = round_clauses(round_)
    at = [c.id for c in clauses].index(clause.id)
    return (clauses[at - 1] if at > 0 else None), (clauses[at + 1] if at + 1 < len(clauses) else None)


def _changes_round(slug: str, number: int | None):
    consultation = get_consultation(slug)
    number = number or consultation.current_round
    if number < 2:
        abort(404)
    return consultation, _published_round(consultation, number)


@bp.get("/c/<slug>/changes")
@bp.get("/c/<slug>/rounds/<int:number>/changes")
@cached_page
def changes(slug: str, number: int | None = None):
    consultation, round_ = _changes_round(slug, number)
    rows = match_rows(stored_matches(round_), changed_only=True)
    return render_template("rounds/changes.html", consultation=consultation, round=round_, rows=rows,
                           at=now_utc())


def _download(slug: str, number: int | None, kind: str):
    consultation, round_ = _changes_round(slug, number)
    rows = [r.row for r in match_rows(stored_matches(round_), changed_only=True)]
    title = f"{round_.title or consultation.title}修改对照表"
    if kind == "docx":
        body, mimetype = build_comparison_docx(rows, title), DOCX
    else:
        body, mimetype = build_comparison_xlsx(rows, title), XLSX
    name = f"{consultation.slug}-round{round_.number}-changes.{kind}"
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.get("/c/<slug>/changes.docx")
@bp.get("/c/<slug>/rounds/<int:number>/changes.docx")
def changes_docx(slug: str, number: int | None = None):
    return _download(slug, number, "docx")


@bp.get("/c/<slug>/changes.xlsx")
@bp.get("/c/<slug>/rounds/<int:number>/changes.xlsx")
def changes_xlsx(slug: str, number: int | None = None):
    return _download(slug, number, "xlsx")
