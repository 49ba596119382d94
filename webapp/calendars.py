"""The Ethiopian calendar and the Ethiopian clock. Pure Python, no Flask.

Calendar
--------
The Ethiopian (Ge'ez) calendar has 13 months: twelve of 30 days and Pagume (ጳጉሜን) of 5
days, or 6 in a leap year (the year before a year divisible by 4: 2015, 2019, ...). The year
starts on Meskerem 1, which is 11 September, or 12 September in the Gregorian year before a
Gregorian leap year (2023-09-12 is Meskerem 1, 2016).

Every conversion goes through ICU's Ethiopic calendar (via PyICU; CLDR/Unicode's
implementation, the same one that Android, Chrome and Java use), not through arithmetic of our own.
Years are Amete Mihret (ዓ.ም.) years, ICU's ``EXTENDED_YEAR``: the usual year from 1 AM on,
continuing as 0, -1, ... before it (Gregorian dates before 9 AD), so every ``datetime.date``
converts both ways.

One ICU ``Calendar`` object, fixed to UTC so no time zone or DST shift can move a day, is
made per thread and reused (ICU calendars are not thread-safe; in a sync gunicorn worker
that is one per process). Dates go in and out as whole UTC days from the Unix epoch, which
ICU turns into its Julian day; there is no Gregorian/Julian cut-over in that path.

Clock
-----
Ethiopians count the hours of the day from sunrise and of the night from sunset, about
06:00 and 18:00 all year near the equator: 07:00 is 1 o'clock (ከጠዋቱ 1 ሰዓት), 12:00 is
6 o'clock, 18:00 is 12 o'clock, 19:00 is 1 o'clock again and 00:00 is 6 o'clock at night.
The hour alone is ambiguous, so it is always said with a part of the day. We use the four
quarters that CLDR's day-period rules for Amharic define (``am``: night1 00-06, morning1
06-12, afternoon1 12-18, evening1 18-24), which fall exactly on the Ethiopian clock's
halves, so each period holds the hours 12, 1, ..., 11 of one reading (noon is 6 o'clock
ከቀኑ, midnight 6 o'clock ከሌሊቱ):

=============  =========  ==========  ==================  ====================
local time     period     Amharic     said as             Ethiopian hours
=============  =========  ==========  ==================  ====================
00:00-05:59    night      ሌሊት        ከሌሊቱ 6 ... 11 ሰዓት  6, 7, ..., 11
06:00-11:59    morning    ጠዋት        ከጠዋቱ 12, 1 ... 5   12, 1, ..., 5
12:00-17:59    afternoon  ቀን          ከቀኑ 6 ... 11 ሰዓት   6, 7, ..., 11
18:00-23:59    evening    ምሽት        ከምሽቱ 12, 1 ... 5   12, 1, ..., 5
=============  =========  ==========  ==================  ====================

Spelling variants are common: ጥዋት for ጠዋት (CLDR writes ጥዋት), ማታ for ምሽት (CLDR's older
data), ከሰዓት በኋላ ("after noon") for ቀን. The time passed in is the local wall-clock time
of whoever reads it (for Ethiopia, Africa/Addis_Ababa, UTC+3); seconds are dropped.
"""
from __future__ import annotations

import calendar as _calendar
import threading
from dataclasses import dataclass
from datetime import date, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple

import icu

__all__ = [
    "MONTH_NAMES",
    "MONTH_NAMES_AM",
    "DayPeriod",
    "EthiopianDate",
    "EthiopianTime",
    "day_period",
    "ethiopian_clock",
    "format_ethiopian_time",
    "from_ethiopian",
    "from_ethiopian_clock",
    "is_leap",
    "month_days",
    "month_length",
    "month_weeks",
    "to_ethiopian",
]

# English transliterations in common use (CLDR's English ones differ: Tekemt, Hedar, ...).
MONTH_NAMES = (
    "Meskerem", "Tikimt", "Hidar", "Tahsas", "Tir", "Yekatit", "Megabit",
    "Miyazya", "Ginbot", "Sene", "Hamle", "Nehase", "Pagume",
)
# Amharic in Ge'ez script, as CLDR/ICU write them for am@calendar=ethiopic.
MONTH_NAMES_AM = (
    "መስከረም", "ጥቅምት", "ኅዳር", "ታኅሣሥ", "ጥር", "የካቲት", "መጋቢት",
    "ሚያዝያ", "ግንቦት", "ሰኔ", "ሐምሌ", "ነሐሴ", "ጳጉሜን",
)
PAGUME = 13

# --- ICU ---------------------------------------------------------------------------------

_F = icu.UCalendarDateFields
_EXTENDED_YEAR, _MONTH, _DATE = _F.EXTENDED_YEAR, _F.MONTH, _F.DATE
_SECONDS_PER_DAY = 86_400
_UNIX_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_LOCALE = "am_ET@calendar=ethiopic"
_local = threading.local()


