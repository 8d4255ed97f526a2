"""The importer service and CLI on a real database (parser details: test_parser.py)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from westlake_feedback.comments.models import Comment
from westlake_feedback.consultations.models import Clause, Consultation, Section
from westlake_feedback.consultations.services import SEED_PATH
from westlake_feedback.extensions import db

SEED_DEPARTMENTS = [
    "区发改经信局",
    "区科技局",
    "区发改经信局",
    "区商务局",
    "区商务局、区投资促进局",
    "区农业农村局、区发改经信局",
    "区人力社保局",
]


def counts(app, slug):
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        sections = db.session.scalar(select(func.count()).select_from(Section).where(Section.consultation == consultation))
        clauses = db.session.scalar(select(func.count()).select_from(Clause).where(Clause.consultation == consultation))
        return sections, clauses


def test_cli_imports_the_seed_with_seven_sections_and_52_clauses(app, runner):
    result = runner.invoke(args=["consultations", "import", str(SEED_PATH), "--slug", "xihu"])
    assert result.exit_code == 0, result.output
    assert "created xihu: 7 sections, 52 clauses" in result.output
    assert counts(app, "xihu") == (7, 52)
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "xihu"))
        assert [s.lead_department for s in consultation.sections] == SEED_DEPARTMENTS
        assert [c.number for c in consultation.clauses] == list(range(1, 53))
        assert consultation.clauses[0].title == "强化项目建设资金保障"
        assert consultation.email == "xkh_work@sina.com"
        assert consultation.title == "关于推动经济高质量发展的若干政策(征求意见稿)"
        assert consultation.opens_at.isoformat() == "2023-03-14T16:00:00+00:00"
        assert consultation.closes_at.isoformat() == "2023-03-22T16:00:00+00:00"
        assert not consultation.is_demo


def test_reimport_updates_in_place_and_keeps_comments(app, runner):
    runner.invoke(args=["consultations", "import", str(SEED_PATH), "--slug", "xihu"])
    with app.app_context():
        clause = db.session.scalar(select(Clause).where(Clause.number == 12))
        clause_id = clause.id
        db.session.add(Comment(consultation=clause.consultation, clause=clause, stance="support", body="同意本条。",
                               identity_type="individual", receipt_code="XH-AAAA-BBBB"))
        clause.body = "changed by hand"
        db.session.commit()
    result = runner.invoke(args=["consultations", "import", str(SEED_PATH), "--slug", "xihu"])
    assert result.exit_code == 0 and "updated xihu" in result.output
    assert counts(app, "xihu") == (7, 52)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 1
        clause = db.session.get(Clause, clause_id)
        assert clause.number == 12 and clause.body != "changed by hand"
        assert db.session.scalar(select(Comment.clause_id)) == clause_id


def test_reimport_refuses_to_drop_a_clause_that_has_comments(app, runner, tmp_path):
    runner.invoke(args=["consultations", "import", str(SEED_PATH), "--slug", "xihu"])
    with app.app_context():
        clause = db.session.scalar(select(Clause).where(Clause.number == 52))
        db.session.add(Comment(consultation=clause.consultation, clause=clause, stance="support", body="同意本条。",
                               identity_type="individual", receipt_code="XH-AAAA-CCCC"))
        db.session.commit()
    lines = SEED_PATH.read_text(encoding="utf-8").splitlines()
    shorter = tmp_path / "shorter.txt"
    shorter.write_text("\n".join(line for line in lines if not line.startswith("52.")), encoding="utf-8")
    result = runner.invoke(args=["consultations", "import", str(shorter), "--slug", "xihu"])
    assert result.exit_code != 0
    assert "第52条" in result.output
    assert counts(app, "xihu") == (7, 52)


def test_window_options_and_demo_flag(app, runner):
    result = runner.invoke(args=["consultations", "import", str(SEED_PATH), "--slug", "demo", "--demo",
                                 "--opens", "2030-01-01", "--closes", "2030-01-09T00:00:00"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == "demo"))
        assert consultation.is_demo
        assert consultation.opens_at.isoformat() == "2029-12-31T16:00:00+00:00"
        assert consultation.closes_at.isoformat() == "2030-01-08T16:00:00+00:00"


def test_unreadable_file_is_refused_naming_the_line(app, runner, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_text("关于某事的若干措施\n1.第一条措施。内容。\n2.第二条措施。内容。\n5.第五条措施。内容。\n",
                   encoding="utf-8")
    result = runner.invoke(args=["consultations", "import", str(bad), "--slug", "bad"])
    assert result.exit_code != 0
    assert "bad.txt" in result.output and "第4行" in result.output
    nothing = tmp_path / "nothing.txt"
    nothing.write_text("这只是一段普通的文字。\n没有任何条款。\n", encoding="utf-8")
    result = runner.invoke(args=["consultations", "import", str(nothing), "--slug", "bad"])
    assert result.exit_code != 0 and "条款" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0


def test_bad_window_option_is_a_clear_error(app, runner):
    result = runner.invoke(args=["consultations", "import", str(SEED_PATH), "--opens", "next tuesday"])
    assert result.exit_code != 0 and "not an ISO date" in result.output


def test_seed_command_makes_real_and_demo(app, runner):
    result = runner.invoke(args=["consultations", "seed"])
    assert result.exit_code == 0, result.output
    assert counts(app, "xihu-2023") == (7, 52) and counts(app, "xihu-2023-demo") == (7, 52)
    again = runner.invoke(args=["consultations", "seed"])
    assert again.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 2


DRAFTS = Path(__file__).parent / "drafts"


def test_a_deadline_only_notice_opens_at_its_signature_date_and_closes_after_the_deadline_day(app, runner):
    for name, slug in (("judicial-deadline-signature.txt", "dogs"), ("tail-notice-after-draft.txt", "green")):
        result = runner.invoke(args=["consultations", "import", str(DRAFTS / name), "--slug", slug])
        assert result.exit_code == 0, result.output
    with app.app_context():
        dogs = db.session.scalar(select(Consultation).where(Consultation.slug == "dogs"))
        assert dogs.issuer == "某某市司法局"
        assert dogs.opens_at.isoformat() == "2019-05-31T16:00:00+00:00"      # 2019-06-01 00:00 Asia/Shanghai
        assert dogs.closes_at.isoformat() == "2019-06-30T16:00:00+00:00"     # end of 6-30 = 07-01 00:00 local
        green = db.session.scalar(select(Consultation).where(Consultation.slug == "green"))
        assert (green.issuer, green.opens_at.isoformat(), green.closes_at.isoformat()) == (
            "某某市园林绿化局", "2019-06-13T16:00:00+00:00", "2019-07-15T16:00:00+00:00")
        assert green.clauses[-1].body == "本办法自公布之日起施行。"
        assert green.closing_text.startswith("社会各界可于2019年7月15日以前")


def test_a_text_without_any_window_is_refused_by_the_cli(app, runner):
    result = runner.invoke(args=["consultations", "import", str(DRAFTS / "no-window.txt"), "--slug", "lift"])
    assert result.exit_code != 0
    assert "原文中没有找到征求意见的起止日期" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Consultation)) == 0


def test_headings_alone_on_their_line_are_shown_once_on_the_full_text(app, runner, client):
    result = runner.invoke(args=["consultations", "import", str(DRAFTS / "reform-heading-alone.txt"), "--slug", "biz"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        clause = db.session.scalar(select(Clause).where(Clause.number == 2))
        assert (clause.title, clause.body) == ("改革目标", "到2025年，营商环境主要指标达到全国先进水平，市场主体满意度持续提升。")
        assert not clause.title_in_body
        seed_like = Clause(title="强化项目建设资金保障", body="强化项目建设资金保障。围绕保障重大项目建设。")
        assert seed_like.title_in_body and Clause(title="立法目的", body="(立法目的)为了规范。").title_in_body
    page = client.get("/c/biz/full").get_data(as_text=True)
    assert page.count("改革目标") == 1
    assert '<span class="clause-no">（二）</span>改革目标</p>' in page
    assert page.count("将营商环境改革纳入年度综合考核") == 1
