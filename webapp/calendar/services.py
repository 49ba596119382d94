"""Changing series and their lessons: edit this one, this and following, or all.

Rules (issue 5): editing a series never rewrites a lesson that has its own record or lies
in the past, and a cancelled date stays cancelled after any edit of the series. Every
function checks first and changes nothing when it returns errors; the caller commits.
"""
from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from .. import choices as C
from .. import recurrence as R
from ..extensions import db
from ..models import Session, SessionOccurrence, SessionSeries
from ..sessions.rules import clean_topics, validate_session

Errors = dict[str, list[str]]

# Changing these for "all" rewrites nothing that happened: they apply to the whole series.
SERIES_SETTINGS = ("priority_level", "is_featured", "notification_enabled", "alarm_enabled",
                   "alarm_before_minutes")
# The lesson-level values a new series does not inherit from the one it was split from.
LESSON_VALUES = {"status": C.DEFAULT_STATUS, "tutor_attendance_status": None,
                 "student_attendance_status": None, "topics_covered": [],
                 "student_review_id": None, "tutor_review_id": None, "parent_review_id": None}
COPIED = ("course_enrollment_id", "topics", "topics_covered", "session_date", "start_time", "end_time",
          "duration", "session_mode", "location", "whiteboard_id", "student_review_id", "tutor_review_id",
          "parent_review_id", "tutor_attendance_status", "student_attendance_status", "priority_level",
          "is_recurring", "session_frequency", "recurring_pattern", "notification_enabled",
          "alarm_enabled", "alarm_before_minutes", "is_featured", "status")
OVERRIDE_FIELDS = ("status", "tutor_attendance_status", "student_attendance_status", "topics_covered",
                   "note", "cancelled", "new_date", "new_start_time", "new_end_time")


# --- Loading --------------------------------------------------------------------------


def series_of(session: Session) -> SessionSeries | None:
    return db.session.get(SessionSeries, session.id)


def overrides_of(session: Session, since: date | None = None) -> list[SessionOccurrence]:
    query = sa.select(SessionOccurrence).where(SessionOccurrence.session_id == session.id)
    if since is not None:
        query = query.where(SessionOccurrence.original_date >= since)
    return list(db.session.scalars(query.order_by(SessionOccurrence.original_date)))


def overrides_in_range(session_ids: list[int], start: date, end: date) -> sa.Select:
    """The overrides a calendar of [start, end] needs: by original date or by new date."""
    return sa.select(SessionOccurrence).where(
        SessionOccurrence.session_id.in_(session_ids),
        sa.or_(SessionOccurrence.original_date.between(start, end),
               SessionOccurrence.new_date.between(start, end)),
    )


def occurrence(session: Session, original: date) -> R.Occurrence | None:
    """One lesson of a session (a one-time session: its only one), or None."""
    series = series_of(session)
    if not R.is_series(session):
        return R.single(session, R.tutor_zone(session)) if original == session.session_date else None
    if original not in R.series_dates(session, series, until=original):
        return None
    override = db.session.scalar(sa.select(SessionOccurrence).filter_by(session_id=session.id,
                                                                       original_date=original))
    return R.occurrence_of(session, original, override, R.tutor_zone(session))


# --- The end of a series --------------------------------------------------------------


def set_series_end(session: Session, until: date | None = None, count: int | None = None) -> Errors:
    """End the series on a date or after a number of lessons (both None: open-ended)."""
    errors = R.end_errors(session.session_date, until, count)
    if errors:
        return errors
    series = series_of(session) or SessionSeries(session_id=session.id, exdates=[])
    series.until_date, series.occurrence_count = until, count
    db.session.add(series)
    db.session.flush()
    return {}


# --- This one -------------------------------------------------------------------------


