"""Lessons for tests, changed through the domain's own functions (rules, then the write)."""
from __future__ import annotations

from datetime import date, time

from webapp.lessons.access import lesson_on
from webapp.lessons.lesson import Lesson
from webapp.lessons.marking import change_lesson
from webapp.lessons.rules import validate_lesson
from webapp.models import Session


def mark_lesson(session: Session, day: date, **values) -> Lesson:
    """Give the lesson on `day` these values (status, attendance, note, date, times…) and commit."""
    lesson = lesson_on(session, day)
    assert lesson is not None, f"{session!r} has no lesson on {day}"
    cleaned, errors = validate_lesson(values, lesson)
    assert not errors, errors
    return change_lesson(lesson, cleaned, None)


def cancel_lesson(session: Session, day: date) -> Lesson:
    return mark_lesson(session, day, status="cancelled")


def move_lesson(session: Session, day: date, to: date, start: time | None = None, end: time | None = None) -> Lesson:
    values: dict = {"date": to}
    if start is not None:
        values["start_time"] = start
    if end is not None:
        values["end_time"] = end
    return mark_lesson(session, day, **values)
