"""The issue's done scenario through the admin's pages: upload a revised Xihu draft (clause 3
deleted, clause 12 edited, a new clause after clause 20) as a revised draft of the consultation,
check the proposed alignment on the preview page, give reasons, publish; then the public
comparison table, the round URLs, and the staff clause page with the earlier-round comments."""
from __future__ import annotations

import html as htmllib
import io
import re

import openpyxl
from docx import Document

from helpers import comment_on, csrf_from, make_comment
from round_helpers import CLOSES, OPENS, XIHU_12_NEW, XIHU_12_OLD, done_redraft, expected_pairs

SLUG = "xihu-2023-demo"


def text_of(response) -> str:
    return response.get_data(as_text=True)


def field_value(page: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page, re.S)
    assert match, f"no input {name}"
    return htmllib.unescape(match.group(1))


def proposed(page: str) -> list[tuple]:
    """(old numbers, new numbers, kind) read back from the preview's rows, one per match."""
    rows = re.findall(r'<tr id="match-(\d+)-(deleted-)?(\d+)" data-kind="(\w+)">', page)
    matches: dict[int, list] = {}
    for no, deleted, number, kind in rows:
        m = matches.setdefault(int(no), [[], [], kind])
        if deleted:
            m[0].append(int(number))
        else:
            m[1].append(int(number))
            m[0] = [int(n) for n in re.split("、", field_value(page, f"from-{number}")) if n]
    return [(tuple(o), tuple(n), k) for o, n, k in (matches[i] for i in sorted(matches))]


def upload_revision(admin):
    page = text_of(admin.get(f"/staff/consultations/new?revision_of={SLUG}"))
    assert f'<option selected value="{SLUG}">' in page or f'value="{SLUG}" selected' in page
    step2 = admin.post("/staff/consultations/new", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page), "revision_of": SLUG,
        "draft_file": (io.BytesIO(done_redraft().encode("utf-8")), "xihu-2023-revised.txt"), "text": ""})
    assert step2.status_code == 200, text_of(step2)[:3000]
    body = text_of(step2)
    assert "将作为第2轮导入" in body and "52条条款" in body
    return admin.post(f"/staff/consultations/{SLUG}/rounds", data={
        "csrf_token": csrf_from(body), "text": field_value(body, "text"), "source_name": field_value(body, "source_name"),
        "opens_at": OPENS, "closes_at": CLOSES})


