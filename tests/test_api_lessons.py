"""The lessons in the JSON API: GET /api/lessons over a window, one lesson with its ETag, and
its PATCH (marks and moves) with If-Match, the same rules as the forms and never a refusal for
an overlap; and the same lesson shown identically in the list, the calendar, the feed and
/api/lessons."""
from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
import sqlalchemy as sa

from tests.factories import make_enrollment, make_session, make_user
from tests.lesson_support import cancel_lesson, mark_lesson, move_lesson
from tests.test_api import Api, token_for
from webapp.extensions import db
from webapp.lessons import plans
from webapp.models import LessonRecord

TUESDAY = date(2026, 3, 3)  # London changes its clocks on 29 March 2026


@pytest.fixture
def lessons(app):
    tutor = make_user(email="tutor@example.com", timezone="Europe/London")
    other = make_user(email="other@example.com")
    enrollment = make_enrollment(tutor, course="Mathematics")
    series = make_session(enrollment, TUESDAY, time(16), time(17), topics=["Fractions"], is_recurring=True,
                          session_frequency="weekly",
                          recurring_pattern={"days": ["Tuesday", "Thursday"], "months": [], "specific_dates": []})
    plans.set_series_end(series, until=date(2026, 4, 30))
    biweekly = make_session(enrollment, date(2026, 3, 2), time(8), time(9), is_recurring=True,
                            session_frequency="bi-weekly", recurring_pattern={"days": [], "months": [], "specific_dates": []})
    monthly = make_session(enrollment, date(2026, 1, 31), time(12), time(13), is_recurring=True,
                           session_frequency="monthly", recurring_pattern={"days": [], "months": [], "specific_dates": []})
    single = make_session(enrollment, date(2026, 3, 28), time(10), time(11), topics=["Algebra"])
    foreign = make_session(make_enrollment(other), date(2026, 3, 10), time(16), time(17), is_recurring=True,
                           session_frequency="weekly", recurring_pattern={"days": [], "months": [], "specific_dates": []})
    db.session.commit()
    mark_lesson(series, date(2026, 3, 5), status="completed", student_attendance_status="late", note="Good")
    cancel_lesson(series, date(2026, 3, 10))
    move_lesson(series, date(2026, 3, 12), date(2026, 3, 13), time(9), time(10))
    move_lesson(series, date(2026, 4, 2), date(2026, 3, 31), time(18), time(19))  # across the DST change
    return dict(tutor=tutor, other=other, series=series, biweekly=biweekly, monthly=monthly, single=single,
                foreign=foreign)


@pytest.fixture
def api(client, lessons):
    return Api(client, token_for(lessons["tutor"]))


def keys(items) -> list[tuple[int, str, str]]:
    return [(i["session_id"], i["original_date"], i["date"]) for i in items]


def test_list_lessons_in_a_window_one_item_per_lesson(api, lessons):
    got = api.get("/api/lessons?date_from=2026-03-01&date_to=2026-03-31&per_page=100")
    assert got.status_code == 200
    data = got.json
    series, single = lessons["series"].id, lessons["single"].id
    items = {(i["session_id"], i["original_date"]): i for i in data["items"]}
    assert data["total"] == len(data["items"]) == 9 + 1 + 3 + 1 + 1  # the series (and one moved in), two-weekly, monthly, one-time
    assert (series, "2026-03-05") in items and items[(series, "2026-03-05")]["status"] == "completed"
    assert items[(series, "2026-03-05")]["note"] == "Good" and items[(series, "2026-03-05")]["student_attendance_status"] == "late"
    assert items[(series, "2026-03-10")]["status"] == "cancelled"
    assert items[(series, "2026-03-12")]["date"] == "2026-03-13" and items[(series, "2026-03-12")]["moved"]
    assert items[(series, "2026-04-02")]["date"] == "2026-03-31"  # moved into the window
    assert items[(single, "2026-03-28")]["topics"] == ["Algebra"] and not items[(single, "2026-03-28")]["is_recurring"]
    assert items[(lessons["monthly"].id, "2026-03-31")]["start_time"] == "12:00:00"
    assert all(i["session_id"] != lessons["foreign"].id for i in data["items"])
    ordered = [(i["date"], i["start_time"]) for i in data["items"]]
    assert ordered == sorted(ordered)
    fields = {"session_id", "original_date", "date", "start_time", "end_time", "status", "tutor_attendance_status",
              "student_attendance_status", "topics", "topics_covered", "note", "course_enrollment_id",
              "student_review_id", "tutor_review_id", "parent_review_id"}
    assert fields <= set(data["items"][0])
    page = api.get("/api/lessons?date_from=2026-03-01&date_to=2026-03-31&per_page=5&page=2").json
    assert keys(page["items"]) == keys(data["items"][5:10]) and page["total"] == data["total"]


