"""A tutor's sessions as an iCalendar (RFC 5545) feed, built with the `icalendar` library.

- one-time session: one VEVENT;
- series: one VEVENT with the rule of `recurrence.rule_parts` (bounded series get UNTIL at
  their last lesson, so a count ending and the specific dates agree with our expansion in
  every client), RDATE for specific dates and EXDATE for removed dates;
- a lesson with a record of its own: a VEVENT with the same UID and RECURRENCE-ID (its
  original start), its own time, status and description; cancelled ones say
  STATUS:CANCELLED (and "Cancelled:" in the title, for clients that ignore STATUS);
- times carry the tutor's TZID and the VTIMEZONE the library generates for it, so a
  16:00 lesson stays at 16:00 across a daylight-saving change.
"""
from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from icalendar import Alarm, Calendar, Event

from .. import choices as C
from ..lessons import recurrence as R
from ..lessons.lesson import build
from ..translate import gettext as _

PRODID = "-//Tutor sessions//Calendar feed//EN"
UID_DOMAIN = "tutor-sessions"


def uid(session: Any) -> str:
    return uid_of(session.id)


def uid_of(session_id: int) -> str:
    return f"session-{session_id}@{UID_DOMAIN}"


def _summary(session: Any, cancelled: bool, reader: bool = False) -> str:
    """"Course with <student>" in a tutor's feed, "Course with <tutor>" in a student's or parent's."""
    enrollment = session.enrollment
    other = (enrollment.tutor if reader else enrollment.student) if enrollment else None
    title = _("%(course)s with %(name)s", course=enrollment.course, name=other.full_name) if other \
        else _("Tutoring session")
    return _cancelled(title) if cancelled else title


def _cancelled(title: str) -> str:
    """A cancelled lesson's title (for calendar apps that ignore STATUS)."""
    return _("Cancelled: %(title)s", title=title)


def _description(session: Any, covered: list[str], note: str | None) -> str:
    lines = []
    if session.topics:
        lines.append(_("Topics: %(topics)s", topics=", ".join(session.topics)))
    if covered:
        lines.append(_("Covered: %(topics)s", topics=", ".join(covered)))
    if note:
        lines.append(_("Note: %(note)s", note=note))
    board = session.whiteboard
    if board is not None and board.board_url:
        lines.append(_("Whiteboard: %(url)s", url=board.board_url))
    return "\n".join(lines)


def _location(session: Any) -> str | None:
    if session.location:
        return session.location
    board = session.whiteboard
    return board.board_url if board is not None and board.board_url else None


def _stamp(session: Any) -> datetime:
    when = session.updated_at or session.created_at or datetime(2000, 1, 1)
    return when.replace(tzinfo=timezone.utc)


def _event(session: Any, start: datetime, end: datetime, status: str, covered: list[str],
           note: str | None, reader: bool = False) -> Event:
    cancelled = status == "cancelled"
    event = Event()
    event.add("uid", uid(session))
    event.add("dtstamp", _stamp(session))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _summary(session, cancelled, reader))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    description = _description(session, covered, note)
    if description:
        event.add("description", description)
    location = _location(session)
    if location:
        event.add("location", location)
    if session.alarm_enabled and session.alarm_before_minutes is not None and not cancelled:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", _summary(session, False, reader))
        alarm.add("trigger", timedelta(minutes=-session.alarm_before_minutes))
        event.add_component(alarm)
    return event


def series_events(session: Any, series: Any | None, own: dict[Any, Any], tz: Any,
                  reader: bool = False) -> list[Event]:
    """The master event of a series and one event per lesson with a record of its own
    (`own`: its records by original date)."""
    first = build(session, session.session_date)
    master_status = "cancelled" if session.status == "cancelled" else C.DEFAULT_STATUS
    master = _event(session, first.starts_at(tz), first.ends_at(tz), master_status, [], None, reader)
    last = R.last_date(session, series)
    parts = R.rule_parts(session)
    if parts is not None:
        rule = R.ical_rule(parts)
        if last is not None:
            rule["UNTIL"] = datetime.combine(last, session.start_time, tz).astimezone(timezone.utc)
        master.add("rrule", rule)
    extra = [d for d in R.specific_dates_of(session) if last is None or d <= last]
    if extra:
        master.add("rdate", [datetime.combine(d, session.start_time, tz) for d in extra])
    removed = sorted(R.exdates_of(series))
    if removed:
        master.add("exdate", [datetime.combine(d, session.start_time, tz) for d in removed])
    events = [master]
    # The first lesson carries the row's own marks: a record of it is still one event.
    for original, record in sorted(own.items()):
        if not R.is_lesson_date(session, series, original):
            continue
        lesson = build(session, original, record)
        event = _event(session, lesson.starts_at(tz), lesson.ends_at(tz), lesson.status, lesson.topics_covered,
                       lesson.note_for(reader), reader)
        event.add("recurrence-id", datetime.combine(original, session.start_time, tz))
        events.append(event)
    return events


