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
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..extensions import PREPARED, db
from ..models import Enrollment, Review, Session, SessionSeries, User, student_parents
from . import recurrence as R, rows
from .lesson import Lesson, build

MAX_ID = 2**31 - 1  # `integer` on PostgreSQL; SQLite would overflow at 2**63


def scope_of(role: str, user_id: int | None = None) -> sa.ColumnElement[bool]:
    """The enrollments a user of this role may see, as a condition on `enrolled_students`
    with the user's id as the parameter `scope_user` (a statement built once for a role
    takes it anew at every run)."""
    E = Enrollment.__table__.c
    me = sa.bindparam("scope_user", user_id, type_=sa.Integer)
    if role == "admin":
        return sa.true()
    if role == "student":
        return E.student_id == me
    if role == "parent":
        return E.student_id.in_(sa.select(student_parents.c.student_id).where(student_parents.c.parent_id == me))
    return E.tutor_id == me


def enrollment_scope(user: Any) -> sa.ColumnElement[bool]:
    """The enrollments `user` may see, as a condition on `Enrollment`."""
    return scope_of(user.role, user.id)


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


def student_choices(user: Any) -> list[tuple[int, str]]:
    """(id, name) of the students of the enrollments `user` sees, by name (the filters' choices)."""
    return db.session.execute(_students_statement(user.role), {"scope_user": user.id}).all()


@lru_cache(maxsize=8)
def _students_statement(role: str) -> sa.Select:
    return (sa.select(User.id, User.full_name).join(Enrollment, Enrollment.student_id == User.id)
            .where(scope_of(role)).distinct().order_by(User.full_name, User.id).execution_options(**PREPARED))


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


def lesson_on(session: Any, original: date) -> Lesson | None:
    """The lesson of a session on an original date, whoever asks (the demo data, the
    workers); None when the session gives no lesson that day."""
    return _lesson(_lesson_statement(None), {"session_id": session.id, "day": original}, original)


def get_lesson(session_id: int, original: date | None, user: Any) -> tuple[Lesson, Any] | None:
    """One lesson with its series extras, in one query (session, enrollment, series, record);
    None when the session is not the user's or gives no lesson on that original date."""
    if not 0 < session_id <= MAX_ID or original is None:
        return None
    found = _lesson(_lesson_statement(user.role), {"session_id": session_id, "day": original,
                                                   "scope_user": user.id}, original, with_series=True)
    return found


def _lesson(query: sa.Select, params: dict, original: date, with_series: bool = False):
    sessions, extras, records = rows.read(query, params)
    if not sessions:
        return None
    session = sessions[0]
    series = extras.get(session.id)
    if not (R.is_lesson_date(session, series, original) if R.is_series(session) else original == session.session_date):
        return None
    lesson = build(session, original, records.get((session.id, original)))
    return (lesson, series) if with_series else lesson


@lru_cache(maxsize=16)
def _lesson_statement(role: str | None) -> sa.Select:
    S = Session.__table__.c
    query = rows.select_sessions(with_tutor=True, record_on=sa.bindparam("day", type_=S.session_date.type)).where(
        S.id == sa.bindparam("session_id", type_=sa.Integer)).execution_options(**PREPARED)
    return query if role is None else query.where(scope_of(role))
