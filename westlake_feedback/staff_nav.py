"""The tab bar every per-consultation staff page shows: which pages the signed-in role may open
(the same role sets the views check), and which tab the current page belongs to."""
from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from .accounts.access import ADMINS, EDITORS, STAFF
from .accounts.models import Role


@dataclass(frozen=True)
class TabSpec:
    label: object
    endpoint: str  # the tab's own page, with `slug=` as its only argument
    roles: tuple[Role, ...]
    section: frozenset[str]  # endpoints of the pages that belong to this tab
    for_drafts: bool = True


TABS = (
    TabSpec(_l("意见"), "moderation.queue", STAFF,
            frozenset({"moderation.index", "moderation.queue", "moderation.bulk", "moderation.comment",
                       "moderation.approve_comment", "moderation.reject_comment", "moderation.spam_comment",
                       "moderation.redact_comment", "moderation.restore_comment", "moderation.decide_comment",
                       "moderation.withdraw_name_view", "tags.comment_tags", "tags.bulk_tags"})),
    TabSpec(_l("相似意见"), "clusters.index", STAFF,
            frozenset({"clusters.index", "clusters.cluster", "clusters.apply", "clusters.apply_rest"})),
    TabSpec(_l("线下录入"), "intake.new", EDITORS, frozenset({"intake.new", "intake.create", "intake.entry"}),
            for_drafts=False),
    TabSpec(_l("条款答复"), "moderation.clause_responses", STAFF,
            frozenset({"moderation.clause_responses", "moderation.clause_response", "moderation.save_clause_response"})),
    TabSpec(_l("标签"), "tags.codebook", STAFF,
            frozenset({"tags.codebook", "tags.create", "tags.edit", "tags.update", "tags.delete"})),
    TabSpec(_l("报告"), "reports.index", STAFF, frozenset({"reports.index", "reports.request_build"})),
    TabSpec(_l("导出"), "exports.index", STAFF, frozenset({"exports.index"})),
    TabSpec(_l("公开反馈"), "feedback.manage", ADMINS,
            frozenset({"feedback.manage", "feedback.publish", "feedback.unpublish"})),
    TabSpec(_l("设置"), "manage.detail", ADMINS,
            frozenset({"manage.detail", "manage.draft_preview", "manage.publish_view", "manage.close_view",
                       "manage.archive_view", "manage.window_view", "moderation.visibility",
                       "moderation.save_visibility"})),
)


@dataclass(frozen=True)
class Tab:
    label: str
    url: str
    current: str | None  # "page" on the tab's own page, "true" on a page inside it


def consultation_tabs(consultation) -> list[Tab]:
    """The tabs of `consultation` the current user may open, in the order they are shown."""
    if consultation is None or not current_user.is_authenticated:
        return []
    tabs = []
    for spec in TABS:
        if not current_user.has_role(*spec.roles) or (consultation.is_draft and not spec.for_drafts):
            continue
        url = url_for(spec.endpoint, slug=consultation.slug)
        current = None
        if request.endpoint in spec.section:
            current = "page" if request.endpoint == spec.endpoint and request.path == url else "true"
        tabs.append(Tab(str(spec.label), url, current))
    return tabs
