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


def assign(session: Session, cleaned: dict[str, Any]) -> Session:
    """Put the cleaned values on the session (added to the unit of work, not committed)."""
    for name in EDITABLE:
        if name in cleaned:
            setattr(session, name, cleaned[name])
    session.is_recurring = C.is_recurring_frequency(session.session_frequency)
    db.session.add(session)
    return session


def save(session: Session, cleaned: dict[str, Any]) -> Session:
    """Write the cleaned values; a concurrent save in between raises Conflict."""
    assign(session, cleaned)
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


# --- Inline marking ---------------------------------------------------------------------
# Each inline endpoint changes one field. `kind` is the URL's last part.
INLINE_FIELDS: dict[str, tuple[str, ...]] = {
    "status": ("status",),
    "attendance": ("tutor_attendance_status", "student_attendance_status"),
    "priority": ("priority_level",),
    "featured": ("is_featured",),
    "topics-covered": ("topics_covered",),
}
TRUE_WORDS, FALSE_WORDS = ("1", "true", "on", "yes"), ("0", "false", "off", "no", "")
STALE_MESSAGE = ("Someone else changed this session since you loaded it. "
                 "Here it is as saved now; make your change again if it is still needed.")


class Outcome:
    """What an inline change did: 200 saved, 409 stale, 422 refused (with why)."""

    def __init__(self, code: int, message: str | None = None, reload: bool = False):
        self.code, self.message = code, message
        self.reload = reload  # the write found a newer row: the object must be read again

    @property
    def ok(self) -> bool:
        return self.code == 200


def parse_inline(kind: str, form, fields: dict[str, tuple[str, ...]] = INLINE_FIELDS) -> tuple[str | None, Any, str | None]:
    """(field, value, error) from a posted form (a werkzeug MultiDict); `fields`: what
    each kind of control may post (a session's, or a lesson's)."""
    if kind == "topics-covered":
        return "topics_covered", form.getlist("topics_covered"), None
    present = [name for name in fields[kind] if name in form]
    if len(present) > 1 and form.get("field") in present:
        # Without JS a row's controls share one form: its button names the field it saves.
        present = [form["field"]]
    if len(present) != 1:
        return None, None, "Send exactly one of: " + ", ".join(fields[kind]) + "."
    name = present[0]
    raw = form.getlist(name)[-1].strip()  # a checkbox after its hidden "off" value wins
    if name == "is_featured":
        if raw.lower() in TRUE_WORDS:
            return name, True, None
        if raw.lower() in FALSE_WORDS:
            return name, False, None
        return name, None, "Featured is yes or no."
    if name.endswith("_attendance_status"):
        raw = raw or None  # empty: not marked
    return name, raw, None


def inline_error(session: Session, name: str, value: Any) -> str | None:
    """Why this one-field change is refused, or None."""
    if name == "status":
        return C.transition_error(session.status, value)
    if name.endswith("_attendance_status"):
        if value is not None and value not in C.ATTENDANCE_STATUSES:
            return "Choose " + ", ".join(C.ATTENDANCE_LABELS[v].lower() for v in C.ATTENDANCE_STATUSES) \
                + " or not marked."
        return None
    if name == "priority_level":
        if value not in C.PRIORITY_LEVELS:
            return "Choose " + ", ".join(C.PRIORITY_LABELS[v].lower() for v in C.PRIORITY_LEVELS) + "."
        return None
    if name == "topics_covered":
        planned = session.topics or []
        unknown = [t for t in value if isinstance(t, str) and t.strip() and t.strip() not in planned]
        if unknown:
            return "Only planned topics can be ticked; edit the session to add others."
        if len(value) > C.TOPICS_MAX_COUNT:
            return f"At most {C.TOPICS_MAX_COUNT} topics."
    return None


def mark(session: Session, name: str | None, value: Any, version: str | None,
         error: str | None = None) -> Outcome:
    """Change one field of `session`, if `version` is still the current one."""
    if (version or "") != session.version:
        return Outcome(409, STALE_MESSAGE)
    error = error or inline_error(session, name, value)
    if error:
        return Outcome(422, error)
    if name == "topics_covered":
        ticked = {t.strip() for t in value}
        planned = session.topics or []
        # Ticking planned topics never drops covered topics the tutor typed on the form.
        typed = [t for t in session.topics_covered or [] if t not in planned]
        value = [t for t in planned if t in ticked] + typed
    setattr(session, name, value)
    try:
        commit()
    except Conflict:
        return Outcome(409, STALE_MESSAGE, reload=True)
    return Outcome(200)


def differences(session: Session, cleaned: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, saved value, value in the form) where the saved session and a form differ."""
    out = []
    for name in EDITABLE:
        if name in cleaned and cleaned[name] != getattr(session, name):
            out.append((name, getattr(session, name), cleaned[name]))
    return out