def test_done_scenario(seeded, login_as, app):
    with app.app_context():
        make_comment(SLUG, clause=12, status="approved", body="第十二条的资助额度太低。")
        make_comment(SLUG, clause=12, status="pending", body="建议提高研发资助。")
        make_comment(SLUG, clause=13, status="approved", body="第十三条意见")
    admin = login_as("admin")
    created = upload_revision(admin)
    assert created.status_code == 303, text_of(created)[:3000]
    assert created.headers["Location"].endswith(f"/staff/consultations/{SLUG}/rounds/2/alignment")

    # The preview proposes the right alignment: every later clause mapped despite renumbering.
    page = text_of(admin.get(created.headers["Location"]))
    assert proposed(page) == expected_pairs()
    assert "相似度" in page and "<del" in page and "<ins" in page
    # Not public yet: the current round's pages are unchanged, the comparison table is 404.
    assert XIHU_12_OLD in text_of(admin.get(f"/c/{SLUG}/clauses/12"))
    assert admin.get(f"/c/{SLUG}/changes").status_code == 404
    assert admin.get(f"/c/{SLUG}/rounds/2/clauses/11").status_code == 404
    assert admin.get(f"/c/{SLUG}/rounds/2/").status_code == 404

    # Reasons for the three changes, the pairs as proposed; then publish.
    data = {"csrf_token": csrf_from(page)}
    data.update({name: field_value(page, name) for name in re.findall(r'name="(from-\d+)"', page)})
    data.update({"reason-11": "提高资助额度,扶持中小企业研发。", "reason-20": "落实数字化改造要求。",
                 "reason-deleted-3": "与第2条重复,删去。"})
    saved = admin.post(f"/staff/consultations/{SLUG}/rounds/2/alignment", data=data)
    assert saved.status_code == 303, text_of(saved)[:3000]
    page = text_of(admin.get(f"/staff/consultations/{SLUG}/rounds/2/alignment"))
    assert "提高资助额度,扶持中小企业研发。" in page and proposed(page) == expected_pairs()
    published = admin.post(f"/staff/consultations/{SLUG}/rounds/2/publish", data={"csrf_token": csrf_from(page)})
    assert published.status_code == 303

    # The comparison table: three changes, reasons, marked insertions/deletions, opinions on old 12.
    public = admin.application.test_client()
    table = text_of(public.get(f"/c/{SLUG}/changes"))
    rows = re.findall(r'<tr id="change-\d+">(.*?)</tr>', table, re.S)
    assert len(rows) == 3
    deleted, edited, new = rows
    assert "与第2条重复,删去。" in deleted and "（删除）" in deleted or "(删除)" in deleted
    assert "提高资助额度,扶持中小企业研发。" in edited and "2条意见" in edited
    assert re.search(r'<del class="diff-del"><span class="visually-hidden">\[删除', edited)
    assert re.search(r'<ins class="diff-ins"><span class="visually-hidden">\[新增', edited)
    assert "落实数字化改造要求。" in new and "(新增)" in new
    assert f'href="/c/{SLUG}/rounds/1/clauses/12"' in edited and f'href="/c/{SLUG}/clauses/11"' in edited

    # Downloads in the usual layout.
    doc = Document(io.BytesIO(public.get(f"/c/{SLUG}/changes.docx").data))
    header = [cell.text for cell in doc.tables[0].rows[0].cells]
    assert header == ["原条文", "修改后条文", "修改理由"] and len(doc.tables[0].rows) == 4
    book = openpyxl.load_workbook(io.BytesIO(public.get(f"/c/{SLUG}/changes.xlsx").data))
    assert any("与第2条重复,删去。" in str(cell.value) for row in book.active.iter_rows() for cell in row)

    # URLs: the current round by default, earlier rounds by number; a switcher on the pages.
    current = text_of(public.get(f"/c/{SLUG}/clauses/11"))
    assert XIHU_12_NEW in current and "round-switcher" in current
    assert f'action="/c/{SLUG}/clauses/11/comment"' in current        # the current round takes comments
    assert text_of(public.get(f"/c/{SLUG}/rounds/2/clauses/11")) .count(XIHU_12_NEW) >= 1
    old = public.get(f"/c/{SLUG}/rounds/1/clauses/12")
    assert old.status_code == 200 and XIHU_12_OLD in text_of(old) and "不再接受意见" in text_of(old)
    assert "/comment\"" not in text_of(old)                           # an earlier round takes none
    assert "第十二条的资助额度太低。" in text_of(old)
    assert f'/c/{SLUG}/clauses/11"' in text_of(old) or f"/c/{SLUG}/rounds/2/clauses/11" in text_of(old)
    assert public.get(f"/c/{SLUG}/rounds/1/").status_code == 200
    assert public.get(f"/c/{SLUG}/rounds/1/clauses/99").status_code == 404
    assert public.get(f"/c/{SLUG}/rounds/3/clauses/1").status_code == 404

    # Staff see the comments on old clause 12 beside new clause 11, marked as earlier-round.
    staff_page = text_of(admin.get(f"/staff/consultations/{SLUG}/rounds/2/clauses/11"))
    assert "上一轮意见" in staff_page and "第十二条的资助额度太低。" in staff_page and "建议提高研发资助。" in staff_page
    assert "第十三条意见" not in staff_page

    # New comments go to the current round.
    with app.app_context():
        comment = comment_on(SLUG, 11)
        assert comment.round_number == 2 and comment.clause.round.number == 2