def _calendar_instance() -> icu.Calendar:
    """This thread's ICU Ethiopic calendar: UTC, non-lenient (impossible dates raise)."""
    try:
        return _local.calendar
    except AttributeError:
        cal = icu.Calendar.createInstance(icu.TimeZone.getGMT(), icu.Locale(_LOCALE))
        if cal.getType() != "ethiopic":  # ICU built without calendar data would fall back
            raise RuntimeError(f"ICU gave a {cal.getType()!r} calendar for {_LOCALE}")
        cal.setLenient(False)
        _local.calendar = cal
        return cal


def _set_ethiopian(cal: icu.Calendar, year: int, month: int, day: int) -> None:
    cal.clear()
    cal.set(_EXTENDED_YEAR, year)
    cal.set(_MONTH, month - 1)  # ICU months are 0-based
    cal.set(_DATE, day)


def _check_ints(**values: object) -> None:
    for name, value in values.items():
        if type(value) is not int:  # bool and float are refused too
            raise TypeError(f"{name} must be an int, not {type(value).__name__}")


# --- dates -------------------------------------------------------------------------------

@dataclass(frozen=True, order=True, slots=True)
class EthiopianDate:
    """A day of the Ethiopian calendar (month 1..13). Make one with `to_ethiopian`, or
    `EthiopianDate.of` to check it against the calendar; the constructor itself only
    checks the ranges (it cannot know whether Pagume 6 exists in that year)."""

    year: int
    month: int
    day: int

    def __post_init__(self) -> None:
        if not 1 <= self.month <= 13:
            raise ValueError(f"month must be in 1..13, not {self.month}")
        if not 1 <= self.day <= (6 if self.month == PAGUME else 30):
            raise ValueError(f"day {self.day} is out of range for month {self.month}")

    @classmethod
    def of(cls, year: int, month: int, day: int) -> EthiopianDate:
        """The date, checked: `ValueError` for one that does not exist."""
        from_ethiopian(year, month, day)
        return cls(year, month, day)

    @property
    def month_name(self) -> str:
        return MONTH_NAMES[self.month - 1]

    @property
    def month_name_am(self) -> str:
        return MONTH_NAMES_AM[self.month - 1]

    @property
    def is_leap_year(self) -> bool:
        return is_leap(self.year)

    def to_gregorian(self) -> date:
        return from_ethiopian(self.year, self.month, self.day)

    def isoformat(self) -> str:
        sign = "-" if self.year < 0 else ""
        return f"{sign}{abs(self.year):04d}-{self.month:02d}-{self.day:02d}"

    __str__ = isoformat

    def format(self, lang: str = "en") -> str:
        """'Meskerem 1, 2016' or 'መስከረም 1 ቀን 2016 ዓ.ም.' (ዓ.ም.: Amete Mihret)."""
        if lang == "am":
            return f"{self.month_name_am} {self.day} ቀን {self.year} ዓ.ም."
        if lang == "en":
            return f"{self.month_name} {self.day}, {self.year}"
        raise ValueError(f"lang must be 'en' or 'am', not {lang!r}")


def to_ethiopian(d: date) -> EthiopianDate:
    """The Ethiopian date of a Gregorian date (a `datetime` counts by its date)."""
    cal = _calendar_instance()
    cal.setTime(float((d.toordinal() - _UNIX_EPOCH_ORDINAL) * _SECONDS_PER_DAY))
    return EthiopianDate(cal.get(_EXTENDED_YEAR), cal.get(_MONTH) + 1, cal.get(_DATE))


