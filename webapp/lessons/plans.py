"""Sessions as plans: create, change and delete a one-time session or a series, with the
scopes a tutor means (every lesson to come, this lesson and the following ones, the whole
series), and the references a plan may hold.

Rules: changing a series never rewrites a lesson that lies in the past or has a record of
its own (it keeps its date and time), and a cancelled date stays cancelled. Every function
checks first and changes nothing when it returns errors; `save_plan` and `delete_*` commit.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from .. import choices as C
from ..extensions import db
from ..models import Enrollment, LessonRecord, Review, Session, SessionSeries, User, Whiteboard, utcnow
from ..translate import gettext as _
from . import events, recurrence as R
from .access import enrollment_scope, series_of
from .errors import Conflict
from .lesson import build
from .rules import Errors, validate_session

# The columns a tutor sets; the rest (id, timestamps, is_recurring) follow from these.
EDITABLE = (
    "course_enrollment_id", "topics", "topics_covered", "session_date", "start_time", "end_time",
    "duration", "session_mode", "location", "whiteboard_id", "student_review_id",
    "tutor_review_id", "parent_review_id", "tutor_attendance_status", "student_attendance_status",
    "priority_level", "session_frequency", "recurring_pattern", "notification_enabled",
    "alarm_enabled", "alarm_before_minutes", "is_featured", "status",
)
# The reviews a session links, by the role of their author.
REVIEW_SLOTS = {"student_review_id": "student", "tutor_review_id": "tutor", "parent_review_id": "parent"}
REFERENCES = ("whiteboard_id", *REVIEW_SLOTS)
# Changing these for "every lesson to come" rewrites nothing that happened: they apply to the
# whole series in place.
SERIES_SETTINGS = ("priority_level", "is_featured", "notification_enabled", "alarm_enabled",
                   "alarm_before_minutes")
# What the lessons of a series that is split off start from (its lessons are its records).
LESSON_VALUES = {"status": C.DEFAULT_STATUS, "tutor_attendance_status": None,
                 "student_attendance_status": None, "topics_covered": [],
                 "student_review_id": None, "tutor_review_id": None, "parent_review_id": None}
# What changes the dates or times of a plan's lessons (and so needs an overlap check).
TIMING = ("course_enrollment_id", "session_date", "start_time", "end_time", "session_frequency",
          "recurring_pattern")


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


def differences(session: Session, cleaned: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    """(field, saved value, value in the form) where the saved session and a form differ."""
    return [(name, getattr(session, name), cleaned[name]) for name in EDITABLE
            if name in cleaned and cleaned[name] != getattr(session, name)]


def check(user: User, values: dict[str, Any], current: Session | None = None) -> tuple[dict, Errors]:
    """All rules for a whole session: the shared value rules, and references that must exist
    and belong to the tutor's enrollment."""
    cleaned, errors = validate_session(values)
    enrollment_id = cleaned.get("course_enrollment_id")
    if enrollment_id is None:
        errors.setdefault("course_enrollment_id", []).append(_("This field is required."))
    elif current is None or enrollment_id != current.course_enrollment_id:
        query = sa.select(Enrollment.id).where(Enrollment.id == enrollment_id, enrollment_scope(user))
        if db.session.scalar(query) is None:
            errors.setdefault("course_enrollment_id", []).append(_("No such enrollment of yours."))
    if enrollment_id is not None and not errors.get("course_enrollment_id"):
        moved = current is None or enrollment_id != current.course_enrollment_id
        changed = {field: cleaned[field] for field in REFERENCES if cleaned.get(field) is not None
                   and (moved or cleaned[field] != getattr(current, field))}
        for field in foreign_references(enrollment_id, changed):
            errors.setdefault(field, []).append(reference_message(field, changed[field]))
    return cleaned, errors


def reference_message(field: str, ref: int) -> str:
    """One message for an id that does not exist and for one that is another enrollment's:
    the answer must not tell which ids exist."""
    if field == "whiteboard_id":
        return _("No whiteboard with id %(id)s in this enrollment.", id=ref)
    if REVIEW_SLOTS[field] == "student":
        return _("No student's review with id %(id)s in this enrollment.", id=ref)
    if REVIEW_SLOTS[field] == "tutor":
        return _("No tutor's review with id %(id)s in this enrollment.", id=ref)
    return _("No parent's review with id %(id)s in this enrollment.", id=ref)


