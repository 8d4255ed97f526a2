"""Every staff page is reachable by following links from /staff/, each consultation's pages within
two clicks; the per-consultation tab bar shows only what the role may open; drafts link to their
admin preview, never to a public page that answers 404."""
from __future__ import annotations

from collections import deque
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from werkzeug.exceptions import HTTPException

from helpers import STAFF_EMAILS, comment_on

# Files, not pages: the crawl checks they are linked but never downloads them.
DOWNLOADS = {"exports.export", "reports.download", "intake.download"}
# The way in before there is a session; a signed-in admin has no reason to see it.
NOT_FOR_SIGNED_IN = {"accounts.login"}
TABS_LABEL = "本征求意见的工作页面"
DRAFT = "draft-nav"

ALL_TABS = ["意见", "相似意见", "线下录入", "条款答复", "标签", "报告", "导出", "公开反馈", "设置"]
TABS_BY_ROLE = {
    "admin": ALL_TABS,
    "moderator": ["意见", "相似意见", "线下录入", "条款答复", "标签", "报告", "导出"],
    "analyst": ["意见", "相似意见", "条款答复", "标签", "报告", "导出"],
}


def tab_paths(slug: str, *, draft: bool = False) -> list[str]:
    """The admin's tab pages of one consultation (no offline intake for a draft)."""
    paths = [f"/staff/c/{slug}/comments", f"/staff/c/{slug}/clusters", f"/staff/intake/{slug}/new", f"/staff/c/{slug}/clauses", f"/staff/c/{slug}/tags",
             f"/staff/c/{slug}/reports", f"/staff/c/{slug}/exports", f"/staff/consultations/{slug}/feedback",
             f"/staff/consultations/{slug}"]
    return [p for p in paths if not (draft and "/intake/" in p)]


