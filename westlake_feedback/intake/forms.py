from __future__ import annotations

import re
import secrets

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..comments.forms import (EMAIL_VALIDATORS, LANDLINE, MOBILE, ORGANISATION_REQUIRED, ChoiceRadioField, compact_phone,
                              normalise_text)
from ..comments.models import Channel, IdentityType, Stance
from ..formfields import ChoiceSelectField, LocalDateField
from ..timeutil import now_utc, to_local
from .services import OFFLINE_CHANNELS
from .uploads import UploadRefused, inspect_upload

OFFLINE_BODY_MAX = 20000


def offline_channel_choices() -> list[tuple[str, str]]:
    return [(c.value, c.label) for c in OFFLINE_CHANNELS]


def clause_choices(consultation) -> list[tuple[str, str]]:
    choices = [("", str(_l("整个文件")))]
    for clause in consultation.clauses:
        title = clause.title if len(clause.title) <= 40 else clause.title[:40] + "…"
        choices.append((str(clause.number), f"{clause.label} {title}"))
    return choices


class IntakeForm(FlaskForm):
    channel = ChoiceRadioField(
        _l("来源渠道"),
        choices=offline_channel_choices,
        default=Channel.LETTER.value,
        invalid_message=_l("请选择意见的来源渠道。"),
        validators=[InputRequired(message=_l("请选择意见的来源渠道。"))],
    )
    received_on = LocalDateField(
        _l("收到日期"),
        invalid_message=_l("收到日期格式不正确,请按“年-月-日”填写,例如 2023-03-20。"),
        validators=[InputRequired(message=_l("请填写收到日期。"))],
    )
    postmarked_on = LocalDateField(
        _l("邮戳日期(仅信函)"),
        invalid_message=_l("邮戳日期格式不正确,请按“年-月-日”填写,例如 2023-03-20。"),
        validators=[Optional()],
    )
    name = StringField(_l("姓名"), filters=[normalise_text], validators=[Length(max=100, message=_l("姓名不能超过100个字。"))])
    identity_type = ChoiceRadioField(
        _l("身份类型"),
        choices=IdentityType.choices,
        default=IdentityType.INDIVIDUAL.value,
        invalid_message=_l("请选择身份类型。"),
        validators=[InputRequired(message=_l("请选择身份类型。"))],
    )
    organisation = StringField(
        _l("单位名称"), filters=[normalise_text],
        validators=[Length(max=200, message=_l("单位名称不能超过200个字。"))],
    )
    publish_name = BooleanField(_l("来件人同意公开姓名/单位"))
    phone = StringField(_l("联系电话"), filters=[normalise_text])
    email = StringField(
        _l("电子邮箱"),
        filters=[normalise_text],
        validators=EMAIL_VALIDATORS,
    )
    postal_address = StringField(
        _l("通信地址"), filters=[normalise_text],
        validators=[Length(max=300, message=_l("通信地址不能超过300个字。"))],
    )
    clause = ChoiceSelectField(_l("针对条款"), invalid_message=_l("请选择针对的条款,或选择“整个文件”。"))
    stance = ChoiceRadioField(
        _l("态度"),
        choices=Stance.choices,
        default=Stance.AMEND.value,
        invalid_message=_l("请选择态度。"),
        validators=[InputRequired(message=_l("请选择态度。"))],
    )
    body = TextAreaField(
        _l("意见内容"),
        filters=[normalise_text],
        validators=[
            DataRequired(message=_l("请填写意见内容。")),
            Length(max=OFFLINE_BODY_MAX, message=_l("意见内容不能超过%(max)d个字。", max=OFFLINE_BODY_MAX)),
        ],
    )
    original = FileField(_l("原件扫描件或文件(选填)"))
    token = HiddenField()

    def __init__(self, consultation, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.clause.choices = clause_choices(consultation)
        self.inspected = None  # the checked upload, once validate() has run

    @classmethod
    def fresh(cls, consultation) -> "IntakeForm":
        form = cls(consultation, formdata=None)
        form.token.data = secrets.token_urlsafe(24)
        form.received_on.data = to_local(now_utc()).date()
        return form

    @property
    def clause_number(self) -> int | None:
        return int(self.clause.data) if self.clause.data else None

    def validate_received_on(self, field):
        if field.data and field.data > to_local(now_utc()).date():
            raise ValidationError(_l("收到日期不能晚于今天。"))

    def validate_postmarked_on(self, field):
        if field.data is None:
            return
        if self.channel.data != Channel.LETTER.value:
            raise ValidationError(_l("只有信函需要填写邮戳日期;其他渠道请留空。"))
        if field.data > to_local(now_utc()).date():
            raise ValidationError(_l("邮戳日期不能晚于今天。"))
        if self.received_on.data and field.data > self.received_on.data:
            raise ValidationError(_l("邮戳日期不能晚于收到日期。"))

    def validate_organisation(self, field):
        if self.identity_type.data in ORGANISATION_REQUIRED and not field.data:
            raise ValidationError(_l("企业或社会组织的来件,请填写单位名称。"))

    def validate_phone(self, field):
        if field.data and not (MOBILE.match(compact_phone(field.data)) or LANDLINE.match(compact_phone(field.data))):
            raise ValidationError(
                _l("电话号码格式不正确,请填写11位手机号或带区号的固定电话,例如 0571-87971371。")
            )

    def validate_original(self, field):
        storage = field.data
        if storage is None or not getattr(storage, "filename", None):
            return
        try:
            self.inspected = inspect_upload(storage, current_app.config["INTAKE_MAX_UPLOAD_BYTES"])
        except UploadRefused as refused:
            raise ValidationError(str(refused)) from None

    def validate_token(self, field):
        if not field.data or not re.fullmatch(r"[A-Za-z0-9_\-]{16,64}", field.data):
            field.data = secrets.token_urlsafe(24)
            raise ValidationError(_l("表单已过期,请重新提交。"))