def foreign_references(enrollment_id: int, refs: dict[str, int]) -> list[str]:
    """The fields of `refs` whose row does not belong to the enrollment: a review must be
    about a lesson of that enrollment and written in that field's role; a whiteboard must be
    the enrollment's tutor's. Two queries at most, whatever the number of fields."""
    reviews = {field: ref for field, ref in refs.items() if field in REVIEW_SLOTS}
    owned: set[tuple[str, int]] = set()
    if reviews:
        rows = db.session.execute(sa.select(Review.id, Review.author_role).where(
            Review.id.in_(set(reviews.values())), Review.enrollment_id == enrollment_id))
        owned |= {(role, review_id) for review_id, role in rows}
    board = refs.get("whiteboard_id")
    if board is not None:
        tutor = sa.select(Enrollment.tutor_id).where(Enrollment.id == enrollment_id).scalar_subquery()
        if db.session.scalar(sa.select(Whiteboard.id).where(Whiteboard.id == board,
                                                             Whiteboard.created_by == tutor)) is not None:
            owned.add(("whiteboard", board))
    return [field for field, ref in refs.items()
            if (REVIEW_SLOTS.get(field, "whiteboard"), ref) not in owned]


def assign(session: Session, cleaned: dict[str, Any]) -> Session:
    """Put the cleaned values on the session (added to the unit of work, not committed)."""
    old_date = session.session_date
    for name in EDITABLE:
        if name in cleaned:
            setattr(session, name, cleaned[name])
    session.is_recurring = C.is_recurring_frequency(session.session_frequency)
    db.session.add(session)
    if session.id is not None and old_date != session.session_date and not R.is_series(session):
        # A one-time session's record (its note) follows its lesson, which its date keys.
        db.session.flush()
        db.session.execute(sa.update(LessonRecord).where(LessonRecord.session_id == session.id)
                           .values(original_date=session.session_date).execution_options(synchronize_session=False))
    return session


def commit() -> None:
    try:
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict from exc


def save_row(session: Session, cleaned: dict[str, Any]) -> Session:
    """Write the cleaned values as they are (the sessions API: the row itself); raises
    Conflict when someone saved in between."""
    try:
        before = build(session, session.session_date) if session.id is not None and not R.is_series(session) \
            else None
        assign(session, cleaned)
        db.session.flush()
        if R.is_series(session):
            refresh_last_date(session)
        elif before is not None:
            events.changed(before, build(session, session.session_date))
        db.session.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict from exc
    return session


# --- The end of a series ----------------------------------------------------------------


def refresh_last_date(session: Session) -> None:
    """Keep `SessionSeries.last_date` (a bound the lists query by) after any change of the rule."""
    series = series_of(session)
    if series is not None:
        series.last_date = R.last_date(session, _without_cache(series))
        db.session.flush()


def _without_cache(series: SessionSeries) -> SessionSeries:
    """The series' end as set, without the cached last date (which is what is recomputed)."""
    return SessionSeries(session_id=series.session_id, until_date=series.until_date,
                         occurrence_count=series.occurrence_count, exdates=list(series.exdates or []))


def set_series_end(session: Session, until: date | None = None, count: int | None = None) -> Errors:
    """End the series on a date or after a number of lessons (both None: open-ended)."""
    errors = R.end_errors(session.session_date, until, count)
    if errors:
        return errors
    series = series_of(session) or SessionSeries(session_id=session.id, exdates=[])
    series.until_date, series.occurrence_count = until, count
    db.session.add(series)
    db.session.flush()
    refresh_last_date(session)
    return {}


def remove_date(session: Session, original: date) -> Errors:
    """Take a date out of the series without a trace (iCal EXDATE), record and all."""
    series = series_of(session)
    if not R.is_series(session) or not R.is_lesson_date(session, series, original):
        return {"date": [_("%(date)s is not a date of this series.", date=original.isoformat())]}
    series = series or SessionSeries(session_id=session.id, exdates=[])
    series.exdates = sorted({*(series.exdates or []), original.isoformat()})
    db.session.add(series)
    db.session.execute(sa.delete(LessonRecord).filter_by(session_id=session.id, original_date=original))
    db.session.flush()
    refresh_last_date(session)
    return {}


# --- Changing a series: every lesson to come, or this and the following ---------------------


def _copied(session: Session) -> dict[str, Any]:
    return {name: getattr(session, name) for name in EDITABLE}


