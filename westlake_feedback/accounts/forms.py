from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField(_l("邮箱"), validators=[DataRequired(message=_l("请填写邮箱。")), Length(max=254)])
    password = PasswordField(_l("密码"), validators=[DataRequired(message=_l("请填写密码。")), Length(max=200)])


class ChangePasswordForm(FlaskForm):
    current = PasswordField(_l("当前密码"), validators=[DataRequired(message=_l("请填写当前密码。"))])
    new = PasswordField(_l("新密码"), validators=[DataRequired(message=_l("请填写新密码。")), Length(max=200)])
    confirm = PasswordField(
        _l("再次输入新密码"),
        validators=[DataRequired(message=_l("请再次输入新密码。")), EqualTo("new", message=_l("两次输入的新密码不一致。"))],
    )
