"""Many lessons at once: bulk marking from a list (ticked rows, the whole page, Today's
"everyone present") in one transaction with each lesson's version, and planned sessions
imported from CSV (a preview with every row's errors, then all or nothing)."""
from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import Auth, csrf_from
from tests.factories import make_enrollment, make_session, make_user, today
from tests.lesson_support import mark_lesson
from tests.querycount import count_queries
from tests.test_sessions_safety import snapshot
from webapp.extensions import db
from webapp.lessons.access import lesson_on
from webapp.models import Session

PATTERN = {"days": [], "months": [], "specific_dates": []}


@pytest.fixture
def week(app):
    """Yesterday: three one-time lessons and a weekly series' lesson; today: two lessons."""
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede")
    enrollment = make_enrollment(tutor, make_user("student", name="Selam Girma", email="selam@example.com"),
                                 "Mathematics")
    other = make_enrollment(make_user(email="other@example.com"), make_user("student"), "Physics")
    day = today() - timedelta(days=1)
    past = [make_session(enrollment, day, time(8 + i), time(9 + i)) for i in range(3)]
    series = make_session(enrollment, day - timedelta(days=7), time(15), time(16), is_recurring=True,
                          session_frequency="weekly", recurring_pattern=PATTERN)
    now = [make_session(enrollment, today(), time(0, 1), time(0, 30)), make_session(enrollment, today(), time(23), time(23, 30))]
    theirs = make_session(other, day, time(9), time(10))
    db.session.commit()
    return {"tutor": tutor, "past": past, "series": series, "today": now, "theirs": theirs, "day": day}


def logged_in(app):
    client = app.test_client()
    Auth(client).login("tutor@example.com")
    return client


def keys_on(html: str) -> list[str]:
    return re.findall(r'name="lesson" value="([^"]+)"', html)


def flashes(client, location: str) -> list[str]:
    return re.findall(r'class="flash[^"]*">([^<]*)', client.get(location).text)


def test_ticked_lessons_get_the_value_in_one_request_and_a_summary(app, week):
    client = logged_in(app)
    page = client.get("/sessions?tab=past")
    keys = keys_on(page.text)
    assert len(keys) == 5  # three one-time lessons, two of the series
    with count_queries(db.engine) as counter:
        answer = client.post("/sessions/bulk", data={"csrf_token": csrf_from(page.text), "lesson": keys,
                                                     "change": "status=completed", "next": "/sessions?tab=past"})
    assert answer.status_code == 303 and answer.headers["Location"] == "/sessions?tab=past"
    assert counter.count <= 8  # login, load, one UPDATE per kind of write, commit: not one per lesson
    assert flashes(client, answer.headers["Location"]) == ["Saved: 5 lessons changed."]
    db.session.expire_all()
    for session in week["past"]:
        assert db.session.get(Session, session.id).status == "completed"
    db.session.expire_all()
    series = db.session.get(Session, week["series"].id)
    assert lesson_on(series, week["day"]).status == "completed"
    assert lesson_on(series, week["day"] - timedelta(days=7)).status == "completed"


def test_a_lesson_changed_meanwhile_is_skipped_and_named_the_rest_saved(app, week):
    client = logged_in(app)
    page = client.get("/sessions?tab=past")
    keys = keys_on(page.text)
    mark_lesson(week["past"][1], week["day"], status="cancelled")  # someone else, after the page was drawn
    answer = client.post("/sessions/bulk", data={"csrf_token": csrf_from(page.text), "lesson": keys,
                                                 "change": "student_attendance_status=present"})
    messages = flashes(client, answer.headers["Location"])
    assert messages[0] == "Saved: 4 lessons changed."
    assert "changed by someone meanwhile" in messages[1] and "09:00 Selam Girma" in messages[1]
    db.session.expire_all()
    kept = db.session.get(Session, week["past"][1].id)
    assert (kept.status, kept.student_attendance_status) == ("cancelled", None)  # the other change stands


def test_everyone_present_marks_todays_lessons_and_refuses_nothing_silently(app, week):
    client = logged_in(app)
    page = client.get("/sessions?tab=today")
    assert "Everyone present" in page.text
    pages = re.search(r'name="page_lessons" value="([^"]+)"', page.text).group(1)
    assert len(pages.split()) == 2
    answer = client.post("/sessions/bulk", data={"csrf_token": csrf_from(page.text), "whole_page": "1",
                                                 "page_lessons": pages, "change": "everyone-present"})
    assert flashes(client, answer.headers["Location"])[0] == "Saved: 2 lessons changed."
    db.session.expire_all()
    for session in week["today"]:
        row = db.session.get(Session, session.id)
        assert (row.tutor_attendance_status, row.student_attendance_status) == ("present", "present")


def test_a_lesson_to_come_is_not_completed_in_bulk(app, week):
    # Tomorrow's: today's last lesson (23:00) has begun during the day's last hour.
    coming = make_session(week["past"][0].enrollment, today() + timedelta(days=1), time(10), time(11))
    db.session.commit()
    client = logged_in(app)
    page = client.get("/sessions?tab=upcoming")
    late = [k for k in keys_on(page.text) if k.startswith(f"{coming.id}/")]
    assert late
    answer = client.post("/sessions/bulk", data={"csrf_token": csrf_from(page.text), "lesson": late,
                                                 "change": "status=completed"})
    messages = flashes(client, answer.headers["Location"])
    assert messages[0] == "Saved: 0 lessons changed." and "has not begun" in messages[1]


