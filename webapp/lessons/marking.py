"""Changing one lesson (status, attendance, priority, topics covered, note, its time): the
same function for both kinds, and every write a conditional one.

- a one-time session's lesson writes its row: `UPDATE sessions … WHERE updated_at = <the
  version read>` (the same version the ORM checks elsewhere), and keeps its note in its record;
- a series' lesson writes its record: `UPDATE … SET version = version + 1 WHERE version =
  <read>` when it has one, else `INSERT … ON CONFLICT DO NOTHING`.

Of several writers starting from the same version exactly one wins; the others get
Conflict (no lost update, no duplicate key), on PostgreSQL and on SQLite alike. Plain Core
statements on the rows the lesson was read from (`rows`): a mark while teaching is the most
frequent write there is. Callers check the values first (`rules.validate_lesson`): a change
that breaks a rule is refused as such whatever version it names.
"""
from __future__ import annotations

import dataclasses
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.util import identity_key

from .. import choices as C
from ..extensions import PREPARED, db, upsert
from ..models import LessonRecord, Session, utcnow
from . import events
from .errors import Conflict
from .lesson import RECORD_ONLY, Lesson, build
from .rows import RecordRow

S, O = Session.__table__.c, LessonRecord.__table__.c
ROW_COLUMNS = {"status": "status", "tutor_attendance_status": "tutor_attendance_status",
               "student_attendance_status": "student_attendance_status", "priority_level": "priority_level",
               "topics_covered": "topics_covered", "topics": "topics", "date": "session_date",
               "start_time": "start_time", "end_time": "end_time",
               **{f"{r}_review_id": f"{r}_review_id" for r in C.REVIEWER_ROLES}}
RECORD_COLUMNS = {"status": "status", "tutor_attendance_status": "tutor_attendance_status",
                  "student_attendance_status": "student_attendance_status", "priority_level": "priority_level",
                  "topics_covered": "topics_covered", "topics": "topics", "date": "new_date",
                  "start_time": "new_start_time", "end_time": "new_end_time", **{k: k for k in RECORD_ONLY},
                  **{f"{r}_review_id": f"{r}_review_id" for r in C.REVIEWER_ROLES}}


def change_lesson(lesson: Lesson, values: dict[str, Any], version: str | None) -> Lesson:
    """Apply a checked change (`rules.validate_lesson`) and commit. `version`: the lesson's
    version the change starts from (None: whatever is current, the API without If-Match).
    Returns the lesson as saved; raises Conflict, changing nothing, when it is stale."""
    if version is not None and version != lesson.version:
        raise Conflict
    values = {k: v for k, v in values.items() if getattr(lesson, k) != v}
    if not values:
        return lesson
    try:
        saved = _write_record(lesson, values) if lesson.is_series else _write_row(lesson, values)
        events.changed(lesson, saved)  # its notices are written in this transaction
        db.session.commit()
    except Conflict:
        db.session.rollback()
        raise
    # An ORM copy of the session that this unit of work holds is now older than the row.
    loaded = db.session.identity_map.get(identity_key(Session, lesson.session_id))
    if loaded is not None:
        db.session.expire(loaded)
    return saved


def _write_row(lesson: Lesson, values: dict[str, Any]) -> Lesson:
    session = lesson.session
    columns = {ROW_COLUMNS[k]: v for k, v in values.items() if k in ROW_COLUMNS}
    if "start_time" in columns or "end_time" in columns:
        columns["duration"] = C.duration_minutes(columns.get("start_time", session.start_time),
                                                 columns.get("end_time", session.end_time))
    # Every change of the lesson goes through the row's version, the note's too, so that of
    # two changes from one version exactly one wins.
    now = utcnow()
    done = db.session.execute(_row_update(tuple(columns), session.updated_at is None),
                              {"b_id": session.id, "b_version": session.updated_at, "v_updated_at": now,
                               **{f"v_{name}": value for name, value in columns.items()}})
    if done.rowcount != 1:
        raise Conflict
    session = dataclasses.replace(session, updated_at=now, **columns)
    record = lesson.record
    if "session_date" in columns and record is not None:
        db.session.execute(sa.update(LessonRecord.__table__).where(O.id == record.id)
                           .values(original_date=session.session_date))
        record = dataclasses.replace(record, original_date=session.session_date)
    extras = {k: v for k, v in values.items() if k in RECORD_ONLY}
    if extras:
        record = _extras(session, extras, record, now)
    return build(session, session.session_date, record)


