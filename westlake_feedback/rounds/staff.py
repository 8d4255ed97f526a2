"""Admin pages for rounds, under /staff/consultations/<slug>/rounds: the list of rounds, importing a
revised draft (from the upload page's "作为修改稿" choice), the alignment preview and correction,
publishing; and, for all staff, a clause of a round with the comments on its predecessors."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.access import ADMINS, STAFF, roles_required
from sqlalchemy import select

from ..consultations.models import Consultation, ConsultationRound, Section
from ..consultations.parser import DraftParseError, ParsedDraft
from ..consultations.services import consultation_by_slug, default_window
from ..extensions import db
from ..manage.forms import ActionForm
from ..manage.services import parse_source
from ..manage.views import _naive_local, _to_utc
from ..timeutil import now_utc
from . import bp
from .comparison import match_rows
from .forms import NOT_NUMBERS, RoundForm, parse_numbers
from .services import (RoundRefused, clause_with_history, correct_alignment, import_round, previous_round,
                       publish_round, round_by_number, round_clauses, round_sections, rounds_of, stored_matches)


def _consultation(slug: str) -> Consultation:
    return db.first_or_404(consultation_by_slug(slug))


def _round(consultation: Consultation, number: int) -> ConsultationRound:
    return db.first_or_404(round_by_number(consultation, number))


def render_round_form(consultation: Consultation, parsed: ParsedDraft, text: str, source_name: str | None,
                      form: RoundForm | None = None, error: str | None = None, status: int = 200):
    """Step 2 of a revised draft: what was found in the text and the round's window."""
    if form is None:
        form = RoundForm(formdata=None)
        form.text.data, form.source_name.data = text, source_name or ""
        opens_at, closes_at = default_window(parsed)
        form.opens_at.data, form.closes_at.data = _naive_local(opens_at), _naive_local(closes_at)
    return render_template("rounds/new_round.html", consultation=consultation, parsed=parsed, form=form,
                           error=error), status


@bp.get("/staff/consultations/<slug>/rounds")
@roles_required(*ADMINS)
def index(slug: str):
    consultation = _consultation(slug)
    rounds = list(db.session.scalars(rounds_of(consultation)))
    return render_template("rounds/index.html", consultation=consultation, rounds=rounds, at=now_utc())


@bp.post("/staff/consultations/<slug>/rounds")
@roles_required(*ADMINS)
def create(slug: str):
    consultation = _consultation(slug)
    form = RoundForm()
    if not (form.text.data or "").strip():
        abort(400)              # the text comes from the upload step; without it there is nothing to import
    try:
        parsed = parse_source(form.text.data or "")
    except DraftParseError as error:  # only if the hidden text was tampered with
        flash(error.message, "error")
        return redirect(url_for("manage.new", revision_of=slug), code=303)
    if not form.validate():
        return render_round_form(consultation, parsed, form.text.data, form.source_name.data, form, status=400)
    try:
        result = import_round(parsed, consultation, opens_at=_to_utc(form.opens_at.data),
                              closes_at=_to_utc(form.closes_at.data), source_name=form.source_name.data or None)
    except RoundRefused as refused:
        db.session.rollback()
        return render_round_form(consultation, parsed, form.text.data, form.source_name.data, form,
                                 error=str(refused), status=400)
    flash(_("修改稿已导入为第%(number)d轮(未发布)。请核对条款对照,填写修改理由,然后发布。",
            number=result.round.number), "success")
    return redirect(url_for(".alignment", slug=slug, number=result.round.number), code=303)


def _render_alignment(consultation, round_, values=None, errors=None, error=None, status=200):
    matches = stored_matches(round_)
    previous = previous_round(round_)
    return render_template(
        "rounds/alignment.html", consultation=consultation, round=round_, previous=previous,
        matches=matches, rows=match_rows(matches), values=values or {}, errors=errors or {}, error=error,
        action_form=ActionForm(), at=now_utc(),
        old_clauses=round_clauses(previous) if previous else [],
    ), status


