"""Originals of offline opinions: accepted by their content, stored outside the web root.

A file is a PDF, JPEG or PNG only if its first bytes say so; the file name and the browser's
declared content type are ignored. Files live in instance/uploads/ under a random name and are
served only through the staff download route.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

# (magic prefix, content type, extension)
SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)
STORED_NAME = re.compile(r"^[0-9a-f]{32}\.(?:pdf|jpg|png)$")


class UploadRefused(ValueError):
    """The file cannot be kept; the message is shown on the form."""


@dataclass(frozen=True)
class InspectedUpload:
    data: bytes
    original_filename: str
    content_type: str
    extension: str

    @property
    def size(self) -> int:
        return len(self.data)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def sniff(head: bytes) -> tuple[str, str] | None:
    """(content type, extension) from a file's first bytes, or None if not PDF/JPEG/PNG."""
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return content_type, extension
    return None


def clean_filename(raw: str | None) -> str:
    """The name to show and to offer on download: no directories, no control characters."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable()).strip()
    return name[-255:] or "original"


def inspect_upload(storage, max_bytes: int) -> InspectedUpload:
    """Read an uploaded file (werkzeug FileStorage) and check its size and content."""
    data = storage.stream.read(max_bytes + 1)
    if not data:
        raise UploadRefused(_l("上传的文件是空的,请重新选择。"))
    if len(data) > max_bytes:
        raise UploadRefused(
            _l("文件过大:原件扫描件不能超过%(limit)s,请压缩或降低分辨率后重新上传。", limit=human_size(max_bytes))
        )
    kind = sniff(data[:16])
    if kind is None:
        raise UploadRefused(_l("只能上传 PDF、JPEG 或 PNG 格式的原件扫描件;该文件的内容不是这几种格式。"))
    return InspectedUpload(data, clean_filename(storage.filename), *kind)


def download_name(original_filename: str, content_type: str) -> str:
    """The original name, with the extension that matches the content if it lacked it."""
    extension = next(ext for _magic, kind, ext in SIGNATURES if kind == content_type)
    suffixes = {"jpg": (".jpg", ".jpeg")}.get(extension, (f".{extension}",))
    return original_filename if original_filename.lower().endswith(suffixes) else f"{original_filename}.{extension}"


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):g} MB"
    if size >= 1024:
        return f"{size / 1024:g} KB"
    return f"{size} B"


def upload_folder() -> Path:
    folder = Path(current_app.instance_path) / "uploads"
    folder.mkdir(mode=0o750, parents=True, exist_ok=True)
    return folder


def store(upload: InspectedUpload) -> str:
    """Write the file under a fresh random name; returns that name."""
    stored_name = f"{secrets.token_hex(16)}.{upload.extension}"
    fd = os.open(upload_folder() / stored_name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    with os.fdopen(fd, "wb") as handle:
        handle.write(upload.data)
        handle.flush()
        os.fsync(handle.fileno())
    return stored_name


def discard(stored_name: str) -> None:
    path_of(stored_name).unlink(missing_ok=True)


def path_of(stored_name: str) -> Path:
    if not STORED_NAME.match(stored_name):  # never a path built from anything else
        raise ValueError(f"not a stored upload name: {stored_name!r}")
    return upload_folder() / stored_name