def edit_occurrence(session: Session, original: date, **values: Any) -> tuple[SessionOccurrence | None, Errors]:
    """Give one lesson of a series its own values (any of OVERRIDE_FIELDS).

    status follows the allowed transitions; status 'cancelled' and cancelled=True mean the
    same and are kept in step; a move needs the end after the start.
    """
    errors: Errors = {}
    unknown = sorted(set(values) - set(OVERRIDE_FIELDS))
    if unknown:
        return None, {"__all__": ["Unknown fields: " + ", ".join(unknown) + "."]}
    if not R.is_series(session):
        return None, {"__all__": ["Only a lesson of a recurring session has its own record."]}
    current = occurrence(session, original)
    if current is None:
        return None, {"date": [f"{original.isoformat()} is not a date of this series."]}
    if "status" in values:
        problem = C.transition_error(current.status, values["status"])
        if problem:
            errors.setdefault("status", []).append(problem)
    for name in ("tutor_attendance_status", "student_attendance_status"):
        if values.get(name) is not None and values[name] not in C.ATTENDANCE_STATUSES:
            errors.setdefault(name, []).append(f"Must be one of: {', '.join(C.ATTENDANCE_STATUSES)}.")
    if "topics_covered" in values:
        values["topics_covered"] = clean_topics(values["topics_covered"], "topics_covered", errors)
    if "note" in values:
        values["note"] = (values["note"] or "").strip() or None
        if values["note"] and len(values["note"]) > C.NOTE_MAX:
            errors.setdefault("note", []).append(f"A note can be at most {C.NOTE_MAX} characters.")
    start = values.get("new_start_time", current.start_time)
    end = values.get("new_end_time", current.end_time)
    if isinstance(start, time) and isinstance(end, time) and end <= start:
        errors.setdefault("new_end_time", []).append("The end must be after the start.")
    if errors:
        return None, errors

    override = db.session.scalar(sa.select(SessionOccurrence).filter_by(session_id=session.id,
                                                                       original_date=original))
    if override is None:
        override = SessionOccurrence(session_id=session.id, original_date=original, cancelled=False)
        db.session.add(override)
    if "cancelled" in values and "status" not in values:
        values["status"] = "cancelled" if values["cancelled"] else C.DEFAULT_STATUS
    if "status" in values:
        values["cancelled"] = values["status"] == "cancelled"
    for name, value in values.items():
        setattr(override, name, value)
    # A move back to the series' own date and time is no move.
    if override.new_date == original:
        override.new_date = None
    if override.new_start_time == session.start_time and override.new_end_time in (None, session.end_time):
        override.new_start_time = override.new_end_time = None
    db.session.flush()
    return override, {}


def cancel_occurrence(session: Session, original: date) -> tuple[SessionOccurrence | None, Errors]:
    return edit_occurrence(session, original, status="cancelled")


def move_occurrence(session: Session, original: date, new_date: date,
                    start: time | None = None, end: time | None = None) -> tuple[SessionOccurrence | None, Errors]:
    values: dict[str, Any] = {"new_date": new_date}
    if start is not None:
        values["new_start_time"] = start
    if end is not None:
        values["new_end_time"] = end
    return edit_occurrence(session, original, **values)


def remove_occurrence(session: Session, original: date) -> Errors:
    """Take a date out of the series without a trace (iCal EXDATE), record and all."""
    if occurrence(session, original) is None or not R.is_series(session):
        return {"date": [f"{original.isoformat()} is not a date of this series."]}
    series = series_of(session) or SessionSeries(session_id=session.id, exdates=[])
    series.exdates = sorted({*(series.exdates or []), original.isoformat()})
    db.session.add(series)
    db.session.execute(sa.delete(SessionOccurrence).filter_by(session_id=session.id, original_date=original))
    db.session.flush()
    return {}


# --- This and following / all -----------------------------------------------------------


def _values(session: Session) -> dict[str, Any]:
    return {name: getattr(session, name) for name in COPIED}


