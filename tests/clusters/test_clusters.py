"""Near-duplicate clusters: the generated campaign, clustering as comments arrive (web and
offline) against `flask clusters rebuild`, and determinism across app instances."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bench.campaign import generate, pair_scores
from helpers import comment_on, consultation, create_staff
from westlake_feedback.clusters.models import ClusterBand, CommentCluster
from westlake_feedback.clusters.services import cluster_counts, cluster_info
from westlake_feedback.clusters.signatures import Sketch, normalise
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db

SLUG = "xihu-2023-demo"


def clusters_by_id() -> dict[int, int | None]:
    return dict(db.session.execute(select(Comment.id, Comment.cluster_id).order_by(Comment.id)).all())


def test_normalisation_folds_widths_and_drops_punctuation_and_blanks():
    assert normalise("建议ＡＢＣ１２３，进一步\n 细化！!") == normalise("建议abc123,进一步细化") == "建议abc123进一步细化"
    assert Sketch("同意。", 0.8).keys == Sketch("同意!", 0.8).keys
    assert Sketch("。。。", 0.8).keys == []  # nothing left: never clustered with anything


def test_generated_campaign_is_one_cluster_and_boilerplate_opinions_stay_apart(seeded, runner):
    """500 copies of a circulated letter (names, punctuation, widths and a few characters changed)
    and 500 distinct opinions sharing stock phrases, submitted one by one; then rebuilt."""
    items = generate(copies=500, distinct=500, seed=10)
    with seeded.app_context():
        ids = [comment_on(SLUG, body=text).id for text, _label in items]
        truth = [label for _text, label in items]
        online = clusters_by_id()
        precision, recall = pair_scores(truth, [online[i] for i in ids])
        assert precision >= 0.95 and recall >= 0.95, (precision, recall)
        sizes = sorted(db.session.scalars(select(CommentCluster.size)), reverse=True)
        assert 475 <= sizes[0] <= 500 and sum(sizes) == 1000
        info = cluster_info(ids[:3])
        assert all(info[i] == (online[i], db.session.get(CommentCluster, online[i]).size) for i in ids[:3])
        assert cluster_counts(consultation(SLUG))[0] == 1000
        bands = db.session.scalar(select(func.count()).select_from(ClusterBand))

    result = runner.invoke(args=["clusters", "rebuild", SLUG])
    assert result.exit_code == 0, result.output
    assert "1000 comments" in result.output
    with seeded.app_context():
        assert clusters_by_id() == online  # the same rule in id order: the same clusters, same ids
        assert db.session.scalar(select(func.count()).select_from(ClusterBand)) == bands
    again = runner.invoke(args=["clusters", "rebuild", SLUG])
    assert again.exit_code == 0 and again.output.splitlines()[-1] == result.output.splitlines()[-1]
    with seeded.app_context():
        assert clusters_by_id() == online


def test_small_edits_join_and_different_opinions_do_not(seeded):
    letter = ("我们坚决反对在居民楼楼道内统一设置充电点的做法。楼道是消防通道，电动自行车电池起火后蔓延极快，"
              "建议将充电点统一设在小区室外的独立车棚，配备烟感报警和自动断电装置。")
    with seeded.app_context():
        first = comment_on(SLUG, body=letter)
        copies = [
            comment_on(SLUG, body=letter),  # an exact copy
            comment_on(SLUG, body=letter.replace("，", ",").replace("。", ".")),  # other punctuation
            comment_on(SLUG, body="张三：" + letter.replace("电动", "电动的")),  # a name and a character added
        ]
        other = comment_on(SLUG, body="建议进一步细化充电车棚的建设标准，明确由物业公司承担日常巡查责任。")
        short = comment_on(SLUG, body="建议进一步细化。")
        short_again = comment_on(SLUG, body="建议进一步细化!")
        assert {c.cluster_id for c in copies} == {first.id}
        assert other.cluster_id == other.id and short.cluster_id == short.id
        assert short_again.cluster_id == short.id
        assert db.session.get(CommentCluster, first.id).size == 4


def test_offline_comments_are_clustered_in_the_same_transaction(seeded):
    from westlake_feedback.accounts.models import User
    from westlake_feedback.intake.services import OfflineInput, record_offline_comment
    from westlake_feedback.timeutil import now_utc, to_local

    create_staff(seeded)
    with seeded.app_context():
        web = comment_on(SLUG, body="请把第十二条的补贴标准提高到每户三千元，并简化申报材料。")
        staff = db.session.scalar(select(User).where(User.email == "moderator@xihu.example"))
        letter = record_offline_comment(
            consultation(SLUG),
            OfflineInput(channel="letter", received_on=to_local(now_utc()).date(), stance="amend",
                         body="请把第十二条的补贴标准提高到每户三千元,并简化申报材料!", identity_type="individual"),
            by=staff,
        )
        assert letter.cluster_id == web.id
        assert db.session.get(CommentCluster, web.id).size == 2


def test_clusters_are_the_same_in_two_app_instances(seeded, app_factory):
    """A second app (as a second process or a restart would be) continues from the stored band
    keys: nothing is kept in memory between requests."""
    letter = "本人坚决支持在小区室外集中建设充电车棚，并由街道统一监督物业公司落实日常巡查。"
    with seeded.app_context():
        first = comment_on(SLUG, body=letter).id
    other = app_factory()
    with other.app_context():
        copy = comment_on(SLUG, body=letter.replace("本人", "我"))
        assert copy.cluster_id == first


@pytest.mark.parametrize("threshold", [0.95, 0.6])
def test_threshold_is_configurable(app_factory, threshold):
    from helpers import seed

    app = app_factory(CLUSTER_THRESHOLD=threshold)
    seed(app)
    base = "建议将充电点统一设在小区室外的独立车棚，配备烟感报警和自动断电装置，由物业公司负责日常巡查。"
    with app.app_context():
        first = comment_on(SLUG, body=base)
        edited = comment_on(SLUG, body=base.replace("物业公司", "社区居委会"))
        assert (edited.cluster_id == first.id) is (threshold < 0.9)


def test_rebuild_of_an_unknown_consultation_fails_cleanly(runner, seeded):
    result = runner.invoke(args=["clusters", "rebuild", "no-such-slug"])
    assert result.exit_code != 0 and "no consultation" in result.output
