"""Marking many lessons at once (the lists' "selected" and Today's "everyone present"): one
change for every lesson picked, in one transaction, each from the version the page showed.

- `load`: the picked lessons that the user may mark, in one query whatever their number;
- `mark_many`: the rules checked lesson by lesson (`rules.validate_lesson`), then at most
  three set-based statements: one-time sessions' rows (`UPDATE … WHERE (id, updated_at) IN
  …`), series lessons' records (`… WHERE (id, version) IN …`), and new records
  (`INSERT … ON CONFLICT DO NOTHING`), each RETURNING what it wrote. A lesson changed since
  the page was drawn matches no version: it is skipped and named, the rest are saved.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from ..columns import SameStamp
from ..extensions import db
from ..models import LessonRecord, Session, utcnow
from ..translate import lazy_gettext as _l
from . import events, recurrence as R
from .access import MAX_ID, scope_of
from .lesson import Lesson, build
from .marking import RECORD_COLUMNS, ROW_COLUMNS, new_records
from .rows import RecordRow, read, select_sessions
from .rules import validate_lesson

S, O = Session.__table__.c, LessonRecord.__table__.c
MAX_LESSONS = 200  # one request: a page of the list, with room
Key = tuple[int, date]


@dataclass
class Outcome:
    changed: list[Lesson] = field(default_factory=list)
    unchanged: list[Lesson] = field(default_factory=list)  # had the value already
    stale: list[Lesson] = field(default_factory=list)  # changed by someone meanwhile: left as it is
    refused: list[tuple[Lesson, str]] = field(default_factory=list)  # the rules say no
    missing: int = 0  # not a lesson this user may mark (or gone)


def parse_key(raw: str) -> tuple[Key, str] | None:
    """'<session id>/<original date>/<version>' as the rows' checkboxes send it."""
    parts = raw.split("/")
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    try:
        key = (int(parts[0]), date.fromisoformat(parts[1]))
    except ValueError:
        return None
    return (key, parts[2]) if 0 < key[0] <= MAX_ID else None


def load(user: Any, keys: list[Key]) -> dict[Key, Lesson]:
    """The lessons at these keys that `user` sees, in one query."""
    if not keys:
        return {}
    days = [day for _sid, day in keys]
    query = select_sessions(records=(min(days), max(days))).where(
        scope_of(user.role), S.id.in_(sorted({sid for sid, _day in keys})))
    sessions, extras, records = read(query, {"scope_user": user.id})
    by_id = {s.id: s for s in sessions}
    out = {}
    for sid, day in keys:
        session = by_id.get(sid)
        if session is None:
            continue
        if R.is_series(session) and R.is_lesson_date(session, extras.get(sid), day) \
                or not R.is_series(session) and day == session.session_date:
            out[(sid, day)] = build(session, day, records.get((sid, day)))
    return out


def mark_keys(user: Any, picked: list[tuple[Key, str]], values: dict[str, Any], now: Any) -> Outcome:
    """The lessons at these keys (each with the version its page showed) that `user` may mark,
    given these values (`mark_many`); the keys that are not such a lesson count as missing."""
    found = load(user, [key for key, _version in picked])
    outcome = mark_many({key: (found[key], version) for key, version in picked if key in found}, values, now)
    outcome.missing = len({key for key, _version in picked} - set(found))
    return outcome


NOT_BEGUN = _l("It has not begun yet: mark it completed from its own page.")
CANCELLED = _l("It is cancelled.")