def test_list_lessons_filters_and_its_window_rules(api, lessons):
    window = "date_from=2026-03-01&date_to=2026-04-30"
    cancelled = api.get(f"/api/lessons?{window}&status=cancelled").json["items"]
    assert keys(cancelled) == [(lessons["series"].id, "2026-03-10", "2026-03-10")]
    assert {i["session_id"] for i in api.get(f"/api/lessons?{window}&is_recurring=false").json["items"]} == {lessons["single"].id}
    for query, field in (("date_from=2026-01-01&date_to=2027-06-01", "date_to"), ("date_from=2026-03-10&date_to=2026-03-01", "date_to"),
                         ("date_from=9999-01-01", "date_from"), ("per_page=500", "per_page"), ("colour=red", "colour"),
                         ("status=finished", "status")):
        response = api.get("/api/lessons?" + query)
        assert response.status_code == 422 and field in response.json["errors"], query
    default = api.get("/api/lessons").json  # today to today + 30 days
    assert default["total"] == 0 or all(i["date"] >= date.today().isoformat() for i in default["items"])


def test_one_lesson_with_its_etag_and_304(api, lessons):
    path = f"/api/sessions/{lessons['series'].id}/lessons/2026-03-12"
    got = api.get(path)
    assert got.status_code == 200 and got.json["date"] == "2026-03-13" and got.json["original_date"] == "2026-03-12"
    etag = got.headers["ETag"]
    assert api.get(path, headers={"If-None-Match": etag}).status_code == 304
    for missing in ("2026-03-11", "2026-02-30", "9999-01-01", "2026-05-05"):
        assert api.get(f"/api/sessions/{lessons['series'].id}/lessons/{missing}").status_code == 404, missing
    assert api.get(f"/api/sessions/{lessons['foreign'].id}/lessons/2026-03-10").status_code == 404


def test_patch_a_lesson_marks_only_that_lesson_with_if_match(api, lessons):
    path = f"/api/sessions/{lessons['series'].id}/lessons/2026-03-17"
    etag = api.get(path).headers["ETag"]
    changed = api.patch(path, json={"status": "completed", "tutor_attendance_status": "present",
                                    "topics_covered": ["Fractions"], "note": " Well done "}, headers={"If-Match": etag})
    assert changed.status_code == 200, changed.json
    assert (changed.json["status"], changed.json["note"], changed.json["topics_covered"]) == (
        "completed", "Well done", ["Fractions"])
    assert changed.headers["ETag"] != etag
    stale = api.patch(path, json={"status": "cancelled"}, headers={"If-Match": etag})
    assert stale.status_code == 412 and "changed since you read it" in stale.json["message"]
    assert api.get(path).json["status"] == "completed"
    other = api.get(f"/api/sessions/{lessons['series'].id}/lessons/2026-03-19").json
    assert (other["status"], other["note"]) == ("scheduled", None)
    assert api.patch(path, json={"note": None}).json["note"] is None  # without If-Match: whatever is current


def test_a_bad_patch_is_422_whatever_its_if_match_and_changes_nothing(api, lessons):
    path = f"/api/sessions/{lessons['single'].id}/lessons/2026-03-28"
    before = api.get(path).json
    for body, field in (({"status": "finished"}, "status"), ({"end_time": "09:00"}, "end_time"),
                        ({"note": "x" * 3000}, "note"), ({"date": "2026-02-30"}, "date"),
                        ({"date": "1800-01-01"}, "date"), ({"colour": "red"}, "colour"),
                        ({"priority_level": 3}, "priority_level")):
        response = api.patch(path, json=body, headers={"If-Match": '"stale"'})
        assert response.status_code == 422 and field in response.json["errors"], body
    assert api.get(path).json == before
    assert api.patch(path, data="{", headers={"Content-Type": "application/json"}).status_code == 400


