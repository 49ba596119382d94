"""Lists of lessons: a window of dates, the list's filters, pages in a stable order.

A lesson's order is its key: (date, start, session id, original date). Two ways to read:

- `lessons_in_window`: every lesson in a window (the calendar, the API, reports): two
  queries (the sessions that can have a lesson there, then their records in the window),
  and each series expanded inside the window only.
- `lesson_page`: one page of a list (keyset paging: the lessons after a cursor key), three
  queries whatever the window: the one-time rows of the page and the series (one
  statement), then the records. Each series is expanded lazily from the cursor, a few
  dates at a time, so a page of an open-ended series costs the page, not the series.
  A window of at most `RECORDS_FIRST_DAYS` reads its records first, so the lessons' own
  values (status, priority, marking) filter exactly; a longer one (Past, All) reads the
  records of the page's dates only, after the page is known, and a lesson whose own value
  no longer matches the filter leaves the page (which may then be short, never wrong).

Filters (the API's names): session-level ones apply to the session in SQL; `status` and
`priority_level` belong to each lesson (a one-time row holds them; a series' lesson its
record or the series' default).
"""
from __future__ import annotations

import heapq
import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable, Iterator

import sqlalchemy as sa

from .. import choices as C
from ..extensions import db
from ..models import Enrollment, LessonRecord, Session, SessionSeries
from . import recurrence as R
from .access import enrollment_scope, visible_sessions
from .lesson import Lesson, build

RECORDS_FIRST_DAYS = 400
LESSON_FILTERS = ("status", "priority_level")
Key = tuple[date, time, int, date]


# --- Filters ------------------------------------------------------------------------------


def _like_pattern(text: str) -> str:
    # Topics are stored as JSON text, where non-ASCII characters are \\u-escaped: search
    # for the text as JSON writes it, with LIKE's own wildcards escaped.
    encoded = json.dumps(text)[1:-1]
    encoded = encoded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{encoded}%"


