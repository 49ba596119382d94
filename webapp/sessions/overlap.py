"""Which sessions clash with a planned one: same tutor or same student, overlapping times.

A plain function so that the form can warn before saving and a later recurrence feature
can extend it to the occurrences of series.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from ..extensions import db
from ..models import Enrollment, Session


@dataclass(frozen=True)
class Clash:
    session: Session
    same_tutor: bool  # False: the student's session with another tutor (shown without details)


def overlapping_sessions(session_date: date, start: time, end: time, *, tutor_id: int,
                         student_id: int, exclude_id: int | None = None) -> list[Clash]:
    """Sessions on that date whose time range overlaps [start, end) and that share the
    tutor or the student; cancelled sessions do not clash."""
    query = (
        sa.select(Session)
        .join(Session.enrollment)
        .join(Enrollment.student)
        .options(contains_eager(Session.enrollment).contains_eager(Enrollment.student))
        .where(
            Session.session_date == session_date,
            Session.start_time < end,
            Session.end_time > start,
            sa.or_(Session.status.is_(None), Session.status != "cancelled"),
            sa.or_(Enrollment.tutor_id == tutor_id, Enrollment.student_id == student_id),
        )
        .order_by(Session.start_time, Session.id)
    )
    if exclude_id is not None:
        query = query.where(Session.id != exclude_id)
    return [Clash(s, s.enrollment.tutor_id == tutor_id) for s in db.session.scalars(query)]
