"""WTForms' own messages (a required field, a value that is not a date, a choice not offered,
…) in the reader's language. WTForms ships no Amharic catalogue, so these messages are in the
app's catalogue (listed below for pybabel) and every form of the app derives from `Form`,
which looks them up there. English reads exactly as WTForms writes it."""
from __future__ import annotations

from functools import lru_cache

from flask_wtf import FlaskForm

from .i18n import reading
from .translate import translations


class Translations:
    """The `gettext`/`ngettext` pair WTForms asks its meta for; WTForms fills the values in
    itself (`%(max)d` …), so these only look the text up."""

    def gettext(self, string: str) -> str:
        return translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations().ungettext(singular, plural, n)


TRANSLATIONS = Translations()


class Form(FlaskForm):
    """A FlaskForm whose WTForms messages come from the app's catalogue, and whose choices'
    lazy labels (`choices.STATUS_LABELS`, …) become plain strings in the reader's language
    each time a form is made (WTForms takes a dict of value → label only with `str` labels)."""

    class Meta:
        def get_translations(self, form):
            return TRANSLATIONS

        def bind_field(self, form, unbound_field, options):
            choices = unbound_field.kwargs.get("choices")
            if isinstance(choices, dict) and not all(isinstance(v, (str, dict)) for v in choices.values()):
                unbound_field = _in_language(unbound_field, reading().language)
            return super().bind_field(form, unbound_field, options)


@lru_cache(maxsize=512)
def _in_language(unbound_field, language: str):
    """The field with its choices' labels as text in `language` (made once per field and
    language; the current request's catalogue is that language's)."""
    choices = unbound_field.kwargs["choices"]
    kwargs = {**unbound_field.kwargs, "choices": {k: str(v) for k, v in choices.items()}}
    return type(unbound_field)(unbound_field.field_class, *unbound_field.args, **kwargs)


def _catalogue() -> None:  # pragma: no cover - never called: marks WTForms' messages for pybabel
    from .translate import gettext as _, ngettext

    _("This field is required.")
    _("Invalid email address.")
    _("Invalid input.")
    ngettext("Field cannot be longer than %(max)d character.", "Field cannot be longer than %(max)d characters.", 1)
    ngettext("Field must be at least %(min)d character long.", "Field must be at least %(min)d characters long.", 1)
    _("Field must be between %(min)d and %(max)d characters long.")
    _("Number must be at least %(min)s.")
    _("Number must be at most %(max)s.")
    _("Number must be between %(min)s and %(max)s.")
    _("Not a valid integer value.")
    _("Not a valid date value.")
    _("Not a valid time value.")
    _("Not a valid choice.")
    _("Invalid Choice: could not coerce.")
    ngettext("'%(value)s' is not a valid choice for this field.",
             "'%(value)s' are not valid choices for this field.", 1)
    _("Invalid choice(s): one or more data inputs could not be coerced.")
