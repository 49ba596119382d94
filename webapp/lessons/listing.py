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
from functools import lru_cache
from datetime import date, datetime, time, timedelta
from typing import Any, Iterable, Iterator

import sqlalchemy as sa

from .. import choices as C
from ..models import Enrollment, LessonRecord, Session, SessionSeries
from . import recurrence as R
from . import rows
from .access import scope_of
from .lesson import Lesson, build

RECORDS_FIRST_DAYS = 400
LESSON_FILTERS = ("status", "priority_level")
Key = tuple[date, time, int, date]
# Conditions are built from the tables' columns: cheaper to build on every request than the
# ORM attributes, and the same SQL.
S, E, O, SE = Session.__table__.c, Enrollment.__table__.c, LessonRecord.__table__.c, SessionSeries.__table__.c


# --- Filters ------------------------------------------------------------------------------
# Each filter is SQL with a named parameter, so that a list's statement is built once for
# each combination of filters (and role, direction, cursor) and then run with new values:
# building, caching and compiling a statement of this size costs more than running it.

SESSION_FILTERS = ("session_mode", "is_featured", "is_recurring", "course_enrollment_id", "session_id",
                   "student_id", "tutor_id", "q")


def _like_pattern(text: str) -> str:
    # Topics are stored as JSON text, where non-ASCII characters are \\u-escaped: search
    # for the text as JSON writes it, with LIKE's own wildcards escaped.
    encoded = json.dumps(text)[1:-1]
    encoded = encoded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{encoded}%"


def _param(name: str, column: sa.ColumnElement, value: Any = None) -> sa.BindParameter:
    return sa.bindparam(f"f_{name}", value, type_=column.type)


def session_conditions(filters: dict[str, Any], values: bool = True) -> list[sa.ColumnElement[bool]]:
    """The filters that belong to the session (its plan), as SQL (`values`: with the filters'
    values bound, else named parameters only; see `filter_params`)."""
    out: list[sa.ColumnElement[bool]] = []
    for name in SESSION_FILTERS:
        if filters.get(name) is None or filters.get(name) == "":
            continue
        value = filter_params({name: filters[name]})[f"f_{name}"] if values else None
        column = {"session_id": S.id, "student_id": E.student_id, "tutor_id": E.tutor_id}.get(name, S.get(name))
        if name == "q":
            out.append(sa.cast(S.topics, sa.Text).ilike(sa.bindparam("f_q", value, type_=sa.Text), escape="\\"))
        else:
            out.append(column == _param(name, column, value))
    return out


def row_conditions(filters: dict[str, Any], values: bool = True) -> list[sa.ColumnElement[bool]]:
    """The lesson-level filters on a session row (a one-time session's lesson; the sessions API)."""
    out = []
    for name, default in (("status", C.DEFAULT_STATUS), ("priority_level", C.DEFAULT_PRIORITY)):
        if filters.get(name):
            out.append(sa.func.coalesce(S[name], default) == _param(name, S[name], filters[name] if values else None))
    return out


def filter_params(filters: dict[str, Any]) -> dict[str, Any]:
    """The values of a statement built with `values=False`."""
    out = {f"f_{k}": v for k, v in filters.items() if k in SESSION_FILTERS + LESSON_FILTERS}
    if filters.get("q"):
        out["f_q"] = _like_pattern(filters["q"])
    return out


def needs_marking_sql() -> sa.ColumnElement[bool]:
    """One-time rows still to record: over (by the parameters now_date, now_time), and not
    cancelled with status or an attendance open, or disputed by the student or a parent (the
    twin of Lesson.needs_marking)."""
    status = sa.func.coalesce(S.status, C.DEFAULT_STATUS)
    today = sa.bindparam("now_date", type_=S.session_date.type)
    return sa.and_(
        sa.or_(S.session_date < today,
               sa.and_(S.session_date == today, S.end_time <= sa.bindparam("now_time", type_=S.end_time.type))),
        sa.or_(sa.and_(status != "cancelled",
                       sa.or_(status.in_(("scheduled", "in-progress")), S.tutor_attendance_status.is_(None),
                              S.student_attendance_status.is_(None))),
               O.confirmation == "disputed"))  # the row's own record (rows.select_sessions)


def filter_sessions(query: sa.Select, filters: dict[str, Any]) -> sa.Select:
    """The sessions API's list: every filter on the rows themselves."""
    query = query.where(*session_conditions(filters), *row_conditions(filters))
    if filters.get("date_from"):
        query = query.where(S.session_date >= filters["date_from"])
    if filters.get("date_to"):
        query = query.where(S.session_date <= filters["date_to"])
    return query


def lesson_matches(lesson: Lesson, filters: dict[str, Any], now: datetime | None = None) -> bool:
    for name in LESSON_FILTERS:
        if filters.get(name) and getattr(lesson, name) != filters[name]:
            return False
    return now is None or lesson.needs_marking(now)


# --- Loading ----------------------------------------------------------------------------


def window(start: date | None = None, end: date | None = None) -> tuple[sa.BindParameter, sa.BindParameter]:
    """The window's bounds as the parameters `start` and `end`."""
    return (sa.bindparam("start", start, type_=S.session_date.type), sa.bindparam("end", end, type_=S.session_date.type))


