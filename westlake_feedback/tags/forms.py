"""Codebook forms. Names and descriptions are checked again by the services (the same sentences)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import ValidationError

from ..comments.forms import normalise_text
from ..moderation.forms import IdListField
from .models import DESCRIPTION_MAX, NAME_MAX
from .services import TagError, clean_description, clean_name


def _checked(check):
    def validator(form, field):
        try:
            check(field.data)
        except TagError as error:
            raise ValidationError(error.message) from None
    return validator


class TagForm(FlaskForm):
    name = StringField(_l("标签名称"), filters=[normalise_text], validators=[_checked(clean_name)],
                       render_kw={"maxlength": NAME_MAX})
    description = TextAreaField(_l("说明(选填,写明什么样的意见打这个标签)"), filters=[normalise_text],
                                validators=[_checked(clean_description)], render_kw={"maxlength": DESCRIPTION_MAX})


class DeleteTagForm(FlaskForm):
    confirm = BooleanField(_l("确认删除该标签,并从所有意见上移除它"))

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError(_l("请勾选确认后再删除。"))


class CommentTagsForm(FlaskForm):
    """The comment page's checkboxes: the comment's tags become exactly the ticked ones."""

    tag_ids = IdListField(_l("标签"), default=list)


class BulkTagForm(FlaskForm):
    """Under the queue: one tag added to or removed from every ticked comment."""

    ids = IdListField(_l("所选意见"), default=list)
    tag = StringField(_l("标签"))
    tag_action = StringField()

    def validate_ids(self, field):
        if not field.data:
            raise ValidationError(_l("请先勾选要处理的意见。"))

    def validate_tag(self, field):
        if not field.data:
            raise ValidationError(_l("请选择标签。"))
