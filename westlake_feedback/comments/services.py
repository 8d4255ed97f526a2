"""Submitting comments and the queries over them."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from flask import current_app
from sqlalchemy import Select, insert, select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import joinedload, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from ..clusters.services import ClusterChanged, count_into_cluster, join_cluster, lock_for_merge, plan_cluster
from ..db_errors import StoreFailed, attempts, is_retryable
from ..consultations.models import Clause, Consultation, WindowState
from ..extensions import db
from ..mail import commenters as commenter_mail
from ..privacy.iphash import hash_ip
from ..timeutil import now_utc
from .forms import compact_phone
from .models import DEFAULT_LOCALE, Channel, Comment, CommentStatus
from .receipts import new_receipt_code, normalise_receipt_code


class WindowClosed(Exception):
    """Comments are not accepted at this moment; `state` says whether not yet open or closed."""

    def __init__(self, state: WindowState):
        self.state = state
        super().__init__(state.value)


@dataclass
class CommentInput:
    stance: str
    body: str
    identity_type: str
    name: str = ""
    organisation: str = ""
    phone: str = ""
    email: str = ""
    publish_name: bool = False
    token: str | None = None
    honeypot: str = ""


def find_by_token(token: str | None) -> Comment | None:
    if not token:
        return None
    return db.session.scalar(select(Comment).where(Comment.submission_token == token))


def submit_comment(
    consultation: Consultation,
    clause: Clause | None,
    data: CommentInput,
    *,
    ip: str | None = None,
    at: datetime | None = None,
    locale: str | None = None,
) -> Comment:
    """Store a web comment (and its receipt mail, if an address was given) and commit; a replayed
    token returns the comment it already made (found when its INSERT fails on the token's unique
    index: no look-up first for the comments that are no replay). `locale` is the interface
    language the commenter used (their mail is written in it); None means the default, Chinese."""
    at = at or now_utc()
    state = consultation.window_state(at)
    if state is not WindowState.OPEN:
        existing = find_by_token(data.token)  # a replay after the close still gets its receipt
        if existing is not None:
            return existing
        raise WindowClosed(state)

    auto_approve = current_app.config["AUTO_APPROVE_COMMENTS"]
    status = CommentStatus.APPROVED if auto_approve else CommentStatus.PENDING
    if data.honeypot:
        status = CommentStatus.SPAM  # kept, so a person caught by it can still be rescued
    quiet = status is CommentStatus.PENDING and consultation.feedback_published_at is None  # no public change
    for _attempt in attempts():
        comment = _new_web_comment(consultation, clause, data, at, status, locale, ip)
        # The comment's cluster (its sketch and the matching clusters) is read before anything is
        # written: on SQLite the write lock is taken by the first INSERT and held to the commit.
        with db.session.no_autoflush:
            cluster = plan_cluster(consultation.id, comment.body)
        comment.cluster_id = cluster.target
        code = comment.receipt_code
        try:
            lock_for_merge(cluster)  # before the INSERT, whose reference to the target locks it too
            comment = _insert(comment, by_core=quiet)
            join_cluster(comment, cluster)
            # Same transaction: no comment without its receipt, nor the reverse (the worker writes its text).
            commenter_mail.enqueue_receipt(comment, new=True)
            count_into_cluster(cluster)  # last: the row every copy of a campaign updates
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            existing = find_by_token(data.token)
            if existing is not None:  # a concurrent double submit won the race
                return existing
            continue  # otherwise a receipt-code collision: draw again
        except ClusterChanged:
            db.session.rollback()  # a concurrent comment merged the clusters this one matched
            continue
        except OperationalError as error:
            if not is_retryable(error):
                raise
            db.session.rollback()  # PostgreSQL chose this transaction as a deadlock's victim
            continue
        # The commit expired the object; the receipt page's redirect needs only its code, which
        # is known: no SELECT to reload the row just written.
        set_committed_value(comment, "receipt_code", code)
        return comment
    raise StoreFailed()


def _new_web_comment(consultation: Consultation, clause: Clause | None, data: CommentInput, at: datetime,
                     status: CommentStatus, locale: str | None, ip: str | None) -> Comment:
    """The comment as it will be stored, not yet in the session; every column has its value."""
    comment = Comment(
        consultation_id=consultation.id,
        clause_id=clause.id if clause is not None else None,
        round_number=consultation.current_round,
        **commenter_fields(data),
        consent_at=at,
        channel=Channel.WEB.value,
        receipt_code=new_receipt_code(current_app.config["RECEIPT_PREFIX"]),
        status=status.value,
        created_at=at,
        ip_hash=hash_ip(ip, at),
        submission_token=data.token,
        locale=locale if locale in current_app.config["LANGUAGES"] else DEFAULT_LOCALE,
    )
    given = vars(comment)
    for column in Comment.__table__.columns:
        if column.key != "id" and column.key not in given:
            setattr(comment, column.key, None)
    return comment


def _insert(comment: Comment, *, by_core: bool) -> Comment:
    """INSERT the comment and return it, persistent, with its id. A pending comment on a
    consultation without published feedback changes no approved count and no public page, so the
    ORM's unit of work (and the hooks that keep counts and the page-cache version) has nothing to
    do for it: one Core INSERT ... RETURNING id, the object joins the session as already stored,
    and its one feedback tally (pending, undecided) is added as Core statements add theirs.
    Anything else (auto-approved, spam) goes through the ORM flush and its hooks."""
    if not by_core:
        db.session.add(comment)
        db.session.flush()
        return comment
    table = Comment.__table__
    values = {column.key: getattr(comment, column.key) for column in table.columns if column.key != "id"}
    from ..feedback.tallies import UNDECIDED, add_to_tallies  # feedback imports comments' views

    comment.id = db.session.execute(_insert_returning_id(), values).scalar_one()
    make_transient_to_detached(comment)
    db.session.add(comment)
    add_to_tallies(db.session, Counter({
        (comment.consultation_id, comment.clause_id, comment.round_number, comment.status, UNDECIDED): 1}))
    return comment


@cache
def _insert_returning_id():
    table = Comment.__table__
    return insert(table).returning(table.c.id)


def comment_by_receipt(raw_code: str) -> Comment | None:
    """The comment with that receipt code, with its consultation and clause (which the receipt
    page shows) loaded by the same query."""
    code = normalise_receipt_code(raw_code, current_app.config["RECEIPT_PREFIX"])
    if code is None:
        return None
    return db.session.scalar(
        select(Comment).where(Comment.receipt_code == code)
        .options(joinedload(Comment.consultation), joinedload(Comment.clause))
    )


def published_comments_for_clause(clause: Clause) -> Select:
    return (
        select(Comment)
        .where(Comment.clause_id == clause.id, Comment.status == CommentStatus.APPROVED.value)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )


def commenter_fields(data) -> dict:
    """The commenter's words and details, normalised alike for web and offline comments."""
    return {
        "stance": data.stance,
        "body": data.body,
        "name": data.name or None,
        "identity_type": data.identity_type,
        "organisation": data.organisation or None,
        "phone": compact_phone(data.phone) or None,
        "email": data.email.lower() or None,
        "publish_name": bool(getattr(data, "publish_name", False)),
    }


def published_comment_counts(consultation: Consultation) -> dict[int | None, int]:
    """Approved comments per clause id (None: on the whole draft), from the stored counts (see
    counts.py): no comment is counted here, so the cost does not grow with their number."""
    counts: dict[int | None, int] = {clause.id: clause.approved_count for clause in consultation.clauses}
    counts[None] = consultation.approved_count - sum(counts.values())
    return counts