def series_in(start: Any, end: Any) -> sa.ColumnElement[bool]:
    """Series that can have a lesson in [start, end]: begun by its end, not ended before its
    start (by `until_date` or `last_date`), or with a lesson moved into it."""
    moved = LessonRecord.__table__.alias("moved")
    moved_in = sa.exists().where(moved.c.session_id == S.id, moved.c.new_date.between(start, end))
    ends = sa.func.coalesce(SE.until_date, SE.last_date)
    return sa.and_(S.is_recurring, S.session_date <= end, sa.or_(ends.is_(None), ends >= start, moved_in))


def records_in(session_ids: list[int], start: date, end: date) -> dict[tuple[int, date], rows.RecordRow]:
    """The records of those sessions with their original or their new date in [start, end]."""
    if not session_ids:
        return {}
    return rows.read_records(sa.select(*rows.RECORD).where(
        O.session_id.in_(session_ids), sa.or_(O.original_date.between(start, end), O.new_date.between(start, end))))


def unmoved_lessons(session: Any, series: Any | None, dates: Iterable[date],
                    records: dict[tuple[int, date], Any]) -> Iterator[Lesson]:
    """The series' lessons on these original dates that were not moved (moved ones come from
    `moved_lessons`, at their new place)."""
    for day in dates:
        record = records.get((session.id, day))
        if record is None or record.new_date is None and record.new_start_time is None:
            yield build(session, day, record)


def moved_lessons(sessions: dict[int, Any], records: dict[tuple[int, date], Any]) -> list[Lesson]:
    return [build(sessions[sid], day, r) for (sid, day), r in records.items()
            if sid in sessions and R.is_series(sessions[sid]) and (r.new_date is not None or r.new_start_time is not None)]


def _matching(lessons: Iterable[Lesson], filters: dict[str, Any], now: datetime | None) -> Iterator[Lesson]:
    return (lesson for lesson in lessons if lesson_matches(lesson, filters, now))


def lessons_in_window(user: Any, start: date, end: date, filters: dict[str, Any] | None = None,
                      budget: R.Budget | None = None, now: datetime | None = None,
                      with_tutor: bool = False) -> list[Lesson]:
    """Every lesson `user` sees whose date lies in [start, end], filtered, in key order. Two
    queries. `now` (naive, the user's wall clock) keeps only lessons that still need marking;
    `with_tutor`: each lesson's tutor (name, zone) too."""
    filters = filters or {}
    budget = budget or R.Budget()
    query = _window_statement(user.role, _names(filters), with_tutor)
    params = {"scope_user": user.id, "start": start, "end": end, **filter_params(filters)}
    return lessons_of(*rows.read(query, params), start, end, filters, budget, now)


def lessons_with_notifications(start: date, end: date, budget: R.Budget) -> list[Lesson]:
    """Every lesson in [start, end] of any tutor's sessions with notification_enabled (the
    reminder pass of `webapp.notifications`): two queries, series expanded in the window."""
    query = _notified_statement()
    return lessons_of(*rows.read(query, {"start": start, "end": end}), start, end, {}, budget)


@lru_cache(maxsize=1)
def _notified_statement() -> sa.Select:
    start, end = window()
    return rows.select_sessions(True).where(S.notification_enabled, sa.or_(
        sa.and_(sa.not_(S.is_recurring), S.session_date.between(start, end)), series_in(start, end)))


def _names(filters: dict[str, Any]) -> tuple[str, ...]:
    return tuple(sorted(k for k, v in filters.items() if k in SESSION_FILTERS + LESSON_FILTERS and v not in (None, "")))


@lru_cache(maxsize=512)
def _window_statement(role: str, names: tuple[str, ...], with_tutor: bool) -> sa.Select:
    filters = dict.fromkeys(names, True)
    start, end = window()
    return rows.select_sessions(with_tutor).where(scope_of(role), *session_conditions(filters, False), sa.or_(
        sa.and_(sa.not_(S.is_recurring), S.session_date.between(start, end), *row_conditions(filters, False)),
        series_in(start, end)))


def lessons_of(sessions: list[Any], extras: dict[int, Any], own: dict[tuple[int, date], Any], start: date,
               end: date, filters: dict[str, Any], budget: R.Budget, now: datetime | None = None) -> list[Lesson]:
    """The lessons of these sessions in [start, end] (one more query: the series' records)."""
    by_id = {s.id: s for s in sessions}
    records = own | records_in([s.id for s in sessions if R.is_series(s)], start, end)
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


DEFAULT_TAB = "upcoming"


@dataclass(frozen=True, slots=True)
class ListWindow:
    """What a list (the page, its CSV) shows: the tab, the dates, the order, to mark or not."""

    tab: str | None
    start: date
    end: date
    newest_first: bool
    to_mark: bool


