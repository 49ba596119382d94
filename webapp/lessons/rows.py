"""Sessions as lists read them: plain rows from one Core statement (no ORM identity map, no
lazy loads), with their enrollment, student, series end and, for a one-time session, its
record. A list of fifty lessons is read in the time a plain table of fifty rows takes; the
pages that change a session or a lesson load ORM objects through `access` instead.

A `SessionRow` has the attributes of a `models.Session` that lessons, rows and pages read,
so `lesson.build` and the templates take either."""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import date, datetime, time
from typing import Any

import sqlalchemy as sa
from ..extensions import db
from ..models import Enrollment, LessonRecord, Session, SessionSeries, User

SESSION = tuple(Session.__table__.c)
RECORD = tuple(LessonRecord.__table__.c)
SERIES = (SessionSeries.until_date, SessionSeries.occurrence_count, SessionSeries.exdates, SessionSeries.last_date)


@dataclass(slots=True)
class Person:
    id: int
    full_name: str
    timezone: str | None = None


@dataclass(slots=True)
class EnrollmentRow:
    id: int
    course: str
    tutor_id: int
    student_id: int
    student: Person
    tutor: Person | None = None


@dataclass(slots=True)
class SeriesRow:
    session_id: int
    until_date: date | None
    occurrence_count: int | None
    exdates: list
    last_date: date | None


@dataclass(slots=True)
class RecordRow:
    """A lesson's own record as read (see models.LessonRecord)."""

    id: int
    session_id: int
    original_date: date
    version: int
    status: str | None = None
    tutor_attendance_status: str | None = None
    student_attendance_status: str | None = None
    priority_level: str | None = None
    topics_covered: list | None = None
    note: str | None = None
    new_date: date | None = None
    new_start_time: time | None = None
    new_end_time: time | None = None
    student_review_id: int | None = None
    tutor_review_id: int | None = None
    parent_review_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    topics: list | None = None
    dropped_topics: list | None = None
    note_shared: bool | None = None
    absence_notice_at: datetime | None = None
    absence_notice_by: int | None = None
    absence_reason: str | None = None
    confirmation: str | None = None
    confirmation_by: int | None = None
    confirmation_at: datetime | None = None
    confirmation_comment: str | None = None


@dataclass(slots=True)
class SessionRow:
    """The 27 columns of a session, and what a list shows of its enrollment."""

    id: int
    course_enrollment_id: int | None
    topics: list | None
    topics_covered: list | None
    session_date: date
    start_time: time
    end_time: time
    duration: int | None
    session_mode: str | None
    location: str | None
    whiteboard_id: int | None
    student_review_id: int | None
    tutor_review_id: int | None
    parent_review_id: int | None
    tutor_attendance_status: str | None
    student_attendance_status: str | None
    priority_level: str | None
    is_recurring: bool | None
    session_frequency: str | None
    recurring_pattern: dict | None
    notification_enabled: bool | None
    alarm_enabled: bool | None
    alarm_before_minutes: int | None
    is_featured: bool | None
    status: str | None
    created_at: datetime | None
    updated_at: datetime | None
    enrollment: EnrollmentRow = field(default=None)  # type: ignore[assignment]


SESSION_NAMES = tuple(c.name for c in SESSION)
RECORD_NAMES = tuple(c.name for c in RECORD)
# Rows are built by position: the classes must list the tables' columns in their order.
if tuple(f.name for f in fields(SessionRow))[:len(SESSION)] != SESSION_NAMES or \
        tuple(f.name for f in fields(RecordRow)) != RECORD_NAMES:
    raise RuntimeError("rows.SessionRow / RecordRow no longer match the sessions / session_occurrences columns")


S, O = Session.__table__.c, LessonRecord.__table__.c
E, U, SE = Enrollment.__table__.c, User.__table__.c, SessionSeries.__table__.c
TUTOR = User.__table__.alias("tutor")
RECORD_LABELS = tuple(c.label(f"r_{c.name}") for c in RECORD)


