"""The form that applies one moderation action and one decision to a whole cluster."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from ..comments.forms import ChoiceRadioField, normalise_text
from ..moderation.decisions import check_decision
from ..moderation.forms import ChoiceSelectField, reason_choices
from ..moderation.models import DecisionOutcome
from ..moderation.services import BULK_ACTIONS, NOTE_MAX, ModerationError, check_rejection


def action_choices() -> list[tuple[str, str]]:
    return [("", str(_l("不改变审核状态")))] + [(key, str(label)) for key, label in BULK_ACTIONS.items()]


def outcome_choices() -> list[tuple[str, str]]:
    return [("", str(_l("不改变采纳情况")))] + DecisionOutcome.choices()


def _as_field_error(check, *args) -> None:
    try:
        check(*args)
    except ModerationError as error:
        raise ValidationError(error.message) from None


class ClusterActionForm(FlaskForm):
    action = ChoiceSelectField(_l("审核状态"), choices=action_choices,
                               invalid_message=_l("请选择要执行的操作。"))
    reason = ChoiceSelectField(_l("不予公开的原因"), choices=reason_choices,
                               invalid_message=_l("不予公开的原因无效,请从列表中选择。"))
    note = TextAreaField(_l("说明(选择“其他”时必填)"), filters=[normalise_text])
    outcome = ChoiceRadioField(_l("采纳情况"), choices=outcome_choices, default="",
                               invalid_message=_l("请从列表中选择采纳情况。"))
    response = TextAreaField(_l("答复说明"), filters=[normalise_text])

    def validate_action(self, field):
        if not field.data and not self.outcome.data:
            raise ValidationError(_l("请选择审核操作或采纳情况(至少一项)。"))

    def validate_reason(self, field):
        if self.action.data == "reject":
            _as_field_error(check_rejection, field.data, self.note.data if len(self.note.data or "") <= NOTE_MAX else "")

    def validate_note(self, field):
        if len(field.data or "") > NOTE_MAX:
            raise ValidationError(_l("说明不能超过%(max)d个字。", max=NOTE_MAX))

    def validate_response(self, field):
        if self.outcome.data:
            _as_field_error(check_decision, self.outcome.data, field.data)
