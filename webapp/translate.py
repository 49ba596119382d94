"""gettext for the app's code and templates, reading the catalogue once a request.

Flask-Babel's own `gettext` finds the request's locale and catalogue again on every call,
and a page calls it a hundred times or more (labels, choices, the scripts' messages). These
do what Flask-Babel's do, with the catalogue of the reader's language (`i18n.reading`) kept
in `g` for the rest of the request (one per language: `i18n.as_reader` renders e-mails in
other languages within one request). Outside a request they fall back to Flask-Babel's.
"""
from __future__ import annotations

from flask import g, has_request_context
from flask_babel import LazyString, get_translations


def translations():
    if not has_request_context():
        return get_translations()
    found = g.__dict__  # one look through the proxy, then plain dict reads
    current = found.get("reading")
    if current is None:  # the request's first text: its reading is not known yet
        from .i18n import reading  # here: i18n imports choices, which imports this module

        current = reading()
    language = current.language
    catalogues = found.get("catalogues")
    if catalogues is None:
        catalogues = found["catalogues"] = {}
    catalogue = catalogues.get(language)
    if catalogue is None:
        catalogue = catalogues[language] = get_translations()
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


def template_gettext(string: str) -> str:
    """The templates' `_()`: Jinja's i18n extension formats and escapes the values itself."""
    return translations().ugettext(string)


def template_ngettext(singular: str, plural: str, n: int) -> str:
    return translations().ungettext(singular, plural, n)
