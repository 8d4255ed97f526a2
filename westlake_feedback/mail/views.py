"""The outbox for admins: what failed, and a button to queue it again."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..accounts.access import ADMINS, roles_required
from ..audit.services import record
from ..extensions import db
from ..inputs import page_arg
from . import bp
from .models import OutboxMessage, OutboxStatus
from .sender import outbox_messages, retry, status_counts


@bp.get("/")
@roles_required(*ADMINS)
def index():
    status = request.args.get("status", OutboxStatus.FAILED.value)
    if status not in {s.value for s in OutboxStatus}:
        status = OutboxStatus.FAILED.value
    page = db.paginate(outbox_messages(status), page=page_arg(request.args), per_page=50,
                       error_out=False)
    return render_template("mail/outbox.html", page=page, status=status, statuses=list(OutboxStatus),
                           counts=status_counts())


@bp.post("/<int:message_id>/retry")
@roles_required(*ADMINS)
def retry_message(message_id: int):
    if db.session.get(OutboxMessage, message_id) is None:
        abort(404)
    message = retry(message_id)
    if message is None:
        flash(_("这封邮件不是“发送失败”状态,无需重发。"), "error")
    else:
        record("outbox_retry", target=message, summary=message.shown_subject)
        db.session.commit()
        flash(_("邮件 %(id)d 已重新加入发送队列,后台任务将在一分钟内发送。", id=message_id), "success")
    return redirect(url_for(".index"), code=303)
