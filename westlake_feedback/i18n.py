"""Locale choice: a cookie set by the language switch; Chinese otherwise."""
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import get_babel, get_translations

LANG_COOKIE = "lang"


def select_locale() -> str:
    wanted = request.cookies.get(LANG_COOKIE) if has_request_context() else None
    return locale_for(wanted, current_app.config)


def locale_for(wanted: str | None, config) -> str:
    """The interface language for a language cookie's value: one the app offers, else the default."""
    return wanted if wanted in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["TIMEZONE"]


def html_lang(locale: str) -> str:
    return "zh-CN" if locale.startswith("zh") else locale.replace("_", "-")


def current_translations():
    """flask_babel.get_translations(), with one context look-up instead of a dozen: a page calls
    it for every string it shows (hundreds on the comment form and the receipt). The result is
    kept on Flask-Babel's own namespace beside the locale object it is for; forcing another
    locale (mail in the commenter's language) puts another object there, so it is never reused
    for the wrong language."""
    try:
        space = g._flask_babel
        kept_locale, translations = space.westlake_translations
    except (AttributeError, RuntimeError):
        pass
    else:
        if kept_locale is getattr(space, "babel_locale", None):
            return translations
    return _remember(_babel_get_translations())


def _remember(translations):
    space = g.get("_flask_babel") if g else None
    if space is not None and getattr(space, "babel_locale", None) is not None:
        space.westlake_translations = (space.babel_locale, translations)
    return translations


_babel_get_translations = get_translations


def install_fast_gettext(app: Flask) -> None:
    """Every translation, in templates and in code (gettext, lazy_gettext), goes through
    current_translations(). Flask-Babel's default domain is shared by every app of the process;
    its own lookup stays the fallback."""
    global _babel_get_translations
    with app.app_context():
        domain = get_babel(app).instance.domain_instance
    if not getattr(domain, "westlake_fast", False):
        _babel_get_translations = domain.get_translations
        domain.get_translations = current_translations
        domain.westlake_fast = True
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: current_translations().ugettext(s),
        ngettext=lambda s, p, n: current_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: current_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: current_translations().unpgettext(c, s, p, n),
    )


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