def test_bulk_refuses_without_csrf_or_with_a_bad_change_and_never_touches_others_lessons(app, week):
    client = logged_in(app)
    page = client.get("/sessions?tab=past")
    keys = keys_on(page.text)
    before = snapshot()
    assert client.post("/sessions/bulk", data={"lesson": keys, "change": "status=completed"}).status_code == 400
    bad = client.post("/sessions/bulk", data={"csrf_token": csrf_from(page.text), "lesson": keys,
                                              "change": "status=done"})
    assert "Choose" in flashes(client, bad.headers["Location"])[0]
    theirs = f"{week['theirs'].id}/{week['day'].isoformat()}/x"
    foreign = client.post("/sessions/bulk", data={"csrf_token": csrf_from(page.text), "lesson": [theirs],
                                                  "change": "status=cancelled"})
    assert "no longer exist" in " ".join(flashes(client, foreign.headers["Location"]))
    assert snapshot() == before
    student = app.test_client()
    Auth(student).login("selam@example.com", "secret-pw")
    assert student.post("/sessions/bulk", data={"csrf_token": csrf_from(student.get("/my").text),
                                                "lesson": keys, "change": "status=completed"}).status_code == 403


# --- Import ---------------------------------------------------------------------------------

GOOD = """student,course,session_date,start_time,end_time,session_mode,location,topics,priority_level,notification_enabled
selam@example.com,Mathematics,{d1},16:00,17:00,online,,Fractions; Ratios,high,yes
Selam Girma,,{d2},09:30,10:15,in-person,Bole library,Geometry,,no
"""


def upload(client, text: str, name: str = "plan.csv"):
    import io

    page = client.get("/sessions/import")
    return client.post("/sessions/import", data={"csrf_token": csrf_from(page.text),
                                                 "file": (io.BytesIO(text.encode("utf-8-sig")), name)},
                       content_type="multipart/form-data")


def test_an_import_previews_then_saves_every_row(app, week):
    client = logged_in(app)
    d1, d2 = today() + timedelta(days=3), today() + timedelta(days=4)
    count = db.session.scalar(sa.select(sa.func.count(Session.id)))
    preview = upload(client, GOOD.format(d1=d1, d2=d2))
    assert preview.status_code == 200 and "All 2 rows are fine" in preview.text
    assert db.session.scalar(sa.select(sa.func.count(Session.id))) == count  # a preview saves nothing
    data = re.search(r'<textarea name="data" hidden>(.*?)</textarea>', preview.text, re.S).group(1)
    import html

    saved = client.post("/sessions/import", data={"csrf_token": csrf_from(preview.text), "confirm": "1",
                                                  "data": html.unescape(data)})
    assert saved.status_code == 303
    made = db.session.scalars(sa.select(Session).where(Session.session_date.in_([d1, d2]))
                              .order_by(Session.session_date)).all()
    assert [(s.start_time, s.topics, s.priority_level, s.notification_enabled) for s in made] == [
        (time(16), ["Fractions", "Ratios"], "high", True), (time(9, 30), ["Geometry"], "medium", False)]
    assert made[1].location == "Bole library" and made[1].duration == 45


def test_an_import_with_bad_rows_saves_nothing_and_lists_every_error(app, week):
    client = logged_in(app)
    d = today() + timedelta(days=3)
    text = ("student,course,session_date,start_time,end_time,session_mode,location,alarm_before_minutes\n"
            f"selam@example.com,Mathematics,{d},16:00,17:00,online,,15\n"
            f"nobody@example.com,,{d},16:00,17:00,,,\n"
            f"selam@example.com,Chemistry,{d},16:00,17:00,,,\n"
            f"selam@example.com,,2026-02-30,25:00,17:00,boat,,\n"
            f"selam@example.com,,{d},17:00,16:00,in-person,,-5\n")
    before = snapshot()
    answer = upload(client, text)
    assert answer.status_code == 422
    assert "4 of 5 rows have errors" in answer.text
    for expected in ("not one of your students", "has no course “Chemistry”", "is not a session date",
                     "is not a start time", "session_mode: Must be one of", "The end must be after the start",
                     "location: Say where an in-person"):
        assert expected in answer.text.replace("&#34;", '"'), expected
    assert snapshot() == before


def test_an_import_refuses_a_file_it_cannot_read(app, week):
    client = logged_in(app)
    assert "missing: session_date" in upload(client, "student,start_time,end_time\nx,1,2\n").text
    page = client.get("/sessions/import")
    latin = client.post("/sessions/import", data={"csrf_token": csrf_from(page.text),
                                                  "file": (__import__("io").BytesIO("é".encode("latin-1")), "x.csv")},
                        content_type="multipart/form-data")
    assert latin.status_code == 422 and "not UTF-8" in latin.text
    assert "no sessions in it" in upload(client, "student,session_date,start_time,end_time\n").text
