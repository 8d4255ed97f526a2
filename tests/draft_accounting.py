"""Check ParsedDraft.accounting against the source: every non-blank line of the source is made of
pieces, each piece went to exactly one destination, and each piece really is in that destination's
text in the ParsedDraft (so the accounting cannot claim a place the text never reached)."""
from __future__ import annotations

import re
from collections import defaultdict

from westlake_feedback.consultations.parser import ParsedDraft

_WS = re.compile(r"[\s\u00a0\u200b-\u200d\u2060\ufeff]+")


def squash(text: str) -> str:
    return _WS.sub("", text.replace("&nbsp;", ""))


def source_lines(text: str) -> list[str]:
    return re.sub(r"\r\n?|[\u2028\u2029]", "\n", text).split("\n")


def destination_texts(draft: ParsedDraft, destination: str) -> list[str]:
    """The texts a piece sent to `destination` may be found in (any one of them)."""
    kind, _, number = destination.partition(":")
    plain = {"notice_title": draft.notice_title, "notice": draft.notice_text, "title": draft.title,
             "toc": draft.toc_text, "meta": draft.metadata_text, "ignored": draft.ignored_text,
             "preamble": draft.preamble, "closing": draft.closing_text}
    if kind in plain:
        return [plain[kind] or ""]
    if kind == "subsection":
        return [c.subsection for c in draft.all_clauses if c.subsection]
    if kind in ("section", "intro"):
        section = next(s for s in draft.sections if s.number == int(number))
        return [section.label + section.heading] if kind == "section" else [section.intro]
    clause = next(c for c in draft.all_clauses if c.number == int(number))
    if kind == "heading":
        return [clause.label + clause.title]
    assert kind == "clause", destination
    return [clause.label + clause.text]


def _without_lead(piece: str, draft: ParsedDraft, destination: str) -> str:
    """A section heading line minus its "(由…牵头实施)" note, which is kept as lead_department."""
    section = next(s for s in draft.sections if s.number == int(destination.split(":")[1]))
    if not section.lead_department:
        return piece
    lead = squash(section.lead_department)
    assert lead in piece, (piece, lead)
    return re.sub(rf"[（(](?:由)?{re.escape(lead)}[^（）()]*[)）]", "", piece)


def check_accounting(draft: ParsedDraft, source: str) -> dict[str, int]:
    """Assert the accounting is complete and truthful; return how many pieces went where (by kind)."""
    by_line = defaultdict(list)
    for use in draft.accounting:
        by_line[use.line].append(use)
    seen: dict[str, int] = defaultdict(int)
    for number, line in enumerate(source_lines(source), start=1):
        pieces = by_line.pop(number, [])
        if not squash(line):
            assert not pieces, (number, pieces)
            continue
        assert pieces, f"line {number} went nowhere: {line!r}"
        assert squash("".join(p.text for p in pieces)) == squash(line), (
            f"line {number} is not made of its pieces exactly once: {line!r} vs {[p.text for p in pieces]}")
        for piece in pieces:
            text = squash(piece.text)
            if piece.destination.startswith("section:"):    # "一、总体要求。" keeps 总体要求 as its heading
                text = _without_lead(text, draft, piece.destination).removesuffix("。")
            places = [squash(t) for t in destination_texts(draft, piece.destination)]
            assert any(text in place for place in places), (
                f"line {number}: {piece.text!r} is not in {piece.destination}")
            seen[piece.destination.split(":")[0]] += 1
    assert not by_line, f"accounting names lines the source does not have: {sorted(by_line)}"
    return dict(seen)


def destinations_of(draft: ParsedDraft, line: int) -> list[str]:
    return [u.destination for u in draft.accounting if u.line == line]
