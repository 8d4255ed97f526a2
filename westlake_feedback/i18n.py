"""Locale choice: a cookie set by the language switch; Chinese otherwise."""
from flask import current_app, has_request_context, request

LANG_COOKIE = "lang"


def select_locale() -> str:
    wanted = request.cookies.get(LANG_COOKIE) if has_request_context() else None
    if wanted in current_app.config["LANGUAGES"]:
        return wanted
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def html_lang(locale: str) -> str:
    return "zh-CN" if locale.startswith("zh") else locale.replace("_", "-")
