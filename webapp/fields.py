"""A date field that speaks the reader's calendar.

With the Gregorian calendar it is a plain `<input type="date">` holding an ISO date. With the
Ethiopian calendar it is a text input that shows the Ethiopian date as day/month/year
("23/3/2019") and accepts it so, or with the month's name ("23 ኅዳር 2019", "23 Hidar 2019").
An ISO date (`2026-12-02`: the year first, four digits, dashes) is always Gregorian, in both
calendars: links and bookmarks carry dates that way, so they mean the same day to everyone.
"""
from __future__ import annotations

import re
from datetime import date

from markupsafe import Markup
from wtforms import DateField
from wtforms.widgets import DateInput

from . import calendars as E
from .i18n import reading
from .translate import lazy_gettext as _l

ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NUMERIC = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{1,4})$")
NAMED = re.compile(r"^(\d{1,2})\s+(\S+)\s+(\d{1,4})$")
_MONTHS = {name.casefold(): i for names in (E.MONTH_NAMES, E.MONTH_NAMES_AM) for i, name in enumerate(names, 1)}


def parse_date(text: str, calendar: str) -> date:
    """The date a user typed; `ValueError` when it is no date of that calendar."""
    text = " ".join(text.split()).removesuffix("ዓ.ም.").removesuffix("ዓ.ም").strip()
    if ISO.match(text):
        return date.fromisoformat(text)
    if calendar != "ethiopian":
        raise ValueError(text)
    if match := NUMERIC.match(text):
        day, month, year = (int(g) for g in match.groups())
    elif (match := NAMED.match(text)) and match.group(2).casefold() in _MONTHS:
        day, month, year = int(match.group(1)), _MONTHS[match.group(2).casefold()], int(match.group(3))
    else:
        raise ValueError(text)
    return E.from_ethiopian(year, month, day)


def show_date(value: date, calendar: str) -> str:
    """What the field shows: ISO for Gregorian, day/month/year for Ethiopian."""
    if calendar == "ethiopian":
        e = E.to_ethiopian(value)
        return f"{e.day}/{e.month}/{e.year}"
    return value.isoformat()


class CalendarDateInput(DateInput):
    """type="date" for Gregorian readers; a text input with its format as a hint otherwise."""

    input_type = "date"

    def __call__(self, field, **kwargs):
        if reading().calendar == "ethiopian":  # per call: the widget is shared by threads
            kwargs["type"] = "text"
            kwargs.setdefault("inputmode", "numeric")
            kwargs.setdefault("placeholder", str(_l("day/month/year")))
            kwargs.setdefault("autocomplete", "off")
        return Markup(super().__call__(field, **kwargs))


class CalendarDateField(DateField):
    """`DateField` in the reader's calendar (see the module's doc)."""

    widget = CalendarDateInput()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(*args, **kwargs)

    @property
    def input_type(self) -> str:
        return "text" if reading().calendar == "ethiopian" else "date"

    def _value(self) -> str:
        if self.raw_data:
            return " ".join(self.raw_data)
        return show_date(self.data, reading().calendar) if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_date(text, reading().calendar)
        except ValueError:
            self.data = None
            if reading().calendar == "ethiopian":
                raise ValueError(str(_l("Not a date of the Ethiopian calendar: write day/month/year, "
                                        "for example 23/3/2019."))) from None
            raise ValueError(self.gettext("Not a valid date value.")) from None
