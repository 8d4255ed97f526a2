"""Clause alignment on redrafts written here from the Xihu seed (1. 2. points) and from a 第X条
regulation with chapters and cross-references. Every pair of every alignment is asserted.

Pure library tests: no app, no database.
"""
from __future__ import annotations

import pytest

from redrafts import Redraft, draft_text, seed_text
from westlake_feedback.consultations import alignment
from westlake_feedback.consultations.alignment import (Alignment, ClauseText, Kind, Link, Match, align_clauses,
                                                      align_drafts, make_match, problems)
from westlake_feedback.consultations.alignment_text import compare_form, full_text, layout_form, strip_number
from westlake_feedback.consultations.parser import parse_draft

U, E, MV, S, MG, N, D = (Kind.UNCHANGED, Kind.EDITED, Kind.MOVED, Kind.SPLIT, Kind.MERGED, Kind.NEW, Kind.DELETED)
SEED_CLAUSES = 52
SPACE = "public-space-toc.txt"     # 五章二十条, 第一节/第二节, references to 第五条, 第十一条, 第十七条


@pytest.fixture(scope="module")
def seed():
    return parse_draft(seed_text())


@pytest.fixture(scope="module")
def space():
    return parse_draft(draft_text(SPACE))


def pairs(a: Alignment) -> list[tuple]:
    """(old keys, new keys, kind) for every match, in the alignment's order."""
    return [(m.old, m.new, m.kind) for m in a.matches]


def same(old_numbers, new_numbers) -> list[tuple]:
    return [((o,), (n,), U) for o, n in zip(old_numbers, new_numbers)]


def check_complete(a: Alignment, old_count: int, new_count: int) -> None:
    olds = [k for m in a.matches for k in m.old]
    news = [k for m in a.matches for k in m.new]
    assert sorted(olds) == list(range(1, old_count + 1))
    assert sorted(news) == list(range(1, new_count + 1))
    assert [k for m in a.matches for k in m.new] == list(range(1, new_count + 1)), "listed in new order"
    for m in a.matches:
        assert 0.0 <= m.score <= 1.0
        assert (m.score == 0.0) == (m.kind in (N, D))


def redraft(base: str, style: str = "point") -> Redraft:
    return Redraft(base, style)


# ------------------------------------------------------------------ the done scenario
XIHU_12_OLD = "对持续投入并增长显著的企业给予最高200万元资助"
XIHU_12_NEW = "对持续投入并增长显著的企业给予最高300万元资助,对首次设立研发机构的中小企业给予最高50万元资助"
XIHU_NEW_CLAUSE = "推动工业园区数字化改造。对完成数字化改造并通过验收的工业园区,给予最高200万元补助。"


def test_done_scenario_clause_3_deleted_12_edited_new_after_20(seed):
    r = redraft(seed_text()).delete(3).edit(12, XIHU_12_OLD, XIHU_12_NEW).insert_after(20, XIHU_NEW_CLAUSE)
    r.replace("(征求意见稿)", "(修改稿)")
    new = parse_draft(r.text())
    assert len(new.all_clauses) == SEED_CLAUSES
    a = align_drafts(seed, new)
    expected = (same([1, 2], [1, 2]) + [((3,), (), D)] + same(range(4, 12), range(3, 11))
                + [((12,), (11,), E)] + same(range(13, 21), range(12, 20)) + [((), (20,), N)]
                + same(range(21, 53), range(21, 53)))
    assert pairs(a) == expected
    check_complete(a, SEED_CLAUSES, SEED_CLAUSES)
    assert a.successors(12) == (11,) and a.predecessors(11) == (12,)
    assert a.successors(21) == (21,) and a.for_old(21).renumbered is False
    assert a.for_old(13).renumbered is True and a.for_old(13).score == 1.0
    assert 0.8 < a.for_old(12).score < 1.0
    assert a.successors(3) == () and a.predecessors(20) == ()
    assert [str(m) for m in a.changed()] == ["3 -> - deleted 0.000", f"12 -> 11 edited {a.for_old(12).score:.3f}",
                                             "- -> 20 new 0.000"]
    assert a.counts() == {U: 50, E: 1, D: 1, N: 1}


