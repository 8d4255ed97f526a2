"""The admin's alignment preview: correcting pairs (moved, split, merged, new, deleted), reasons,
and bad input re-shown with a message, nothing stored."""
from __future__ import annotations

import html as htmllib
import re

from helpers import csrf_from
from round_helpers import import_round_cli
from westlake_feedback.rounds.services import draft_round, stored_matches
from helpers import consultation

URL = "/staff/consultations/xihu-2023-demo/rounds/2/alignment"


def _form(page: str, **changes) -> dict:
    data = {"csrf_token": csrf_from(page)}
    for name, value in re.findall(r'<input type="text" id="[^"]+" name="(from-\d+)"[^>]*value="([^"]*)"', page):
        data[name] = htmllib.unescape(value)
    data.update({k.replace("_", "-"): v for k, v in changes.items()})
    return data


def _stored(app) -> dict:
    with app.app_context():
        return {(tuple(c.number for c in m.old), tuple(c.number for c in m.new)): (m.kind, m.reason, m.confirmed)
                for m in stored_matches(draft_round(consultation("xihu-2023-demo")))}


def _imported(seeded, runner, tmp_path, login_as):
    assert import_round_cli(runner, tmp_path).exit_code == 0
    admin = login_as("admin")
    page = admin.get(URL).get_data(as_text=True)
    assert 'id="changed-list"' in page and page.count("未填理由") == 3
    return admin, page


def test_moving_a_deleted_clause_onto_the_new_one(seeded, runner, tmp_path, login_as):
    admin, page = _imported(seeded, runner, tmp_path, login_as)
    response = admin.post(URL, data=_form(page, from_20="3", reason_20="原第3条移至此处并改写。"))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    stored = _stored(seeded)
    assert stored[((3,), (20,))][0] == "moved" and stored[((3,), (20,))][1] == "原第3条移至此处并改写。"
    assert stored[((12,), (11,))] == ("edited", "", True)
    assert not [key for key in stored if not key[1]], "nothing deleted any more"
    assert len(stored) == 52 and all(confirmed for _kind, _reason, confirmed in stored.values())


def test_split_and_merge_corrections(seeded, runner, tmp_path, login_as):
    admin, page = _imported(seeded, runner, tmp_path, login_as)
    # New 12 and 13 both from old 13 (a split; old 14 is then deleted); new 30 from old 30 and 31 (a
    # merge; new 31 is then new).
    response = admin.post(URL, data=_form(page, from_12="13", from_13="13", from_30="30、31", from_31="",
                                          reason_deleted_14="并入上一条。"))
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    stored = _stored(seeded)
    assert stored[((13,), (12, 13))][0] == "split"
    assert stored[((14,), ())][:2] == ("deleted", "并入上一条。")
    assert stored[((30, 31), (30,))][0] == "merged"
    assert stored[((), (31,))][0] == "new"
    # The page lists the corrected matches in order, the deleted clause after its predecessor.
    page = admin.get(URL).get_data(as_text=True)
    rows = re.findall(r'<tr id="match-(\d+)-((?:deleted-)?\d+)"', page)
    order = [key for _no, key in rows]
    assert order.index("deleted-14") == order.index("13") + 1


def test_bad_input_is_shown_again_with_a_message_and_nothing_changes(seeded, runner, tmp_path, login_as):
    admin, page = _imported(seeded, runner, tmp_path, login_as)
    before = _stored(seeded)
    response = admin.post(URL, data=_form(page, from_5="五", reason_11="理由保留"))
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写原条款的序号" in body and 'value="五"' in body and "理由保留" in body
    assert 'aria-invalid="true"' in body
    response = admin.post(URL, data=_form(page, from_5="99"))
    assert response.status_code == 400 and "原条文中没有第99条" in response.get_data(as_text=True)
    response = admin.post(URL, data=_form(page, from_5="4", from_6="4、7"))   # old 4 in a split and a merge
    assert response.status_code == 400
    assert _stored(seeded) == before