def test_moving_a_lesson_through_the_api_never_refuses_an_overlap(api, lessons):
    series = lessons["series"].id
    moved = api.patch(f"/api/sessions/{series}/lessons/2026-03-19", json={"date": "2026-03-28", "start_time": "10:30",
                                                                           "end_time": "11:30"})
    assert moved.status_code == 200  # it overlaps the one-time lesson at 10:00–11:00: only the forms warn
    assert (moved.json["date"], moved.json["start_time"], moved.json["original_date"]) == (
        "2026-03-28", "10:30:00", "2026-03-19")
    # a one-time session's lesson is keyed by its date: its URL follows the move
    single = lessons["single"].id
    moved = api.patch(f"/api/sessions/{single}/lessons/2026-03-28", json={"date": "2026-03-29"})
    assert moved.status_code == 200 and moved.headers["Content-Location"] == f"/api/sessions/{single}/lessons/2026-03-29"
    assert api.get(f"/api/sessions/{single}").json["session_date"] == "2026-03-29"


def test_students_lessons_of_other_tutors_are_404_and_writes_need_a_token_or_csrf(client, api, lessons):
    foreign = f"/api/sessions/{lessons['foreign'].id}/lessons/2026-03-10"
    assert api.patch(foreign, json={"status": "cancelled"}).status_code == 404
    mine = f"/api/sessions/{lessons['series'].id}/lessons/2026-03-17"
    assert client.patch(mine, json={"status": "cancelled"}).status_code == 401
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonRecord)
                             .where(LessonRecord.session_id == lessons["foreign"].id)) == 0


def test_the_same_lesson_reads_the_same_in_the_list_the_calendar_the_feed_and_the_api(client, auth, api, lessons):
    """Every lesson of March: its date, times and status agree in every view (across the DST change)."""
    tz = ZoneInfo("Europe/London")
    items = api.get("/api/lessons?date_from=2026-03-01&date_to=2026-03-31&per_page=100").json["items"]
    from_api = {(i["session_id"], i["original_date"]): (i["date"], i["start_time"][:5], i["end_time"][:5], i["status"])
                for i in items}
    auth.login("tutor@example.com")
    listed = client.get("/sessions?date_from=2026-03-01&date_to=2026-03-31").text
    rows = re.findall(r'<tr id="l(\d+)-(\d{8})" class="st-([a-z-]+)">(?:<td class="pick">.*?</td>)?\n?'
                      r'<td class="when"><a [^>]*>[^<]*</a> '
                      r'(\d\d:\d\d)–(\d\d:\d\d)', listed)
    from_list = {(int(s), f"{d[:4]}-{d[4:6]}-{d[6:]}"): (st, a, b) for s, d, st, a, b in rows}
    assert from_list == {k: (v[3], v[1], v[2]) for k, v in from_api.items()}
    month = client.get("/calendar?date=2026-03-15").text
    cal = re.findall(r'href="/sessions/(\d+)/lessons/([0-9-]+)">\s*<time datetime="([0-9-]+)T(\d\d:\d\d)', month)
    from_calendar = {(int(s), o): (d, t) for s, o, d, t in cal if d.startswith("2026-03")}
    assert from_calendar == {k: (v[0], v[1]) for k, v in from_api.items()}
    from flask import current_app
    feed = client.get(current_app.extensions["calendar_feed_path"](lessons["tutor"]))
    events = recurring_ical_events.of(icalendar.Calendar.from_ical(feed.data)).between(
        datetime(2026, 3, 1, tzinfo=tz), datetime(2026, 4, 1, tzinfo=tz))
    from_feed = {(int(str(e["UID"]).split("-")[1].split("@")[0]), e["DTSTART"].dt.astimezone(tz).strftime("%Y-%m-%d %H:%M"),
                  "cancelled" if str(e.get("STATUS")) == "CANCELLED" else "") for e in events}
    assert from_feed == {(k[0], f"{v[0]} {v[1]}", "cancelled" if v[3] == "cancelled" else "")
                         for k, v in from_api.items()}
