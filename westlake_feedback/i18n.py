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


_WTFORMS_TRANSLATIONS: dict[str, object] = {}


class CachedFormTranslations:
    """WTForms' own messages in the request's language, loaded once per process and language.
    (Flask-WTF reads the `.mo` file again for every request that needs one: a few ms on the
    comment POST.) Used as `Meta.get_translations` of the busiest forms."""

    def get_translations(self, form):
        from babel import support
        from flask_babel import get_locale
        from wtforms.i18n import messages_path

        locale = str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])
        translations = _WTFORMS_TRANSLATIONS.get(locale)
        if translations is None:
            translations = support.Translations.load(messages_path(), [locale], domain="wtforms")
            _WTFORMS_TRANSLATIONS[locale] = translations
        return translations
