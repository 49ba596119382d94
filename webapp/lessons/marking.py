"""Changing one lesson (status, attendance, priority, topics covered, note, its time): the
same function for both kinds, and every write a conditional one.

- a one-time session's lesson writes its row (`UPDATE sessions … WHERE updated_at = <the
  version read>`, the ORM's version check) and keeps its note in its record;
- a series' lesson writes its record: `UPDATE … SET version = version + 1 WHERE version =
  <read>` when it has one, else `INSERT … ON CONFLICT DO NOTHING`.

Of several writers starting from the same version exactly one wins; the others get
Conflict (no lost update, no duplicate key), on PostgreSQL and on SQLite alike.
Callers check the values first (`rules.validate_lesson`): a change that breaks a rule is
refused as such whatever version it names.
"""
from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from .. import choices as C
from ..extensions import db
from ..models import LessonRecord, Session, utcnow
from .errors import Conflict
from .lesson import Lesson, build

ROW_COLUMNS = {"status": "status", "tutor_attendance_status": "tutor_attendance_status",
               "student_attendance_status": "student_attendance_status", "priority_level": "priority_level",
               "topics_covered": "topics_covered", "date": "session_date", "start_time": "start_time",
               "end_time": "end_time"}
RECORD_COLUMNS = {"status": "status", "tutor_attendance_status": "tutor_attendance_status",
                  "student_attendance_status": "student_attendance_status", "priority_level": "priority_level",
                  "topics_covered": "topics_covered", "note": "note", "date": "new_date",
                  "start_time": "new_start_time", "end_time": "new_end_time"}


def change_lesson(lesson: Lesson, values: dict[str, Any], version: str | None) -> Lesson:
    """Apply a checked change (`rules.validate_lesson`) and commit. `version`: the lesson's
    version the change starts from (None: whatever is current, the API without If-Match).
    Returns the lesson as saved; raises Conflict, changing nothing, when it is stale."""
    if version is not None and version != lesson.version:
        raise Conflict
    values = {k: v for k, v in values.items() if _differs(lesson, k, v)}
    try:
        if lesson.is_series:
            saved = _write_record(lesson, values)
        else:
            saved = _write_row(lesson, values)
        db.session.commit()
    except (Conflict, StaleDataError) as exc:
        db.session.rollback()
        raise Conflict from exc
    return saved


def _differs(lesson: Lesson, name: str, value: Any) -> bool:
    return getattr(lesson, name) != value


def _write_row(lesson: Lesson, values: dict[str, Any]) -> Lesson:
    session: Session = lesson.session
    for name, value in values.items():
        if name in ROW_COLUMNS:
            setattr(session, ROW_COLUMNS[name], value)
    if {"start_time", "end_time"} & set(values):
        session.duration = C.duration_minutes(session.start_time, session.end_time)
    # Every change of the lesson goes through the row's version, the note's too, so that of
    # two changes from one version exactly one wins.
    session.updated_at = utcnow()
    db.session.flush()  # UPDATE … WHERE updated_at = <read>: StaleDataError when it lost
    record = lesson.record
    if "date" in values and record is not None:
        db.session.execute(sa.update(LessonRecord).where(LessonRecord.id == record.id)
                           .values(original_date=session.session_date)
                           .execution_options(synchronize_session=False))
        set_committed_value(record, "original_date", session.session_date)
    if "note" in values:
        record = _upsert_note(session, values["note"], record)
    return build(session, session.session_date, record)


def _upsert_note(session: Session, note: str | None, record: LessonRecord | None) -> LessonRecord:
    """A one-time lesson's note (the row has no column for it); the row's version already
    serialises writers."""
    if record is None:
        record = LessonRecord(session_id=session.id, original_date=session.session_date, note=note, version=1)
        db.session.add(record)
    else:
        record.note = note
        record.version = (record.version or 0) + 1
    db.session.flush()
    return record


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


def _insert(values: dict[str, Any]) -> sa.Insert:
    dialect = db.session.get_bind().dialect.name
    module = postgresql if dialect == "postgresql" else sqlite
    return module.insert(LessonRecord).values(**values).on_conflict_do_nothing(
        index_elements=["session_id", "original_date"]).returning(LessonRecord.id)


def _write_record(lesson: Lesson, values: dict[str, Any]) -> Lesson:
    columns = _record_values(lesson, values)
    record = lesson.record
    now = utcnow()
    if record is None:
        row = {"session_id": lesson.session_id, "original_date": lesson.original_date, "version": 1,
               "created_at": now, "updated_at": now, **columns}
        new_id = db.session.execute(_insert(row)).scalar()
        if new_id is None:  # a first record of the same lesson saved in between
            raise Conflict
        saved = LessonRecord(id=new_id, **row)
    else:
        done = db.session.execute(
            sa.update(LessonRecord)
            .where(LessonRecord.id == record.id, LessonRecord.version == record.version)
            .values(version=LessonRecord.version + 1, updated_at=now, **columns)
            .execution_options(synchronize_session=False))
        if done.rowcount != 1:
            raise Conflict
        for name, value in {**columns, "version": record.version + 1, "updated_at": now}.items():
            set_committed_value(record, name, value)
        saved = record
    return build(lesson.session, lesson.original_date, saved)


def record_of(session_id: int, original: date) -> LessonRecord | None:
    return db.session.scalar(sa.select(LessonRecord).filter_by(session_id=session_id, original_date=original))
