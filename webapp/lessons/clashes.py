"""Overlaps: which other lessons a planned or moved lesson would meet, of the same tutor or of
the same student (with any tutor), compared in real time (each lesson in its tutor's zone).
Cancelled lessons never clash; touching ends do not. Only lessons to come count, and only
those that the change makes: saving a series unchanged, or changing only its topics, warns
about nothing. An overlap is a warning (the forms let the tutor save anyway), never a
reason to refuse (the API)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from types import SimpleNamespace
from typing import Any, Iterable

import sqlalchemy as sa
from .. import choices as C
from ..extensions import db
from ..models import Enrollment, Session, User
from . import recurrence as R
from . import rows
from .lesson import Lesson
from .listing import lessons_of, series_in

# What the expansion of a planned session reads.
PLAN_FIELDS = ("session_date", "start_time", "end_time", "is_recurring", "session_frequency", "recurring_pattern")
Slot = tuple[date, time, time]


@dataclass(frozen=True)
class Clash:
    lesson: Lesson  # the other lesson
    same_tutor: bool  # False: the student's lesson with another tutor (shown without details)


def lessons_of_people(tutor_id: int, student_id: int | None, start: date, end: date,
                      budget: R.Budget) -> list[Lesson]:
    """Every lesson in [start, end] of the tutor's enrollments and of the student's (with
    any tutor, each with its tutor's zone). Two queries."""
    E, S = Enrollment.__table__.c, Session.__table__.c
    people = [E.tutor_id == tutor_id] + ([E.student_id == student_id] if student_id is not None else [])
    query = rows.select_sessions(with_tutor=True).where(sa.or_(*people), sa.or_(
        sa.and_(sa.not_(S.is_recurring), S.session_date.between(start, end)), series_in(start, end)))
    return lessons_of(*rows.read(query), start, end, {}, budget)


def _span(slot: Slot, tz) -> tuple[datetime, datetime]:
    day, start, end = slot
    return datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz)


def find(slots: Iterable[Slot], tutor: Any, student_id: int | None, now: datetime,
         ignore: Any = None) -> list[Clash]:
    """The other lessons that these slots (dates and times in `tutor`'s zone) overlap, each
    once, in time order. `ignore(lesson)`: lessons that are not "other" (the one being
    moved, the series being edited)."""
    tz = C.zone(tutor.timezone)
    spans = sorted(_span(s, tz) for s in slots if datetime.combine(s[0], s[2]) > now)
    if not spans:
        return []
    budget = R.Budget()
    others = lessons_of_people(tutor.id, student_id, spans[0][0].date() - timedelta(days=1),
                               spans[-1][1].date() + timedelta(days=1), budget)
    taken = sorted(((l.starts_at(C.zone(l.session.enrollment.tutor.timezone)),
                     l.ends_at(C.zone(l.session.enrollment.tutor.timezone)), l)
                    for l in others if not l.cancelled and not (ignore and ignore(l))), key=lambda t: t[0])
    found: dict[tuple, Clash] = {}
    i = 0
    for start, end in spans:
        while i < len(taken) and taken[i][1] <= start:
            i += 1  # `taken` ends before this span (spans are in order)
        for other_start, other_end, lesson in taken[i:]:
            if other_start >= end:
                break
            if other_end > start:
                found.setdefault((lesson.session_id, lesson.original_date),
                                 Clash(lesson, lesson.session.enrollment.tutor_id == tutor.id))
    return sorted(found.values(), key=lambda c: c.lesson.key)


def plan_slots(values: dict[str, Any], series: Any, start: date, end: date) -> list[Slot]:
    """The lessons a plan (the session form's cleaned values; `series`: its end) gives in
    [start, end], as (date, start, end)."""
    plan = SimpleNamespace(id=None, **{name: values.get(name) for name in PLAN_FIELDS})
    dates = R.dates_between(plan, series, start, end, R.Budget())
    return [(d, plan.start_time, plan.end_time) for d in dates]


def for_plan(values: dict[str, Any], series: Any, enrollment: Any, today: date, now: datetime,
             current: Session | None = None, current_series: Any = None, from_date: date | None = None) -> list[Clash]:
    """Clashes of a plan being saved: its lessons to come (from `from_date` on, for "this and
    the following") that the change makes, against every other lesson of the tutor and the
    student. A change that moves no lesson (topics, mode, reminders …) has none."""
    if current is not None and all(values.get(k) == getattr(current, k) for k in PLAN_FIELDS + ("course_enrollment_id",)) \
            and _same_end(series, current_series):
        return []
    first = max(today, from_date or values["session_date"], values["session_date"])
    last = R.last_date(SimpleNamespace(id=None, **{n: values.get(n) for n in PLAN_FIELDS}), series) \
        or first + timedelta(days=C.HORIZON_DAYS)
    if last < first:
        return []
    slots = plan_slots(values, series, first, min(last, first + timedelta(days=C.HORIZON_DAYS)))
    if current is not None and values.get("course_enrollment_id") == current.course_enrollment_id:
        unchanged = set(plan_slots({n: getattr(current, n) for n in PLAN_FIELDS}, current_series, first,
                                   slots[-1][0] if slots else first))
        slots = [s for s in slots if s not in unchanged]
    ignore = (lambda l: l.session_id == current.id) if current is not None else None
    return find(slots, enrollment.tutor, enrollment.student_id, now, ignore)


def _same_end(a: Any, b: Any) -> bool:
    return (getattr(a, "until_date", None), getattr(a, "occurrence_count", None)) == \
        (getattr(b, "until_date", None), getattr(b, "occurrence_count", None))


def for_move(lesson: Lesson, day: date, start: time, end: time, now: datetime) -> list[Clash]:
    """Clashes of one lesson moved to `day`, `start`–`end`."""
    enrollment = lesson.session.enrollment
    tutor = getattr(enrollment, "tutor", None) or db.session.get(User, enrollment.tutor_id)
    return find([(day, start, end)], tutor, enrollment.student_id, now,
                ignore=lambda l: (l.session_id, l.original_date) == (lesson.session_id, lesson.original_date))