def _validated(base: dict[str, Any], changes: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
    unknown = sorted(set(changes) - set(COPIED))
    if unknown:
        return {}, {"__all__": ["Unknown fields: " + ", ".join(unknown) + "."]}
    merged = {**base, **changes}
    if "start_time" in changes or "end_time" in changes:
        merged["duration"] = changes.get("duration")  # recomputed from the new times
    values, errors = validate_session(merged)
    if not values.get("is_recurring") and not errors:
        errors = {"session_frequency": ["A series stays a series; end it with a date instead."]}
    return values, errors


def _keep_overridden(session: Session, overrides: list[SessionOccurrence],
                     old_times: tuple[time, time], old_dates: set[date]) -> None:
    """After the series changed: lessons with a record of their own keep their date and
    time (a date the new rule no longer gives becomes one of its specific dates)."""
    kept = [o for o in overrides if _has_own_values(o) and o.original_date in old_dates]
    if not kept:
        return
    new_dates = set(R.series_dates(session, series_of(session),
                                   until=max(o.original_date for o in kept)))
    extra = []
    for override in kept:
        if override.original_date not in new_dates:
            extra.append(override.original_date.isoformat())
        if override.new_start_time is None and old_times != (session.start_time, session.end_time):
            override.new_start_time, override.new_end_time = old_times
    if extra:
        pattern = dict(session.recurring_pattern or {})
        pattern["specific_dates"] = sorted({*(pattern.get("specific_dates") or []), *extra})
        session.recurring_pattern = {k: pattern.get(k, []) for k in C.RECURRING_PATTERN_KEYS}


def _has_own_values(o: SessionOccurrence) -> bool:
    """More than a cancellation (a cancelled date simply stays cancelled, keyed by date)."""
    return any([o.status not in (None, "cancelled"), o.tutor_attendance_status, o.student_attendance_status,
                o.topics_covered, o.note, o.new_date, o.new_start_time])


def edit_following(session: Session, from_date: date, changes: dict[str, Any]) -> tuple[Session | None, Errors]:
    """Change the lesson on `from_date` and every later one: the series ends the day
    before and a new series, carrying the change, starts on that date. Lessons from that
    date on that have a record of their own move to the new series, unchanged."""
    if not R.is_series(session):
        return None, {"__all__": ["Only a recurring session has following lessons."]}
    series = series_of(session)
    dates = R.series_dates(session, series, until=from_date)
    if from_date not in dates:
        return None, {"date": [f"{from_date.isoformat()} is not a date of this series."]}
    if from_date == session.session_date:
        return _edit_in_place(session, changes)

    base = _values(session) | LESSON_VALUES
    base["session_date"] = from_date
    pattern = dict(session.recurring_pattern or {})
    later = [d for d in pattern.get("specific_dates") or [] if d >= from_date.isoformat()]
    base["recurring_pattern"] = {**{k: pattern.get(k, []) for k in C.RECURRING_PATTERN_KEYS},
                                 "specific_dates": later}
    values, errors = _validated(base, changes)
    end_count = None
    if series is not None and series.occurrence_count is not None:
        end_count = series.occurrence_count - len([d for d in dates if d < from_date])
    if errors:
        return None, errors

    # The old series: ends the day before, keeps its earlier specific and removed dates.
    old_times = (session.start_time, session.end_time)
    old_dates = set(R.series_dates(session, series))
    old_series = series or SessionSeries(session_id=session.id, exdates=[])
    removed_later = [d for d in old_series.exdates or [] if d >= from_date.isoformat()]
    new_series = SessionSeries(until_date=old_series.until_date, occurrence_count=end_count,
                               exdates=removed_later)
    old_series.until_date, old_series.occurrence_count = from_date - timedelta(days=1), None
    old_series.exdates = [d for d in old_series.exdates or [] if d < from_date.isoformat()]
    session.recurring_pattern = {**{k: pattern.get(k, []) for k in C.RECURRING_PATTERN_KEYS},
                                 "specific_dates": [d for d in pattern.get("specific_dates") or []
                                                    if d < from_date.isoformat()]}
    db.session.add(old_series)

    new = Session(**{k: v for k, v in values.items() if k in COPIED or k == "duration"})
    db.session.add(new)
    db.session.flush()
    new_series.session_id = new.id
    db.session.add(new_series)
    db.session.execute(sa.update(SessionOccurrence)
                       .where(SessionOccurrence.session_id == session.id,
                              SessionOccurrence.original_date >= from_date)
                       .values(session_id=new.id)
                       .execution_options(synchronize_session="fetch"))
    db.session.flush()
    _keep_overridden(new, overrides_of(new), old_times, {d for d in old_dates if d >= from_date})
    db.session.flush()
    return new, {}


def edit_all(session: Session, changes: dict[str, Any], today: date | None = None) -> tuple[Session | None, Errors]:
    """Change every lesson of the series that has not happened yet.

    Settings (priority, alarm, …) change in place. Anything a lesson *was* (time, place,
    topics, pattern, status) changes only from today on: a series that has lessons in
    the past is split at its first lesson from today, so the past stays as it was.
    Returns the series that now carries the change (the same one or the new one).
    """
    if not R.is_series(session):
        return None, {"__all__": ["Only a recurring session has lessons to change together."]}
    today = today or R.local_today(R.tutor_zone(session))
    settings_only = set(changes) <= set(SERIES_SETTINGS)
    if settings_only or session.session_date >= today:
        return _edit_in_place(session, changes)
    series = series_of(session)
    upcoming = [d for d in R.series_dates(session, series, until=today + timedelta(days=R.HORIZON_DAYS))
                if d >= today]
    if not upcoming:
        return None, {"__all__": ["This series has no lessons left; past lessons are never rewritten."]}
    return edit_following(session, upcoming[0], changes)


def _edit_in_place(session: Session, changes: dict[str, Any]) -> tuple[Session | None, Errors]:
    values, errors = _validated(_values(session) | {"duration": session.duration}, changes)
    if errors:
        return None, errors
    series = series_of(session)
    old_times = (session.start_time, session.end_time)
    old_dates = set(R.series_dates(session, series))
    for name in (*changes, "duration", "is_recurring", "recurring_pattern"):
        if name in values:
            setattr(session, name, values[name])
    db.session.flush()
    _keep_overridden(session, overrides_of(session), old_times, old_dates)
    db.session.flush()
    return session, {}


# --- The session form's save ----------------------------------------------------------


def save_session(session: Session | None, cleaned: dict[str, Any], end: dict[str, Any],
                 scope: str = "all", from_date: date | None = None) -> tuple[Session | None, Errors]:
    """Save what the session form cleaned: a new or one-time session as it is; a series
    that stays one for every lesson to come (`edit_all`) or from `from_date` on
    (`edit_following`), so that past and own-record lessons keep what they have. The
    series' end (`end`: until, count) goes to the series that carries the change.
    Commits; raises sessions.services.Conflict when someone saved in between."""
    from ..sessions import services

    try:
        if session is not None and R.is_series(session) and cleaned.get("is_recurring"):
            changes = {k: v for k, v in cleaned.items() if k in COPIED and v != getattr(session, k)}
            target, errors = session, {}
            if changes and scope == "following":
                if from_date is None:
                    errors = {"date": ["Give the date of the first lesson to change."]}
                else:
                    target, errors = edit_following(session, from_date, changes)
            elif changes:
                target, errors = edit_all(session, changes)
            if errors:
                db.session.rollback()
                return None, errors
        else:
            target = services.assign(session or Session(), cleaned)
            db.session.flush()
        if R.is_series(target) and (end.get("until") or end.get("count") or series_of(target)):
            errors = set_series_end(target, end.get("until"), end.get("count"))
            if errors:
                db.session.rollback()
                return None, errors
        services.commit()
    except StaleDataError as exc:
        db.session.rollback()
        raise services.Conflict from exc
    return target, {}


# --- Loading a calendar: a fixed number of queries ------------------------------------


def load_lessons(user: Any, start: date | None = None, end: date | None = None,
                 tz: Any = None, filters: dict[str, Any] | None = None
                 ) -> tuple[list[Session], dict[int, SessionSeries], list[SessionOccurrence]]:
    """The sessions `user` may see that can have a lesson in [start, end] (None: all), with
    their series extras (same query) and their overrides (one more query); `filters`: the
    list's, on the sessions."""
    from ..sessions.queries import apply_filters, visible_sessions

    query = (apply_filters(visible_sessions(user), filters or {})
             .outerjoin(SessionSeries, SessionSeries.session_id == Session.id)
             .add_columns(SessionSeries))
    if start is not None and end is not None:
        # A series may reach into the range from any earlier start (or be moved into it).
        query = query.where(sa.or_(Session.session_date.between(start, end),
                                   sa.and_(Session.is_recurring, Session.session_date <= end)))
    rows = db.session.execute(query.order_by(Session.session_date, Session.start_time, Session.id)).all()
    sessions = [row[0] for row in rows]
    extras = {row[0].id: row[1] for row in rows if row[1] is not None}
    series_ids = [s.id for s in sessions if R.is_series(s)]
    overrides: list[SessionOccurrence] = []
    if series_ids:
        q = sa.select(SessionOccurrence).where(SessionOccurrence.session_id.in_(series_ids))
        if start is not None and end is not None:
            q = overrides_in_range(series_ids, start, end)
        overrides = list(db.session.scalars(q))
    return sessions, extras, overrides


def calendar_lessons(user: Any, start: date, end: date) -> list[R.Occurrence]:
    """Every lesson `user` sees with its actual date in [start, end], in time order."""
    sessions, extras, overrides = load_lessons(user, start, end)
    return R.occurrences_between(sessions, overrides, start, end, series=extras, tz=user.timezone)


# Filters a lesson answers for itself: a series starts before the range, a lesson may be
# moved or marked on its own.
LESSON_FILTERS = ("status", "date_from", "date_to")
MARKING_WINDOW_DAYS = 60  # how far back the list looks for lessons of series to mark


def filtered_lessons(user: Any, start: date, end: date, filters: dict[str, Any],
                     series_only: bool = False) -> list[R.Occurrence]:
    """The lessons `user` sees in [start, end] that match the list's filters, in time
    order: the session filters in SQL, the lesson's own (status, dates) on each lesson.
    Two queries."""
    start, end = max(start, filters.get("date_from") or start), min(end, filters.get("date_to") or end)
    if start > end:
        return []
    sessions, extras, overrides = load_lessons(user, start, end, filters={
        k: v for k, v in filters.items() if k not in LESSON_FILTERS})
    if series_only:
        sessions = [s for s in sessions if R.is_series(s)]
    lessons = R.occurrences_between(sessions, overrides, start, end, series=extras, tz=user.timezone)
    return [lesson for lesson in lessons if filters.get("status") in (None, lesson.status)]


def lessons_on(user: Any, day: date, filters: dict[str, Any]) -> list[R.Occurrence]:
    """The list's Today: every lesson of the day, of one-time sessions and series alike."""
    return filtered_lessons(user, day, day, filters)


def needs_marking(lesson: R.Occurrence) -> bool:
    """A past lesson still to record: not cancelled, and still scheduled or with an
    attendance unmarked (the same rule as sessions.queries.needs_marking)."""
    return not lesson.cancelled and (lesson.status == "scheduled" or lesson.tutor_attendance_status is None
                                     or lesson.student_attendance_status is None)


def lessons_to_mark(user: Any, today: date, filters: dict[str, Any]) -> list[R.Occurrence]:
    """The list's Needs marking, for series: their lessons of the last MARKING_WINDOW_DAYS
    days still to record, the latest first."""
    lessons = filtered_lessons(user, today - timedelta(days=MARKING_WINDOW_DAYS), today - timedelta(days=1),
                               filters, series_only=True)
    return [lesson for lesson in reversed(lessons) if needs_marking(lesson)]


def lessons_of_people(tutor_id: int, student_id: int | None, start: date, end: date) -> list[R.Occurrence]:
    """Every lesson in [start, end] of the tutor's enrollments and of the student's (with any
    tutor, each in their tutor's zone): what a new or changed session must not overlap.
    Two queries."""
    from sqlalchemy.orm import contains_eager

    from ..models import Enrollment

    people = [Enrollment.tutor_id == tutor_id]
    if student_id is not None:
        people.append(Enrollment.student_id == student_id)
    query = (sa.select(Session, SessionSeries)
             .join(Session.enrollment)
             .outerjoin(SessionSeries, SessionSeries.session_id == Session.id)
             .options(contains_eager(Session.enrollment).joinedload(Enrollment.tutor))
             .where(sa.or_(*people))
             .where(sa.or_(Session.session_date.between(start, end),
                           sa.and_(Session.is_recurring, Session.session_date <= end))))
    rows = db.session.execute(query).all()
    sessions = [r[0] for r in rows]
    extras = {r[0].id: r[1] for r in rows if r[1] is not None}
    ids = [s.id for s in sessions if R.is_series(s)]
    overrides = list(db.session.scalars(overrides_in_range(ids, start, end))) if ids else []
    return R.occurrences_between(sessions, overrides, start, end, series=extras)


def clashes_for(candidate: Any, candidate_series: Any | None, tutor: Any, student_id: int | None,
                ignore: tuple[int, ...] = (), horizon_days: int = R.HORIZON_DAYS) -> list[tuple[R.Occurrence, R.Occurrence]]:
    """Lessons of `candidate` (a one-time session or a series, saved or not: any object with
    the session's columns and an `id`, None for a new one) that overlap another lesson of
    the tutor or of the student, over the candidate's lessons up to the horizon."""
    first = candidate.session_date
    last = R.last_date(candidate, candidate_series) or first + timedelta(days=horizon_days)
    mine = R.occurrences_between([candidate], [], first, last,
                                 series={candidate.id: candidate_series} if candidate_series else None,
                                 tz=tutor.timezone)
    others = lessons_of_people(tutor.id, student_id, first, last)
    return R.clashes(mine, others, ignore=ignore)
