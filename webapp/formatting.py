"""How dates, times and durations read on a page (template filters), in the reader's
language (English or Amharic), calendar (Gregorian or Ethiopian) and clock (24-hour,
12-hour or Ethiopian): `webapp.i18n.reading()` says which.

The filters look the reading up once and call pure functions of immutable values, cached: a
list shows the same few dates and times fifty times. Names of months and weekdays come from
CLDR (Babel) for Gregorian dates, from `webapp.calendars` (ICU) for Ethiopian ones.
"""
from __future__ import annotations

from datetime import date, datetime, time, timezone
from functools import lru_cache

from babel.dates import get_day_names, get_month_names
from babel.numbers import format_decimal

from . import calendars as E
from .i18n import Reading, reading
from .translate import gettext as _


@lru_cache(maxsize=8)
def weekday_names(language: str, width: str = "abbreviated") -> tuple[str, ...]:
    """Monday first: ('Mon', …) or ('ሰኞ', …); width 'wide' for the whole names."""
    names = get_day_names(width, locale=language)
    return tuple(names[i] for i in range(7))


@lru_cache(maxsize=8)
def month_names(language: str, calendar: str, width: str = "abbreviated") -> tuple[str, ...]:
    """January (or Meskerem) first: 12 Gregorian months or 13 Ethiopian ones."""
    if calendar == "ethiopian":
        return E.MONTH_NAMES_AM if language == "am" else E.MONTH_NAMES
    names = get_month_names(width, locale=language)
    return tuple(names[i] for i in range(1, 13))


def _parts(value: date, calendar: str) -> tuple[int, int, int]:
    if calendar == "ethiopian":
        e = E.to_ethiopian(value)
        return e.year, e.month, e.day
    return value.year, value.month, value.day


@lru_cache(maxsize=8192)
def format_day(value: date, r: Reading, year: bool = True, weekday: str | None = "abbreviated",
               month: str = "abbreviated") -> str:
    """'Wed 2 Dec 2026', 'ረቡዕ 23 ኅዳር 2019', 'Wed 23 Hidar 2019' (weekday None: left out;
    widths as CLDR's: abbreviated or wide)."""
    y, m, d = _parts(value, r.calendar)
    month = month_names(r.language, r.calendar, month)[m - 1]
    text = f"{d} {month} {y}" if year else f"{d} {month}"
    return f"{weekday_names(r.language, weekday)[value.weekday()]} {text}" if weekday else text


@lru_cache(maxsize=4096)
def format_month(first: date, r: Reading) -> str:
    """The month a date is in: 'December 2026', 'ኅዳር 2019'."""
    y, m, _d = _parts(first, r.calendar)
    return f"{month_names(r.language, r.calendar, 'wide')[m - 1]} {y}"


@lru_cache(maxsize=4096)
def format_span(first: date, last: date, r: Reading) -> str:
    """Days from `first` to `last`: '16–22 March 2026', '30 Mar – 5 Apr 2026' (and across
    years '29 Dec 2025 – 4 Jan 2026'), in the reader's calendar."""
    y1, m1, d1 = _parts(first, r.calendar)
    y2, m2, d2 = _parts(last, r.calendar)
    if (y1, m1) == (y2, m2):
        return f"{d1}–{d2} {month_names(r.language, r.calendar, 'wide')[m2 - 1]} {y2}"
    return f"{format_day(first, r, year=y1 != y2, weekday=None)} – {format_day(last, r, weekday=None)}"


@lru_cache(maxsize=4096)
def format_time(value: time, r: Reading) -> str:
    """'14:05'; '2:05 pm' ('2:05 ከሰዓት'); on the Ethiopian clock '8:05 in the afternoon'
    ('ከቀኑ 8:05 ሰዓት')."""
    if r.clock == "ethiopian":
        return E.format_ethiopian_time(value, r.language)
    if r.clock == "12h":
        hour = value.hour % 12 or 12
        if r.language == "am":
            return f"{hour}:{value.minute:02d} {'ጥዋት' if value.hour < 12 else 'ከሰዓት'}"
        return f"{hour}:{value.minute:02d} {'am' if value.hour < 12 else 'pm'}"
    return f"{value.hour:02d}:{value.minute:02d}"


def day(value: date | None) -> str:
    """A date with its weekday and year: 'Wed 2 Dec 2026'."""
    return format_day(value, reading()) if value else ""


def short_day(value: date | None) -> str:
    """'Wed 2 Dec': a list's rows, where the year is plain from the context."""
    return format_day(value, reading(), year=False) if value else ""


def month(value: date | None) -> str:
    return format_month(value, reading()) if value else ""


def day_number(value: date | None) -> str:
    """The day of the month in the reader's calendar (a month view's cells)."""
    return str(_parts(value, reading().calendar)[2]) if value else ""


def weekday(value: date | None, width: str = "wide") -> str:
    return weekday_names(reading().language, width)[value.weekday()] if value else ""


def hm(value: time | None) -> str:
    return format_time(value, reading()) if value else ""


def minutes(value: int | None) -> str:
    """'1 h 30 min' (units translated)."""
    if not value:
        return ""
    hours, rest = divmod(int(value), 60)
    parts = [_("%(hours)d h", hours=hours) if hours else "", _("%(minutes)d min", minutes=rest) if rest else ""]
    return " ".join(part for part in parts if part)


def stamp(value: datetime | None) -> str:
    """A moment stored in UTC (naive), in the reader's zone, calendar and clock:
    'Wed 2 Dec 2026 14:05'."""
    if not value:
        return ""
    from flask_login import current_user

    from . import choices as C

    zone = C.zone(getattr(current_user, "timezone", None) if current_user else None)
    local = value.replace(tzinfo=timezone.utc).astimezone(zone)
    r = reading()
    return f"{format_day(local.date(), r)} {format_time(local.time().replace(second=0, microsecond=0), r)}"


def number(value: float | int | None, digits: int = 1) -> str:
    """12.5 as the reader's language writes it (Babel), with `digits` decimals."""
    if value is None:
        return ""
    return format_decimal(round(value, digits), format="#,##0." + "0" * digits if digits else "#,##0",
                          locale=reading().language)


FILTERS = {"day": day, "short_day": short_day, "month": month,
           "day_number": day_number, "weekday": weekday, "hm": hm, "minutes": minutes, "stamp": stamp,
           "number": number}


def weekdays(width: str = "abbreviated") -> tuple[str, ...]:
    """The week's days, Monday first, in the reader's language (a month view's header)."""
    return weekday_names(reading().language, width)