def session_conditions(filters: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
    """The filters that belong to the session (its plan), as SQL conditions."""
    out: list[sa.ColumnElement[bool]] = []
    for name in ("session_mode", "is_featured", "is_recurring", "course_enrollment_id"):
        if filters.get(name) is not None:
            out.append(getattr(Session, name) == filters[name])
    if filters.get("session_id"):
        out.append(Session.id == filters["session_id"])
    if filters.get("student_id"):
        out.append(Enrollment.student_id == filters["student_id"])
    if filters.get("tutor_id"):
        out.append(Enrollment.tutor_id == filters["tutor_id"])
    if filters.get("q"):
        out.append(sa.cast(Session.topics, sa.Text).ilike(_like_pattern(filters["q"]), escape="\\"))
    return out


def row_conditions(filters: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
    """The lesson-level filters on a session row (a one-time session's lesson; the sessions API)."""
    out = []
    if filters.get("status"):
        out.append(sa.func.coalesce(Session.status, C.DEFAULT_STATUS) == filters["status"])
    if filters.get("priority_level"):
        out.append(sa.func.coalesce(Session.priority_level, C.DEFAULT_PRIORITY) == filters["priority_level"])
    return out


def needs_marking_sql(now: datetime) -> sa.ColumnElement[bool]:
    """One-time rows still to record: over, not cancelled, status or an attendance open
    (the twin of Lesson.needs_marking)."""
    status = sa.func.coalesce(Session.status, C.DEFAULT_STATUS)
    return sa.and_(
        sa.or_(Session.session_date < now.date(),
               sa.and_(Session.session_date == now.date(), Session.end_time <= now.time())),
        status != "cancelled",
        sa.or_(status.in_(("scheduled", "in-progress")), Session.tutor_attendance_status.is_(None),
               Session.student_attendance_status.is_(None)))


def filter_sessions(query: sa.Select, filters: dict[str, Any]) -> sa.Select:
    """The sessions API's list: every filter on the rows themselves."""
    query = query.where(*session_conditions(filters), *row_conditions(filters))
    if filters.get("date_from"):
        query = query.where(Session.session_date >= filters["date_from"])
    if filters.get("date_to"):
        query = query.where(Session.session_date <= filters["date_to"])
    return query


def lesson_matches(lesson: Lesson, filters: dict[str, Any], now: datetime | None = None) -> bool:
    for name in LESSON_FILTERS:
        if filters.get(name) and getattr(lesson, name) != filters[name]:
            return False
    return now is None or lesson.needs_marking(now)


# --- Loading ----------------------------------------------------------------------------


def series_in(start: date, end: date) -> sa.ColumnElement[bool]:
    """Series that can have a lesson in [start, end]: begun by its end, not ended before its
    start (by `until_date` or `last_date`), or with a lesson moved into it."""
    moved_in = sa.exists().where(LessonRecord.session_id == Session.id, LessonRecord.new_date.between(start, end))
    ends = sa.func.coalesce(SessionSeries.until_date, SessionSeries.last_date)
    return sa.and_(Session.is_recurring, Session.session_date <= end,
                   sa.or_(ends.is_(None), ends >= start, moved_in))


def _sessions(query: sa.Select) -> tuple[list[Session], dict[int, SessionSeries]]:
    rows = db.session.execute(
        query.outerjoin(SessionSeries, SessionSeries.session_id == Session.id).add_columns(SessionSeries)).all()
    return [row[0] for row in rows], {row[0].id: row[1] for row in rows if row[1] is not None}


def records_in(session_ids: sa.Select | list[int], start: date, end: date) -> dict[tuple[int, date], LessonRecord]:
    """The records of those sessions with their original or their new date in [start, end]."""
    if isinstance(session_ids, list) and not session_ids:
        return {}
    query = sa.select(LessonRecord).where(
        LessonRecord.session_id.in_(session_ids),
        sa.or_(LessonRecord.original_date.between(start, end), LessonRecord.new_date.between(start, end)))
    return {(r.session_id, r.original_date): r for r in db.session.scalars(query)}


def unmoved_lessons(session: Session, series: SessionSeries | None, dates: Iterable[date],
                    records: dict[tuple[int, date], LessonRecord]) -> Iterator[Lesson]:
    """The series' lessons on these original dates that were not moved (moved ones come from
    `_moved`, at their new place)."""
    for day in dates:
        record = records.get((session.id, day))
        if record is None or record.new_date is None and record.new_start_time is None:
            yield build(session, day, record)


def moved_lessons(sessions: dict[int, Session], records: dict[tuple[int, date], LessonRecord]) -> list[Lesson]:
    return [build(sessions[sid], day, r) for (sid, day), r in records.items()
            if sid in sessions and R.is_series(sessions[sid]) and (r.new_date is not None or r.new_start_time is not None)]


def _matching(lessons: Iterable[Lesson], filters: dict[str, Any], now: datetime | None) -> Iterator[Lesson]:
    return (lesson for lesson in lessons if lesson_matches(lesson, filters, now))


def lessons_in_window(user: Any, start: date, end: date, filters: dict[str, Any] | None = None,
                      budget: R.Budget | None = None, now: datetime | None = None) -> list[Lesson]:
    """Every lesson `user` sees whose date lies in [start, end], filtered, in key order.
    `now` (naive, the user's wall clock) keeps only lessons that still need marking."""
    filters = filters or {}
    budget = budget or R.Budget()
    query = visible_sessions(user).where(*session_conditions(filters), sa.or_(
        sa.and_(sa.not_(Session.is_recurring), Session.session_date.between(start, end), *row_conditions(filters)),
        series_in(start, end)))
    sessions, extras = _sessions(query)
    by_id = {s.id: s for s in sessions}
    records = records_in(list(by_id), start, end)
    out: list[Lesson] = []
    for session in sessions:
        if not R.is_series(session):
            out.append(build(session, session.session_date, records.get((session.id, session.session_date))))
            continue
        dates = R.dates_between(session, extras.get(session.id), start, end, budget)
        out.extend(unmoved_lessons(session, extras.get(session.id), dates, records))
    out.extend(moved_lessons(by_id, records))
    kept = [l for l in out if start <= l.date <= end and lesson_matches(l, filters, now)]
    return sorted(kept, key=lambda l: l.key)


# --- Pages --------------------------------------------------------------------------------

TABS = ("today", "upcoming", "needs-marking", "past", "all")


def tab_window(tab: str | None, today: date) -> tuple[date, date, bool, bool]:
    """(first date, last date, newest first?, only lessons to mark?) of a list's tab; None:
    the whole range (narrowed by date_from and date_to)."""
    ahead = today + timedelta(days=C.HORIZON_DAYS)
    return {
        "today": (today, today, False, False),
        "upcoming": (today, ahead, False, False),
        "needs-marking": (today - timedelta(days=C.HORIZON_DAYS), today, True, True),
        "past": (C.DATE_MIN, today - timedelta(days=1), True, False),
        "all": (C.DATE_MIN, ahead, False, False),
    }.get(tab or "", (C.DATE_MIN, ahead, False, False))



def encode_key(key: Key) -> str:
    day, at, session_id, original = key
    return f"{day:%Y%m%d}-{at:%H%M%S}-{session_id}-{original:%Y%m%d}"


def decode_key(raw: str | None) -> Key | None:
    """A cursor from the URL; anything malformed is None (the first page)."""
    try:
        day, at, session_id, original = (raw or "").split("-")
        key = (datetime.strptime(day, "%Y%m%d").date(), datetime.strptime(at, "%H%M%S").time(),
               int(session_id), datetime.strptime(original, "%Y%m%d").date())
    except ValueError:
        return None
    if C.date_error(key[0]) or C.date_error(key[3]) or not 0 < key[2] < 2**31:
        return None
    return key


@dataclass
class LessonPage:
    lessons: list[Lesson]
    next_cursor: Key | None  # where the next page starts (after this key); None: the end
    checked_to: date | None  # a short page: lessons up to this date were looked at


def _after(key: Key, cursor: Key | None, descending: bool) -> bool:
    if cursor is None:
        return True
    return key < cursor if descending else key > cursor


def lesson_page(user: Any, start: date, end: date, filters: dict[str, Any], cursor: Key | None = None,
                descending: bool = False, size: int = 50, now: datetime | None = None,
                budget: R.Budget | None = None) -> LessonPage:
    """The page of lessons after `cursor` (in the list's direction) in [start, end].
    `now`: only lessons that still need marking. Three queries."""
    budget = budget or R.Budget()
    if cursor is not None:  # the window left to read
        if descending:
            end = min(end, cursor[0])
        else:
            start = max(start, cursor[0])
    if start > end:
        return LessonPage([], None, None)
    sessions, extras = _page_sessions(user, start, end, filters, cursor, descending, size, now)
    by_id = {s.id: s for s in sessions}
    series = [s for s in sessions if R.is_series(s)]
    singles = sorted((s for s in sessions if not R.is_series(s)),
                     key=lambda s: (s.session_date, s.start_time, s.id), reverse=descending)
    records_first = (end - start).days <= RECORDS_FIRST_DAYS
    records = records_in(list(by_id), start, end) if records_first else None

    streams: list[Iterator[Lesson]] = [
        iter([build(s, s.session_date, (records or {}).get((s.id, s.session_date))) for s in singles])]
    for session in series:  # lazily: the merge below takes only what the page needs
        dates = R.iter_dates(session, extras.get(session.id), start, end, budget, descending=descending)
        lessons = unmoved_lessons(session, extras.get(session.id), dates, records or {})
        streams.append(_matching(lessons, filters, now if records is not None else None))
    if records is not None:
        moved = [l for l in moved_lessons(by_id, records) if start <= l.date <= end and lesson_matches(l, filters, now)]
        streams.append(iter(sorted(moved, key=lambda l: l.key, reverse=descending)))
    taken: list[Lesson] = []
    for lesson in heapq.merge(*streams, key=lambda l: l.key, reverse=descending):
        if _after(lesson.key, cursor, descending):
            taken.append(lesson)
            if len(taken) > size:
                break
    more = len(taken) > size
    taken = taken[:size]
    if not taken:
        return LessonPage([], None, None)
    bound = taken[-1].key
    if records is not None:
        return LessonPage(taken, bound if more else None, None)
    # A long window: the page's dates are known now; read their records and apply them.
    low, high = (bound[0], end) if descending else (start, bound[0])
    records = records_in(list(by_id), low, high)
    lessons = [l for l in _rebuilt(taken, by_id, extras, records, low, high, budget)
               if _after(l.key, cursor, descending) and not _after(l.key, bound, descending)
               and lesson_matches(l, filters, now)]
    lessons.sort(key=lambda l: l.key, reverse=descending)
    return LessonPage(lessons, bound if more else None, bound[0] if len(lessons) < len(taken) and more else None)


def _page_sessions(user: Any, start: date, end: date, filters: dict[str, Any], cursor: Key | None,
                   descending: bool, size: int, now: datetime | None) -> tuple[list[Session], dict]:
    """One statement: the page's one-time rows (at most size + 1 after the cursor, every
    filter applied in SQL) and every series that can have a lesson in the window."""
    order = (Session.session_date, Session.start_time, Session.id)
    one_time = (sa.select(Session.id).join(Session.enrollment)
                .where(enrollment_scope(user), *session_conditions(filters), *row_conditions(filters),
                       sa.not_(Session.is_recurring), Session.session_date.between(start, end)))
    if now is not None:
        one_time = one_time.where(needs_marking_sql(now))
    if cursor is not None:
        position = sa.tuple_(*order)
        one_time = one_time.where(position < sa.tuple_(*cursor[:3]) if descending
                                  else position > sa.tuple_(*cursor[:3]))
    one_time = one_time.order_by(*(c.desc() for c in order) if descending else order).limit(size + 1)
    series_ids = (sa.select(Session.id).join(Session.enrollment)
                  .outerjoin(SessionSeries, SessionSeries.session_id == Session.id)
                  .where(enrollment_scope(user), *session_conditions(filters), series_in(start, end)))
    ids = sa.union_all(sa.select(one_time.subquery().c.id), series_ids).subquery()
    return _sessions(visible_sessions(user).where(Session.id.in_(sa.select(ids.c.id))))


def _rebuilt(taken: list[Lesson], by_id: dict[int, Session], extras: dict[int, SessionSeries],
             records: dict[tuple[int, date], LessonRecord], low: date, high: date,
             budget: R.Budget) -> list[Lesson]:
    """The page's lessons again, with their records: one-time rows as taken, every series'
    lessons of those dates, and lessons moved into them."""
    out = [build(l.session, l.original_date, records.get((l.session_id, l.original_date)))
           for l in taken if not l.is_series]
    for session in by_id.values():
        if R.is_series(session):
            dates = R.dates_between(session, extras.get(session.id), low, high, budget)
            out.extend(unmoved_lessons(session, extras.get(session.id), dates, records))
    out.extend(l for l in moved_lessons(by_id, records) if low <= l.date <= high)
    return out
