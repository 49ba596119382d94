"""The iCal feed: checked by an independent implementation (recurring-ical-events), which
must find exactly the lessons our own expansion finds over a year; plus its contents."""
from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import sqlalchemy as sa

from tests.factories import make_enrollment, make_session, make_user
from tests.lesson_support import cancel_lesson, mark_lesson, move_lesson
from webapp.lessons import plans
from webapp.lessons.listing import lessons_in_window
from webapp.calendar.views import feed_path, issue_feed
from webapp.extensions import db
from webapp.models import CalendarFeed, Session, Whiteboard

YEAR_START, YEAR_END = date(2026, 1, 1), date(2026, 12, 31)


def pattern(days=(), months=(), specific=()):
    return {"days": list(days), "months": list(months), "specific_dates": list(specific)}


@pytest.fixture(params=["Europe/London", "Africa/Addis_Ababa"])
def tutor(app, request):
    return make_user(email="tutor@example.com", name="Abebe Kebede", timezone=request.param)


@pytest.fixture
def term(tutor):
    """Every kind of series and lesson record a tutor can make."""
    maths = make_enrollment(tutor, make_user("student", name="Selam Girma"), "Mathematics")
    physics = make_enrollment(tutor, make_user("student", name="Yonas Bekele"), "Physics")
    weekly = make_session(maths, date(2026, 1, 6), time(16, 0), time(17, 0), is_recurring=True,
                          session_frequency="weekly", recurring_pattern=pattern(["Tuesday", "Thursday"]),
                          alarm_enabled=True, alarm_before_minutes=30, topics=["Algebra", "Fractions"])
    plans.set_series_end(weekly, until=date(2026, 6, 30))
    mark_lesson(weekly, date(2026, 1, 8), status="completed", student_attendance_status="late",
                      topics_covered=["Algebra"], note="Late by 10 minutes")
    cancel_lesson(weekly, date(2026, 3, 26))  # right before London's DST change
    cancel_lesson(weekly, date(2026, 3, 31))  # right after it
    move_lesson(weekly, date(2026, 4, 2), date(2026, 4, 3), time(9, 30), time(10, 30))
    plans.remove_date(weekly, date(2026, 4, 7))
    plans.edit_following(weekly, date(2026, 5, 5), {"start_time": time(17, 0), "end_time": time(18, 0)})

    biweekly = make_session(physics, date(2026, 1, 5), time(8, 0), time(9, 30), is_recurring=True,
                            session_frequency="bi-weekly", recurring_pattern=pattern(["Monday", "Friday"]),
                            session_mode="in-person", location="Bole library")
    plans.set_series_end(biweekly, count=20)
    cancel_lesson(biweekly, date(2026, 1, 19))

    board = Whiteboard(title="Geometry board", board_url="https://board.example.com/g1")
    db.session.add(board)
    db.session.flush()
    make_session(maths, date(2026, 1, 31), time(10, 0), time(11, 0), is_recurring=True,
                 session_frequency="monthly", recurring_pattern=pattern(months=["January", "March", "October"],
                                                                        specific=["2026-02-14"]),
                 whiteboard_id=board.id)  # open-ended, day 31: only January, March, October
    make_session(physics, date(2026, 2, 11), time(18, 0), time(19, 0), is_recurring=True,
                 session_frequency="weekly", recurring_pattern=pattern())  # open-ended Wednesdays
    make_session(maths, date(2026, 3, 29), time(12, 0), time(13, 0))  # one-time, on the DST day
    make_session(physics, date(2026, 7, 1), time(12, 0), time(13, 0), status="cancelled")
    db.session.commit()
    return tutor


def feed_of(client, user) -> icalendar.Calendar:
    response = client.get(feed_path(user))
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.data)


def test_recurring_ical_events_finds_exactly_our_lessons_over_a_year(client, term):
    tz = ZoneInfo(term.timezone)
    ours = {(o.session.id, o.starts_at(tz), o.ends_at(tz), o.cancelled)
            for o in lessons_in_window(term, YEAR_START, YEAR_END)}
    theirs = set()
    for event in recurring_ical_events.of(feed_of(client, term)).between(YEAR_START, YEAR_END + timedelta(days=1)):
        session_id = int(str(event["UID"]).split("-")[1].split("@")[0])
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        theirs.add((session_id, start.astimezone(tz), end.astimezone(tz),
                    str(event.get("STATUS")) == "CANCELLED"))
    assert len(ours) > 100
    assert theirs == ours
    # and the wall clock holds across DST: every lesson of the weekly series at 16:00 or 17:00 local
    london = {o.starts_at(tz).astimezone(tz).time() for o in lessons_in_window(term, YEAR_START, YEAR_END)
              if o.session.session_date == date(2026, 1, 6) and not o.moved}
    assert london == {time(16, 0)}


