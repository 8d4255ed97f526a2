from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import Length

from ..comments.forms import normalise_text

INTRO_MAX = 20000


class FeedbackForm(FlaskForm):
    """The admin's introduction (征求意见情况说明) above the published feedback."""

    intro = TextAreaField(
        _l("情况说明"), filters=[normalise_text],
        validators=[Length(max=INTRO_MAX, message=_l("情况说明不能超过%(max)d个字。"))],
    )


class UnpublishForm(FlaskForm):
    """A button and the CSRF token."""
