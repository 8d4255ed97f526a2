"""Comments with decisions on the closed Xihu consultation, with distinctive personal data."""
from __future__ import annotations

from sqlalchemy import select

SECRETS = ["张独特", "13811112222", "zhang.unique@example.com", "独特科技公司", "被拒绝的独特文本", "待审核的独特文本",
           "垃圾独特文本", "spam.unique@example.com", "pending.unique@example.com", "0571-88889999"]


def make_feedback_data(app, slug: str = "xihu-2023") -> dict:
    from helpers import make_comment
    from westlake_feedback.comments.models import Comment
    from westlake_feedback.consultations.models import Clause, Consultation
    from westlake_feedback.extensions import db
    from westlake_feedback.moderation.models import ClauseResponse, Decision

    personal = {"name": "张独特", "phone": "13811112222", "organisation": "独特科技公司"}
    with app.app_context():
        ids = {
            "adopted": make_comment(slug, 12, status="approved", body="建议第十二条写明申报时间。",
                                    email="Zhang.Unique@example.com", **personal),
            "not_adopted": make_comment(slug, 12, status="approved", body="建议取消奖补上限。",
                                        email="zhang.unique@example.com", **personal),
            "rejected": make_comment(slug, 12, status="rejected", body="被拒绝的独特文本", **personal),
            "pending": make_comment(slug, 3, status="pending", body="待审核的独特文本",
                                    email="pending.unique@example.com", **personal),
            "spam": make_comment(slug, 3, status="spam", body="垃圾独特文本", email="spam.unique@example.com"),
            "whole": make_comment(slug, None, status="approved", body="建议整体上加强宣传。", channel="letter",
                                  phone="0571-88889999", **{k: v for k, v in personal.items() if k != "phone"}),
            "undecided": make_comment(slug, 12, status="approved", body="建议增加咨询电话。"),
        }
        decisions = {
            "adopted": ("adopted", "已采纳,第十二条增加申报时间。"),
            "not_adopted": ("not_adopted", "奖补上限由市级政策确定,未予采纳。"),
            "rejected": ("explained", "不公开的答复也不应出现。"),
            "whole": ("partly_adopted", "将结合实施情况加强宣传。"),
        }
        for key, (outcome, response) in decisions.items():
            db.session.add(Decision(comment=db.session.get(Comment, ids[key]), outcome=outcome, response=response))
        consultation = db.session.scalar(select(Consultation).where(Consultation.slug == slug))
        clause = db.session.scalar(select(Clause).where(Clause.consultation_id == consultation.id, Clause.number == 12))
        db.session.add(ClauseResponse(clause=clause, text="第十二条共收到意见若干,已统筹修改。"))
        db.session.commit()
    return ids
