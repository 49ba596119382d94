"""What happens to sessions, as plain functions: the forms and the API both call these."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from .. import choices as C
from ..extensions import db
from ..models import Enrollment, Review, Session, User, Whiteboard
from .rules import Errors, validate_session

# The columns a tutor sets; the rest (id, timestamps, is_recurring) follow from these.
EDITABLE = (
    "course_enrollment_id", "topics", "topics_covered", "session_date", "start_time", "end_time",
    "duration", "session_mode", "location", "whiteboard_id", "student_review_id",
    "tutor_review_id", "parent_review_id", "tutor_attendance_status", "student_attendance_status",
    "priority_level", "session_frequency", "recurring_pattern", "notification_enabled",
    "alarm_enabled", "alarm_before_minutes", "is_featured", "status",
)
REFERENCES = {"whiteboard_id": Whiteboard, "student_review_id": Review,
              "tutor_review_id": Review, "parent_review_id": Review}


class Conflict(Exception):
    """Someone else saved the session since this change started from it."""


def new_session_values() -> dict[str, Any]:
    """A new session's values before the tutor's input: the app's defaults."""
    return {
        "topics": [], "topics_covered": [], "session_mode": C.DEFAULT_MODE, "location": None,
        "whiteboard_id": None, "student_review_id": None, "tutor_review_id": None,
        "parent_review_id": None, "tutor_attendance_status": None, "student_attendance_status": None,
        "priority_level": C.DEFAULT_PRIORITY, "session_frequency": C.DEFAULT_FREQUENCY,
        "recurring_pattern": None, "notification_enabled": False, "alarm_enabled": False,
        "alarm_before_minutes": C.DEFAULT_ALARM_MINUTES, "is_featured": False,
        "status": C.DEFAULT_STATUS, "duration": None,
    }


def current_values(session: Session) -> dict[str, Any]:
    return {name: getattr(session, name) for name in EDITABLE}


def check(user: User, values: dict[str, Any], current: Session | None = None) -> tuple[dict, Errors]:
    """All rules for a whole session: the shared value rules, the status transition from
    the current status, and references that must exist and belong to the tutor."""
    cleaned, errors = validate_session(values)
    if current is not None and "status" not in errors:
        problem = C.transition_error(current.status, cleaned["status"])
        if problem:
            errors.setdefault("status", []).append(problem)
    enrollment_id = cleaned.get("course_enrollment_id")
    if enrollment_id is None:
        errors.setdefault("course_enrollment_id", []).append("This field is required.")
    elif current is None or enrollment_id != current.course_enrollment_id:
        query = sa.select(Enrollment.id).where(Enrollment.id == enrollment_id)
        if not user.is_admin:
            query = query.where(Enrollment.tutor_id == user.id)
        if db.session.scalar(query) is None:
            errors.setdefault("course_enrollment_id", []).append("No such enrollment of yours.")
    for field, model in REFERENCES.items():
        ref = cleaned.get(field)
        if ref is not None and (current is None or ref != getattr(current, field)):
            if db.session.get(model, ref) is None:
                errors.setdefault(field, []).append(f"No {model.__tablename__[:-1].replace('_', ' ')} with id {ref}.")
    return cleaned, errors


def save(session: Session, cleaned: dict[str, Any]) -> Session:
    """Write the cleaned values; a concurrent save in between raises Conflict."""
    for name in EDITABLE:
        if name in cleaned:
            setattr(session, name, cleaned[name])
    session.is_recurring = C.is_recurring_frequency(session.session_frequency)
    db.session.add(session)
    commit()
    return session


def delete(session: Session) -> None:
    db.session.delete(session)
    commit()


def commit() -> None:
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict from exc
