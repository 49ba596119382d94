"""Planned sessions from a CSV file: read every row, check each with the same rules as the
session form (`plans.check`, which uses `rules.validate_session`), and save all of them in
one transaction, or none when any row is wrong (the preview lists every error by row).

The columns (a header line first; the export's names where they mean the same): student (an
email or the name of one of the tutor's students), course (of that student's enrollment;
may be left out when the student has one), session_date, start_time, end_time (ISO:
2026-12-07, 16:00), and optionally session_mode, location, topics (separated by ";"),
priority_level, notification_enabled, alarm_enabled (yes or no), alarm_before_minutes.
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

import sqlalchemy as sa

from .. import choices as C
from ..extensions import db
from ..lessons import plans
from ..lessons.access import enrollment_scope
from ..models import Enrollment, Session, User
from ..translate import gettext as _

REQUIRED = ("student", "session_date", "start_time", "end_time")
OPTIONAL = ("course", "session_mode", "location", "topics", "priority_level", "notification_enabled",
            "alarm_enabled", "alarm_before_minutes")
MAX_ROWS = 500
YES, NO = ("yes", "y", "true", "1"), ("no", "n", "false", "0", "")


@dataclass
class Row:
    number: int  # the line in the file (the header is line 1)
    raw: dict[str, str]
    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Upload:
    rows: list[Row] = field(default_factory=list)
    problem: str | None = None  # the file as a whole cannot be read

    @property
    def ok(self) -> bool:
        return self.problem is None and bool(self.rows) and not any(r.errors for r in self.rows)

    @property
    def wrong(self) -> list[Row]:
        return [r for r in self.rows if r.errors]


def decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None


def _add(row: Row, name: str, message: str) -> None:
    row.errors.setdefault(name, []).append(message)


def _not_a(name: str, text: str, example: str) -> str:
    """Why a cell is refused: it is not a value of its column like the example."""
    if name == "session_date":
        return _("“%(text)s” is not a session date like %(example)s.", text=text, example=example)
    if name == "start_time":
        return _("“%(text)s” is not a start time like %(example)s.", text=text, example=example)
    if name == "end_time":
        return _("“%(text)s” is not a end time like %(example)s.", text=text, example=example)
    return _("“%(text)s” is not a alarm before minutes like %(example)s.", text=text, example=example)


def _parse(row: Row, name: str, parse, example: str):
    text = (row.raw.get(name) or "").strip()
    if not text:
        return None
    try:
        return parse(text)
    except ValueError:
        _add(row, name, _not_a(name, text[:40], example))
        return None


def _flag(row: Row, name: str) -> bool:
    text = (row.raw.get(name) or "").strip().lower()
    if text in YES:
        return True
    if text not in NO:
        _add(row, name, _("Say yes or no."))
    return False


def _enrollments(user: Any) -> tuple[dict[str, list[Enrollment]], list[Enrollment]]:
    """The tutor's enrollments by student email and name (lower case)."""
    found = list(db.session.scalars(sa.select(Enrollment).join(User, User.id == Enrollment.student_id)
                                    .where(enrollment_scope(user), Enrollment.is_active)))
    by_student: dict[str, list[Enrollment]] = {}
    for e in found:
        for name in {e.student.email.lower(), e.student.full_name.strip().lower()}:
            by_student.setdefault(name, []).append(e)
    return by_student, found


def _enrollment(row: Row, by_student: dict[str, list[Enrollment]]) -> int | None:
    who = (row.raw.get("student") or "").strip()
    if not who:
        return None
    candidates = by_student.get(who.lower(), [])
    if not candidates:
        _add(row, "student", _("“%(who)s” is not one of your students (give their email or name).", who=who[:60]))
        return None
    course = (row.raw.get("course") or "").strip().lower()
    if course:
        candidates = [e for e in candidates if e.course.strip().lower() == course]
        if not candidates:
            _add(row, "course", _("%(who)s has no course “%(course)s” with you.", who=who,
                                  course=row.raw["course"].strip()[:60]))
            return None
    if len({e.id for e in candidates}) > 1:
        _add(row, "course", _("%(who)s has several courses with you: say which (%(courses)s).", who=who,
                              courses=", ".join(sorted({e.course for e in candidates}))))
        return None
    return candidates[0].id


def read(user: Any, text: str) -> Upload:
    """Every row of the file, checked; nothing saved."""
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        return Upload(problem=_("The first line must name the columns; missing: %(columns)s.",
                                columns=", ".join(missing)))
    unknown = [h for h in header if h and h not in REQUIRED + OPTIONAL]
    if unknown:
        return Upload(problem=_("Unknown columns: %(columns)s.", columns=", ".join(unknown[:10])))
    by_student, _all = _enrollments(user)
    upload = Upload()
    for number, raw in enumerate(reader, start=2):
        raw = {(k or "").strip(): (v if isinstance(v, str) else "") for k, v in raw.items()}
        if not any(v.strip() for v in raw.values()):
            continue  # a blank line
        if len(upload.rows) == MAX_ROWS:
            return Upload(problem=_("At most %(max)d sessions at a time; split the file.", max=MAX_ROWS))
        row = Row(number, raw)
        for name in REQUIRED:
            if not (raw.get(name) or "").strip():
                _add(row, name, _("This field is required."))
        values = plans.new_session_values()
        values["course_enrollment_id"] = _enrollment(row, by_student)
        values["session_date"] = _parse(row, "session_date", date.fromisoformat, "2026-12-07")
        values["start_time"] = _parse(row, "start_time", time.fromisoformat, "16:00")
        values["end_time"] = _parse(row, "end_time", time.fromisoformat, "17:00")
        minutes = _parse(row, "alarm_before_minutes", int, "15")
        if minutes is not None:
            values["alarm_before_minutes"] = minutes
        for name in ("session_mode", "priority_level"):
            given = (raw.get(name) or "").strip()
            if given:
                values[name] = C.normalise_choice(given, C.SESSION_MODES if name == "session_mode"
                                                  else C.PRIORITY_LEVELS) or given
        values["location"] = (raw.get("location") or "").strip() or None
        values["topics"] = [t.strip() for t in (raw.get("topics") or "").split(";") if t.strip()]
        values["notification_enabled"] = _flag(row, "notification_enabled")
        values["alarm_enabled"] = _flag(row, "alarm_enabled")
        if not row.errors.get("student") and not row.errors.get("course") and values["course_enrollment_id"]:
            cleaned, errors = plans.check(user, values)
            for name, messages in errors.items():
                for message in messages:
                    if message not in row.errors.get(name, []) and not (
                            name in ("session_date", "start_time", "end_time") and name in row.errors):
                        _add(row, name, message)
            row.values = cleaned
        upload.rows.append(row)
    if not upload.rows:
        upload.problem = _("The file has no sessions in it.")
    return upload


def save(upload: Upload) -> list[Session]:
    """All the rows as new sessions, in one transaction (the caller checked `upload.ok`)."""
    made = [plans.assign(Session(), row.values) for row in upload.rows]
    db.session.flush()
    db.session.commit()
    return made
