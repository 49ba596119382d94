"""The shape of a month or a week page: days, their lessons, and where prev/next lead."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from .. import choices as C
from ..lessons.lesson import Lesson


def today_for(user) -> date:
    return C.local_today(getattr(user, "timezone", None))


@dataclass
class Day:
    date: date
    in_range: bool
    is_today: bool
    lessons: list[Lesson] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{C.WEEKDAYS[self.date.weekday()]} {self.date.day} {C.MONTHS[self.date.month - 1]}"


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


def _days(first: date, last: date, today: date, in_range) -> list[Day]:
    out, day = [], first
    while day <= last:
        out.append(Day(day, in_range(day), day == today))
        day += timedelta(days=1)
    return out


def _add_months(d: date, n: int) -> date:
    index = d.year * 12 + d.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_page(focus: date, today: date) -> Page:
    """Whole weeks (Monday to Sunday) covering the month of `focus`."""
    start = focus.replace(day=1)
    end = _add_months(start, 1) - timedelta(days=1)
    first = start - timedelta(days=start.weekday())
    last = end + timedelta(days=6 - end.weekday())
    return Page(title=f"{C.MONTHS[start.month - 1]} {start.year}", focus=focus, first=first, last=last,
                prev=_add_months(start, -1), next=_add_months(start, 1), today=today,
                days=_days(first, last, today, lambda d: d.month == start.month))


def week_page(focus: date, today: date) -> Page:
    first = focus - timedelta(days=focus.weekday())
    last = first + timedelta(days=6)
    if first.month == last.month:
        title = f"{first.day}–{last.day} {C.MONTHS[last.month - 1]} {last.year}"
    else:
        title = f"{first.day} {C.MONTHS[first.month - 1][:3]} – {last.day} {C.MONTHS[last.month - 1][:3]} {last.year}"
    return Page(title=f"Week of {title}", focus=focus, first=first, last=last,
                prev=focus - timedelta(days=7), next=focus + timedelta(days=7), today=today,
                days=_days(first, last, today, lambda d: True))