def mark_many(picked: dict[Key, tuple[Lesson, str]], values: dict[str, Any], now: Any) -> Outcome:
    """Give every picked lesson (its Lesson and the version the page showed) these values;
    one transaction, committed: one statement for each kind of write and each distinct change
    (a lesson whose tutor was marked present already only gets its student's). Returns what
    changed and what did not, and why. `now`: the user's wall clock (a lesson to come is not
    completed in bulk, a cancelled one gets no attendance)."""
    outcome = Outcome()
    plans: dict[Key, tuple[Lesson, dict[str, Any]]] = {}
    groups: dict[tuple, list[Key]] = {}  # by kind of write and change: one statement each
    for key, (lesson, version) in picked.items():
        cleaned, errors = validate_lesson(values, lesson)
        if errors:
            outcome.refused.append((lesson, " ".join(m for ms in errors.values() for m in ms)))
            continue
        if version != lesson.version:
            outcome.stale.append(lesson)
            continue
        if cleaned.get("status") == "completed" and lesson.status != "completed" and not lesson.has_begun(now):
            outcome.refused.append((lesson, NOT_BEGUN))
            continue
        if lesson.cancelled and "status" not in cleaned and (
                cleaned.get("tutor_attendance_status") or cleaned.get("student_attendance_status")):
            outcome.refused.append((lesson, CANCELLED))
            continue
        change = {k: v for k, v in cleaned.items() if getattr(lesson, k) != v}
        if not change:
            outcome.unchanged.append(lesson)
            continue
        plans[key] = (lesson, change)
        kind = _rows_update if not lesson.is_series else _records_update if lesson.record else _records_insert
        groups.setdefault((kind, tuple(sorted(change.items()))), []).append(key)
    now = utcnow()
    written: set[Key] = set()
    for (statement, _change), keys in groups.items():
        written |= statement([plans[k] for k in keys], now)
    for key, (lesson, change) in plans.items():
        if key not in written:
            outcome.stale.append(lesson)
            continue
        after = _after(lesson, change, now)
        events.changed(lesson, after)
        outcome.changed.append(after)
    db.session.commit()
    return outcome


def _columns(change: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    return {names[k]: v for k, v in change.items() if k in names}


def _rows_update(items: list[tuple[Lesson, dict[str, Any]]], now) -> set[Key]:
    columns = _columns(items[0][1], ROW_COLUMNS)
    versions = [(l.session.id, l.session.updated_at) for l, _c in items]
    done = db.session.execute(sa.update(Session.__table__).where(sa.tuple_(S.id, SameStamp(S.updated_at)).in_(versions))
                              .values(updated_at=now, **columns).returning(S.id, S.session_date))
    return {(sid, day) for sid, day in done}


def _records_update(items: list[tuple[Lesson, dict[str, Any]]], now) -> set[Key]:
    columns = _columns(items[0][1], RECORD_COLUMNS)
    versions = [(l.record.id, l.record.version) for l, _c in items]
    done = db.session.execute(sa.update(LessonRecord.__table__).where(sa.tuple_(O.id, O.version).in_(versions))
                              .values(version=O.version + 1, updated_at=now, **columns)
                              .returning(O.session_id, O.original_date))
    return {(sid, day) for sid, day in done}


def _records_insert(items: list[tuple[Lesson, dict[str, Any]]], now) -> set[Key]:
    rows = [{"session_id": l.session.id, "original_date": l.original_date, "version": 1, "created_at": now,
             "updated_at": now, **_columns(c, RECORD_COLUMNS)} for l, c in items]
    statement = new_records().returning(O.session_id, O.original_date)
    return {(sid, day) for sid, day in db.session.execute(statement, rows)}


def _after(lesson: Lesson, change: dict[str, Any], now) -> Lesson:
    """The lesson as saved (what its notices and the summary tell)."""
    if not lesson.is_series:
        session = dataclasses.replace(lesson.session, updated_at=now, **_columns(change, ROW_COLUMNS))
        return build(session, lesson.original_date, lesson.record)
    base = lesson.record or RecordRow(id=0, session_id=lesson.session.id, original_date=lesson.original_date,
                                      version=0)
    record = dataclasses.replace(base, version=base.version + 1, updated_at=now, **_columns(change, RECORD_COLUMNS))
    return build(lesson.session, lesson.original_date, record)
