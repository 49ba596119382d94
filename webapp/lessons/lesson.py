"""A lesson: one meeting of a session. What every list, page, mark, feed and API item shows.

Two kinds differ only here:
- a one-time session is a series of one: its row holds its lesson (status, attendance,
  priority, topics covered), and its record, if any, only the note the row cannot hold;
- a lesson of a series takes the series' plan and its own record (`LessonRecord`, keyed by
  the original date): NULL columns of the record take the series' values. The first lesson
  of a series also takes the row's own marks as defaults: before series existed the row
  was that lesson (legacy data keeps them there). Later lessons start scheduled and
  unmarked, or cancelled when the whole series is.

`Lesson.version` names the state a change starts from: the session row's version and the
record's, so a change from an older page is refused (409 / 412).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from .. import choices as C
from .recurrence import is_series


@dataclass(slots=True)  # not frozen: a list builds hundreds, and frozen ones build slower
class Lesson:
    session: Any  # the session row (one-time, or the series), with its enrollment
    original_date: date  # the date the session gives it: its key, even after a move
    date: date
    start_time: time
    end_time: time
    status: str
    tutor_attendance_status: str | None
    student_attendance_status: str | None
    priority_level: str
    topics_covered: list[str]
    note: str | None
    record: Any | None  # its LessonRecord, or None
    topics: list[str] = None  # type: ignore[assignment]  # planned: its own, else the session's
    # What its people said and planned of it (record-only, both kinds; see lessons/people.py).
    dropped_topics: list[str] = None  # type: ignore[assignment]
    note_shared: bool = False
    absence_notice_at: datetime | None = None
    absence_notice_by: int | None = None
    absence_reason: str | None = None
    confirmation: str | None = None
    confirmation_by: int | None = None
    confirmation_at: datetime | None = None
    confirmation_comment: str | None = None

    @property
    def session_id(self) -> int:
        return self.session.id

    @property
    def is_series(self) -> bool:
        return is_series(self.session)

    @property
    def key(self) -> tuple:
        """The list order: date, start, session, original date (unique, stable)."""
        return (self.date, self.start_time, self.session.id, self.original_date)

    @property
    def moved(self) -> bool:
        return (self.date, self.start_time, self.end_time) != (
            self.original_date, self.session.start_time, self.session.end_time) and self.is_series

    @property
    def cancelled(self) -> bool:
        return self.status == "cancelled"

    @property
    def minutes(self) -> int:
        return C.duration_minutes(self.start_time, self.end_time)

    @property
    def disputed(self) -> bool:
        return self.confirmation == "disputed"

    def note_for(self, reader: bool) -> str | None:
        """The tutor's note as `reader` (a student or parent, not the tutor) may see it: only
        when the tutor shares it."""
        return self.note if not reader or self.note_shared else None

    def review_id(self, role: str) -> int | None:
        """The lesson's review by `role` (student, tutor, parent)."""
        name = f"{role}_review_id"
        own = getattr(self.record, name, None) if self.record is not None else None
        if own is not None or self.is_series and self.original_date != self.session.session_date:
            return own
        return getattr(self.session, name)

    @property
    def student_review_id(self) -> int | None:
        return self.review_id("student")

    @property
    def tutor_review_id(self) -> int | None:
        return self.review_id("tutor")

    @property
    def parent_review_id(self) -> int | None:
        return self.review_id("parent")

    @property
    def version_parts(self) -> tuple:
        """What the version is made of: the session, the original date, the session row's
        version and the record's (0: none). Equal parts, equal versions (a cache key)."""
        return (self.session.id, self.original_date, self.session.updated_at,
                self.record.version if self.record is not None else 0)

    @property
    def version(self) -> str:
        """What a change of this lesson starts from (opaque; see the module's docstring)."""
        return version_of(*self.version_parts)

    def starts_at(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.date, self.start_time, tzinfo=tz)

    def ends_at(self, tz: ZoneInfo) -> datetime:
        return datetime.combine(self.date, self.end_time, tzinfo=tz)

    def has_ended(self, now: datetime) -> bool:
        """`now`: naive wall-clock time in the lesson's zone."""
        return datetime.combine(self.date, self.end_time) <= now

    def has_begun(self, now: datetime) -> bool:
        return datetime.combine(self.date, self.start_time) <= now

    def needs_marking(self, now: datetime) -> bool:
        """Over, not cancelled, and its status or an attendance still to record (the SQL twin
        for one-time rows is listing.needs_marking_sql)."""
        return self.has_ended(now) and (self.disputed or needs_marking_values(
            self.status, self.tutor_attendance_status, self.student_attendance_status))


def version_of(session_id: int, original: date, session_updated_at: datetime | None, record_version: int) -> str:
    """A lesson's version from its session row's version and its record's (0: none)."""
    stamp = session_updated_at.isoformat() if session_updated_at else ""
    raw = f"{session_id}|{original.isoformat()}|{stamp}|{record_version}"
    return hashlib.blake2b(raw.encode(), digest_size=8).hexdigest()


def needs_marking_values(status: str | None, tutor: str | None, student: str | None) -> bool:
    return status != "cancelled" and (status in (None, "scheduled", "in-progress") or tutor is None or student is None)


# The record's columns that a lesson of either kind takes as they are.
RECORD_ONLY = ("note", "dropped_topics", "note_shared", "absence_notice_at", "absence_notice_by", "absence_reason",
               "confirmation", "confirmation_by", "confirmation_at", "confirmation_comment")


def build(session: Any, original: date, record: Any | None = None) -> Lesson:
    """The lesson of `session` on its original date, its record (if any) applied."""
    lesson = _build(session, original, record)
    own = getattr(record, "topics", None)
    lesson.topics = list(own if own is not None else getattr(session, "topics", None) or [])
    lesson.dropped_topics = list(getattr(record, "dropped_topics", None) or [])
    if record is not None:
        lesson.note_shared = bool(getattr(record, "note_shared", False))
        for name in RECORD_ONLY[3:]:
            setattr(lesson, name, getattr(record, name, None))
    return lesson


def _build(session: Any, original: date, record: Any | None) -> Lesson:
    first = original == session.session_date
    if not is_series(session):
        return Lesson(
            session=session, original_date=original, date=session.session_date,
            start_time=session.start_time, end_time=session.end_time,
            status=session.status or C.DEFAULT_STATUS,
            tutor_attendance_status=session.tutor_attendance_status,
            student_attendance_status=session.student_attendance_status,
            priority_level=session.priority_level or C.DEFAULT_PRIORITY,
            topics_covered=list(session.topics_covered or []),
            note=record.note if record is not None else None, record=record)
    series_cancelled = session.status == "cancelled"
    status = (session.status or C.DEFAULT_STATUS) if first else ("cancelled" if series_cancelled else C.DEFAULT_STATUS)
    tutor = session.tutor_attendance_status if first else None
    student = session.student_attendance_status if first else None
    covered = list(session.topics_covered or []) if first else []
    priority = session.priority_level or C.DEFAULT_PRIORITY
    day, start, end, note = original, session.start_time, session.end_time, None
    if record is not None:
        status = record.status or status
        tutor = record.tutor_attendance_status or tutor
        student = record.student_attendance_status or student
        priority = record.priority_level or priority
        if record.topics_covered is not None:
            covered = list(record.topics_covered)
        note = record.note
        day = record.new_date or day
        start = record.new_start_time or start
        end = record.new_end_time or end
    return Lesson(session=session, original_date=original, date=day, start_time=start, end_time=end,
                  status=status, tutor_attendance_status=tutor, student_attendance_status=student,
                  priority_level=priority, topics_covered=covered, note=note, record=record)
