"""Queries over sessions. A session knows its tutor and student only through its
enrollment, so every "sessions of tutor X" joins through `enrolled_students`."""
from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..models import Enrollment, Session, User


def visible_sessions(user: User) -> sa.Select:
    """Sessions `user` may see: an admin sees all, a tutor those of their enrollments."""
    query = (
        sa.select(Session)
        .join(Session.enrollment)
        .join(Enrollment.student)
        .options(contains_eager(Session.enrollment).contains_eager(Enrollment.student))
    )
    if not user.is_admin:
        query = query.where(Enrollment.tutor_id == user.id)
    return query


def get_session_or_404(session_id: int, user: User) -> Session:
    """The one loader for a single session: unknown and not-yours look alike (404)."""
    from flask import abort

    from ..extensions import db

    session = db.session.scalar(visible_sessions(user).where(Session.id == session_id))
    if session is None:
        abort(404)
    return session


def ordered(query: sa.Select) -> sa.Select:
    return query.order_by(Session.session_date, Session.start_time, Session.id)


def enrollments_of(user: User) -> sa.Select:
    query = sa.select(Enrollment).options(joinedload(Enrollment.student))
    if not user.is_admin:
        query = query.where(Enrollment.tutor_id == user.id)
    return query.order_by(Enrollment.id)
