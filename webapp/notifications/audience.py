"""Who hears about a lesson: its enrollment's tutor, its student and the student's parents,
each as far as their preferences (/settings) allow. Read for many lessons at once: two
queries whatever their number."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import Enrollment, User, Whiteboard, student_parents
from .messages import LessonFacts

PREFERENCE_OF = {"moved": "notify_changes", "cancelled": "notify_changes", "absent": "notify_absence",
                 "digest": "daily_digest"}


@dataclass(slots=True)
class Audience:
    enrollment: Enrollment
    parents: list[User] = field(default_factory=list)

    def members(self) -> list[tuple[str, User]]:
        """(role, user): the tutor, the student, then the parents."""
        return [("tutor", self.enrollment.tutor), ("student", self.enrollment.student),
                *(("parent", parent) for parent in self.parents)]


def audiences(enrollment_ids: Iterable[int]) -> dict[int, Audience]:
    ids = sorted(set(enrollment_ids))
    if not ids:
        return {}
    found = {e.id: Audience(e) for e in db.session.scalars(
        sa.select(Enrollment).options(joinedload(Enrollment.tutor), joinedload(Enrollment.student))
        .where(Enrollment.id.in_(ids)))}
    students = {a.enrollment.student_id for a in found.values()}
    by_student: dict[int, list[User]] = {}
    for student_id, parent in db.session.execute(
            sa.select(student_parents.c.student_id, User).join(User, User.id == student_parents.c.parent_id)
            .where(student_parents.c.student_id.in_(students)).order_by(User.full_name, User.id)):
        by_student.setdefault(student_id, []).append(parent)
    for audience in found.values():
        audience.parents = by_student.get(audience.enrollment.student_id, [])
    return found


def wants(user: Any, kind: str, lead: int | None = None) -> bool:
    """Does `user` want this kind of message (a reminder: at this lead time)?"""
    if not user.email or not user.email_notifications:
        return False
    if kind == "reminder":
        return lead in (user.reminder_leads or [])
    return bool(getattr(user, PREFERENCE_OF[kind]))


def board_urls(ids: Iterable[int | None]) -> dict[int, str]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(Whiteboard.id, Whiteboard.board_url)
                                   .where(Whiteboard.id.in_(wanted))).all())


def facts_of(lesson: Any, audience: Audience, boards: dict[int, str], day: date | None = None) -> LessonFacts:
    """The lesson (a `lessons.Lesson`) as its messages tell it."""
    session, enrollment = lesson.session, audience.enrollment
    return LessonFacts(
        session_id=session.id, original_date=lesson.original_date, date=day or lesson.date,
        start_time=lesson.start_time, end_time=lesson.end_time, course=enrollment.course,
        student_name=enrollment.student.full_name, tutor_name=enrollment.tutor.full_name,
        tutor_zone=enrollment.tutor.timezone, topics=list(lesson.topics or []), mode=session.session_mode,
        location=session.location, board_url=boards.get(session.whiteboard_id))
