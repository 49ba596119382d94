"""Queries over sessions. A session knows its tutor and student only through its
enrollment, so every "sessions of tutor X" joins through `enrolled_students`."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from ..models import Enrollment, Review, Session, User

# The list's tabs, in the order they are shown: (key, label).
TABS = (("today", "Today"), ("upcoming", "Upcoming"), ("needs-marking", "Needs marking"),
        ("past", "Past"), ("all", "All"))
DEFAULT_TAB = "all"
MAX_ID = 2**31 - 1  # `integer` on PostgreSQL; SQLite would overflow at 2**63


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


def get_session_or_404(session_id: int, user: User, options: tuple = (), fresh: bool = False) -> Session:
    """The one loader for a single session: unknown and not-yours look alike (404).

    `options` add eager loads (the detail page); `fresh` overwrites what the identity map
    holds, for re-reading a row after a failed (stale) write."""
    from flask import abort

    from ..extensions import db

    if not 0 < session_id <= MAX_ID:  # beyond the column's range: no such session, not a 500
        abort(404)
    query = visible_sessions(user).where(Session.id == session_id)
    if options:
        query = query.options(*options)
    if fresh:
        query = query.execution_options(populate_existing=True)
    session = db.session.execute(query).unique().scalar_one_or_none()
    if session is None:
        abort(404)
    return session


# Everything the detail page shows, in the same single query as the ownership check.
DETAIL_OPTIONS = (
    contains_eager(Session.enrollment).contains_eager(Enrollment.student).joinedload(User.parents),
    joinedload(Session.whiteboard),
    joinedload(Session.student_review).joinedload(Review.reviewer),
    joinedload(Session.tutor_review).joinedload(Review.reviewer),
    joinedload(Session.parent_review).joinedload(Review.reviewer),
)


def ordered(query: sa.Select) -> sa.Select:
    return query.order_by(Session.session_date, Session.start_time, Session.id)


def enrollments_of(user: User) -> sa.Select:
    query = sa.select(Enrollment).options(joinedload(Enrollment.student))
    if not user.is_admin:
        query = query.where(Enrollment.tutor_id == user.id)
    return query.order_by(Enrollment.id)


def students_of(user: User) -> sa.Select:
    """The students `user` teaches (for the list's student filter), by name."""
    query = sa.select(User.id, User.full_name).join(Enrollment, Enrollment.student_id == User.id)
    if not user.is_admin:
        query = query.where(Enrollment.tutor_id == user.id)
    return query.distinct().order_by(User.full_name, User.id)


def needs_marking(today: date):
    """Past one-time sessions a tutor still has to record: still scheduled, or attendance
    unmarked (series: their lessons, calendar.services.lessons_to_mark)."""
    return sa.and_(
        Session.session_date < today,
        sa.not_(Session.is_recurring),
        Session.status != "cancelled",
        sa.or_(Session.status == "scheduled",
               Session.tutor_attendance_status.is_(None),
               Session.student_attendance_status.is_(None)),
    )


def apply_tab(query: sa.Select, tab: str, today: date) -> sa.Select:
    if tab == "today":
        return query.where(Session.session_date == today)
    if tab == "upcoming":
        return query.where(Session.session_date >= today)
    if tab == "past":
        return query.where(Session.session_date < today)
    if tab == "needs-marking":
        return query.where(needs_marking(today))
    return query


def _like_pattern(text: str) -> str:
    # Topics are stored as JSON text, where non-ASCII characters are \u-escaped: search
    # for the text as JSON writes it, with LIKE's own wildcards escaped.
    encoded = json.dumps(text)[1:-1]
    encoded = encoded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{encoded}%"


def apply_filters(query: sa.Select, filters: dict[str, Any]) -> sa.Select:
    """Filters by the API's names; values are already parsed (see forms.FilterForm)."""
    for name in ("status", "session_mode", "priority_level", "is_featured", "is_recurring"):
        value = filters.get(name)
        if value is not None:
            query = query.where(getattr(Session, name) == value)
    if filters.get("date_from"):
        query = query.where(Session.session_date >= filters["date_from"])
    if filters.get("date_to"):
        query = query.where(Session.session_date <= filters["date_to"])
    if filters.get("student_id"):
        query = query.where(Enrollment.student_id == filters["student_id"])
    if filters.get("q"):
        query = query.where(sa.cast(Session.topics, sa.Text).ilike(_like_pattern(filters["q"]), escape="\\"))
    return query


@dataclass
class ListPage:
    rows: list[Any]  # sessions; on the Today tab, lessons (recurrence.Occurrence)
    total: int
    page: int
    per_page: int
    pages: int = field(init=False)

    def __post_init__(self):
        self.pages = max(1, math.ceil(self.total / self.per_page))


def list_page(user: User, tab: str, filters: dict[str, Any], page: int, per_page: int,
              today: date) -> ListPage:
    """One page of the list: two queries (the count and the rows), however many rows."""
    from ..extensions import db

    query = apply_filters(apply_tab(visible_sessions(user), tab, today), filters)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        query.with_only_columns(Session.id).order_by(None).subquery())) or 0
    pages = max(1, math.ceil(total / per_page))
    page = min(max(page, 1), pages)
    if tab == "past":  # the most recent first: that is what a tutor looks back at
        query = query.order_by(Session.session_date.desc(), Session.start_time.desc(), Session.id.desc())
    else:
        query = ordered(query)
    rows = list(db.session.scalars(query.limit(per_page).offset((page - 1) * per_page)))
    return ListPage(rows=rows, total=total, page=page, per_page=per_page)