def list_window(tab: str | None, filters: dict[str, Any], today: date) -> ListWindow:
    """A list's window from its tab and filters: a tab narrows date_from and date_to; with
    dates and no tab, the whole window, past and future (SPEC "Lessons")."""
    if tab not in TABS:
        tab = None if ("date_from" in filters or "date_to" in filters) else DEFAULT_TAB
    start, end, newest_first, to_mark = tab_window(tab, today)
    if tab is None:
        start, end = filters.get("date_from", start), filters.get("date_to", end)
    else:
        start, end = max(start, filters.get("date_from", start)), min(end, filters.get("date_to", end))
    return ListWindow(tab, start, end, newest_first, to_mark)


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
    records_first = (end - start).days <= RECORDS_FIRST_DAYS
    sessions, extras, own, records = _page_sessions(user, start, end, filters, cursor, descending, size, now,
                                                    records_first)
    by_id = {s.id: s for s in sessions}
    series = [s for s in sessions if R.is_series(s)]
    singles = sorted((s for s in sessions if not R.is_series(s)),
                     key=lambda s: (s.session_date, s.start_time, s.id), reverse=descending)

    streams: list[Iterator[Lesson]] = [
        iter([build(s, s.session_date, own.get((s.id, s.session_date))) for s in singles])]
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
    records = own | records_in([s.id for s in series], low, high)
    lessons = [l for l in _rebuilt(taken, by_id, extras, records, low, high, budget)
               if _after(l.key, cursor, descending) and not _after(l.key, bound, descending)
               and lesson_matches(l, filters, now)]
    lessons.sort(key=lambda l: l.key, reverse=descending)
    return LessonPage(lessons, bound if more else None, bound[0] if len(lessons) < len(taken) and more else None)


def _page_sessions(user: Any, start: date, end: date, filters: dict[str, Any], cursor: Key | None,
                   descending: bool, size: int, now: datetime | None, records_first: bool) -> tuple:
    """The page's one-time rows (at most size + 1 after the cursor, every filter applied in
    SQL) and every series that can have a lesson in the window, with (`records_first`) the
    records of the window. Two statements, or one for a long window (whose records are read
    once the page is known)."""
    names = _names(filters)
    params = {"scope_user": user.id, "start": start, "end": end, **filter_params(filters)}
    if cursor is not None:
        params.update(c_date=cursor[0], c_time=cursor[1], c_id=cursor[2])
    if now is not None:
        params.update(now_date=now.date(), now_time=now.time())
    shape = (user.role, names, cursor is not None, descending, now is not None, size)
    if filters.get("is_recurring") is False:  # no series can match: the one-time rows alone
        found = rows.read(_one_time_statement(*shape), params)
        return (*found, found[2])
    if records_first:  # the hot path (today, upcoming, a window of dates)
        sessions, extras, records = rows.read(_records_first_statement(*shape), params)
        return sessions, extras, records, records
    return (*rows.read(_union_statement(*shape), params), None)


@lru_cache(maxsize=512)
def _one_time_statement(role: str, names: tuple[str, ...], cursor: bool, descending: bool, to_mark: bool,
                        size: int) -> sa.Select:
    filters = dict.fromkeys(names, True)
    order = (S.session_date, S.start_time, S.id)
    start, end = window()
    query = rows.select_sessions(series=False).where(
        scope_of(role), *session_conditions(filters, False), *row_conditions(filters, False),
        sa.not_(S.is_recurring), S.session_date.between(start, end))
    if to_mark:
        query = query.where(needs_marking_sql())
    if cursor:
        position = sa.tuple_(*order)
        after = sa.tuple_(*(sa.bindparam(f"c_{n}", type_=c.type) for n, c in zip(("date", "time", "id"), order)))
        query = query.where(position < after if descending else position > after)
    return query.order_by(*(c.desc() for c in order) if descending else order).limit(size + 1)


@lru_cache(maxsize=512)
def _records_first_statement(role: str, names: tuple[str, ...], cursor: bool, descending: bool, to_mark: bool,
                             size: int) -> sa.CompoundSelect:
    """One statement: the page's one-time rows with their own records, and every series that
    can have a lesson in the window with the window's records (a row per record)."""
    start, end = window()
    one_time = _one_time_statement(role, names, cursor, descending, to_mark, size)
    series = rows.select_sessions(records=(start, end)).where(
        scope_of(role), *session_conditions(dict.fromkeys(names, True), False), series_in(start, end))
    return sa.union_all(sa.select(one_time.subquery()), series)


@lru_cache(maxsize=512)
def _union_statement(role: str, names: tuple[str, ...], cursor: bool, descending: bool, to_mark: bool,
                     size: int) -> sa.Select:
    """One statement for a long window: the page's one-time rows and the series."""
    start, end = window()
    one_time = _one_time_statement(role, names, cursor, descending, to_mark, size)
    series_ids = (sa.select(S.id).join(Enrollment.__table__, E.id == S.course_enrollment_id)
                  .outerjoin(SessionSeries.__table__, SE.session_id == S.id)
                  .where(scope_of(role), *session_conditions(dict.fromkeys(names, True), False),
                         series_in(start, end)))
    ids = sa.union_all(sa.select(one_time.with_only_columns(S.id).subquery().c.id), series_ids).subquery()
    return rows.select_sessions().where(S.id.in_(sa.select(ids.c.id)))


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