NO_SERIES = tuple(sa.cast(sa.null(), c.type).label(c.name) for c in SERIES)


def select_sessions(with_tutor: bool = False, records: tuple[Any, Any] | None = None,
                    series: bool = True, record_on: Any = None) -> sa.Select:
    """The columns a list reads, from sessions joined to their enrollment, student and series
    end (`series`; one-time sessions have none), and to records: a one-time session's own
    (default), the record of the original date `record_on`, or with `records` every record
    whose original or new date lies in that window (a row per record, a session's columns
    repeated)."""
    if record_on is not None:
        joined = sa.and_(O.session_id == S.id, O.original_date == record_on)
    elif records is None:
        joined = sa.and_(O.session_id == S.id, O.original_date == S.session_date, sa.not_(S.is_recurring))
    else:
        joined = sa.and_(O.session_id == S.id, sa.or_(O.original_date.between(*records),
                                                      O.new_date.between(*records)))
    tables = Session.__table__.join(Enrollment.__table__, E.id == S.course_enrollment_id).join(
        User.__table__, U.id == E.student_id)
    if series:
        tables = tables.outerjoin(SessionSeries.__table__, SE.session_id == S.id)
    query = (sa.select(*SESSION, E.course, E.tutor_id, E.student_id, U.full_name, *(SERIES if series else NO_SERIES),
                       *RECORD_LABELS)
             .select_from(tables.outerjoin(LessonRecord.__table__, joined)))
    if with_tutor:
        query = query.join(TUTOR, TUTOR.c.id == E.tutor_id).add_columns(TUTOR.c.full_name.label("tutor_name"),
                                                                          TUTOR.c.timezone.label("tutor_timezone"))
    return query


# Where each part of a `select_sessions` row starts (rows are read by position: faster).
_N = len(SESSION)
_COURSE, _TUTOR_ID, _STUDENT_ID, _STUDENT_NAME = _N, _N + 1, _N + 2, _N + 3
_SERIES = _N + 4
_RECORD = _SERIES + len(SERIES)
_TUTOR = _RECORD + len(RECORD)


def read(query: sa.Select | sa.CompoundSelect, params: dict[str, Any] | None = None
         ) -> tuple[list[SessionRow], dict[int, SeriesRow], dict[tuple[int, date], RecordRow]]:
    """Run a `select_sessions` query: the sessions (each once), their series ends, the records."""
    sessions: dict[int, SessionRow] = {}
    series: dict[int, SeriesRow] = {}
    records: dict[tuple[int, date], RecordRow] = {}
    people: dict[int, Person] = {}
    for row in db.session.execute(query, params or {}):
        if row[_RECORD] is not None:  # the record's id
            record = RecordRow(*row[_RECORD:_TUTOR])
            records[(record.session_id, record.original_date)] = record
        if row[0] in sessions:
            continue
        session = SessionRow(*row[:_N])
        student = people.get(row[_STUDENT_ID]) or people.setdefault(
            row[_STUDENT_ID], Person(row[_STUDENT_ID], row[_STUDENT_NAME]))
        tutor = Person(row[_TUTOR_ID], row[_TUTOR], row[_TUTOR + 1]) if len(row) > _TUTOR else None
        session.enrollment = EnrollmentRow(session.course_enrollment_id, row[_COURSE], row[_TUTOR_ID],
                                           row[_STUDENT_ID], student, tutor)
        sessions[session.id] = session
        until, count, exdates, last = row[_SERIES:_RECORD]
        if until is not None or count is not None or last is not None or exdates:
            series[session.id] = SeriesRow(session.id, until, count, list(exdates or []), last)
    return list(sessions.values()), series, records


def read_records(query: sa.Select) -> dict[tuple[int, date], RecordRow]:
    return {(r.session_id, r.original_date): RecordRow(**{n: r[n] for n in RECORD_NAMES})
            for r in db.session.execute(query).mappings()}


def record_columns() -> tuple[Any, ...]:
    return RECORD
