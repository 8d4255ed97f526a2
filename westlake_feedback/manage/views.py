"""Admin pages under /staff/consultations/.

Creating is two steps without server-side state: POST /new parses the text and shows the
structure with a metadata form; the draft text travels back in a hidden field, so POST /create
(or "返回修改原文", which posts it back to /new) never loses what was pasted.
"""
from __future__ import annotations

from datetime import datetime, timezone

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.access import ADMINS, roles_required
from ..comments.services import published_comment_counts
from ..consultations.models import Consultation
from ..consultations.parser import DraftParseError, ParsedDraft
from ..consultations.services import consultation_by_slug, default_window
from ..extensions import db
from ..timeutil import LOCAL_TZ, now_utc, to_local
from . import bp
from .forms import ActionForm, MetadataForm, SourceForm, WindowForm
from .services import (REQUIRED_FROM_TEXT, DraftMeta, ManageRefused, archive, change_window, close_early,
                       create_draft, managed_consultations, missing_fields, parse_source, publish, suggest_slug)


def _to_utc(local_naive: datetime) -> datetime:
    """A form's naive Asia/Shanghai datetime as aware UTC."""
    return local_naive.replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def _naive_local(moment):
    return to_local(moment).replace(tzinfo=None, second=0, microsecond=0) if moment else None


@bp.get("/")
@roles_required(*ADMINS)
def index():
    consultations = list(db.session.scalars(managed_consultations()))
    return render_template("manage/index.html", consultations=consultations, at=now_utc())


# Creating: source -> preview -> draft ---------------------------------------

def _render_source(form: SourceForm, status: int = 200):
    return render_template("manage/new.html", form=form), status


def _render_preview(parsed: ParsedDraft, form: MetadataForm, status: int = 200):
    """The parsed structure, every text outside the clauses, and the metadata form with the fields
    the text did not give highlighted (a text without a window is shown, not refused: fill it in)."""
    missing = missing_fields(parsed)
    return render_template("manage/preview.html", parsed=parsed, form=form, missing=missing,
                           missing_required=[m for m in missing if m in REQUIRED_FROM_TEXT]), status


@bp.get("/new")
@roles_required(*ADMINS)
def new():
    form = SourceForm()
    if request.args.get("revision_of") and not form.is_submitted():
        form.revision_of.data = request.args["revision_of"]
    return _render_source(form)


@bp.post("/new")
@roles_required(*ADMINS)
def preview():
    form = SourceForm()
    if request.form.get("action") == "edit":  # "返回修改原文" from the preview: show the text again
        form.text.errors = []
        return _render_source(form)
    if not form.validate():
        return _render_source(form, 400)
    try:
        parsed = parse_source(form.text.data)
    except DraftParseError as error:
        form.text.errors.append(error.message)
        return _render_source(form, 400)
    if form.revision_of.data:  # a revised draft: the next round of that consultation
        from ..rounds.staff import render_round_form

        return render_round_form(_get(form.revision_of.data), parsed, form.text.data, form.source_name)
    return _render_preview(parsed, _prefilled(parsed, form))


def _prefilled(parsed: ParsedDraft, source: SourceForm) -> MetadataForm:
    form = MetadataForm(formdata=None)
    opens_at, closes_at = default_window(parsed)
    form.text.data = source.text.data
    form.source_name.data = source.source_name or ""
    form.title.data = parsed.title or parsed.notice_title or ""
    form.slug.data = suggest_slug(source.source_name, opens_at)
    form.opens_at.data, form.closes_at.data = _naive_local(opens_at), _naive_local(closes_at)
    for name in ("issuer", "contact_person", "phone", "email", "postal_address", "postcode"):
        getattr(form, name).data = getattr(parsed, name) or ""
    return form


@bp.post("/create")
@roles_required(*ADMINS)
def create():
    form = MetadataForm()
    try:
        parsed = parse_source(form.text.data or "")
    except DraftParseError as error:  # only if the hidden text was tampered with
        source = SourceForm(formdata=None, text=form.text.data)
        source.text.errors = [error.message]
        return _render_source(source, 400)
    if not form.validate():
        return _render_preview(parsed, form, 400)
    meta = DraftMeta(
        title=form.title.data, slug=form.slug.data,
        opens_at=_to_utc(form.opens_at.data), closes_at=_to_utc(form.closes_at.data),
        issuer=form.issuer.data, contact_person=form.contact_person.data, phone=form.phone.data,
        email=form.email.data, postal_address=form.postal_address.data, postcode=form.postcode.data,
    )
    try:
        consultation = create_draft(parsed, meta, source_name=form.source_name.data or None)
    except ManageRefused as refused:
        getattr(form, refused.field or "title").errors.append(refused.message)
        return _render_preview(parsed, form, 400)
    flash(_("已保存为草稿。草稿对公众不可见,确认无误后请点击“发布”。"), "success")
    return redirect(url_for(".detail", slug=consultation.slug), code=303)


# One consultation ---------------------------------------------------------------

def _get(slug: str) -> Consultation:
    return db.first_or_404(consultation_by_slug(slug))


def _render_detail(consultation: Consultation, window_form: WindowForm | None = None, error: str | None = None,
                   status: int = 200):
    if window_form is None:
        window_form = WindowForm(formdata=None)
        window_form.opens_at.data = _naive_local(consultation.opens_at)
        window_form.closes_at.data = _naive_local(consultation.closes_at)
    counts = published_comment_counts(consultation)
    return (
        render_template(
            "manage/detail.html", consultation=consultation, window_form=window_form, action_form=ActionForm(),
            error=error, at=now_utc(), published_count=sum(counts.values()),
        ),
        status,
    )


@bp.get("/<slug>")
@roles_required(*ADMINS)
def detail(slug: str):
    return _render_detail(_get(slug))


@bp.get("/<slug>/preview")
@roles_required(*ADMINS)
def draft_preview(slug: str):
    return render_template("manage/draft_preview.html", consultation=_get(slug), at=now_utc())


def _act(slug: str, action, done_message: str):
    consultation = _get(slug)
    try:
        action(consultation)
    except ManageRefused as refused:
        return _render_detail(consultation, error=refused.message, status=400)
    flash(done_message, "success")
    return redirect(url_for(".detail", slug=consultation.slug), code=303)


@bp.post("/<slug>/publish")
@roles_required(*ADMINS)
def publish_view(slug: str):
    return _act(slug, publish, _("已发布,公众现在可以看到此征求意见。"))


@bp.post("/<slug>/close")
@roles_required(*ADMINS)
def close_view(slug: str):
    return _act(slug, close_early, _("已提前截止,不再接受网上意见。"))


@bp.post("/<slug>/archive")
@roles_required(*ADMINS)
def archive_view(slug: str):
    return _act(slug, archive, _("已归档:首页不再列出,页面仍可访问并注明“已归档”。"))


@bp.post("/<slug>/window")
@roles_required(*ADMINS)
def window_view(slug: str):
    consultation = _get(slug)
    form = WindowForm()
    if not form.validate():
        return _render_detail(consultation, form, status=400)
    try:
        changed = change_window(consultation, _to_utc(form.opens_at.data), _to_utc(form.closes_at.data))
    except ManageRefused as refused:
        if refused.field:
            getattr(form, refused.field).errors.append(refused.message)
            return _render_detail(consultation, form, status=400)
        return _render_detail(consultation, form, error=refused.message, status=400)
    flash(_("征求意见时间已修改。") if changed else _("征求意见时间没有变化。"), "success")
    return redirect(url_for(".detail", slug=consultation.slug), code=303)