def test_links_are_rows_for_a_join_table(seed):
    r = redraft(seed_text()).delete(3).split(31, "对短期出口信用保险").merge(35, into=34)
    a = align_drafts(seed, parse_draft(r.text()))
    links = a.links()
    assert Link(3, None, D, 0.0) in links
    assert [link for link in links if link.old == 31] == [Link(31, 30, S, 1.0), Link(31, 31, S, 1.0)]
    assert [link for link in links if link.new == 34] == [Link(34, 34, MG, 1.0), Link(35, 34, MG, 1.0)]
    assert len(links) == SEED_CLAUSES + 1      # one old clause became two new rows, two old became one
    assert all(isinstance(link.kind, str) and link.kind.value in {k.value for k in Kind} for link in links)


# ------------------------------------------------------------------ Xihu redrafts, one change each
def test_identical_draft_is_all_unchanged(seed):
    a = align_drafts(seed, parse_draft(seed_text()))
    assert pairs(a) == same(range(1, 53), range(1, 53))
    assert not a.changed()


def test_inserted_at_the_start_shifts_every_number(seed):
    r = redraft(seed_text()).insert_before(1, "强化政策协同。各牵头单位应当加强政策衔接,避免对同一事项重复支持。")
    a = align_drafts(seed, parse_draft(r.text()))
    assert pairs(a) == [((), (1,), N)] + same(range(1, 53), range(2, 54))
    assert all(m.renumbered for m in a.matches if m.kind is U)
    check_complete(a, SEED_CLAUSES, SEED_CLAUSES + 1)


def test_deleted_first_clause(seed):
    a = align_drafts(seed, parse_draft(redraft(seed_text()).delete(1).text()))
    assert pairs(a) == [((1,), (), D)] + same(range(2, 53), range(1, 52))


def test_deleted_last_clause_and_two_in_the_middle(seed):
    r = redraft(seed_text()).delete(52).delete(17).delete(18)
    a = align_drafts(seed, parse_draft(r.text()))
    assert pairs(a) == (same(range(1, 17), range(1, 17)) + [((17,), (), D), ((18,), (), D)]
                        + same(range(19, 52), range(17, 50)) + [((52,), (), D)])


def test_small_edits_are_edited_with_high_scores(seed):
    r = redraft(seed_text()).edit(2, "60亿元", "80亿元").edit(29, "1000万元汽车消费补贴", "2000万元汽车消费补贴")
    a = align_drafts(seed, parse_draft(r.text()))
    assert pairs(a) == (same([1], [1]) + [((2,), (2,), E)] + same(range(3, 29), range(3, 29))
                        + [((29,), (29,), E)] + same(range(30, 53), range(30, 53)))
    assert a.for_old(2).score > 0.95 and a.for_old(29).score > 0.95
    assert a.for_old(2).renumbered is False and a.for_old(2).text_changed is True


def test_heavy_rewrite_stays_edited_in_its_place(seed):
    r = redraft(seed_text()).edit(45, "组织开展历史建筑修缮工作,完成杭大新村12和24幢、弥陀寺公园修缮工程,启动实施",
                                  "加强历史建筑保护,按计划推进")
    a = align_drafts(seed, parse_draft(r.text()))
    assert pairs(a) == same(range(1, 45), range(1, 45)) + [((45,), (45,), E)] + same(range(46, 53), range(46, 53))
    assert alignment.GAP_MIN <= a.for_old(45).score < 0.9


def test_clause_replaced_by_unrelated_text_is_deleted_plus_new(seed):
    r = redraft(seed_text()).delete(45).insert_after(44, "推进文化遗产数字化。建设区级文化遗产数据库,对历史建筑开展数字化测绘。")
    a = align_drafts(seed, parse_draft(r.text()))
    assert pairs(a) == (same(range(1, 45), range(1, 45)) + [((45,), (), D), ((), (45,), N)]
                        + same(range(46, 53), range(46, 53)))


