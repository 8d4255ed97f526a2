from __future__ import annotations

from flask import abort, current_app, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import get_locale, gettext as _

from ..consultations.models import Clause, Consultation, WindowState
from ..consultations.views import get_clause, get_consultation, get_public_clause, render_clause, render_notice
from ..db_errors import StoreFailed
from ..extensions import csrf, limiter, reads_without_transaction
from ..site import retry_after_minutes
from ..timeutil import now_utc
from . import bp
from .fingerprints import comment_fingerprint, grouped, text_matches
from .forms import CommentForm, VerifyTextForm
from .services import CommentInput, WindowClosed, comment_by_receipt, submit_comment

COMMENT_ENDPOINTS = ("comments.comment_on_draft", "comments.comment_on_clause")
STORE_FAILED_RETRY_AFTER_S = 5

# One counter per client address for both comment forms (see COMMENT_RATE_LIMIT in config.py).
comment_limit = limiter.shared_limit(lambda: current_app.config["COMMENT_RATE_LIMIT"], scope="comment")
# Receipt lookups that find nothing, per address: guessing codes soon stops; finding one's own is free.
receipt_limit = limiter.shared_limit(
    lambda: current_app.config["RECEIPT_RATE_LIMIT"], scope="receipt",
    deduct_when=lambda response: response.status_code == 404,
)
# Verifying a text: unknown codes and texts that do not match both count, on the same counter.
verify_limit = limiter.shared_limit(
    lambda: current_app.config["RECEIPT_RATE_LIMIT"], scope="receipt",
    deduct_when=lambda response: response.status_code == 404 or g.get("receipt_mismatch", False),
)


def window_closed_message(consultation: Consultation, state: WindowState) -> str:
    if state is WindowState.NOT_YET_OPEN:
        return _("本次征求意见尚未开始,暂不接受意见。")
    return _("本次征求意见已截止,不再接受网上意见。")


def _form_again(consultation: Consultation, clause: Clause | None, form: CommentForm, status: int):
    """The page the form was sent from (the notice, or the clause), with the form as typed."""
    if clause is None:
        return render_notice(consultation, form, status=status)
    return render_clause(consultation, clause, form, status=status)


def _receive(consultation: Consultation, clause: Clause | None):
    state = consultation.window_state(now_utc())
    if state is not WindowState.OPEN:
        abort(403, description=window_closed_message(consultation, state))
    form = CommentForm()
    if not form.validate():
        if form.csrf_token.errors:
            flash(_("页面停留时间较长,安全校验已过期。您填写的内容已保留,请再次点击提交。"), "error")
        return _form_again(consultation, clause, form, 400)
    data = CommentInput(
        stance=form.stance.data,
        body=form.body.data,
        identity_type=form.identity_type.data,
        name=form.name.data,
        organisation=form.organisation.data,
        phone=form.phone.data,
        email=form.email.data,
        publish_name=bool(form.publish_name.data),
        token=form.token.data,
        honeypot=form.website.data or "",
    )
    try:
        comment = submit_comment(consultation, clause, data, ip=request.remote_addr, locale=str(get_locale()))
    except WindowClosed as closed:
        abort(403, description=window_closed_message(consultation, closed.state))
    except StoreFailed:
        # Nothing was stored; the form comes back as typed, with the same one-time token.
        flash(_("系统繁忙,您的意见尚未保存。您填写的内容已保留,请稍候几秒再次点击提交。"), "error")
        response = make_response(_form_again(consultation, clause, form, 503))
        response.headers["Retry-After"] = str(STORE_FAILED_RETRY_AFTER_S)
        return response
    flash(_("您的意见已提交成功。请记下回执编号,以便查询办理状态。"), "success")
    return redirect(url_for("comments.receipt", code=comment.receipt_code), code=303)


# CSRF is checked by the form itself so that a stale page keeps what the person typed.
@bp.post("/c/<slug>/comment")
@csrf.exempt
@comment_limit
def comment_on_draft(slug: str):
    return _receive(get_consultation(slug), None)


@bp.post("/c/<slug>/clauses/<int:number>/comment")
@csrf.exempt
@comment_limit
def comment_on_clause(slug: str, number: int):
    clause = get_public_clause(slug, number)
    return _receive(clause.consultation, clause)


@bp.get("/receipt/<code>")
@receipt_limit
def receipt(code: str):
    reads_without_transaction()
    comment = comment_by_receipt(code)
    if comment is None:
        abort(404)
    if comment.receipt_code != code:
        return redirect(url_for(".receipt", code=comment.receipt_code))
    response = make_response(render_template(
        "comments/receipt.html", comment=comment, consultation=comment.consultation,
        fingerprint=grouped(comment_fingerprint(comment)),
    ))
    response.headers["Cache-Control"] = "private, no-store"  # it shows what a person wrote
    return response


@bp.route("/receipt/<code>/verify", methods=["GET", "POST"])
@verify_limit
def verify_receipt(code: str):
    """The commenter pastes the text they submitted and learns whether it is what the office
    holds; the page never shows the stored text."""
    comment = comment_by_receipt(code)
    if comment is None:
        abort(404)
    if comment.receipt_code != code:
        return redirect(url_for(".verify_receipt", code=comment.receipt_code))
    form = VerifyTextForm()
    result = None
    status = 200
    if form.validate_on_submit():
        result = text_matches(comment, form.text.data)
        g.receipt_mismatch = not result
        form.text.data = ""  # the page shows the answer only, not even the text it was given
    elif request.method == "POST":
        status = 400
    response = make_response(render_template(
        "comments/verify_receipt.html", comment=comment, form=form, result=result,
        fingerprint=grouped(comment_fingerprint(comment)),
    ), status)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/receipt")
@receipt_limit
def find_receipt():
    reads_without_transaction()
    code = request.args.get("code", "").strip()
    comment = comment_by_receipt(code) if code else None
    if comment is not None:
        return redirect(url_for(".receipt", code=comment.receipt_code))
    status = 404 if code else 200
    return render_template("comments/find_receipt.html", code=code, not_found=bool(code)), status


@bp.errorhandler(429)
def too_many(_error):
    """Over a limit. On a comment form, the form comes back with what the person typed."""
    minutes = retry_after_minutes()
    if request.endpoint in COMMENT_ENDPOINTS:
        consultation = get_consultation(request.view_args["slug"])
        flash(_("同一网络地址短时间内提交的意见过多,请%(minutes)d分钟后再次点击提交。您填写的内容已保留。",
                minutes=minutes), "error")
        clause = None
        if request.endpoint == "comments.comment_on_clause":
            clause = get_clause(consultation, request.view_args["number"])
        return _form_again(consultation, clause, CommentForm(), 429)  # the form bound to the posted fields
    message = _("为防止他人猜测回执编号,同一网络地址短时间内查询不到的次数有限。请核对回执编号,%(minutes)d分钟后再试。",
                minutes=minutes)
    return render_template("errors/error.html", status=429, title=_("查询过于频繁"), message=message), 429