class PageLinks(HTMLParser):
    """Every <a href>, and the links of the consultation tab bar with their aria-current."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.tab_navs = 0
        self.tabs: list[dict] = []
        self._nav_depth = 0
        self._in_tabs = False
        self._tab: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "nav":
            self._nav_depth += 1
            if attrs.get("aria-label") == TABS_LABEL:
                self.tab_navs += 1
                self._in_tabs = True
                self._tabs_level = self._nav_depth
        if tag == "a" and attrs.get("href"):
            self.hrefs.append(attrs["href"])
            if self._in_tabs:
                self._tab = {"href": attrs["href"], "current": attrs.get("aria-current"), "text": ""}

    def handle_data(self, data):
        if self._tab is not None:
            self._tab["text"] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._tab is not None:
            self._tab["text"] = self._tab["text"].strip()
            self.tabs.append(self._tab)
            self._tab = None
        if tag == "nav":
            if self._in_tabs and self._nav_depth == self._tabs_level:
                self._in_tabs = False
            self._nav_depth -= 1


def parse(html: str) -> PageLinks:
    parser = PageLinks()
    parser.feed(html)
    return parser


@pytest.fixture
def navigable(seeded, staff, made_offline):
    """The seed, a web comment on the demo, an offline letter with its original, a finished
    report, and a draft."""
    from westlake_feedback.consultations.services import read_draft_file, SEED_PATH
    from westlake_feedback.extensions import db
    from westlake_feedback.manage.services import DraftMeta, create_draft
    from westlake_feedback.timeutil import now_utc

    from sqlalchemy import select

    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.reports.models import Report, ReportStatus

    with seeded.app_context():
        comment_on("xihu-2023-demo", 12)
        comment_on("xihu-2023-demo", 12)  # a copy: a cluster of two, whose page the queue links to
        demo = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023-demo"))
        # A finished report version: the crawl sees its download links and never opens the files.
        db.session.add(Report(consultation=demo, version=1, trigger="manual", status=ReportStatus.DONE.value,
                              finished_at=now_utc(), html=b"<p>r</p>", docx=b"d", xlsx=b"x"))
        from westlake_feedback.tags.models import Tag

        db.session.add(Tag(consultation_id=demo.id, name="资金", description="涉及资金"))  # its edit page
        start = now_utc() + timedelta(days=30)
        create_draft(read_draft_file(SEED_PATH), DraftMeta(
            title="导航测试草稿", slug=DRAFT, opens_at=start, closes_at=start + timedelta(days=10), issuer="",
            contact_person="", phone="", email="", postal_address="", postcode=""))
        db.session.commit()
        # An unpublished revised draft (round 2) of the closed one: its alignment and clause pages.
        from round_helpers import done_redraft
        from westlake_feedback.consultations.parser import parse_draft
        from westlake_feedback.rounds.services import import_round

        real = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023"))
        import_round(parse_draft(done_redraft()), real, opens_at=start, closes_at=start + timedelta(days=10))
    return seeded


@pytest.fixture
def made_offline(seeded, staff):
    from sqlalchemy import select

    from intake_helpers import make_pdf
    from westlake_feedback.accounts.services import user_by_email
    from westlake_feedback.consultations.models import Consultation
    from westlake_feedback.extensions import db
    from westlake_feedback.intake.services import OfflineInput, record_offline_comment
    from westlake_feedback.intake.uploads import InspectedUpload
    from westlake_feedback.timeutil import now_utc, to_local

    with seeded.test_request_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu-2023-demo"))
        comment = record_offline_comment(
            consultation,
            OfflineInput(channel="letter", received_on=to_local(now_utc()).date(), stance="support",
                         body="来信支持第十二条。", identity_type="individual", clause_number=12),
            InspectedUpload(make_pdf(), "scan.pdf", "application/pdf", "pdf"),
            by=user_by_email(STAFF_EMAILS["moderator"]),
        )
        return comment.id


def crawl(app, client, start: str = "/staff/"):
    """Breadth-first over same-origin GET links in the staff area, each path once (the first URL
    found for it, so its depth is the fewest clicks from `start`). Returns the depth of every path,
    the endpoint of every page, the downloads and public links seen, and any page that failed."""
    adapter = app.url_map.bind("localhost")
    depth = {urlsplit(start).path: 0}
    endpoints: dict[str, str] = {}
    downloads: set[str] = set()
    public: set[str] = set()
    failures: list[str] = []
    queue = deque([start])
    while queue:
        url = queue.popleft()
        path = urlsplit(url).path
        response = client.get(url)
        if response.status_code != 200:
            failures.append(f"{url} -> {response.status_code}")
            continue
        endpoints[path] = adapter.match(path, method="GET")[0]
        for href in parse(response.get_data(as_text=True)).hrefs:
            target = urlsplit(urljoin(f"http://localhost{url}", href))
            if target.scheme not in ("http", "https") or target.netloc != "localhost":
                continue
            if not target.path.startswith("/staff/"):
                public.add(target.path)
                continue
            try:
                endpoint = adapter.match(target.path, method="GET")[0]
            except HTTPException:
                failures.append(f"{url} links to {href}, which is no GET page")
                continue
            if endpoint in DOWNLOADS:
                downloads.add(endpoint)
                continue
            if target.path not in depth:
                depth[target.path] = depth[path] + 1
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return depth, endpoints, downloads, public, failures


def staff_get_pages(app) -> set[str]:
    return {
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/staff") and "GET" in rule.methods
        and rule.endpoint not in DOWNLOADS | NOT_FOR_SIGNED_IN
    }


def test_an_admin_reaches_every_staff_page_by_links_from_the_dashboard(navigable, login_as):
    depth, endpoints, downloads, public, failures = crawl(navigable, login_as("admin"))
    assert failures == []
    missing = staff_get_pages(navigable) - set(endpoints.values())
    assert missing == set(), f"staff pages no link leads to: {sorted(missing)}"
    assert downloads == DOWNLOADS  # exports, report files and originals are linked too
    # Every public page a staff page links to exists (a draft links to its preview instead).
    client = login_as("admin")
    broken = [path for path in sorted(public) if client.get(path).status_code not in (200, 302)]
    assert broken == []


def test_each_consultations_pages_are_at_most_two_clicks_from_the_dashboard(navigable, login_as):
    depth, endpoints, _downloads, _public, _failures = crawl(navigable, login_as("admin"))
    for slug, draft in (("xihu-2023-demo", False), ("xihu-2023", False), (DRAFT, True)):
        far = {path: depth.get(path) for path in tab_paths(slug, draft=draft) if depth.get(path, 99) > 2}
        assert far == {}, f"{slug}: pages more than two clicks from /staff/ (None: unreachable)"
    assert depth[f"/staff/c/xihu-2023-demo/reports"] <= 2


@pytest.mark.parametrize("role", ["admin", "moderator", "analyst"])
def test_the_tab_bar_shows_only_the_pages_the_role_may_open(navigable, login_as, role):
    client = login_as(role)
    queue = parse(client.get("/staff/c/xihu-2023-demo/comments").get_data(as_text=True))
    assert queue.tab_navs == 1
    assert [tab["text"] for tab in queue.tabs] == TABS_BY_ROLE[role]
    for tab in queue.tabs:  # each tab opens for this role and is the current one there
        response = client.get(tab["href"])
        assert response.status_code == 200, tab
        there = parse(response.get_data(as_text=True))
        assert [t["text"] for t in there.tabs if t["current"] == "page"] == [tab["text"]]
        assert [t["text"] for t in there.tabs] == TABS_BY_ROLE[role]
    admin_tabs = parse(login_as("admin").get("/staff/c/xihu-2023-demo/comments").get_data(as_text=True)).tabs
    for tab in admin_tabs:
        if tab["text"] not in TABS_BY_ROLE[role]:
            assert client.get(tab["href"]).status_code == 403, tab


def test_sub_pages_mark_their_tab_as_current(navigable, login_as, made_offline):
    client = login_as("admin")
    for url, tab in ((f"/staff/comments/{made_offline}", "意见"), ("/staff/c/xihu-2023-demo/clauses/12/response", "条款答复"),
                     (f"/staff/intake/entries/{made_offline}", "线下录入"), ("/staff/c/xihu-2023-demo/visibility", "设置"),
                     ("/staff/consultations/xihu-2023-demo/preview", "设置")):
        tabs = parse(client.get(url).get_data(as_text=True)).tabs
        assert [t["text"] for t in tabs if t["current"]] == [tab], url
        assert [t["current"] for t in tabs if t["current"]] == ["true"], url


@pytest.mark.parametrize("role", ["admin", "moderator"])
def test_a_draft_links_to_its_preview_never_to_a_public_page(navigable, login_as, role):
    client = login_as(role)
    for url in ("/staff/", f"/staff/c/{DRAFT}/comments", f"/staff/consultations/" if role == "admin" else "/staff/"):
        hrefs = parse(client.get(url).get_data(as_text=True)).hrefs
        assert not [h for h in hrefs if h.startswith(f"/c/{DRAFT}/")], url
        if role == "admin":
            assert f"/staff/consultations/{DRAFT}/preview" in hrefs, url
    assert client.get(f"/c/{DRAFT}/").status_code == 404  # still not public