def test_moved_clause_far_down(seed):
    a = align_drafts(seed, parse_draft(redraft(seed_text()).move_after(5, 30).text()))
    assert pairs(a) == (same(range(1, 5), range(1, 5)) + same(range(6, 31), range(5, 30)) + [((5,), (30,), MV)]
                        + same(range(31, 53), range(31, 53)))
    moved = a.for_old(5)
    assert moved.score == 1.0 and moved.text_changed is False and moved.renumbered is True
    assert a.changed() == []        # a pure move changes no text: nothing for the comparison table


def test_moved_and_edited_clause(seed):
    r = redraft(seed_text()).move_after(47, 20).edit(47, "99.75亿元", "101.2亿元")
    a = align_drafts(seed, parse_draft(r.text()))
    assert pairs(a) == (same(range(1, 21), range(1, 21)) + [((47,), (21,), MV)] + same(range(21, 47), range(22, 48))
                        + same(range(48, 53), range(48, 53)))
    assert a.for_old(47).text_changed is True and a.changed() == [a.for_old(47)]


def test_split_into_two_and_into_three(seed):
    a = align_drafts(seed, parse_draft(redraft(seed_text()).split(31, "对短期出口信用保险").text()))
    assert pairs(a) == same(range(1, 31), range(1, 31)) + [((31,), (31, 32), S)] + same(range(32, 53), range(33, 54))
    r = redraft(seed_text()).split(31, "支持外贸综合服务企业发展").split(31, "对短期出口信用保险")
    a = align_drafts(seed, parse_draft(r.text()))
    assert pairs(a) == (same(range(1, 31), range(1, 31)) + [((31,), (31, 32, 33), S)]
                        + same(range(32, 53), range(34, 55)))
    assert a.for_old(31).score == 1.0


def test_split_off_a_short_last_sentence(seed):
    a = align_drafts(seed, parse_draft(redraft(seed_text()).split(33, "坚持各类产业用地").text()))
    assert pairs(a) == same(range(1, 33), range(1, 33)) + [((33,), (33, 34), S)] + same(range(34, 53), range(35, 54))


def test_merged_neighbours(seed):
    a = align_drafts(seed, parse_draft(redraft(seed_text()).merge(35, into=34).text()))
    assert pairs(a) == same(range(1, 34), range(1, 34)) + [((34, 35), (34,), MG)] + same(range(36, 53), range(35, 52))
    # 17 and 18 are the two most alike clauses of the seed (both 奖励力度); merged, they still pair as a merge
    a = align_drafts(seed, parse_draft(redraft(seed_text()).merge(18, into=17).text()))
    assert pairs(a) == same(range(1, 17), range(1, 17)) + [((17, 18), (17,), MG)] + same(range(19, 53), range(18, 52))


def test_edit_next_to_a_new_clause_is_not_taken_for_a_split(seed):
    r = redraft(seed_text()).edit(2, "60亿元", "70亿元").insert_after(2, "争取上级转移支付。积极争取中央和省级转移支付资金,用于重大项目建设。")
    a = align_drafts(seed, parse_draft(r.text()))
    assert pairs(a) == same([1], [1]) + [((2,), (2,), E), ((), (3,), N)] + same(range(3, 53), range(4, 54))


