"""Who sees which sessions and lessons: one rule, used by every loader and list.

A session knows its tutor and student only through its enrollment, so every "sessions of X"
joins through `enrolled_students`:
- a tutor sees the sessions of their own enrollments; an admin sees all;
- a student those of their own enrollments; a parent those of their children's.
Anything else (not theirs, not there) looks the same to the caller: None, which the views
answer with 404.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import db
from ..models import Enrollment, LessonRecord, Review, Session, SessionSeries, User, student_parents
from . import recurrence as R
from .lesson import Lesson, build

MAX_ID = 2**31 - 1  # `integer` on PostgreSQL; SQLite would overflow at 2**63


def enrollment_scope(user: Any) -> sa.ColumnElement[bool]:
    """The enrollments `user` may see, as a condition on `Enrollment`."""
    if user.role == "admin":
        return sa.true()
    if user.role == "student":
        return Enrollment.student_id == user.id
    if user.role == "parent":
        children = sa.select(student_parents.c.student_id).where(student_parents.c.parent_id == user.id)
        return Enrollment.student_id.in_(children)
    return Enrollment.tutor_id == user.id


def can_change(user: Any) -> bool:
    """Tutors change their own sessions and lessons; an admin reads all; students and parents
    only read (and write their own reviews)."""
    return user.role == "tutor"


def visible_sessions(user: Any) -> sa.Select:
    """Sessions `user` may see, with enrollment and student loaded in the same query."""
    return (sa.select(Session)
            .join(Session.enrollment)
            .join(Enrollment.student)
            .options(contains_eager(Session.enrollment).contains_eager(Enrollment.student))
            .where(enrollment_scope(user)))


def enrollments_of(user: Any) -> sa.Select:
    return (sa.select(Enrollment).options(joinedload(Enrollment.student))
            .where(enrollment_scope(user)).order_by(Enrollment.id))


def students_of(user: Any) -> sa.Select:
    """The students of the enrollments `user` sees (for the list's filter), by name."""
    return (sa.select(User.id, User.full_name).join(Enrollment, Enrollment.student_id == User.id)
            .where(enrollment_scope(user)).distinct().order_by(User.full_name, User.id))


# Everything the session page shows, in the same single query as the ownership check.
DETAIL_OPTIONS = (
    contains_eager(Session.enrollment).contains_eager(Enrollment.student).joinedload(User.parents),
    contains_eager(Session.enrollment).joinedload(Enrollment.tutor),
    joinedload(Session.whiteboard),
    joinedload(Session.student_review).joinedload(Review.reviewer),
    joinedload(Session.tutor_review).joinedload(Review.reviewer),
    joinedload(Session.parent_review).joinedload(Review.reviewer),
)


def get_session(session_id: int, user: Any, options: tuple = (), fresh: bool = False) -> Session | None:
    """The one loader for a single session: None when unknown or not the user's.

    `options` add eager loads (the session page); `fresh` overwrites what the identity map
    holds, for re-reading a row after a failed (stale) write."""
    if not 0 < session_id <= MAX_ID:  # beyond the column's range: no such session, not a 500
        return None
    query = visible_sessions(user).where(Session.id == session_id)
    if options:
        query = query.options(*options)
    if fresh:
        query = query.execution_options(populate_existing=True)
    return db.session.execute(query).unique().scalar_one_or_none()


def series_of(session: Session) -> SessionSeries | None:
    return db.session.get(SessionSeries, session.id) if R.is_series(session) else None


def lesson_on(session: Session, original: date) -> Lesson | None:
    """The lesson of a session on an original date, whoever asks (the demo data, the
    workers); None when the session gives no lesson that day."""
    series = series_of(session)
    if not (R.is_lesson_date(session, series, original) if R.is_series(session) else original == session.session_date):
        return None
    record = db.session.scalar(sa.select(LessonRecord).filter_by(session_id=session.id, original_date=original))
    return build(session, original, record)


def get_lesson(session_id: int, original: date, user: Any, fresh: bool = False
               ) -> tuple[Lesson, SessionSeries | None] | None:
    """One lesson with its series extras, in one query (session, series, record); None when
    the session is not the user's or gives no lesson on that original date."""
    if not 0 < session_id <= MAX_ID or original is None:
        return None
    record_join = sa.and_(LessonRecord.session_id == Session.id, LessonRecord.original_date == original)
    query = (visible_sessions(user).where(Session.id == session_id)
             .outerjoin(SessionSeries, SessionSeries.session_id == Session.id)
             .outerjoin(LessonRecord, record_join)
             .add_columns(SessionSeries, LessonRecord))
    if fresh:
        query = query.execution_options(populate_existing=True)
    row = db.session.execute(query).first()
    if row is None:
        return None
    session, series, record = row
    if not R.is_series(session):
        if original != session.session_date:
            return None
    elif not R.is_lesson_date(session, series, original):
        return None
    return build(session, original, record), series
