"""Recording staff actions. `record()` only adds to the session: the action's own commit saves it."""
from __future__ import annotations

import json
from datetime import datetime

from flask import g, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, select

from ..extensions import db
from .models import AuditEntry

ACTION_LABELS = {
    "login": _l("登录"),
    "logout": _l("退出登录"),
    "login_failed": _l("登录失败"),
    "lockout": _l("账户锁定"),
    "password_change": _l("修改密码"),
    "user_change": _l("用户变更"),
    "approve": _l("审核通过"),
    "reject": _l("不予公开"),
    "spam": _l("标记为垃圾信息"),
    "redact": _l("编辑公开文本"),
    "decision": _l("采纳决定"),
    "clause_response": _l("条款答复"),
    "offline_entry": _l("线下意见录入"),
    "export": _l("导出"),
    "download_original": _l("下载原件"),
    "consultation_change": _l("征求意见变更"),
    "setting_change": _l("设置变更"),
    "outbox_retry": _l("邮件重发"),
    "report_build": _l("生成报告"),
    "feedback_publish": _l("公布意见采纳情况"),
    "feedback_unpublish": _l("撤回意见采纳情况"),
    "privacy_purge": _l("到期删除个人信息"),
    "codebook_change": _l("标签库变更"),
    "comment_tags": _l("意见标签"),
}


def record(
    action: str,
    *,
    target=None,
    target_type: str | None = None,
    target_id=None,
    summary: str = "",
    changes: dict | None = None,
    actor=None,
    actor_email: str | None = None,
) -> AuditEntry:
    if actor is None and has_request_context() and current_user and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if target is not None:
        target_type = target_type or target.__tablename__
        target_id = target_id if target_id is not None else target.id
    entry = AuditEntry(**entry_values(action, target_type=target_type, target_id=target_id, summary=summary,
                                      changes=changes, actor=actor, actor_email=actor_email))
    db.session.add(entry)
    return entry


def entry_values(action: str, *, target_type: str | None, target_id, summary: str, changes: dict | None,
                 actor, actor_email: str | None = None) -> dict:
    """The columns of one audit entry (but its time), as record() writes them: for writers that
    insert many entries with one statement (clusters/bulk.py)."""
    if action not in ACTION_LABELS:
        raise ValueError(f"unknown audit action {action!r}")
    return {
        "action": action,
        "actor_id": actor.id if actor is not None else None,
        "actor_email": actor.email if actor is not None else actor_email,
        "target_type": target_type,
        "target_id": str(target_id) if target_id is not None else None,
        "summary": summary,
        "changes": encode_changes(changes),
        "ip_hash": _ip_hash(),
    }


def encode_changes(changes: dict | None) -> str | None:
    return json.dumps(changes, ensure_ascii=False, default=str) if changes else None


def _ip_hash() -> str | None:
    """Once per request (a bulk action records thousands of entries; each hash reads the key)."""
    if not has_request_context():
        return None
    from ..privacy.iphash import hash_ip

    if "audit_ip_hash" not in g:
        g.audit_ip_hash = hash_ip(request.remote_addr)
    return g.audit_ip_hash


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields whose value changed."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def audit_entries(
    *,
    action: str | None = None,
    actor: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select:
    query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
    if action:
        query = query.where(AuditEntry.action == action)
    if actor:
        query = query.where(AuditEntry.actor_email.contains(actor, autoescape=True))
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == str(target_id))
    if since:
        query = query.where(AuditEntry.at >= since)
    if until:
        query = query.where(AuditEntry.at < until)
    return query
