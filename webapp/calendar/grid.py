"""The shape of a month or a week page: days, their lessons, and where prev/next lead.

A month is the reader's: a Gregorian month, or an Ethiopian one (13 a year: twelve of 30
days and Pagume of 5 or 6), laid out in whole weeks from Monday; titles are in the reader's
language and calendar (`webapp.formatting`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .. import calendars as E, choices as C
from ..formatting import format_day, format_month, format_span
from ..i18n import DEFAULT, Reading
from ..lessons.lesson import Lesson
from ..translate import gettext as _


def today_for(user) -> date:
    return C.local_today(getattr(user, "timezone", None))


@dataclass
class Day:
    date: date
    in_range: bool
    is_today: bool
    lessons: list[Lesson] = field(default_factory=list)

    reading: Reading = DEFAULT

    @property
    def label(self) -> str:
        """'Wednesday 2 December' (a week page's day heading)."""
        return format_day(self.date, self.reading, year=False, weekday="wide", month="wide")


@dataclass
class Page:
    title: str
    focus: date
    first: date
    last: date
    prev: date
    next: date
    today: date
    days: list[Day]

    @property
    def weeks(self) -> list[list[Day]]:
        return [self.days[i:i + 7] for i in range(0, len(self.days), 7)]

    @property
    def count(self) -> int:
        return sum(len(d.lessons) for d in self.days if d.in_range)

    def fill(self, lessons: list[Lesson]) -> None:
        by_date = {d.date: d for d in self.days}
        for lesson in lessons:
            if lesson.date in by_date:
                by_date[lesson.date].lessons.append(lesson)


def _days(first: date, last: date, today: date, in_range, reading: Reading) -> list[Day]:
    out, day = [], first
    while day <= last:
        out.append(Day(day, in_range(day), day == today, reading=reading))
        day += timedelta(days=1)
    return out


def _add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(focus: date, calendar: str = C.DEFAULT_CALENDAR) -> tuple[date, date, date, date]:
    """The first and last day of the month of `focus` in that calendar, and the first days
    of the months before and after it."""
    if calendar == "ethiopian":
        e = E.to_ethiopian(focus)
        days = E.month_days(e.year, e.month)
        start, end = days[0], days[-1]
        before = E.to_ethiopian(start - timedelta(days=1))
        return start, end, E.from_ethiopian(before.year, before.month, 1), end + timedelta(days=1)
    start = focus.replace(day=1)
    return start, _add_months(start, 1) - timedelta(days=1), _add_months(start, -1), _add_months(start, 1)


def month_page(focus: date, today: date, reading: Reading = DEFAULT) -> Page:
    """Whole weeks (Monday to Sunday) covering the month of `focus` in the reader's calendar."""
    start, end, prev, following = month_bounds(focus, reading.calendar)
    first = start - timedelta(days=start.weekday())
    last = end + timedelta(days=6 - end.weekday())
    return Page(title=format_month(start, reading), focus=focus, first=first, last=last,
                prev=prev, next=following, today=today,
                days=_days(first, last, today, lambda d: start <= d <= end, reading))


def week_page(focus: date, today: date, reading: Reading = DEFAULT) -> Page:
    first = focus - timedelta(days=focus.weekday())
    last = first + timedelta(days=6)
    return Page(title=_("Week of %(dates)s", dates=format_span(first, last, reading)), focus=focus, first=first, last=last,
                prev=focus - timedelta(days=7), next=focus + timedelta(days=7), today=today,
                days=_days(first, last, today, lambda d: True, reading))