@bp.get("/staff/consultations/<slug>/rounds/<int:number>/alignment")
@roles_required(*ADMINS)
def alignment(slug: str, number: int):
    consultation = _consultation(slug)
    round_ = _round(consultation, number)
    if number == 1:
        abort(404)
    return _render_alignment(consultation, round_)


@bp.post("/staff/consultations/<slug>/rounds/<int:number>/alignment")
@roles_required(*ADMINS)
def correct(slug: str, number: int):
    consultation = _consultation(slug)
    round_ = _round(consultation, number)
    if number == 1 or not ActionForm().validate():
        abort(400)
    values, errors, sources, reasons_new, reasons_deleted = dict(request.form), {}, {}, {}, {}
    for clause in round_clauses(round_):
        raw = request.form.get(f"from-{clause.number}", "")
        numbers = parse_numbers(raw)
        if numbers is None:
            errors[f"from-{clause.number}"] = str(NOT_NUMBERS)
        else:
            sources[clause.number] = numbers
        reasons_new[clause.number] = request.form.get(f"reason-{clause.number}", "")[:4000]
    for key, value in request.form.items():
        if key.startswith("reason-deleted-") and key[15:].isdigit():
            reasons_deleted[int(key[15:])] = value[:4000]
    if errors:
        return _render_alignment(consultation, round_, values, errors, _("请更正标出的条款。"), 400)
    try:
        correct_alignment(round_, sources, reasons_new, reasons_deleted)
    except RoundRefused as refused:
        db.session.rollback()
        return _render_alignment(consultation, round_, values, errors, str(refused), 400)
    db.session.commit()
    flash(_("条款对照和修改理由已保存。"), "success")
    return redirect(url_for(".alignment", slug=slug, number=number), code=303)


@bp.post("/staff/consultations/<slug>/rounds/<int:number>/publish")
@roles_required(*ADMINS)
def publish(slug: str, number: int):
    consultation = _consultation(slug)
    round_ = _round(consultation, number)
    if not ActionForm().validate():
        abort(400)
    try:
        publish_round(round_)
    except RoundRefused as refused:
        return _render_alignment(consultation, round_, error=str(refused), status=400)
    flash(_("第%(number)d轮已发布:公众页面现在显示修改稿,修改对照表已公开。", number=number), "success")
    return redirect(url_for(".index", slug=slug), code=303)


@bp.get("/staff/consultations/<slug>/rounds/<int:number>/clauses/<int:clause_number>")
@roles_required(*STAFF)
def clause(slug: str, number: int, clause_number: int):
    """A clause of a round with its comments and, marked as earlier-round, those on the clauses of
    earlier rounds it came from."""
    consultation = _consultation(slug)
    round_ = _round(consultation, number)
    history = clause_with_history(round_, clause_number)
    if history is None:
        abort(404)
    return render_template("rounds/staff_clause.html", consultation=consultation, round=round_, history=history)


@bp.app_template_global()
def round_filter_clauses(consultation: Consultation, number: int | None) -> list:
    """The clauses the queue's clause filter offers: the chosen round's (the current round's by default)."""
    if number is None or number == consultation.current_round:
        return consultation.clauses
    round_ = db.session.scalar(round_by_number(consultation, number))
    return round_clauses(round_) if round_ is not None else []


@bp.app_template_global()
def round_filter_sections(consultation: Consultation, number: int | None) -> list:
    """The sections the queue's section filter offers, as `moderation.queue._section_ids` applies them:
    the chosen round's; with every round (of several), each section number once, named as in the
    latest published round that has it."""
    if consultation.current_round < 2 or number == consultation.current_round:
        return consultation.sections
    if number is not None:
        round_ = db.session.scalar(round_by_number(consultation, number))
        return round_sections(round_) if round_ is not None else []
    latest: dict[int, Section] = {}
    for section in db.session.scalars(
            select(Section).join(ConsultationRound, ConsultationRound.id == Section.round_id)
            .where(ConsultationRound.consultation_id == consultation.id,
                   ConsultationRound.number <= consultation.current_round)
            .order_by(ConsultationRound.number.desc(), Section.position)):
        latest.setdefault(section.number, section)
    return sorted(latest.values(), key=lambda section: section.number)
