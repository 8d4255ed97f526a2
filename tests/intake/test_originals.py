"""Scans and files of offline originals: checked by content, kept outside the web root,
downloadable by moderators and admins only, every download audit-logged."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlalchemy import func, select

from helpers import STAFF_EMAILS, create_staff, login, seed
from intake_helpers import make_elf, make_exe, make_jpeg, make_pdf, make_png, post_offline
from westlake_feedback import PROJECT_ROOT
from westlake_feedback.audit.models import AuditEntry
from westlake_feedback.comments.models import Comment
from westlake_feedback.extensions import db
from westlake_feedback.intake.models import Attachment


def uploads(app) -> set[str]:
    folder = Path(app.instance_path) / "uploads"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def only_attachment(app) -> Attachment:
    with app.app_context():
        attachment = db.session.scalars(select(Attachment)).one()
        db.session.expunge(attachment)
        return attachment


def count(app, model, *where) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_original_is_stored_outside_the_web_root_and_only_staff_download_it(seeded, login_as):
    pdf = make_pdf()
    moderator = login_as("moderator")
    response = post_offline(moderator, upload=(pdf, "李四来信.pdf", "application/pdf"))
    assert response.status_code == 303, response.get_data(as_text=True)[:3000]

    attachment = only_attachment(seeded)
    assert attachment.original_filename == "李四来信.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(pdf) and attachment.sha256 == hashlib.sha256(pdf).hexdigest()
    stored = Path(seeded.instance_path) / "uploads" / attachment.stored_name
    assert stored.read_bytes() == pdf
    assert "李四" not in attachment.stored_name and attachment.stored_name.endswith(".pdf")
    assert not stored.resolve().is_relative_to(Path(seeded.static_folder).resolve())
    assert not stored.resolve().is_relative_to(PROJECT_ROOT / "templates")
    anonymous = seeded.test_client()
    assert anonymous.get(f"/static/{attachment.stored_name}").status_code == 404
    assert anonymous.get(f"/static/../instance/uploads/{attachment.stored_name}").status_code == 404

    entry_page = moderator.get(response.headers["Location"]).get_data(as_text=True)
    url = f"/staff/intake/attachments/{attachment.id}"
    assert f'href="{url}"' in entry_page

    for role in ("moderator", "admin"):
        download = login_as(role).get(url)
        assert download.status_code == 200
        assert download.data == pdf
        assert download.headers["Content-Type"] == "application/pdf"
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        disposition = download.headers["Content-Disposition"]
        assert disposition.startswith("attachment;") and "filename*=UTF-8''%E6%9D%8E%E5%9B%9B" in disposition
        assert download.headers["Cache-Control"] == "no-store"

    refused = anonymous.get(url)
    assert refused.status_code == 302 and "/staff/login" in refused.headers["Location"]
    assert login_as("analyst").get(url).status_code == 403  # analysts never see originals (contact data)

    with seeded.app_context():
        logged = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "download_original")
                                    .order_by(AuditEntry.id)).all()
        assert [e.actor_email for e in logged] == [STAFF_EMAILS["moderator"], STAFF_EMAILS["admin"]]
        assert all(e.target_type == "attachments" and e.target_id == str(attachment.id) for e in logged)


@pytest.mark.parametrize(
    ("make", "filename", "declared", "content_type", "download_name"),
    [
        (make_pdf, "scan.pdf", "application/pdf", "application/pdf", "scan.pdf"),
        (make_png, "信封.png", "image/png", "image/png", "信封.png"),
        (make_jpeg, "photo.JPEG", "image/jpeg", "image/jpeg", "photo.JPEG"),
        # The content decides, not the name or the declared type:
        (make_png, "photo.pdf", "application/pdf", "image/png", "photo.pdf.png"),
        (make_jpeg, "scan", "application/octet-stream", "image/jpeg", "scan.jpg"),
    ],
)
def test_real_pdf_png_and_jpeg_files_are_accepted_by_content(seeded, login_as, make, filename, declared,
                                                              content_type, download_name):
    content = make()
    moderator = login_as("moderator")
    assert post_offline(moderator, upload=(content, filename, declared)).status_code == 303
    attachment = only_attachment(seeded)
    assert attachment.content_type == content_type
    assert attachment.stored_name.rsplit(".", 1)[1] == {"application/pdf": "pdf", "image/png": "png",
                                                        "image/jpeg": "jpg"}[content_type]
    download = moderator.get(f"/staff/intake/attachments/{attachment.id}")
    assert download.data == content and download.headers["Content-Type"] == content_type
    assert download.headers["Content-Disposition"] == (
        f"attachment; filename={download_name}" if download_name.isascii()
        else download.headers["Content-Disposition"]
    )


@pytest.mark.parametrize("make", [make_exe, make_elf], ids=["windows-exe", "linux-elf"])
def test_a_renamed_executable_is_refused(seeded, login_as, make):
    before = uploads(seeded)
    response = post_offline(login_as("moderator"), upload=(make(), "scan.pdf", "application/pdf"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "只能上传 PDF、JPEG 或 PNG 格式的原件扫描件" in html
    assert "来信认为第十二条的奖励标准偏低,建议提高。</textarea>" in html
    assert "已选择的文件不会保留" in html
    assert count(seeded, Comment) == 0 and count(seeded, Attachment) == 0
    assert uploads(seeded) == before


def test_an_oversized_file_is_refused(seeded, login_as):
    before = uploads(seeded)
    too_big = make_pdf() + b"%" * (10 * 1024 * 1024)
    response = post_offline(login_as("moderator"), upload=(too_big, "big.pdf", "application/pdf"))
    assert response.status_code == 400
    assert "文件过大:原件扫描件不能超过10 MB" in response.get_data(as_text=True)
    assert count(seeded, Comment) == 0 and uploads(seeded) == before


def test_the_size_limit_comes_from_config(app_factory):
    app = app_factory(INTAKE_MAX_UPLOAD_BYTES=100)
    seed(app)
    create_staff(app)
    client = app.test_client()
    assert login(client, STAFF_EMAILS["moderator"]).status_code == 302
    assert len(make_pdf()) > 100 > len(make_png())
    response = post_offline(client, upload=(make_pdf(), "scan.pdf", "application/pdf"))
    assert response.status_code == 400
    assert "不能超过100 B" in response.get_data(as_text=True)
    assert post_offline(client, upload=(make_png(), "p.png", "image/png")).status_code == 303


def test_an_empty_file_is_refused(seeded, login_as):
    response = post_offline(login_as("moderator"), upload=(b"", "empty.pdf", "application/pdf"))
    assert response.status_code == 400
    assert "上传的文件是空的" in response.get_data(as_text=True)


def test_a_missing_file_on_disk_is_404_not_500(seeded, login_as):
    moderator = login_as("moderator")
    post_offline(moderator, upload=(make_pdf(), "scan.pdf", "application/pdf"))
    attachment = only_attachment(seeded)
    (Path(seeded.instance_path) / "uploads" / attachment.stored_name).unlink()
    assert moderator.get(f"/staff/intake/attachments/{attachment.id}").status_code == 404
    assert moderator.get("/staff/intake/attachments/999999").status_code == 404
