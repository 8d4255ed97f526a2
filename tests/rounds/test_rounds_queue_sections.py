"""The queue's section filter follows the round filter: sections are numbered per round, so with a
round chosen the choices and the match are that round's sections; with every round, a section
number matches that section in each round. Round 2 here deletes clause 3 (old clauses 4-5 become
3-4 of section 一, old clause 6 becomes clause 5 of section 二) and renames section 二."""
from __future__ import annotations

import csv
import io
import re

import pytest

from helpers import comment_on, consultation, make_comment
from redrafts import Redraft, seed_text
from westlake_feedback.rounds.services import draft_round, publish_round

SLUG = "xihu-2023-demo"
QUEUE = f"/staff/c/{SLUG}/comments"
OLD_HEADING, NEW_HEADING = "二、科技创新政策", "二、科技创新和人才政策"
BODIES = {"old5": "对原第5条(第一部分)的意见", "old12": "对原第12条(第二部分)的意见",
          "new5": "对新第5条(第二部分,即原第6条)的意见内容", "new1": "对新第1条(第一部分)的意见内容"}


@pytest.fixture
def two_rounds(seeded, staff, runner, tmp_path):
    with seeded.app_context():
        make_comment(SLUG, clause=5, body=BODIES["old5"])
        make_comment(SLUG, clause=12, body=BODIES["old12"])
    redraft = Redraft(seed_text(), "point").delete(3).replace(OLD_HEADING, NEW_HEADING).replace("(征求意见稿)", "(修改稿)")
    assert NEW_HEADING in redraft.text()
    path = tmp_path / "revised.txt"
    path.write_text(redraft.text(), encoding="utf-8")
    result = runner.invoke(args=["consultations", "import", str(path), "--slug", SLUG, "--new-round",
                                 "--opens", "2026-01-01T09:00", "--closes", "2099-01-31T17:00"])
    assert result.exit_code == 0, result.output
    with seeded.app_context():
        publish_round(draft_round(consultation(SLUG)))
        comment_on(SLUG, 5, body=BODIES["new5"])
        comment_on(SLUG, 1, body=BODIES["new1"])
    return seeded


def shown(html: str) -> set[str]:
    return {key for key, body in BODIES.items() if body in html}


def section_choices(html: str) -> list[str]:
    select = re.search(r'<select id="f-section" name="section">(.*?)</select>', html, re.S).group(1)
    return re.findall(r'<option value="\d+"[^>]*>([^<]*)</option>', select)


@pytest.mark.parametrize(("query", "expected"), [
    ("round=1&section=1", {"old5"}),
    ("round=1&section=2", {"old12"}),
    ("round=2&section=1", {"new1"}),
    ("round=2&section=2", {"new5"}),
    ("section=1", {"old5", "new1"}),          # every round: section 一 of round 1 and of round 2
    ("section=2", {"old12", "new5"}),
    ("round=1&section=2&clause=12", {"old12"}),
    ("round=1&section=1&clause=12", set()),   # old clause 12 is not in round 1's section 一
])
def test_the_section_filter_matches_the_chosen_rounds_sections(two_rounds, login_as, query, expected):
    html = login_as("moderator").get(f"{QUEUE}?{query}").get_data(as_text=True)
    assert shown(html) == expected


def test_the_choices_follow_the_round(two_rounds, login_as):
    client = login_as("moderator")
    earlier = section_choices(client.get(f"{QUEUE}?round=1&section=2").get_data(as_text=True))
    assert any(OLD_HEADING in label for label in earlier) and not any(NEW_HEADING in label for label in earlier)
    assert len(earlier) == 7
    for url in (f"{QUEUE}?round=2", f"{QUEUE}"):  # the current round, and every round (latest names)
        labels = section_choices(client.get(url).get_data(as_text=True))
        assert any(NEW_HEADING in label for label in labels) and not any(OLD_HEADING in label for label in labels)
        assert len(labels) == 7
    page = client.get(f"{QUEUE}?round=1&section=2").get_data(as_text=True)
    assert re.search(r'<option value="2" selected>二、科技创新政策', page)


def test_exports_apply_the_same_sections(two_rounds, login_as):
    response = login_as("analyst").get(f"/staff/c/{SLUG}/export.csv?round=1&section=1")
    rows = list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert [r["意见内容"] for r in rows] == [BODIES["old5"]]
