"""One lesson of a recurring session, as the tutor marks it: loading it (404 when the date
is not one of the series'), its version, and the inline changes and moves that give it a
record of its own (calendar.services does the change itself)."""
from __future__ import annotations

from datetime import date, time
from typing import Any

import sqlalchemy as sa
from flask import abort

from .. import recurrence as R
from ..calendar import services as S
from ..extensions import db
from ..models import Session, SessionOccurrence
from .services import STALE_MESSAGE, Outcome, inline_error, parse_inline

# What a lesson's inline controls post, by the URL's last part.
LESSON_FIELDS: dict[str, tuple[str, ...]] = {
    "status": ("status",),
    "attendance": ("tutor_attendance_status", "student_attendance_status"),
    "topics-covered": ("topics_covered",),
    "note": ("note",),
}


def parse_day(raw: str) -> date:
    """The lesson's original date from the URL (YYYY-MM-DD); anything else is a 404."""
    try:
        return date.fromisoformat(raw)
    except ValueError:
        abort(404)


def get_lesson_or_404(session: Session, original: date) -> R.Occurrence:
    """The lesson of a series on its original date (the series' own rule, removed dates
    left out); a one-time session has no lessons of its own."""
    if not R.is_series(session):
        abort(404)
    lesson = S.occurrence(session, original)
    if lesson is None:
        abort(404)
    return lesson


def override_of(session: Session, original: date, lock: bool = False) -> SessionOccurrence | None:
    query = sa.select(SessionOccurrence).filter_by(session_id=session.id, original_date=original)
    if lock:  # PostgreSQL: a second change of the same lesson waits, then sees the first
        query = query.with_for_update()
    return db.session.scalar(query)


def _apply(session: Session, original: date, version: str | None, values: dict[str, Any]) -> tuple[Outcome, dict]:
    """Check the version, give the lesson its values, commit; or say why not."""
    if (version or "") != R.override_version(override_of(session, original, lock=True)):
        db.session.rollback()
        return Outcome(409, STALE_MESSAGE), {}
    _, errors = S.edit_occurrence(session, original, **values)
    if errors:
        db.session.rollback()
        return Outcome(422, " ".join(m for ms in errors.values() for m in ms)), errors
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # a first record of the same lesson saved in between
        db.session.rollback()
        return Outcome(409, STALE_MESSAGE, reload=True), {}
    return Outcome(200), {}


def parse(kind: str, form) -> tuple[str | None, Any, str | None]:
    """(field, value, error) of one posted lesson control."""
    return parse_inline(kind, form, LESSON_FIELDS)


def mark(session: Session, original: date, name: str | None, value: Any, version: str | None,
         error: str | None = None) -> Outcome:
    """Change one thing of one lesson (status, attendance, topics covered, note)."""
    if error:
        return Outcome(422, error)
    if name == "topics_covered":
        problem = inline_error(session, name, value)  # only planned topics can be ticked
        if problem:
            return Outcome(422, problem)
        ticked = {t.strip() for t in value}
        value = [t for t in session.topics or [] if t in ticked]
    return _apply(session, original, version, {name: value})[0]


def move(session: Session, original: date, version: str | None, new_date: date,
         start: time, end: time) -> tuple[Outcome, dict]:
    """Move one lesson to another date or time (back to its own: no longer moved)."""
    return _apply(session, original, version,
                  {"new_date": new_date, "new_start_time": start, "new_end_time": end})