def from_ethiopian(year: int, month: int, day: int) -> date:
    """The Gregorian date of an Ethiopian one; `ValueError` if there is no such day
    (month 14, day 31, Pagume 6 of a year that is not leap) or it is outside
    `datetime.date`'s range."""
    _check_ints(year=year, month=month, day=day)
    if not 1 <= month <= 13:
        raise ValueError(f"month must be in 1..13, not {month}")
    cal = _calendar_instance()
    _set_ethiopian(cal, year, month, day)
    try:
        seconds = cal.getTime()
    except icu.ICUError:
        raise ValueError(f"no such Ethiopian date: {year}-{month:02d}-{day:02d}") from None
    ordinal = int(seconds // _SECONDS_PER_DAY) + _UNIX_EPOCH_ORDINAL
    if not 1 <= ordinal <= date.max.toordinal():
        raise ValueError(f"{year}-{month:02d}-{day:02d} is outside datetime.date's range")
    return date.fromordinal(ordinal)


@lru_cache(maxsize=4096, typed=True)
def month_length(year: int, month: int) -> int:
    """Days in the month: 30, or 5/6 for Pagume (month 13)."""
    _check_ints(year=year, month=month)
    if not 1 <= month <= 13:
        raise ValueError(f"month must be in 1..13, not {month}")
    cal = _calendar_instance()
    _set_ethiopian(cal, year, month, 1)
    try:
        return cal.getActualMaximum(_DATE)
    except icu.ICUError:
        raise ValueError(f"year {year} is outside ICU's range") from None


def is_leap(year: int) -> bool:
    """Whether the Ethiopian year has Pagume 6 (a 366-day year)."""
    return month_length(year, PAGUME) == 6


def month_days(year: int, month: int) -> list[date]:
    """Every Gregorian day of an Ethiopian month, in order (30, 5 or 6 of them)."""
    first = from_ethiopian(year, month, 1)
    return [first + timedelta(days=i) for i in range(month_length(year, month))]


def month_weeks(
    year: int, month: int, firstweekday: int = _calendar.SUNDAY
) -> list[list[date | None]]:
    """The month as weeks of 7 Gregorian dates for a month grid, padded with None.
    `firstweekday` as in `calendar` (0 Monday ... 6 Sunday); Ethiopia's weeks start on
    Sunday (CLDR for ET), the default."""
    if type(firstweekday) is not int or not 0 <= firstweekday <= 6:
        raise ValueError(f"firstweekday must be in 0..6, not {firstweekday!r}")
    days = month_days(year, month)
    lead = (days[0].weekday() - firstweekday) % 7
    cells: list[date | None] = [None] * lead + list(days)
    cells += [None] * (-len(cells) % 7)
    return [cells[i:i + 7] for i in range(0, len(cells), 7)]


# --- the clock ---------------------------------------------------------------------------

class DayPeriod(StrEnum):
    """A part of the day; the value is the English name."""

    NIGHT = "night"          # 00:00-05:59
    MORNING = "morning"      # 06:00-11:59
    AFTERNOON = "afternoon"  # 12:00-17:59
    EVENING = "evening"      # 18:00-23:59

    @property
    def english(self) -> str:
        return self.value

    @property
    def am(self) -> str:
        """The Amharic name: ሌሊት, ጠዋት, ቀን, ምሽት."""
        return _PERIOD_AM[self][0]

    @property
    def am_of(self) -> str:
        """The form a time is said with: ከጠዋቱ 1 ሰዓት (1 o'clock of the morning)."""
        return _PERIOD_AM[self][1]

    @property
    def en_phrase(self) -> str:
        """'in the morning', ..., 'at night'."""
        return "at night" if self is DayPeriod.NIGHT else f"in the {self.value}"

    @property
    def start(self) -> time:
        return time(_PERIOD_START[self])


_PERIOD_AM = {
    DayPeriod.NIGHT: ("ሌሊት", "ከሌሊቱ"),
    DayPeriod.MORNING: ("ጠዋት", "ከጠዋቱ"),
    DayPeriod.AFTERNOON: ("ቀን", "ከቀኑ"),
    DayPeriod.EVENING: ("ምሽት", "ከምሽቱ"),
}
_PERIOD_START = {DayPeriod.NIGHT: 0, DayPeriod.MORNING: 6,
                 DayPeriod.AFTERNOON: 12, DayPeriod.EVENING: 18}
_PERIOD_OF_QUARTER = (DayPeriod.NIGHT, DayPeriod.MORNING, DayPeriod.AFTERNOON, DayPeriod.EVENING)


class EthiopianTime(NamedTuple):
    hour: int  # 1..12
    minute: int  # 0..59
    period: DayPeriod


def day_period(t: time) -> DayPeriod:
    """The part of the day a local time falls in (boundaries in the module's doc)."""
    return _PERIOD_OF_QUARTER[t.hour // 6]


def ethiopian_clock(t: time) -> EthiopianTime:
    """A local wall-clock time on the Ethiopian clock: 07:30 -> (1, 30, morning)."""
    return EthiopianTime((t.hour - 7) % 12 + 1, t.minute, _PERIOD_OF_QUARTER[t.hour // 6])


def from_ethiopian_clock(hour: int, minute: int, period: DayPeriod | str) -> time:
    """The local time of an Ethiopian-clock reading: (1, 30, 'morning') -> 07:30.
    `ValueError` for a reading that is not in that period (6 o'clock in the morning)."""
    _check_ints(hour=hour, minute=minute)
    period = DayPeriod(period)
    if not 1 <= hour <= 12 or not 0 <= minute <= 59:
        raise ValueError(f"no such Ethiopian time: {hour}:{minute:02d}")
    for h in ((hour + 6) % 24, (hour + 18) % 24):
        if _PERIOD_OF_QUARTER[h // 6] is period:
            return time(h, minute)
    raise ValueError(f"{hour} o'clock is not in the {period.value}")


def format_ethiopian_time(t: time, lang: str = "en") -> str:
    """'1:30 in the morning' or 'ከጠዋቱ 1:30 ሰዓት'."""
    hour, minute, period = ethiopian_clock(t)
    if lang == "am":
        return f"{period.am_of} {hour}:{minute:02d} ሰዓት"
    if lang == "en":
        return f"{hour}:{minute:02d} {period.en_phrase}"
    raise ValueError(f"lang must be 'en' or 'am', not {lang!r}")