@lru_cache(maxsize=64)
def _row_update(columns: tuple[str, ...], unversioned: bool) -> sa.Update:
    """UPDATE of a one-time lesson's row, if still at the version read (`b_version`; NULL
    for `unversioned` legacy rows): one statement per set of columns, built once, prepared."""
    same_version = S.updated_at.is_(None) if unversioned else S.updated_at == sa.bindparam("b_version")
    return (sa.update(Session.__table__).where(S.id == sa.bindparam("b_id"), same_version)
            .values(updated_at=sa.bindparam("v_updated_at"), **{name: sa.bindparam(f"v_{name}") for name in columns})
            .execution_options(**PREPARED))


def _extras(session: Any, extras: dict[str, Any], record: RecordRow | None, now) -> RecordRow:
    """What a one-time lesson keeps in its record (the row has no column for its note, notices
    and confirmation); the row's version already serialises the writers."""
    if record is None:
        row = {"session_id": session.id, "original_date": session.session_date, "version": 1,
               "created_at": now, "updated_at": now, **extras}
        new_id = db.session.execute(sa.insert(LessonRecord.__table__).values(**row).returning(O.id)).scalar()
        return RecordRow(id=new_id, **row)
    db.session.execute(sa.update(LessonRecord.__table__).where(O.id == record.id)
                       .values(version=O.version + 1, updated_at=now, **extras))
    return dataclasses.replace(record, version=record.version + 1, updated_at=now, **extras)


def _record_values(lesson: Lesson, values: dict[str, Any]) -> dict[str, Any]:
    """A series lesson's change as record columns; a move back to the series' own date and
    time is no move."""
    out = {RECORD_COLUMNS[k]: v for k, v in values.items() if k in RECORD_COLUMNS}
    session = lesson.session
    if out.get("new_date") == lesson.original_date:
        out["new_date"] = None
    if "new_start_time" in out or "new_end_time" in out:
        start = out.get("new_start_time", lesson.start_time)
        end = out.get("new_end_time", lesson.end_time)
        same = (start, end) == (session.start_time, session.end_time)
        out["new_start_time"], out["new_end_time"] = (None, None) if same else (start, end)
    return out


def new_records() -> sa.Insert:
    """INSERT of a lesson's first record; one saved in between (same session and original
    date) wins, and this one inserts nothing."""
    return upsert(LessonRecord.__table__).on_conflict_do_nothing(index_elements=["session_id", "original_date"])


def _write_record(lesson: Lesson, values: dict[str, Any]) -> Lesson:
    columns = _record_values(lesson, values)
    record = lesson.record
    now = utcnow()
    if record is None:
        row = {"session_id": lesson.session_id, "original_date": lesson.original_date, "version": 1,
               "created_at": now, "updated_at": now, **columns}
        new_id = db.session.execute(new_records().values(**row).returning(O.id)).scalar()
        if new_id is None:  # a first record of the same lesson saved in between
            raise Conflict
        saved = RecordRow(id=new_id, **row)
    else:
        done = db.session.execute(sa.update(LessonRecord.__table__)
                                  .where(O.id == record.id, O.version == record.version)
                                  .values(version=O.version + 1, updated_at=now, **columns)
                                  .execution_options(**PREPARED))
        if done.rowcount != 1:
            raise Conflict
        saved = dataclasses.replace(record, version=record.version + 1, updated_at=now, **columns)
    return build(lesson.session, lesson.original_date, saved)