def _validated(base: dict[str, Any], changes: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        return {}, {"__all__": [_("Unknown fields: %(names)s.", names=", ".join(unknown))]}
    merged = {**base, **changes}
    if "start_time" in changes or "end_time" in changes:
        merged["duration"] = changes.get("duration")  # recomputed from the new times
    values, errors = validate_session(merged)
    if not values.get("is_recurring") and not errors:
        errors = {"session_frequency": [_("A series stays a series; end it with a date instead.")]}
    return values, errors


def _has_own_values(record: LessonRecord) -> bool:
    """More than a cancellation (a cancelled date simply stays cancelled, keyed by date)."""
    return any([record.status not in (None, "cancelled"), record.tutor_attendance_status,
                record.student_attendance_status, record.priority_level, record.topics_covered, record.note,
                record.new_date, record.new_start_time, record.student_review_id, record.tutor_review_id,
                record.parent_review_id])


def _records(session_id: int, since: date | None = None) -> list[LessonRecord]:
    query = sa.select(LessonRecord).where(LessonRecord.session_id == session_id)
    if since is not None:
        query = query.where(LessonRecord.original_date >= since)
    return list(db.session.scalars(query.order_by(LessonRecord.original_date)))


def _pinned(session: Session, series: SessionSeries | None, records: list[LessonRecord]) -> list[LessonRecord]:
    """The records that must keep their lesson where it is: own values, on a real date."""
    return [r for r in records if _has_own_values(r) and R.is_lesson_date(session, series, r.original_date)]


def _keep_pinned(session: Session, pinned: list[LessonRecord], old_times: tuple[time, time]) -> None:
    """After the series changed: lessons with a record of their own keep their date and
    time (a date the new rule no longer gives becomes one of its specific dates)."""
    if not pinned:
        return
    series = series_of(session)
    extra = []
    for record in pinned:
        if not R.is_lesson_date(session, series, record.original_date):
            extra.append(record.original_date.isoformat())
        if record.new_start_time is None and old_times != (session.start_time, session.end_time):
            record.new_start_time, record.new_end_time = old_times
    if extra:
        pattern = dict(session.recurring_pattern or {})
        pattern["specific_dates"] = sorted({*(pattern.get("specific_dates") or []), *extra})
        session.recurring_pattern = {k: pattern.get(k, []) for k in C.RECURRING_PATTERN_KEYS}
    db.session.flush()


def edit_following(session: Session, from_date: date, changes: dict[str, Any]) -> tuple[Session | None, Errors]:
    """Change the lesson on `from_date` and every later one: the series ends the day before
    and a new series, carrying the change, starts on that date. Lessons from that date on
    that have a record of their own move to the new series, unchanged."""
    if not R.is_series(session):
        return None, {"__all__": [_("Only a recurring session has following lessons.")]}
    series = series_of(session)
    if not R.is_lesson_date(session, series, from_date):
        return None, {"date": [_("%(date)s is not a date of this series.", date=from_date.isoformat())]}
    if from_date == session.session_date:
        return _edit_in_place(session, changes)

    base = _copied(session) | LESSON_VALUES
    base["session_date"] = from_date
    pattern = dict(session.recurring_pattern or {})
    iso = from_date.isoformat()
    base["recurring_pattern"] = {**{k: pattern.get(k, []) for k in C.RECURRING_PATTERN_KEYS},
                                 "specific_dates": [d for d in pattern.get("specific_dates") or [] if d >= iso]}
    values, errors = _validated(base, changes)
    if errors:
        return None, errors
    end_count = None
    if series is not None and series.occurrence_count is not None:
        before = len(R.dates_between(session, series, session.session_date, from_date - timedelta(days=1),
                                     R.Budget()))
        end_count = series.occurrence_count - before

    old_times = (session.start_time, session.end_time)
    pinned = _pinned(session, series, _records(session.id, since=from_date))
    # The old series ends the day before and keeps its earlier specific and removed dates.
    old_series = series or SessionSeries(session_id=session.id, exdates=[])
    new_series = SessionSeries(until_date=old_series.until_date, occurrence_count=end_count,
                               exdates=[d for d in old_series.exdates or [] if d >= iso])
    old_series.until_date, old_series.occurrence_count = from_date - timedelta(days=1), None
    old_series.exdates = [d for d in old_series.exdates or [] if d < iso]
    session.recurring_pattern = {**{k: pattern.get(k, []) for k in C.RECURRING_PATTERN_KEYS},
                                 "specific_dates": [d for d in pattern.get("specific_dates") or [] if d < iso]}
    db.session.add(old_series)

    new = Session(**{k: v for k, v in values.items() if k in EDITABLE})
    new.is_recurring = True
    db.session.add(new)
    db.session.flush()
    new_series.session_id = new.id
    db.session.add(new_series)
    db.session.execute(sa.update(LessonRecord)
                       .where(LessonRecord.session_id == session.id, LessonRecord.original_date >= from_date)
                       .values(session_id=new.id)
                       .execution_options(synchronize_session="fetch"))
    db.session.flush()
    _keep_pinned(new, pinned, old_times)
    refresh_last_date(session)
    refresh_last_date(new)
    return new, {}


def edit_all(session: Session, changes: dict[str, Any], today: date) -> tuple[Session | None, Errors]:
    """Change every lesson of the series that has not happened yet.

    Settings (priority, alarm, …) change in place. Anything a lesson *was* (time, place,
    topics, pattern) changes only from today on: a series with lessons in the past is split
    at its first lesson from today, so the past stays as it was. Returns the series that now
    carries the change (the same one or the new one)."""
    if not R.is_series(session):
        return None, {"__all__": [_("Only a recurring session has lessons to change together.")]}
    if set(changes) <= set(SERIES_SETTINGS) or session.session_date >= today:
        return _edit_in_place(session, changes)
    upcoming = next_lesson_date(session, series_of(session), today)
    if upcoming is None:
        return None, {"__all__": [_("This series has no lessons left; past lessons are never rewritten.")]}
    return edit_following(session, upcoming, changes)


def next_lesson_date(session: Session, series: SessionSeries | None, day: date) -> date | None:
    """The original date of the series' first lesson on or after `day`."""
    return next(R.iter_dates(session, series, day, C.DATE_MAX, R.Budget()), None)


def _edit_in_place(session: Session, changes: dict[str, Any]) -> tuple[Session | None, Errors]:
    values, errors = _validated(_copied(session), changes)
    if errors:
        return None, errors
    old_times = (session.start_time, session.end_time)
    pinned = _pinned(session, series_of(session), _records(session.id))
    for name in (*changes, "duration", "is_recurring", "recurring_pattern"):
        if name in values:
            setattr(session, name, values[name])
    db.session.flush()
    _keep_pinned(session, pinned, old_times)
    refresh_last_date(session)
    return session, {}


# --- The form's save ----------------------------------------------------------------------


def save_plan(session: Session | None, cleaned: dict[str, Any], end: dict[str, Any], today: date,
              scope: str = "all", from_date: date | None = None) -> tuple[Session | None, Errors]:
    """Save what the session form cleaned: a new or one-time session as it is; a series that
    stays one for every lesson to come (`edit_all`) or from `from_date` on
    (`edit_following`), so that past and own-record lessons keep what they have. The series'
    end (`end`: until, count) goes to the series that carries the change. Commits; raises
    Conflict when someone saved in between."""
    try:
        if session is not None and R.is_series(session) and cleaned.get("is_recurring"):
            changes = {k: v for k, v in cleaned.items() if k in EDITABLE and v != getattr(session, k)}
            target, errors = session, {}
            if changes and scope == "following":
                if from_date is None:
                    errors = {"from_date": [_("Give the date of the first lesson to change.")]}
                else:
                    target, errors = edit_following(session, from_date, changes)
            elif changes:
                target, errors = edit_all(session, changes, today)
            if errors:
                db.session.rollback()
                return None, errors
        else:
            before = build(session, session.session_date) if session is not None and not R.is_series(session) \
                else None
            target = assign(session or Session(), cleaned)
            db.session.flush()
            if before is not None and not R.is_series(target):
                events.changed(before, build(target, target.session_date))
        if R.is_series(target) and (end.get("until") or end.get("count") or series_of(target)):
            errors = set_series_end(target, end.get("until"), end.get("count"))
            if errors:
                db.session.rollback()
                return None, errors
        commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise Conflict from exc
    return target, {}


# --- Deleting ----------------------------------------------------------------------------


def delete_session(session: Session) -> None:
    """The whole session: every lesson, past and future, with their records."""
    if not R.is_series(session):
        events.changed(build(session, session.session_date), None)
    db.session.delete(session)
    commit()


def end_series_before(session: Session, day: date) -> None:
    """Delete the lesson on `day` and every later one: the series ends the day before (its
    records from that day on go); from its first lesson, the whole series goes."""
    if day <= session.session_date:
        delete_session(session)
        return
    series = series_of(session) or SessionSeries(session_id=session.id, exdates=[])
    series.until_date, series.occurrence_count = day - timedelta(days=1), None
    db.session.add(series)
    db.session.execute(sa.delete(LessonRecord).where(LessonRecord.session_id == session.id,
                                                     LessonRecord.original_date >= day))
    db.session.flush()
    refresh_last_date(session)
    session.updated_at = utcnow()  # the row's version moves: the plan changed
    commit()


def lesson_counts(session: Session, series: SessionSeries | None, day: date) -> tuple[int, int | None]:
    """(lessons before `day`, lessons from `day` on; None: open-ended)."""
    budget = R.Budget(C.SERIES_MAX_LESSONS * 100)
    before = len(R.dates_between(session, series, session.session_date, day - timedelta(days=1), budget)) \
        if day > session.session_date else 0
    last = R.last_date(session, series)
    if last is None:
        return before, None
    return before, len(R.dates_between(session, series, day, last, budget))
