from __future__ import annotations

import re
import secrets

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, RadioField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..mail.addresses import email_validators
from ..i18n import CachedFormTranslations
from ..inputs import trim, visible_length
from ..pagecache.tokens import note_form_token
from .models import IdentityType, LabelledEnum, Stance

BODY_MIN, BODY_MAX = 5, 2000
VERIFY_MAX = 20_000  # a pasted text to verify (offline opinions may be longer than web ones)
MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")
LANDLINE = re.compile(r"^(?:\+?86)?0\d{2,3}\d{7,8}(?:\d{1,6})?$")
ORGANISATION_REQUIRED = {IdentityType.COMPANY.value, IdentityType.SOCIAL_ORG.value}


def normalise_text(value: str | None) -> str:
    """Unix line ends; blanks and zero-width characters trimmed at both ends, so that a text made
    only of them is empty. (Control characters never arrive: see westlake_feedback.inputs.)"""
    return trim((value or "").replace("\r\n", "\n").replace("\r", "\n"))


def compact_phone(value: str) -> str:
    return re.sub(r"[\s\-()（）转#]", "", value)


# Shared by every form that asks for an email (web comments, offline intake, the consultation's
# contact mailbox): addresses are checked the way the mail system will send them.
EMAIL_VALIDATORS = email_validators()


def new_form_token() -> str:
    """The one-time submission token of one rendered comment form (Comment.submission_token)."""
    return secrets.token_urlsafe(24)


class ChoiceRadioField(RadioField):
    """A radio group whose 'not one of the choices' error is our own sentence, not WTForms'."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message
        # Choices given as a LabelledEnum's `choices` are checked against its values: no label is
        # made or translated unless the field is drawn. (WTForms resolves a choices callable the
        # first time `self.choices` is read, so the enum is taken from the argument here.)
        owner = getattr(kwargs.get("choices"), "__self__", None)
        self.enum = owner if isinstance(owner, type) and issubclass(owner, LabelledEnum) else None

    def pre_validate(self, form):
        if self.enum is not None:
            allowed = self.enum.value_set()
        else:
            allowed = {value for value, _label in self.iter_choices_values()}
        if self.data not in allowed:
            raise ValidationError(self.invalid_message or self.gettext("Not a valid choice."))

    def iter_choices_values(self):
        choices = self.choices() if callable(self.choices) else self.choices
        return [(value, label) for value, label in choices]


class CommentForm(FlaskForm):
    class Meta(CachedFormTranslations):
        pass

    stance = ChoiceRadioField(
        _l("您的态度"),
        choices=Stance.choices,
        default=Stance.AMEND.value,
        invalid_message=_l("请选择您的态度。"),
        validators=[InputRequired(message=_l("请选择您的态度。"))],
    )
    body = TextAreaField(
        _l("意见内容"),
        filters=[normalise_text],
        validators=[DataRequired(message=_l("请填写意见内容。"))],
    )
    name = StringField(_l("姓名(选填)"), filters=[normalise_text], validators=[Optional(), Length(max=100)])
    identity_type = ChoiceRadioField(
        _l("身份类型"),
        choices=IdentityType.choices,
        default=IdentityType.INDIVIDUAL.value,
        invalid_message=_l("请选择身份类型。"),
        validators=[InputRequired(message=_l("请选择身份类型。"))],
    )
    organisation = StringField(
        _l("单位名称"),
        filters=[normalise_text],
        validators=[Length(max=200, message=_l("单位名称不能超过200个字。"))],
    )
    publish_name = BooleanField(_l("同意公开姓名/单位"))
    phone = StringField(_l("联系电话(选填)"), filters=[normalise_text])
    email = StringField(
        _l("电子邮箱(选填)"),
        filters=[normalise_text],
        validators=EMAIL_VALIDATORS,
    )
    consent = BooleanField(
        _l("我已阅读并同意上述个人信息处理说明"),
        validators=[DataRequired(message=_l("请阅读个人信息处理说明并勾选同意后再提交。"))],
    )
    website = StringField(_l("请勿填写此栏"))  # honeypot: hidden from people, filled by bots
    token = HiddenField()

    @classmethod
    def fresh(cls) -> "CommentForm":
        form = cls(formdata=None)
        form.token.data = new_form_token()
        note_form_token(form.token.data)  # a cached copy of the page gets a new one per visitor
        return form

    # Names stay in Chinese order of the form; labels above are what people see.
    def validate_body(self, field):
        visible = visible_length(field.data or "")  # blanks and zero-width characters do not count
        if visible < BODY_MIN:
            raise ValidationError(_l("意见内容至少需要%(min)d个字,目前%(count)d个字。", min=BODY_MIN, count=visible))
        length = len(field.data or "")
        if length > BODY_MAX:
            raise ValidationError(
                _l("意见内容不能超过%(max)d个字,目前%(count)d个字。", max=BODY_MAX, count=length)
            )

    def validate_organisation(self, field):
        if self.identity_type.data in ORGANISATION_REQUIRED and not field.data:
            raise ValidationError(_l("以企业或社会组织身份提交时,请填写单位名称。"))

    def validate_phone(self, field):
        if not field.data:
            return
        compact = compact_phone(field.data)
        if not (MOBILE.match(compact) or LANDLINE.match(compact)):
            raise ValidationError(
                _l("电话号码格式不正确,请填写11位手机号或带区号的固定电话,例如 0571-87971371。")
            )

    def validate_token(self, field):
        if not field.data or not re.fullmatch(r"[A-Za-z0-9_\-]{16,64}", field.data):
            field.data = secrets.token_urlsafe(24)
            raise ValidationError(_l("表单已过期,请重新提交。"))


class VerifyTextForm(FlaskForm):
    """The receipt's verify page: the commenter pastes the text they submitted."""

    text = TextAreaField(
        _l("您提交的意见内容"),
        filters=[normalise_text],
        validators=[DataRequired(message=_l("请粘贴您提交的意见内容。")),
                    Length(max=VERIFY_MAX, message=_l("内容过长,不可能是您提交的意见。"))],
    )
