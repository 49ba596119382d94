"""A period's figures, from the lessons of the period in one pass (one-time sessions and
series expanded in the window, `lessons_in_window`: two queries) and one query for the
reviews' ratings. Plain functions of lessons, so tests check them against hand counts.

- held: lessons completed; hours taught: their minutes;
- attendance of the student and of the tutor: the marked lessons that were not cancelled,
  by value (present, late, absent, excused), and the rate present or late (excused ones
  left out of it);
- cancellations; no-shows (the student absent, not excused); lessons still to mark;
- reviews: their average rating, and how many;
- by week (Monday first): lessons held and hours;
- per enrollment, topic progress: planned, covered, carried forward (planned again after a
  lesson that did not cover it) and never covered (planned in a lesson that is over, covered
  in none).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Iterable

import sqlalchemy as sa

from .. import choices as C
from ..extensions import db
from ..models import Review
from ..translate import gettext as _, lazy_gettext as _l

ATTENDED = ("present", "late")
WEEKS_SHOWN = 26


@dataclass
class Progress:
    enrollment_id: int
    student: str
    course: str
    planned: list[str] = field(default_factory=list)
    covered: list[str] = field(default_factory=list)
    carried: list[str] = field(default_factory=list)
    never_covered: list[str] = field(default_factory=list)

    @property
    def coverage(self) -> float | None:
        return len(self.covered) / len(self.planned) if self.planned else None


@dataclass
class Figures:
    start: date
    end: date
    lessons: int = 0
    held: int = 0
    minutes: int = 0
    cancelled: int = 0
    no_shows: int = 0
    to_mark: int = 0
    student_attendance: Counter = field(default_factory=Counter)
    tutor_attendance: Counter = field(default_factory=Counter)
    weeks: list[tuple[date, int, int]] = field(default_factory=list)  # (Monday, held, minutes)
    months: list[tuple[date, int, int]] = field(default_factory=list)  # (the 1st, held, minutes)
    reviews: int = 0
    rating: float | None = None
    progress: list[Progress] = field(default_factory=list)

    @property
    def by_month(self) -> bool:
        """Over half a year the chart and its table count months (weeks are too many to read)."""
        return len(self.weeks) > WEEKS_SHOWN

    @property
    def buckets(self) -> list[tuple[date, int, int]]:
        return self.months if self.by_month else self.weeks

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)

    @staticmethod
    def rate(counts: Counter) -> float | None:
        """Present or late, of the lessons marked present, late or absent (an excused
        absence does not count against anyone)."""
        marked = sum(n for value, n in counts.items() if value != "excused")
        return sum(counts[v] for v in ATTENDED) / marked if marked else None

    @property
    def student_rate(self) -> float | None:
        return self.rate(self.student_attendance)

    @property
    def tutor_rate(self) -> float | None:
        return self.rate(self.tutor_attendance)


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def figures_of(lessons: list[Any], start: date, end: date, now: datetime) -> Figures:
    """The figures of these lessons (in key order) over [start, end]; `now`: the viewer's
    wall clock (what is over, what is still to mark)."""
    out = Figures(start, end)
    by_week: dict[date, list[int]] = {}
    week = monday(start)
    while week <= end:
        by_week[week] = [0, 0]
        week += timedelta(days=7)
    topics: dict[int, dict[str, Any]] = {}
    for lesson in lessons:
        out.lessons += 1
        enrollment = lesson.session.enrollment
        if lesson.cancelled:
            out.cancelled += 1
            continue
        if lesson.status == "completed":
            out.held += 1
            out.minutes += lesson.minutes
            counts = by_week.setdefault(monday(lesson.date), [0, 0])
            counts[0] += 1
            counts[1] += lesson.minutes
        if lesson.student_attendance_status:
            out.student_attendance[lesson.student_attendance_status] += 1
            if lesson.student_attendance_status == "absent":
                out.no_shows += 1
        if lesson.tutor_attendance_status:
            out.tutor_attendance[lesson.tutor_attendance_status] += 1
        if lesson.needs_marking(now):
            out.to_mark += 1
        seen = topics.setdefault(enrollment.id, {"student": enrollment.student.full_name, "course": enrollment.course,
                                                 "planned": [], "covered": [], "carried": [], "open": set()})
        seen["planned"].extend(lesson.topics)
        carried = [t for t in lesson.topics if t in seen["open"]]
        seen["carried"].extend(carried)
        if lesson.has_ended(now):
            seen["covered"].extend(lesson.topics_covered)
            seen["open"] = (seen["open"] | set(lesson.topics)) - set(lesson.topics_covered) - set(seen["covered"])
    out.weeks = [(week, held, minutes) for week, (held, minutes) in sorted(by_week.items())]
    by_month: dict[date, list[int]] = {}
    for week, held, minutes in out.weeks:  # a week counts in the month of its Monday
        counts = by_month.setdefault(max(week, start).replace(day=1), [0, 0])
        counts[0] += held
        counts[1] += minutes
    out.months = [(month, held, minutes) for month, (held, minutes) in sorted(by_month.items())]
    for enrollment_id, seen in topics.items():
        planned, covered = _unique(seen["planned"]), _unique(seen["covered"])
        out.progress.append(Progress(enrollment_id, seen["student"], seen["course"], planned, covered,
                                     _unique(seen["carried"]), [t for t in planned if t in seen["open"]]))
    out.progress.sort(key=lambda p: (p.student, p.course))
    return out


def with_reviews(figures: Figures, lessons: list[Any]) -> Figures:
    """The reviews' average rating over these lessons: one query, by the lessons' review ids."""
    ids = {rid for l in lessons for rid in (l.review_id("student"), l.review_id("parent"), l.review_id("tutor"))
           if rid is not None}
    if ids:
        count, average = db.session.execute(sa.select(sa.func.count(Review.id), sa.func.avg(Review.rating))
                                            .where(Review.id.in_(ids), Review.rating.is_not(None))).one()
        figures.reviews, figures.rating = count, round(float(average), 2) if average is not None else None
    return figures


PERIODS = {"this-week": _l("This week"), "this-month": _l("This month"), "last-month": _l("Last month")}


def period_dates(period: str | None, today: date) -> tuple[date, date] | None:
    """The named period's first and last day (None: not a named period)."""
    if period == "this-week":
        return monday(today), monday(today) + timedelta(days=6)
    first = today.replace(day=1)
    if period == "this-month":
        return first, (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    if period == "last-month":
        last = first - timedelta(days=1)
        return last.replace(day=1), last
    return None


def ensure_range(start: date, end: date) -> str | None:
    if end < start:
        return _("The period ends before it begins.")
    if (end - start).days > 366 * 5 + 1:
        return _("Choose a period of five years at most.")
    return C.date_error(start) or C.date_error(end)