def test_everything_at_once_on_the_seed(seed):
    r = (redraft(seed_text()).insert_before(1, "强化政策协同。各牵头单位应当加强政策衔接,避免对同一事项重复支持。")
         .delete(3).edit(12, XIHU_12_OLD, XIHU_12_NEW).split(31, "对短期出口信用保险").merge(35, into=34)
         .move_after(40, 45).insert_after(20, XIHU_NEW_CLAUSE).delete(52))
    a = align_drafts(seed, parse_draft(r.text()))
    assert pairs(a) == ([((), (1,), N)] + same([1, 2], [2, 3]) + [((3,), (), D)] + same(range(4, 12), range(4, 12))
                        + [((12,), (12,), E)] + same(range(13, 21), range(13, 21)) + [((), (21,), N)]
                        + same(range(21, 31), range(22, 32)) + [((31,), (32, 33), S)] + same([32, 33], [34, 35])
                        + [((34, 35), (36,), MG)] + same(range(36, 40), range(37, 41))
                        + same(range(41, 46), range(41, 46))
                        + [((40,), (46,), MV)] + same(range(46, 52), range(47, 53)) + [((52,), (), D)])
    check_complete(a, SEED_CLAUSES, SEED_CLAUSES)


# ------------------------------------------------------------------ a 第X条 regulation
def test_regulation_redraft_with_chapters_and_cross_references(space):
    r = (redraft(draft_text(SPACE), "article")
         .insert_before(1, "为了推进城市公共空间共建共享，制定本办法。")
         .delete(3).split(2, "本办法所称城市公共空间").merge(16, into=15).move_after(12, 9)
         .edit(7, "同步配套建设休憩设施", "同步配套建设休憩设施和无障碍设施"))
    new = parse_draft(r.text())
    assert "依照本办法第六条规定的专项规划" in new.all_clauses[7].text      # the references were renumbered
    a = align_drafts(space, new)
    assert pairs(a) == [((), (1,), N), ((1,), (2,), U), ((2,), (3, 4), S), ((3,), (), D), ((4,), (5,), U),
                        ((5,), (6,), U), ((6,), (7,), U), ((7,), (8,), E), ((8,), (9,), E), ((9,), (10,), U),
                        ((12,), (11,), MV), ((10,), (12,), U), ((11,), (13,), U), ((13,), (14,), E),
                        ((14,), (15,), U), ((15, 16), (16,), MG), ((17,), (17,), U), ((18,), (18,), U),
                        ((19,), (19,), U), ((20,), (20,), U)]
    # 第八条 changed only in its reference (第五条 -> 第六条): an edit, but a perfect score
    assert a.for_old(8).score == 1.0 and a.for_old(8).text_changed
    assert a.for_old(7).score < 1.0


def test_regulation_short_similar_articles_keep_their_partners(space):
    # 第十五条 and 第十六条 read almost alike ("擅自…的，由区城市管理部门责令限期…"); deleting 15 must
    # not pair it with 16, and editing 16 must not steal 15's place.
    r = redraft(draft_text(SPACE), "article").delete(15).edit(16, "责令限期拆除", "责令限期拆除，并处警告")
    a = align_drafts(space, parse_draft(r.text()))
    # 第十三条 refers to 第十七条, now 第十六条: edited by the renumbering alone
    assert pairs(a) == (same(range(1, 13), range(1, 13)) + [((13,), (13,), E)] + same([14], [14])
                        + [((15,), (), D), ((16,), (15,), E)] + same(range(17, 21), range(16, 20)))
    assert a.for_old(13).score == 1.0 and a.for_old(16).score < 1.0


def test_regulation_swapped_neighbours(space):
    a = align_drafts(space, parse_draft(redraft(draft_text(SPACE), "article").move_after(9, 10).text()))
    # which of two swapped neighbours is 'moved' is a tie; the first in the new order is
    assert pairs(a) == same(range(1, 9), range(1, 9)) + [((10,), (9,), MV), ((9,), (10,), U)] + same(
        range(11, 21), range(11, 21))


def test_numbering_styles_do_not_matter():
    old = [ClauseText(1, "第十二条　对持续投入的企业给予资助。"), ClauseText(2, "（十三）鼓励企业设立研发机构。")]
    new = [ClauseText(1, "12. 对持续投入的企业给予资助"), ClauseText(2, "13、鼓励企业设立研发机构。")]
    a = align_clauses(old, new)
    assert pairs(a) == [((1,), (1,), E), ((2,), (2,), U)]       # 1: its 。 is gone, which is an edit
    assert a.for_old(1).score == 1.0


