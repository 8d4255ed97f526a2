"""Public JSON shapes. Only published data: never a phone number, email, IP hash or receipt code;
a name or organisation only as `author`, where the commenter agreed to publish it."""
from __future__ import annotations

from datetime import datetime

from ..comments.models import Comment
from ..consultations.models import Clause, Consultation, Section


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def consultation_summary(consultation: Consultation, at: datetime, comment_count: int) -> dict:
    return {
        "slug": consultation.slug,
        "title": consultation.title,
        "issuer": consultation.issuer,
        "published_at": iso(consultation.published_at),
        "opens_at": iso(consultation.opens_at),
        "closes_at": iso(consultation.closes_at),
        "window_state": consultation.window_state(at).value,
        "is_demo": consultation.is_demo,
        "published_comment_count": comment_count,
        "current_round": consultation.current_round,
    }


def clause_summary(clause: Clause, count: int) -> dict:
    return {
        "number": clause.number,
        "label": clause.label,
        "title": clause.title,
        "section_number": clause.section.number if clause.section else None,
        "published_comment_count": count,
    }


def clause_detail(clause: Clause, count: int) -> dict:
    return {**clause_summary(clause, count), "text": clause.body}


def section(section: Section, counts: dict) -> dict:
    return {
        "number": section.number,
        "label": section.label,
        "heading": section.heading,
        "lead_department": section.lead_department,
        "intro": section.intro,
        "clauses": [clause_summary(c, counts.get(c.id, 0)) for c in section.clauses],
    }


def comment(comment: Comment) -> dict:
    return {
        "id": comment.id,
        "clause_number": comment.clause.number if comment.clause else None,
        "stance": comment.stance,
        "identity_type": comment.identity_type,
        "channel": comment.channel,
        "created_at": iso(comment.created_at),
        "text": comment.public_body,
        "author": comment.public_author,
        "round": comment.round_number,
    }


def clause_feedback(item, current_round: int = 1) -> dict:
    """One clause's (or the whole document's) feedback: counts and the answer; its entries are
    read from /feedback/entries (clause=<clause_number>, round=<round>; clause=0 for the whole document)."""
    clause = item.clause
    return {
        "round": (item.round_number or current_round) if clause else None,
        "clause_number": clause.number if clause else None,
        "clause_label": clause.label if clause else "",
        "clause_title": clause.title if clause else "",
        "received_count": item.received,
        "outcome_counts": dict(item.tally.outcomes),
        "entry_count": item.tally.entries,
        "response": item.response,
    }


def feedback_entry(entry, comment: Comment) -> dict:
    """A published comment with the office's answer: public text, decision, consented author only."""
    return {
        "id": entry.comment_id,
        "clause_number": comment.clause.number if comment.clause else None,
        "round": comment.round_number,
        "text": entry.text,
        "outcome": entry.outcome,
        "response": entry.response,
        "author": entry.author,
    }


def feedback(report) -> dict:
    consultation = report.consultation
    return {
        "slug": consultation.slug,
        "title": consultation.title,
        "published_at": iso(consultation.feedback_published_at),
        "intro": consultation.feedback_intro,
        "received_count": report.received,
        "outcome_counts": dict(report.outcomes),
        "texts_hidden": report.texts_hidden,
        "whole_document": clause_feedback(report.whole_document) if report.whole_document else None,
        # After a revision, the clauses of earlier rounds that comments were made on follow the current round's.
        "sections": [
            {
                "number": group.section.number if group.section else None,
                "label": group.section.label if group.section else "",
                "heading": group.section.heading if group.section else "",
                "clauses": [clause_feedback(item, consultation.current_round) for item in group.clauses],
                "round": group.round_number or consultation.current_round,
            }
            for group in report.sections
        ],
    }
