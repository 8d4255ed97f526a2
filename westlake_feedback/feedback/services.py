"""Publishing and unpublishing the office's feedback on a closed consultation. What the feedback
shows, and how it is read, is in report.py."""
from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _

from ..accounts.models import User
from ..audit.services import record
from ..consultations.models import Consultation, WindowState
from ..extensions import db
from ..mail.commenters import enqueue_feedback_published
from ..mail.services import absolute_url
from ..timeutil import now_utc


class FeedbackRefused(ValueError):
    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


def public_feedback_url(consultation: Consultation) -> str:
    return absolute_url("feedback.public", slug=consultation.slug)


def publish_feedback(consultation: Consultation, intro: str, by: User, at: datetime | None = None) -> int:
    """Publish (or update the intro of) the feedback and queue one mail per commenter address.
    Publishing again never mails twice: the outbox's dedupe keys are per consultation and address.
    Commits; returns the number of messages newly queued."""
    at = at or now_utc()
    if consultation.is_draft:
        raise FeedbackRefused(_("草稿尚未发布,不能公布意见采纳情况。"))
    if consultation.window_state(at) is not WindowState.CLOSED:
        raise FeedbackRefused(_("征求意见尚未截止,截止后才能公布意见采纳情况。"))
    intro = (intro or "").strip()
    first = consultation.feedback_published_at is None
    changes = {}
    if intro != consultation.feedback_intro:
        changes["feedback_intro"] = [consultation.feedback_intro, intro]
    consultation.feedback_intro = intro
    if first:
        changes["feedback_published_at"] = [None, at.isoformat()]
        consultation.feedback_published_at = at
        consultation.feedback_published_by_id = by.id
    summary = ("公布意见采纳情况:" if first else "更新意见采纳情况:") + consultation.title
    record("feedback_publish", target=consultation, summary=summary, changes=changes or None, actor=by)
    queued = enqueue_feedback_published(consultation, public_feedback_url(consultation))
    db.session.commit()
    return queued


def unpublish_feedback(consultation: Consultation, by: User) -> None:
    """Take the feedback off the public site (in case of a mistake). The intro is kept; mail
    already queued is not recalled, and publishing again does not mail again."""
    if consultation.feedback_published_at is None:
        raise FeedbackRefused(_("意见采纳情况尚未公布。"))
    changes = {"feedback_published_at": [consultation.feedback_published_at.isoformat(), None]}
    consultation.feedback_published_at = None
    consultation.feedback_published_by_id = None
    record("feedback_unpublish", target=consultation, summary=f"撤回意见采纳情况:{consultation.title}",
           changes=changes, actor=by)
    db.session.commit()
