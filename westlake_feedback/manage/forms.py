from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ..comments.forms import normalise_text
from ..mail.addresses import email_validators
from ..consultations.services import decode_draft
from ..formfields import LocalDateTimeField
from ..inputs import strip_controls

DRAFT_MAX_BYTES = 2 * 1024 * 1024
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,58}[a-z0-9])?$")
RESERVED_SLUGS = {"new", "create"}
# Files that are certainly not plain text: PDF, Word/zip, old Office, images.
BINARY_MAGIC = (b"%PDF-", b"PK\x03\x04", b"\xd0\xcf\x11\xe0", b"\xff\xd8\xff", b"\x89PNG", b"MZ", b"\x7fELF")


def normalise_source(value: str | None) -> str:
    """Browsers send CRLF; the parser's line numbers count lines, so only the line ends change.
    An uploaded file loses its control characters (form feeds from PDF converters, NUL) as a
    pasted text does on arrival."""
    return strip_controls((value or "").replace("\r\n", "\n").replace("\r", "\n"))


class SourceForm(FlaskForm):
    """Step 1: a text file (UTF-8 or GB18030) or the pasted text of the notice plus draft."""

    draft_file = FileField(_l("上传文本文件"))
    text = TextAreaField(_l("或粘贴征求意见通知和草案全文"), filters=[normalise_source])
    # A slug: the text is a revised draft (修改稿), the next round of that consultation (rounds/).
    revision_of = SelectField(_l("作为修改稿"), choices=[], validate_choice=False, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.source_name: str | None = None
        from ..rounds.services import revisable_choices

        self.revision_of.choices = [("", _l("新的征求意见(不是修改稿)"))] + revisable_choices()

    def validate_revision_of(self, field):
        if field.data and field.data not in {value for value, _label in self.revision_of.choices}:
            raise ValidationError(_l("请选择一项已有的征求意见。"))

    def validate_text(self, field):
        storage = self.draft_file.data
        has_file = storage is not None and bool(getattr(storage, "filename", None))
        if has_file and field.data.strip():
            raise ValidationError(_l("请上传文件或粘贴文本,二者选其一。"))
        if has_file:
            raw = storage.stream.read(DRAFT_MAX_BYTES + 1)
            if len(raw) > DRAFT_MAX_BYTES:
                raise ValidationError(_l("文件过大:草案文本文件不能超过2 MB。"))
            if raw.startswith(BINARY_MAGIC) or b"\x00" in raw:
                raise ValidationError(
                    _l("只能上传纯文本文件(.txt)。Word 或 PDF 文件请先“另存为”纯文本(UTF-8)后再上传,或直接粘贴全文。")
                )
            field.data = normalise_source(decode_draft(raw))
            self.source_name = (storage.filename or "").replace("\\", "/").rsplit("/", 1)[-1][:300] or None
        if not field.data.strip():
            raise ValidationError(_l("请粘贴征求意见通知和草案全文,或上传文本文件。"))


class MetadataForm(FlaskForm):
    """Step 2: correct what the parser found, then save as a draft. The text rides along hidden."""

    text = HiddenField(filters=[normalise_source])
    source_name = HiddenField(filters=[lambda v: (v or "").strip()[:300]])
    title = StringField(
        _l("标题"), filters=[normalise_text],
        validators=[DataRequired(message=_l("请填写标题。")), Length(max=300, message=_l("标题不能超过300个字。"))],
    )
    slug = StringField(
        _l("网址名称"), filters=[lambda v: (v or "").strip().lower()],
        validators=[
            DataRequired(message=_l("请填写网址名称。")),
            Regexp(SLUG, message=_l("网址名称只能包含小写英文字母、数字和连字符(-),不超过60个字符,例如 xihu-2024-parking。")),
        ],
    )
    opens_at = LocalDateTimeField(
        _l("开始时间"), invalid_message=_l("开始时间格式不正确。"),
        validators=[InputRequired(message=_l("请填写开始时间。"))],
    )
    closes_at = LocalDateTimeField(
        _l("截止时间"), invalid_message=_l("截止时间格式不正确。"),
        validators=[InputRequired(message=_l("请填写截止时间。"))],
    )
    issuer = StringField(_l("发布单位"), filters=[normalise_text], validators=[Length(max=200, message=_l("发布单位不能超过200个字。"))])
    contact_person = StringField(_l("联系人"), filters=[normalise_text], validators=[Length(max=100, message=_l("联系人不能超过100个字。"))])
    phone = StringField(_l("联系电话"), filters=[normalise_text], validators=[Length(max=50, message=_l("联系电话不能超过50个字符。"))])
    email = StringField(
        _l("电子邮箱"), filters=[normalise_text],
        validators=email_validators(max_length=200),
    )
    postal_address = StringField(_l("通信地址"), filters=[normalise_text], validators=[Length(max=300, message=_l("通信地址不能超过300个字。"))])
    postcode = StringField(
        _l("邮政编码"), filters=[normalise_text],
        validators=[Optional(), Regexp(r"^\d{6}$", message=_l("邮政编码应为6位数字。"))],
    )

    def validate_slug(self, field):
        if field.data in RESERVED_SLUGS:
            raise ValidationError(_l("“%(slug)s”是保留名称,请换一个网址名称。", slug=field.data))

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("截止时间必须晚于开始时间。"))


class WindowForm(FlaskForm):
    opens_at = LocalDateTimeField(
        _l("开始时间"), invalid_message=_l("开始时间格式不正确。"),
        validators=[InputRequired(message=_l("请填写开始时间。"))],
    )
    closes_at = LocalDateTimeField(
        _l("截止时间"), invalid_message=_l("截止时间格式不正确。"),
        validators=[InputRequired(message=_l("请填写截止时间。"))],
    )

    def validate_closes_at(self, field):
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("截止时间必须晚于开始时间。"))


class ActionForm(FlaskForm):
    """Publish, close early, archive: a button and the CSRF token."""