def test_feed_contents_timezone_rule_exceptions_alarm_location_description(client, term):
    cal = feed_of(client, term)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == [term.timezone]
    events = cal.walk("VEVENT")
    by_uid: dict[str, list] = {}
    for event in events:
        by_uid.setdefault(str(event["UID"]), []).append(event)
    weekly = [e for e in events if "RRULE" in e and e["RRULE"].get("BYDAY") == ["TU", "TH"]
              and e["DTSTART"].dt.date() == date(2026, 1, 6)][0]
    assert weekly["DTSTART"].params["TZID"] == term.timezone
    assert weekly["RRULE"]["FREQ"] == ["WEEKLY"] and "UNTIL" in weekly["RRULE"]
    assert [d.dt.date() for d in weekly["EXDATE"].dts] == [date(2026, 4, 7)]
    assert weekly["SUMMARY"] == "Mathematics with Selam Girma"
    assert "Topics: Algebra, Fractions" in weekly["DESCRIPTION"]
    alarm = weekly.walk("VALARM")[0]
    assert alarm["TRIGGER"].dt == timedelta(minutes=-30)
    records = {e["RECURRENCE-ID"].dt.date(): e for e in by_uid[str(weekly["UID"])] if "RECURRENCE-ID" in e}
    assert set(records) == {date(2026, 1, 8), date(2026, 3, 26), date(2026, 3, 31), date(2026, 4, 2)}
    assert records[date(2026, 3, 26)]["STATUS"] == "CANCELLED"
    assert records[date(2026, 3, 26)]["SUMMARY"].startswith("Cancelled: ")
    assert records[date(2026, 4, 2)]["DTSTART"].dt.replace(tzinfo=None).isoformat() == "2026-04-03T09:30:00"
    assert "Covered: Algebra" in records[date(2026, 1, 8)]["DESCRIPTION"]
    assert "Note: Late by 10 minutes" in records[date(2026, 1, 8)]["DESCRIPTION"]
    assert any(e.get("LOCATION") == "Bole library" for e in events)
    assert any(e.get("LOCATION") == "https://board.example.com/g1" for e in events)
    assert len({str(e["UID"]) for e in events}) == 7  # one UID per session, stable
    assert feed_of(client, term).to_ical() == cal.to_ical()  # the same answer twice


def test_unknown_or_replaced_tokens_are_404_and_need_no_login(client, tutor):
    db.session.commit()
    old = feed_path(tutor)
    assert client.get(old).status_code == 200
    issue_feed(tutor)
    db.session.commit()
    assert client.get(old).status_code == 404
    assert client.get(feed_path(tutor)).status_code == 200
    assert client.get("/calendar/not-a-token.ics").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 1


def test_calendar_url_command_prints_the_feed_path(app, tutor):
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["calendar-url", "tutor@example.com"])
    assert result.exit_code == 0, result.output
    path = result.output.strip()
    assert path.startswith("/calendar/") and path.endswith(".ics")
    again = app.test_cli_runner().invoke(args=["calendar-url", "tutor@example.com"])
    assert again.output.strip() == path  # printing it does not replace it
    assert app.test_client().get(path).status_code == 200


def test_another_tutors_sessions_are_not_in_the_feed(client, term):
    other = make_user(email="other@example.com")
    make_session(make_enrollment(other), date(2026, 5, 5))
    db.session.commit()
    ids = {str(e["UID"]) for e in feed_of(client, other).walk("VEVENT")}
    assert len(ids) == 1 and all(uid not in ids for uid in {str(e["UID"]) for e in feed_of(client, term).walk("VEVENT")})


def test_calendar_apps_polling_the_feed_get_304_until_something_changes(client, term):
    path = feed_path(term)
    first = client.get(path)
    assert first.status_code == 200 and first.headers["ETag"] and first.headers["Last-Modified"]
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304

    weekly = db.session.scalar(sa.select(Session).where(Session.start_time == time(16, 0)))
    mark_lesson(weekly, date(2026, 1, 13), note="Homework checked")  # any lesson's change
    changed = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert "Homework checked" in changed.text

    plans.remove_date(weekly, date(2026, 1, 15))  # a series' own change (its EXDATEs)
    db.session.commit()
    removed = client.get(path, headers={"If-None-Match": changed.headers["ETag"]})
    assert removed.status_code == 200 and "20260115" in removed.text.split("EXDATE")[1].split("\n")[0]
