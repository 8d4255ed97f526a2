"""Jinja filters and globals shared by every template."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import Flask
from flask_babel import get_locale, gettext as _

from .i18n import html_lang
from .timeutil import now_utc, to_local


def format_local(moment: datetime | None, with_time: bool = True) -> str:
    if moment is None:
        return ""
    local = to_local(moment)
    if str(get_locale()).startswith("zh"):
        text = f"{local.year}年{local.month}月{local.day}日"
        return f"{text} {local:%H:%M}" if with_time else text
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def format_deadline(moment: datetime | None) -> str:
    """A window end at local midnight reads as 24:00 of the day before, as notices write it."""
    if moment is None:
        return ""
    local = to_local(moment)
    if (local.hour, local.minute, local.second) != (0, 0, 0):
        return format_local(moment)
    last_day = local - timedelta(days=1)
    if str(get_locale()).startswith("zh"):
        return f"{last_day.year}年{last_day.month}月{last_day.day}日 24:00"
    return last_day.strftime("%Y-%m-%d 24:00")


def time_left(until: datetime, now: datetime | None = None) -> str:
    seconds = int((until - (now or now_utc())).total_seconds())
    if seconds <= 0:
        return ""
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return _("%(days)d天%(hours)d小时", days=days, hours=hours)
    if hours:
        return _("%(hours)d小时%(minutes)d分钟", hours=hours, minutes=minutes)
    return _("%(minutes)d分钟", minutes=max(minutes, 1))


def mask_phone(phone: str | None) -> str:
    if not phone:
        return ""
    return phone[:3] + "*" * max(len(phone) - 7, 4) + phone[-4:] if len(phone) >= 8 else "*" * len(phone)


def mask_email(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


def aria(field, hint, attrs: dict, extra_ids: list[str] | None = None) -> dict:
    """HTML attributes for a form control: drop empty ones, wire hint and error for screen readers."""
    described = list(extra_ids or [])
    if hint:
        described.append(f"{field.id}-hint")
    if field.errors:
        described.append(f"{field.id}-error")
        attrs["aria-invalid"] = "true"
    if described:
        attrs["aria-describedby"] = " ".join(described)
    return {key: value for key, value in attrs.items() if value not in (None, False, "")}


def init_templating(app: Flask) -> None:
    app.jinja_env.globals["aria"] = aria
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["mask_email"] = mask_email
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["localdate"] = lambda m: format_local(m, with_time=False)
    app.jinja_env.filters["deadline"] = format_deadline
    app.jinja_env.globals["time_left"] = time_left
    from .staff_nav import consultation_tabs

    app.jinja_env.globals["consultation_tabs"] = consultation_tabs
    from .static_assets import init_static_assets

    init_static_assets(app)

    @app.context_processor
    def _globals():
        locale = str(get_locale())
        return {"current_locale": locale, "html_lang": html_lang(locale), "now": now_utc()}
