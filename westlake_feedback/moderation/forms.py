"""Staff forms for moderation. Each rejects bad input with a Chinese message per field."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from ..comments.forms import ChoiceRadioField, normalise_text
from .decisions import CLAUSE_RESPONSE_MAX, RESPONSE_MAX, check_decision
from .models import DecisionOutcome, RejectionReason
from .services import BULK_ACTIONS, NOTE_MAX, ModerationError


class ChoiceSelectField(SelectField):
    """A select whose 'not one of the choices' error is our own sentence."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        values = {value for value, _label in self.choices if value}
        if self.data and self.data not in values:
            raise ValidationError(self.invalid_message or self.gettext("Not a valid choice."))


def reason_choices() -> list[tuple[str, str]]:
    return [("", str(_l("请选择原因")))] + RejectionReason.choices()


class ActionForm(FlaskForm):
    """Approve, spam, restore the original text: nothing to fill in but the CSRF token."""


class RejectForm(FlaskForm):
    reason = ChoiceSelectField(_l("不予公开的原因"), choices=reason_choices,
                               invalid_message=_l("不予公开的原因无效,请从列表中选择。"))
    note = TextAreaField(_l("说明(选择“其他”时必填)"), filters=[normalise_text],
                         validators=[Length(max=NOTE_MAX, message=_l("说明不能超过%(max)d个字。", max=NOTE_MAX))])

    def validate_reason(self, field):
        if not field.data:
            raise ValidationError(_l("请选择不予公开的原因。"))

    def validate_note(self, field):
        if self.reason.data == RejectionReason.OTHER.value and not field.data:
            raise ValidationError(_l("选择“其他”时,请填写具体原因。"))


class RedactForm(FlaskForm):
    published_body = TextAreaField(
        _l("公开显示的文本"), filters=[normalise_text],
        validators=[DataRequired(message=_l("公开文本不能为空;如需恢复原文,请使用“恢复原文”。")),
                    Length(max=4000, message=_l("公开文本过长。"))],
    )


class DecisionForm(FlaskForm):
    outcome = ChoiceRadioField(_l("采纳情况"), choices=DecisionOutcome.choices,
                               invalid_message=_l("请从列表中选择采纳情况。"))
    response = TextAreaField(_l("答复说明"), filters=[normalise_text],
                             validators=[Length(max=RESPONSE_MAX, message=_l("答复说明不能超过%(max)d个字。",
                                                                              max=RESPONSE_MAX))])

    def validate_response(self, field):
        if self.outcome.data in {o.value for o in DecisionOutcome}:
            try:
                check_decision(self.outcome.data, field.data)
            except ModerationError as error:
                raise ValidationError(error.message) from None


class ClauseResponseForm(FlaskForm):
    text = TextAreaField(
        _l("条款答复(汇总说明,留空则删除)"), filters=[normalise_text],
        validators=[Length(max=CLAUSE_RESPONSE_MAX, message=_l("条款答复不能超过%(max)d个字。",
                                                                max=CLAUSE_RESPONSE_MAX))],
    )


def visibility_choices() -> list[tuple[str, str]]:
    return [("1", str(_l("公开显示已通过审核的意见内容"))), ("0", str(_l("只显示意见数量,不显示内容")))]


class VisibilityForm(FlaskForm):
    show = ChoiceRadioField(_l("条款页面上的意见"), choices=visibility_choices, invalid_message=_l("请选择一项。"))


class IdListField(Field):
    """Every value submitted under this name (the queue's checkboxes)."""

    def process_formdata(self, valuelist):
        self.data = [value.strip() for value in valuelist]

    def _value(self):
        return ""


def bulk_action_choices() -> list[tuple[str, str]]:
    return [("", str(_l("请选择操作")))] + [(key, str(label)) for key, label in BULK_ACTIONS.items()]


class BulkForm(FlaskForm):
    ids = IdListField(_l("所选意见"), default=list)
    action = ChoiceSelectField(_l("对所选意见"), choices=bulk_action_choices,
                               invalid_message=_l("请选择要执行的操作。"))
    reason = ChoiceSelectField(_l("不予公开的原因"), choices=reason_choices,
                               invalid_message=_l("不予公开的原因无效,请从列表中选择。"))
    note = TextAreaField(_l("说明(选择“其他”时必填)"), filters=[normalise_text])

    def validate_ids(self, field):
        if not field.data:
            raise ValidationError(_l("请先勾选要处理的意见。"))

    def validate_action(self, field):
        if not field.data:
            raise ValidationError(_l("请选择要执行的操作。"))

    def validate_reason(self, field):
        if self.action.data == "reject" and not field.data:
            raise ValidationError(_l("请选择不予公开的原因。"))

    def validate_note(self, field):
        if self.action.data == "reject" and self.reason.data == RejectionReason.OTHER.value and not field.data:
            raise ValidationError(_l("选择“其他”时,请填写具体原因。"))
        if len(field.data or "") > NOTE_MAX:
            raise ValidationError(_l("说明不能超过%(max)d个字。", max=NOTE_MAX))