# ------------------------------------------------------------------ normalisation and API
@pytest.mark.parametrize("text, expected", [
    ("第十二条　对企业给予资助。", "对企业给予资助。"),
    ("第12条 对企业给予资助", "对企业给予资助"),
    ("12. 对企业", "对企业"),
    ("（十二）对企业", "对企业"),
    ("(3)对企业", "对企业"),
    ("十二、对企业", "对企业"),
    ("2023年对企业", "2023年对企业"),
])
def test_strip_number(text, expected):
    assert strip_number(text) == expected


def test_forms():
    assert layout_form("对企业，\n给予　资助") == layout_form("对企业,给予资助")
    assert compare_form("依照本办法第十七条规定，给予资助。") == compare_form("依照本办法第16条规定给予资助")
    assert full_text("改革目标", "到2025年基本建成。") == "改革目标\n到2025年基本建成。"
    assert full_text("强化保障", "强化保障。围绕…") == "强化保障。围绕…"
    assert full_text("定义", "（定义）本办法所称…") == "（定义）本办法所称…"


def test_empty_drafts_and_duplicate_keys():
    assert align_clauses([], []).matches == ()
    a = align_clauses([], [ClauseText(1, "新条文")])
    assert pairs(a) == [((), (1,), N)]
    a = align_clauses([ClauseText(1, "旧条文"), ClauseText(2, "")], [])
    assert pairs(a) == [((1,), (), D), ((2,), (), D)]
    with pytest.raises(ValueError):
        align_clauses([ClauseText(1, "a"), ClauseText(1, "b")], [])


def test_match_is_plain_data():
    m = Match(E, (12,), (11,), 0.9, renumbered=True, text_changed=True)
    assert str(m) == "12 -> 11 edited 0.900"
    assert m.kind == "edited" and Kind("split") is S


def test_lookups_raise_key_error_for_unknown_clauses(seed):
    a = align_drafts(seed, parse_draft(seed_text()))
    with pytest.raises(KeyError):
        a.for_new(99)
    with pytest.raises(KeyError):
        a.predecessors(0)


def test_admin_corrections_get_kind_and_score_and_are_checked():
    old = [ClauseText(1, "对企业给予最高200万元资助。"), ClauseText(2, "鼓励企业设立研发机构。"), ClauseText(3, "旧的条文。")]
    new = [ClauseText(1, "对企业给予最高300万元资助。"), ClauseText(2, "鼓励企业设立研发机构。")]
    edited = make_match(old[:1], new[:1])
    assert (edited.kind, edited.old, edited.new, edited.renumbered) == (E, (1,), (1,), False)
    assert 0.8 < edited.score < 1.0
    assert make_match(old[1:2], new[1:2]).kind is U
    assert make_match(old[1:2], new[1:2], moved=True).kind is MV
    assert make_match(old[2:], []) == Match(D, (3,), (), 0.0)
    merged = make_match(old[:2], new[:1])
    assert merged.kind is MG and merged.old == (1, 2)
    with pytest.raises(ValueError):
        make_match(old[:2], new)
    fixed = [edited, make_match(old[1:2], new[1:2]), make_match(old[2:], [])]
    assert problems(fixed, [1, 2, 3], [1, 2]) == []
    assert problems(fixed[:2] + [make_match([], new[1:])], [1, 2, 3], [1, 2, 7]) == [
        "old clause 3 is in no match", "new clause 2 is in 2 matches", "new clause 7 is in no match"]
    assert problems([make_match([ClauseText(9, "x")], [])], [], []) == ["old clause 9 is not in the draft"]


def test_clause_text_from_a_stored_clause():
    from types import SimpleNamespace
    stored = SimpleNamespace(number=11, label="11.", title="改革目标", body="到2025年基本建成。")
    assert ClauseText.from_parsed(stored) == ClauseText(11, "改革目标\n到2025年基本建成。", "11.")