def build_feed(user: Any, sessions: Iterable[Any], series: dict[int, Any], records: list[Any]) -> bytes:
    """The whole feed of `user` as bytes (text/calendar)."""
    tz = C.zone(user.timezone)
    reader = not user.has_workspace
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", _("Tutoring — %(name)s", name=user.full_name))
    by_session: dict[int, dict] = {}
    for record in records:
        by_session.setdefault(record.session_id, {})[record.original_date] = record
    for session in sessions:
        own = by_session.get(session.id, {})
        if R.is_series(session):
            for event in series_events(session, series.get(session.id), own, tz, reader):
                cal.add_component(event)
        else:
            lesson = build(session, session.session_date, own.get(session.session_date))
            cal.add_component(_event(session, lesson.starts_at(tz), lesson.ends_at(tz), lesson.status,
                                     lesson.topics_covered, lesson.note_for(reader), reader))
    cal.add_missing_timezones()
    return cal.to_ical()


def feed_for(user: Any) -> bytes:
    """`user`'s feed from three queries (sessions with series extras and boards, records)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import contains_eager, joinedload

    from ..extensions import db
    from ..lessons.access import visible_sessions
    from ..models import Enrollment, LessonRecord, Session, SessionSeries

    query = (visible_sessions(user).options(joinedload(Session.whiteboard),
                                            contains_eager(Session.enrollment).joinedload(Enrollment.tutor))
             .outerjoin(SessionSeries, SessionSeries.session_id == Session.id).add_columns(SessionSeries)
             .order_by(Session.session_date, Session.start_time, Session.id))
    rows = db.session.execute(query).all()
    sessions = [row[0] for row in rows]
    extras = {row[0].id: row[1] for row in rows if row[1] is not None}
    records = db.session.scalars(sa.select(LessonRecord).where(
        LessonRecord.session_id.in_(visible_sessions(user).with_only_columns(Session.id)))).all()
    return build_feed(user, sessions, extras, records)


def change_calendar(session_id: int, recurrence_id: datetime | None, start: datetime, end: datetime,
                    summary: str, cancelled: bool, location: str | None = None) -> str:
    """One lesson's change as an e-mail attachment: the same UID (and RECURRENCE-ID for a
    lesson of a series) as in the feed, so a calendar app updates the event it has."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", uid_of(session_id))
    event.add("dtstamp", datetime.now(timezone.utc))
    event.add("sequence", int(datetime.now(timezone.utc).timestamp()) // 60)
    if recurrence_id is not None:
        event.add("recurrence-id", recurrence_id)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", _cancelled(summary) if cancelled else summary)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if location:
        event.add("location", location)
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical().decode()


def feed_version(user: Any) -> tuple[str, datetime | None]:
    """What the feed of `user` is built from, in one query: (a tag that changes whenever the
    feed would, the time of the last change). Calendar apps poll the feed; when the tag is the
    one they hold they get a 304 without the feed being built."""
    import sqlalchemy as sa

    from ..extensions import db
    from ..lessons.access import visible_sessions
    from ..models import LessonRecord, Session, SessionSeries

    ids = visible_sessions(user).with_only_columns(Session.id).scalar_subquery()
    S, O, SE = Session.__table__.c, LessonRecord.__table__.c, SessionSeries.__table__.c
    def of(table_id, *aggregates):
        return [sa.select(a).where(table_id.in_(ids)).scalar_subquery() for a in aggregates]

    row = db.session.execute(sa.select(
        *of(S.id, sa.func.count(S.id), sa.func.max(S.updated_at)),
        *of(O.session_id, sa.func.count(O.id), sa.func.max(O.updated_at)),
        *of(SE.session_id, sa.func.count(SE.session_id), sa.func.max(SE.last_date), sa.func.max(SE.until_date),
            sa.func.sum(SE.occurrence_count), sa.func.sum(sa.func.length(sa.cast(SE.exdates, sa.Text)))))).one()
    changed = max((t for t in (row[1], row[3]) if t is not None), default=None)
    raw = "|".join(map(str, (*row, user.id, user.role, user.timezone, user.full_name, PRODID)))
    return hashlib.blake2b(raw.encode(), digest_size=12).hexdigest(), changed
