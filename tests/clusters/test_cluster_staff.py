"""Staff work on clusters: the cluster page and list, one decision and response for a whole
cluster (a row and an audit entry per member), members joining later flagged and answered with
one click, the queue's cluster filter and sort, roles, CSRF, bad input, and statement counts that
do not grow with the cluster."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from bench.campaign import generate
from bench.counts import counting
from helpers import comment_on, consultation, csrf_from, make_comment
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.clusters.models import CommentCluster
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.moderation.models import Decision

SLUG = "xihu-2023-demo"
LETTER = ("我们坚决反对在居民楼楼道内统一设置充电点的做法。楼道是消防通道，电动自行车电池起火后蔓延极快，"
          "建议将充电点统一设在小区室外的独立车棚，配备烟感报警和自动断电装置。{name}")
NAMES = "王伟 李娜 张敏 刘洋 陈静 杨帆 黄磊 赵军 吴艳 周杰 徐娟 孙涛 马超 朱霞 胡平 郭刚".split()


def copies(count: int, clause: int | None = 12, start: int = 0) -> list[int]:
    """Copies of the letter signed by different people: one cluster; returns their ids."""
    return [comment_on(SLUG, clause, body=LETTER.format(name=f"{NAMES[i % len(NAMES)]}{i}")).id
            for i in range(start, start + count)]


def cluster_url(cluster_id: int, suffix: str = "") -> str:
    return f"/staff/c/{SLUG}/clusters/{cluster_id}{suffix}"


def apply(client, cluster_id: int, **data):
    token = csrf_from(client.get(cluster_url(cluster_id)).get_data(as_text=True))
    return client.post(cluster_url(cluster_id, "/apply"), data={"csrf_token": token, **data})


def audit_count(action: str, ids: list[int]) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == action, AuditEntry.target_type == "comments",
        AuditEntry.target_id.in_([str(i) for i in ids])))


@pytest.fixture
def cluster(seeded):
    with seeded.app_context():
        ids = copies(12)
        other = comment_on(SLUG, 12, body="建议进一步细化充电车棚的建设标准，明确由物业公司承担日常巡查责任。").id
        assert {db.session.get(Comment, i).cluster_id for i in ids} == {ids[0]}
    return ids, other


def test_one_decision_and_response_for_the_cluster_writes_a_row_and_an_audit_entry_per_member(seeded, login_as,
                                                                                              cluster):
    ids, other = cluster
    moderator = login_as("moderator")
    response = apply(moderator, ids[0], action="approve", outcome="partly_adopted",
                     response="已吸纳充电车棚的建议,楼道内不设充电点。")
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    page = moderator.get(response.headers["Location"]).get_data(as_text=True)
    assert "已处理本组12条意见:审核状态改变12条,采纳情况写入12条。" in page
    with seeded.app_context():
        decisions = db.session.scalars(select(Decision).where(Decision.comment_id.in_(ids))).all()
        assert len(decisions) == 12
        assert {(d.outcome, d.response) for d in decisions} == {("partly_adopted", "已吸纳充电车棚的建议,楼道内不设充电点。")}
        assert audit_count("decision", ids) == 12 and audit_count("approve", ids) == 12
        hashes = set(db.session.scalars(select(AuditEntry.ip_hash).where(AuditEntry.action == "decision")))
        assert len(hashes) == 1 and None not in hashes  # the request's address hash, as record() writes it
        assert {db.session.get(Comment, i).status for i in ids} == {"approved"}
        assert consultation(SLUG).approved_count == 12  # the stored public counts follow
        assert db.session.get(Comment, other).status == "pending"
        assert db.session.scalar(select(Decision).where(Decision.comment_id == other)) is None
    # Again: nothing changes, nothing is recorded twice.
    response = apply(moderator, ids[0], action="approve", outcome="partly_adopted",
                     response="已吸纳充电车棚的建议,楼道内不设充电点。")
    assert "审核状态改变0条,采纳情况写入0条" in moderator.get(response.headers["Location"]).get_data(as_text=True)
    with seeded.app_context():
        assert audit_count("decision", ids) == 12 and audit_count("approve", ids) == 12


def test_a_member_joining_later_is_undecided_and_gets_the_decision_in_one_click(seeded, login_as, cluster):
    ids, _other = cluster
    moderator = login_as("moderator")
    assert apply(moderator, ids[0], action="approve", outcome="not_adopted", response="楼道设点另行研究。").status_code == 303
    with seeded.app_context():
        late = copies(1, start=40)[0]
        assert db.session.get(Comment, late).cluster_id == ids[0]
        assert db.session.scalar(select(Decision).where(Decision.comment_id == late)) is None
    page = moderator.get(cluster_url(ids[0])).get_data(as_text=True)
    assert "1条意见尚未决定" in page and "已决定12条,未决定1条" in page and 'id="apply-rest"' in page
    queue = moderator.get(f"/staff/c/{SLUG}/comments?cluster=2").get_data(as_text=True)
    assert "1条未决定" in queue
    token = csrf_from(page)
    response = moderator.post(cluster_url(ids[0], "/apply-rest"), data={"csrf_token": token})
    assert response.status_code == 303
    assert "已处理本组1条意见:审核状态改变1条,采纳情况写入1条。" in moderator.get(response.headers["Location"]).get_data(as_text=True)
    with seeded.app_context():
        decision = db.session.scalar(select(Decision).where(Decision.comment_id == late))
        assert (decision.outcome, decision.response) == ("not_adopted", "楼道设点另行研究。")
        assert db.session.get(Comment, late).status == "approved"
        assert audit_count("decision", ids) == 12  # the others were left alone
        assert audit_count("decision", [late]) == 1
    page = moderator.get(cluster_url(ids[0])).get_data(as_text=True)
    assert "尚未决定" not in page and "已决定13条,未决定0条" in page


def test_rest_needs_a_decided_first_comment(seeded, login_as, cluster):
    ids, _other = cluster
    moderator = login_as("moderator")
    token = csrf_from(moderator.get(cluster_url(ids[0])).get_data(as_text=True))
    response = moderator.post(cluster_url(ids[0], "/apply-rest"), data={"csrf_token": token}, follow_redirects=True)
    assert "本组首条意见还没有采纳情况" in response.get_data(as_text=True)
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 0


def test_the_cluster_page_shows_members_against_the_first_comment(seeded, login_as, cluster):
    ids, _other = cluster
    page = login_as("analyst").get(cluster_url(ids[0])).get_data(as_text=True)
    assert "组内意见" in page and "12条" in page
    # The second copy's name differs from the first's: marked with <del>/<ins> and hidden words.
    assert re.search(r'<del class="diff-del"><span class="visually-hidden">\[删除：</span>王伟0', page), page
    assert re.search(r'<ins class="diff-ins"><span class="visually-hidden">\[新增：</span>李娜1', page)
    assert "<form" not in page.split('id="first-heading"')[1]  # analysts read only
    assert 'id="apply-submit"' not in page
    listing = login_as("analyst").get(f"/staff/c/{SLUG}/clusters").get_data(as_text=True)
    assert "共1个相似意见组,含12条意见" in listing and cluster_url(ids[0]) in listing


def test_members_are_paginated(seeded, login_as, cluster, monkeypatch):
    from westlake_feedback.clusters import staff

    ids, _other = cluster
    monkeypatch.setattr(staff, "MEMBERS_PER_PAGE", 5)
    client = login_as("moderator")
    page3 = client.get(cluster_url(ids[0]) + "?page=3").get_data(as_text=True)
    assert "第3页,共3页" in page3 and page3.count('class="diff-text"') == 2 * 2
    assert client.get(cluster_url(ids[0]) + "?page=99").status_code == 200
    assert client.get(cluster_url(ids[0]) + "?page=abc").status_code == 200


@pytest.mark.parametrize("role", ["analyst", "anonymous"])
def test_analysts_and_strangers_cannot_act(seeded, login_as, cluster, role, app):
    ids, _other = cluster
    client = login_as(role) if role != "anonymous" else app.test_client()
    token = csrf_from(client.get(cluster_url(ids[0]) if role == "analyst" else "/staff/login").get_data(as_text=True))
    for suffix in ("/apply", "/apply-rest"):
        response = client.post(cluster_url(ids[0], suffix), data={"csrf_token": token, "action": "approve"})
        assert response.status_code == (403 if role == "analyst" else 302)
    with seeded.app_context():
        assert {db.session.get(Comment, i).status for i in ids} == {"pending"}


@pytest.mark.parametrize(("data", "message"), [
    ({}, "请选择审核操作或采纳情况(至少一项)。"),
    ({"action": "reject"}, "请选择不予公开的原因。"),
    ({"action": "reject", "reason": "other"}, "选择“其他”时,请填写具体原因。"),
    ({"action": "delete-everything"}, "请选择要执行的操作。"),
    ({"outcome": "not_adopted"}, "选择“不采纳”时,请填写答复说明。"),
    ({"outcome": "maybe", "response": "x"}, "请从列表中选择采纳情况。"),
    ({"outcome": "explained", "response": "长" * 2001}, "答复说明不能超过2000个字。"),
    ({"action": "reject", "reason": "other", "note": "长" * 501}, "说明不能超过500个字。"),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(seeded, login_as, cluster, data, message):
    ids, _other = cluster
    moderator = login_as("moderator")
    response = apply(moderator, ids[0], **data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    if "response" in data:
        assert data["response"][:50] in response.get_data(as_text=True)  # the input is kept
    with seeded.app_context():
        assert {db.session.get(Comment, i).status for i in ids} == {"pending"}
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 0


def test_missing_csrf_unknown_and_foreign_clusters(seeded, login_as, cluster):
    ids, _other = cluster
    moderator = login_as("moderator")
    assert moderator.post(cluster_url(ids[0], "/apply"), data={"action": "approve"}).status_code == 400
    assert moderator.post(cluster_url(ids[0], "/apply-rest")).status_code == 400
    assert moderator.get(cluster_url(999999)).status_code == 404
    assert moderator.get(cluster_url(99999999999999)).status_code == 404
    assert moderator.get(f"/staff/c/xihu-2023/clusters/{ids[0]}").status_code == 404  # another consultation
    assert moderator.get("/staff/c/no-such/clusters").status_code == 404
    with seeded.app_context():
        assert {db.session.get(Comment, i).status for i in ids} == {"pending"}


def test_a_merged_cluster_id_leads_to_the_cluster_it_joined(seeded, login_as, cluster):
    ids, _other = cluster
    with seeded.app_context():  # as after a merge: a later member's id names no cluster any more
        assert db.session.get(CommentCluster, ids[3]) is None
    response = login_as("moderator").get(cluster_url(ids[3]))
    assert response.status_code == 302 and response.headers["Location"].endswith(cluster_url(ids[0]))


# The queue ------------------------------------------------------------------------------------

def test_queue_filters_by_cluster_size_and_sorts_largest_first(seeded, login_as):
    with seeded.app_context():
        big = copies(5)
        small = [comment_on(SLUG, 3, body="请把第十二条的补贴标准提高到每户三千元，并简化申报材料。").id for _ in range(3)]
        alone = comment_on(SLUG, 3, body="关于项目资金拨付进度的意见。").id
        old = make_comment(clause=3, body="在归组之前提交的意见。")  # no cluster (not rebuilt)
    client = login_as("moderator")

    def listed(query: str) -> list[int]:
        html = client.get(f"/staff/c/{SLUG}/comments?{query}").get_data(as_text=True)
        return [int(i) for i in re.findall(r'id="open-(\d+)"', html)]

    assert sorted(listed("cluster=2")) == sorted(big + small)
    assert sorted(listed("cluster=4")) == sorted(big)
    assert listed("cluster=6") == []
    assert listed("sort=cluster") == big + small + [alone]  # largest first, first comment first
    assert listed("sort=cluster&cluster=3") == big + small
    html = client.get(f"/staff/c/{SLUG}/comments?sort=cluster").get_data(as_text=True)
    assert "尚未归组" in html and "flask clusters rebuild" in html  # `old` is not listed, and the page says why
    assert old not in listed("sort=cluster")
    for bad in ("abc", "1", "0", "-3", "99999999999", "２", ""):
        assert client.get(f"/staff/c/{SLUG}/comments?cluster={bad}").status_code == 200
        assert len(listed(f"cluster={bad}")) == 10  # ignored: every comment
    # Each row shows its cluster's size and links to the cluster page.
    html = client.get(f"/staff/c/{SLUG}/comments").get_data(as_text=True)
    assert html.count(f'href="/staff/c/{SLUG}/clusters/{big[0]}"') == 5
    assert html.count(f'href="/staff/c/{SLUG}/clusters/{small[0]}"') == 3
    assert f"/clusters/{alone}" not in html and "未归组" in html
    # The exports take the queue's filters and order, this sort too.
    export = client.get(f"/staff/c/{SLUG}/export.csv?sort=cluster&cluster=3")
    assert export.status_code == 200 and export.get_data(as_text=True).count("\r\n") == 1 + 8


def _statements(app, client, url: str) -> int:
    client.get(url)
    with counting(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_statements_do_not_grow_with_the_cluster(seeded, login_as, monkeypatch):
    from westlake_feedback.clusters import staff

    moderator = login_as("moderator")
    with seeded.app_context():
        ids = copies(4)
    pages = [cluster_url(ids[0]), f"/staff/c/{SLUG}/clusters", f"/staff/c/{SLUG}/comments?sort=cluster",
             f"/staff/c/{SLUG}/comments?cluster=2", f"/staff/c/{SLUG}/comments"]
    few = [_statements(seeded, moderator, url) for url in pages]
    with seeded.app_context():
        copies(56, start=4)
        assert db.session.get(CommentCluster, ids[0]).size == 60
    assert [_statements(seeded, moderator, url) for url in pages] == few



OTHER_LETTER = ("恳请在第十二条中写明老旧小区加装电梯的补贴标准，每台补贴不低于二十万元，并由街道统一组织招标，"
                "避免各小区各自询价造成浪费。签名：{name}")


def test_applying_to_a_cluster_costs_the_same_statements_whatever_its_size(seeded, login_as):
    """Members are read and written a chunk at a time with set-based statements (clusters/bulk.py),
    so 6 members and 30 cost the same statements, on SQLite and PostgreSQL alike."""
    moderator = login_as("moderator")
    with seeded.app_context():
        small = [comment_on(SLUG, 12, body=OTHER_LETTER.format(name=f"{NAMES[i]}{i}")).id for i in range(6)]
        large = copies(30)
    seen = {}
    for ids in (small, large):
        token = csrf_from(moderator.get(cluster_url(ids[0])).get_data(as_text=True))
        data = {"csrf_token": token, "action": "approve", "outcome": "adopted"}
        with counting(seeded) as statements:
            assert moderator.post(cluster_url(ids[0], "/apply"), data=data).status_code == 303
        seen[len(ids)] = statements
        with seeded.app_context():
            assert audit_count("approve", ids) == len(ids) and audit_count("decision", ids) == len(ids)
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 36
        dialect = db.engine.dialect.name
    # The audit hashes the moderator's address: the first request may read the month's IP-hash
    # key, which the process then keeps (privacy/iphash.py), so that look-up is not counted.
    seen = {n: [s for s in statements if "ip_hash_keys" not in s] for n, statements in seen.items()}
    assert len(seen[6]) == len(seen[30]) < 40, (dialect, seen[30])


def test_statements_grow_with_the_chunks_not_the_members(seeded, login_as, monkeypatch):
    """Each chunk of members costs at most four writes and its read, whatever is in it."""
    from westlake_feedback.clusters import bulk

    monkeypatch.setattr(bulk, "CHUNK", 10)
    moderator = login_as("moderator")
    with seeded.app_context():
        one_chunk = [comment_on(SLUG, 12, body=OTHER_LETTER.format(name=f"{NAMES[i]}{i}")).id for i in range(10)]
        three_chunks = copies(30)
    seen = {}
    for ids in (one_chunk, three_chunks):
        token = csrf_from(moderator.get(cluster_url(ids[0])).get_data(as_text=True))
        data = {"csrf_token": token, "action": "approve", "outcome": "adopted"}
        with counting(seeded) as statements:
            assert moderator.post(cluster_url(ids[0], "/apply"), data=data).status_code == 303
        seen[len(ids)] = len(statements)
    assert 0 < seen[30] - seen[10] <= 2 * 5, seen


def test_small_chunks_still_reach_every_member(seeded, login_as, cluster, monkeypatch):
    from westlake_feedback.clusters import bulk

    ids, _other = cluster
    monkeypatch.setattr(bulk, "CHUNK", 5)
    assert apply(login_as("admin"), ids[0], action="spam", outcome="explained", response="重复来信。").status_code == 303
    with seeded.app_context():
        assert db.session.scalar(select(func.count()).select_from(Decision)) == 12
        assert {db.session.get(Comment, i).status for i in ids} == {"spam"}


def test_done_scenario_a_campaign_of_500_is_one_cluster_approved_and_answered_in_one_step(seeded, login_as):
    """500 copies of a circulated letter and 500 genuine comments arrive; the moderator finds one
    cluster of about 500 at the top of the cluster list and approves and answers it in one POST."""
    items = generate(copies=500, distinct=500, seed=10)
    with seeded.app_context():
        ids = [comment_on(SLUG, body=text).id for text, _label in items]
    campaign = {i for i, (_text, label) in zip(ids, items) if label == "campaign"}
    moderator = login_as("moderator")
    listing = moderator.get(f"/staff/c/{SLUG}/clusters").get_data(as_text=True)
    top = int(re.search(r'href="/staff/c/[^/]+/clusters/(\d+)"', listing).group(1))
    with seeded.app_context():
        size = db.session.get(CommentCluster, top).size
        assert 475 <= size <= 500
        members = set(db.session.scalars(select(Comment.id).where(Comment.cluster_id == top)))
    assert len(members - campaign) == 0  # nothing genuine in it
    response = apply(moderator, top, action="approve", outcome="partly_adopted",
                     response="感谢来信。关于楼道充电点的意见已部分采纳,详见修改说明。")
    assert response.status_code == 303
    with seeded.app_context():
        decided = set(db.session.scalars(select(Decision.comment_id)))
        assert decided == members
        assert audit_count("decision", sorted(members)) == size
        statuses = dict(db.session.execute(select(Comment.id, Comment.status)).all())
        assert {statuses[i] for i in members} == {"approved"}
        assert {statuses[i] for i in set(ids) - campaign} == {"pending"}
