"""gettext for the app's code and templates, with the catalogue found once a language.

Flask-Babel's own `gettext` finds the request's locale and catalogue again on every call,
and a page calls it a hundred times or more (labels, choices, the scripts' messages). These
do what Flask-Babel's do, with the catalogue of the reader's language (`i18n.reading`: an
e-mail rendered `i18n.as_reader` takes its reader's) kept by the app once loaded. Outside a
request they fall back to Flask-Babel's.
"""
from __future__ import annotations

from flask import current_app, g, has_request_context
from flask_babel import LazyString, get_locale, get_translations
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup


def translations():
    if not has_request_context():
        return get_translations()
    found = g.__dict__  # one look through the proxy, then plain dict reads
    current = found.get("reading")
    if current is None:  # the request's first text: its reading is not known yet
        from .i18n import reading  # here: i18n imports choices, which imports this module

        current = reading()
    language = current.language
    catalogues = current_app.extensions.setdefault("catalogues", {})
    catalogue = catalogues.get(language)
    if catalogue is None:
        catalogue = get_translations()
        if str(get_locale()) == language:  # kept only when Flask-Babel agrees on the language
            catalogues[language] = catalogue
    return catalogue


def gettext(string: str, **variables) -> str:
    text = translations().ugettext(string)
    return text % variables if variables else text


def ngettext(singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return translations().ungettext(singular, plural, num) % variables


def pgettext(context: str, string: str, **variables) -> str:
    text = translations().upgettext(context, string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables) -> LazyString:
    return LazyString(gettext, string, **variables)


# The templates' `_()` / gettext and ngettext, as Jinja's newstyle i18n has them (the text
# escaped where autoescaping is on, then always %-formatted with the keywords), called
# directly: Jinja's own wrappers pass every call through two more context calls, and a
# page has a hundred texts.
@pass_eval_context
def template_gettext(eval_ctx: EvalContext, string: str, /, **variables) -> str:
    text = translations().ugettext(string)
    return (Markup(text) if eval_ctx.autoescape else text) % variables


@pass_eval_context
def template_ngettext(eval_ctx: EvalContext, singular: str, plural: str, num: int, /, **variables) -> str:
    variables.setdefault("num", num)
    text = translations().ungettext(singular, plural, num)
    return (Markup(text) if eval_ctx.autoescape else text) % variables
