"""WTForms fields whose parse errors are our own Chinese sentences, not WTForms' English ones."""
from __future__ import annotations

from datetime import date, datetime

from wtforms import DateField, DateTimeLocalField, SelectField
from wtforms.validators import ValidationError

from .inputs import FIRST_DAY, LAST_DAY


class LocalDateField(DateField):
    """<input type=date>; an empty value is None (left to DataRequired/Optional). Years outside
    1900-2999 are refused like a malformed date: nobody means them, and local midnights and
    the day after must stay representable."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, format="%Y-%m-%d", **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = date.fromisoformat(valuelist[0].strip())
        except ValueError:
            self.data = None
        if self.data is None or not FIRST_DAY <= self.data <= LAST_DAY:
            self.data = None
            raise ValueError(self.invalid_message or self.gettext("Not a valid date value."))


class LocalDateTimeField(DateTimeLocalField):
    """<input type=datetime-local>; naive local (Asia/Shanghai) datetimes, to the minute, in the
    years 1900-2999 (like LocalDateField)."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"], **kwargs)
        self.invalid_message = invalid_message

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        for fmt in self.strptime_format:
            try:
                moment = datetime.strptime(text, fmt)
            except ValueError:
                continue
            if FIRST_DAY <= moment.date() <= LAST_DAY:
                self.data = moment
                return
        self.data = None
        raise ValueError(self.invalid_message or self.gettext("Not a valid datetime value."))


class ChoiceSelectField(SelectField):
    """A select whose 'not one of the choices' error is our own sentence."""

    def __init__(self, *args, invalid_message=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.invalid_message = invalid_message

    def pre_validate(self, form):
        values = {str(choice[0]) for choice in (self.choices or [])}
        if str(self.data if self.data is not None else "") not in values:
            raise ValidationError(self.invalid_message or self.gettext("Not a valid choice."))
