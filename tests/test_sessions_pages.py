"""The list of lessons, the session page, the plan's forms and delete, through the test client."""
from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_enrollment, make_session, make_user, today
from tests.lesson_support import cancel_lesson, mark_lesson
from tests.sessions_support import (htmx, logged_in, many_sessions, reload, row_ids, row_keys, token,  # noqa: F401
                                    world)
from webapp.extensions import db
from webapp.lessons import plans
from webapp.models import LessonRecord, Review, Session, Whiteboard


def weekly(enrollment, first: date, days=("Tuesday", "Thursday"), **kw) -> Session:
    return make_session(enrollment, first, kw.pop("start", time(16)), kw.pop("end", time(17)), is_recurring=True,
                        session_frequency="weekly", recurring_pattern={"days": list(days), "months": [],
                                                                       "specific_dates": []}, **kw)


def monday_weeks_ago(n: int) -> date:
    return today() - timedelta(days=today().weekday() + 7 * n)


# --- List ----------------------------------------------------------------------------

def test_list_shows_only_my_lessons_with_their_details(logged_in, world):
    page = logged_in.get("/sessions")
    assert page.status_code == 200
    assert row_ids(page.text) == [world.mine.id]
    assert "Selam Girma" in page.text and "Mathematics" in page.text
    assert ">Algebra, Geometry</a>" in page.text and "09:00–10:00" in page.text
    assert "HX-Request" in page.headers["Vary"]
    assert 'aria-current="page">Upcoming<' in page.text  # the default tab


def test_list_for_htmx_is_the_results_fragment(logged_in, world):
    answer = logged_in.get("/sessions?status=scheduled", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert "<html" not in answer.text and "<tbody" in answer.text
    assert "HX-Request" in answer.headers["Vary"]
    restore = logged_in.get("/sessions", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text  # a history restore wants the whole page


def test_tabs_show_lessons_of_one_time_sessions_and_series_alike(logged_in, world):
    past = make_session(world.enrollment, today() - timedelta(days=3), status="completed",
                        tutor_attendance_status="present", student_attendance_status="present")
    unmarked = make_session(world.enrollment, today() - timedelta(days=2))
    future = make_session(world.enrollment, today() + timedelta(days=4))
    # a series that started three weeks ago and is still running: every day of the week
    running = weekly(world.enrollment, monday_weeks_ago(3), days=("Monday",), start=time(18), end=time(19))
    plans.set_series_end(running, until=monday_weeks_ago(0) + timedelta(days=14))
    db.session.commit()
    mark_lesson(running, monday_weeks_ago(3), status="completed", tutor_attendance_status="present",
                student_attendance_status="present")
    mondays = [monday_weeks_ago(n) for n in (3, 2, 1, 0)] + [monday_weeks_ago(0) + timedelta(days=d) for d in (7, 14)]

    def keys(tab):
        return row_keys(logged_in.get(f"/sessions?tab={tab}").text)

    series_today = [(running.id, today())] if today().weekday() == 0 else []
    assert keys("today") == sorted([(world.mine.id, today())] + series_today, key=lambda k: (k[1], k[0] != world.mine.id))
    upcoming = keys("upcoming")
    assert (world.mine.id, today()) in upcoming and (future.id, future.session_date) in upcoming
    assert [d for sid, d in upcoming if sid == running.id] == [d for d in mondays if d >= today()]  # still running
    past_keys = keys("past")
    assert [d for sid, d in past_keys if sid == running.id] == [d for d in reversed(mondays) if d < today()]
    assert past_keys.index((unmarked.id, unmarked.session_date)) < past_keys.index((past.id, past.session_date))
    to_mark = keys("needs-marking")
    assert (unmarked.id, unmarked.session_date) in to_mark and (past.id, past.session_date) not in to_mark
    assert (running.id, monday_weeks_ago(3)) not in to_mark  # marked
    assert (running.id, monday_weeks_ago(2)) in to_mark and (running.id, monday_weeks_ago(1)) in to_mark
    every = keys("all")
    assert every == sorted(every, key=lambda k: k[1]) and len(every) == 4 + len(mondays)
    assert keys("nonsense") == upcoming


def test_a_window_of_dates_without_a_tab_shows_past_and_future(logged_in, world):
    past = make_session(world.enrollment, today() - timedelta(days=5))
    future = make_session(world.enrollment, today() + timedelta(days=5))
    db.session.commit()
    window = f"date_from={(today() - timedelta(days=6)).isoformat()}&date_to={(today() + timedelta(days=6)).isoformat()}"
    assert row_ids(logged_in.get("/sessions?" + window).text) == [past.id, world.mine.id, future.id]
    assert row_ids(logged_in.get("/sessions?tab=upcoming&" + window).text) == [world.mine.id, future.id]


def test_filters_by_the_apis_names(logged_in, world):
    other_student = make_enrollment(world.tutor, make_user("student", name="Yonas Bekele"), course="Physics")
    featured = make_session(other_student, today() + timedelta(days=1), is_featured=True, priority_level="urgent",
                            session_mode="hybrid", location="Library", topics=["ፊደል ንባብ", "50% of x_y"])
    series = make_session(world.enrollment, today() + timedelta(days=2), time(12), time(13),
                          session_frequency="weekly", is_recurring=True, topics=["Graphs"],
                          recurring_pattern={"days": [], "months": [], "specific_dates": []})
    plans.set_series_end(series, count=2)
    db.session.commit()
    second = series.session_date + timedelta(days=7)

    def ids(query):
        response = logged_in.get("/sessions?" + query)
        assert response.status_code == 200
        return row_ids(response.text)

    assert ids("is_featured=true") == [featured.id]
    assert ids("is_featured=false") == [world.mine.id, series.id, series.id]
    assert ids("is_recurring=true") == [series.id, series.id]
    assert ids("priority_level=urgent&session_mode=hybrid") == [featured.id]
    assert ids(f"student_id={other_student.student_id}") == [featured.id]
    assert ids(f"date_from={(today() + timedelta(days=1)).isoformat()}&date_to={(today() + timedelta(days=1)).isoformat()}") == [featured.id]
    assert ids("q=algebra") == [world.mine.id]
    assert ids("q=ፊደል") == [featured.id]  # non-ASCII text, stored \\u-escaped in JSON
    assert ids("q=50%25") == [featured.id] and ids("q=%25") == [featured.id] and ids("q=_") == [featured.id]
    assert ids(f"session_id={series.id}") == [series.id, series.id]
    # status and priority are each lesson's own
    assert ids("status=cancelled") == []
    cancel_lesson(series, second)
    mark_lesson(series, series.session_date, priority_level="low")
    assert row_keys(logged_in.get("/sessions?status=cancelled").text) == [(series.id, second)]
    assert row_keys(logged_in.get("/sessions?priority_level=low").text) == [(series.id, series.session_date)]


def test_bad_filters_say_why_and_never_fail(logged_in, world):
    page = logged_in.get("/sessions?date_from=2025-02-30&status=bogus&student_id=abc&is_featured=maybe&after=x"
                         "&q=" + "x" * 100_000)
    assert page.status_code == 200
    assert "Not a valid date value" in page.text
    assert "Not a valid choice" in page.text
    assert "Field cannot be longer than 200 characters" in page.text
    # the invalid filters are ignored, not guessed: the lesson still shows
    assert row_ids(page.text) == [world.mine.id]
    reversed_range = logged_in.get(f"/sessions?date_from={today().isoformat()}&date_to={(today() - timedelta(days=1)).isoformat()}")
    assert "The end is before the start." in reversed_range.text
    far = logged_in.get("/sessions?date_from=0001-01-01&date_to=9999-12-31&tab=all")
    assert far.status_code == 200 and far.text.count("Give a date between 1900 and 2200.") == 2


def test_empty_states(logged_in, world):
    assert "No lessons match these filters." in logged_in.get("/sessions?status=cancelled").text
    mark_lesson(world.mine, world.mine.session_date, status="completed", tutor_attendance_status="present",
                student_attendance_status="present")
    assert "All caught up" in logged_in.get("/sessions?tab=needs-marking").text


def test_pages_of_fifty_in_date_order_with_a_stable_cursor(logged_in, world):
    rows = many_sessions(world.enrollment, 54, start=today() + timedelta(days=1))
    first = logged_in.get("/sessions")
    ids = row_ids(first.text)
    assert len(ids) == 50 and ids[0] == world.mine.id and ids[1] == rows[0].id
    assert "50 lessons" in first.text
    link = re.search(r'href="(/sessions\?tab=upcoming&amp;after=[^"]+)" hx-get', first.text).group(1).replace("&amp;", "&")
    second = logged_in.get(link)
    assert row_ids(second.text) == [r.id for r in rows[49:]]
    assert "Later lessons" not in second.text and "First page" in second.text
    # a lesson added before the cursor meanwhile does not shift the next page
    make_session(world.enrollment, today() + timedelta(days=2), time(23), time(23, 30))
    db.session.commit()
    assert row_ids(logged_in.get(link).text) == [r.id for r in rows[49:]]


# --- The session page ------------------------------------------------------------------

def test_the_session_page_shows_the_plan_people_and_its_lesson(logged_in, world):
    s = world.mine
    s.location = "Bole library"
    s.session_mode = "in-person"
    s.whiteboard = Whiteboard(title="Algebra board", board_url="https://board.example.com/1")
    student = s.enrollment.student
    s.student_review = Review(reviewer_id=student.id, rating=4, comment="Clear and patient.")
    db.session.commit()
    page = logged_in.get(f"/sessions/{s.id}")
    assert page.status_code == 200
    text = page.text
    for expected in ("Selam Girma", "Mathematics", "Girma Wolde", "Bole library", "Algebra board",
                     "Clear and patient.", "4 out of 5 stars", "★★★★☆", "One-time", "Edit the plan"):
        assert expected in text, expected
    assert 'href="https://board.example.com/1"' in text
    assert row_keys(text) == [(s.id, s.session_date)]  # its one lesson, marked in its row


def test_the_session_page_of_a_series_says_the_rule_and_lists_its_lessons(logged_in, world):
    tuesday = today() + timedelta(days=(1 - today().weekday()) % 7 or 7)  # the next Tuesday
    s = weekly(world.enrollment, tuesday)
    db.session.commit()
    page = logged_in.get(f"/sessions/{s.id}")
    assert "Weekly on Tuesday and Thursday" in page.text and "Open-ended" in page.text
    expected = [tuesday + timedelta(days=d) for d in (0, 2, 7, 9, 14)]
    assert [d for _, d in row_keys(page.text)][:5] == expected
    assert len(row_keys(page.text)) == 12
    assert f'href="/sessions?tab=all&amp;session_id={s.id}"' in page.text


def test_feature_is_a_plain_form_post(logged_in, world):
    response = logged_in.post(f"/sessions/{world.mine.id}/feature", data={"csrf_token": token(logged_in),
                                                                          "is_featured": "1"})
    assert response.status_code == 303
    assert reload(world.mine).is_featured
    page = logged_in.get(f"/sessions/{world.mine.id}")
    assert "★ Featured" in page.text and "Saved." in page.text

# --- Create --------------------------------------------------------------------------

def form_data(world, csrf, **changes):
    data = {
        "csrf_token": csrf, "course_enrollment_id": str(world.enrollment.id), "topics": "Fractions\nDecimals\n",
        "session_date": (today() + timedelta(days=1)).isoformat(), "start_time": "14:00", "end_time": "15:30",
        "duration": "", "session_mode": "online", "location": "", "session_frequency": "one-time",
        "alarm_before_minutes": "15", "priority_level": "high",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_create_a_session(logged_in, world):
    page = logged_in.get("/sessions/new?date=2030-01-02")
    assert page.status_code == 200 and 'value="2030-01-02"' in page.text  # "plan one on this day"
    assert "Tutor attendance" not in page.text and 'name="status"' not in page.text  # lessons are marked, not plans
    assert logged_in.get("/sessions/new?date=2030-02-30").status_code == 200
    response = logged_in.post("/sessions/new", data=form_data(world, token(logged_in, "/sessions/new"),
                                                               notification_enabled="y"))
    assert response.status_code == 303
    created = db.session.scalar(sa.select(Session).order_by(Session.id.desc()))
    assert response.headers["Location"] == f"/sessions/{created.id}"
    assert created.topics == ["Fractions", "Decimals"]
    assert created.duration == 90 and created.priority_level == "high" and created.notification_enabled
    assert created.tutor_attendance_status is None and created.student_attendance_status is None
    assert created.is_recurring is False and created.recurring_pattern is None
    assert "Saved." in logged_in.get(response.headers["Location"]).text


def test_create_a_weekly_series(logged_in, world):
    data = form_data(world, token(logged_in, "/sessions/new"), session_frequency="weekly",
                     recurring_specific_dates="2030-01-02")
    data["recurring_days"] = ["Tuesday", "Thursday"]
    assert logged_in.post("/sessions/new", data=data).status_code == 303
    created = db.session.scalar(sa.select(Session).order_by(Session.id.desc()))
    assert created.is_recurring and created.recurring_pattern == {
        "days": ["Tuesday", "Thursday"], "months": [], "specific_dates": ["2030-01-02"]}


def count_sessions() -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count(Session.id)))


def test_create_rules_give_messages_beside_their_fields_and_keep_the_input(logged_in, world):
    before = count_sessions()
    csrf = token(logged_in, "/sessions/new")
    cases = [
        ({"session_mode": "in-person", "location": ""}, "Say where an in-person or hybrid session takes place."),
        ({"end_time": "13:00"}, "The end must be after the start."),
        ({"duration": "60"}, "Start and end make 90 minutes, not 60."),
        ({"alarm_enabled": "y", "alarm_before_minutes": ""}, "Say how many minutes before the start the alarm rings."),
        ({"alarm_before_minutes": "20000"}, "Between 0 and 10080 minutes (one week)."),
        ({"alarm_before_minutes": "ten"}, "Not a valid integer value."),
        ({"session_date": "2025-02-30"}, "Not a valid date value."),
        ({"start_time": "25:00"}, "Not a valid time value."),
        ({"session_mode": "underwater"}, "Not a valid choice."),
        ({"course_enrollment_id": str(world.other_enrollment.id)}, "Not a valid choice."),
        ({"course_enrollment_id": "abc"}, "Invalid Choice: could not coerce."),
        ({"location": "x" * 100_000}, "Field cannot be longer than 255 characters."),
        ({"topics": "y" * 300}, "Each topic can be at most 200 characters."),
        ({"recurring_specific_dates": "2025-02-30", "session_frequency": "weekly"}, "is not a date (YYYY-MM-DD)."),
        ({"session_date": ""}, "Give the date."),
    ]
    for changes, message in cases:
        response = logged_in.post("/sessions/new", data=form_data(world, csrf, **changes))
        assert response.status_code == 422, changes
        assert message in response.text, (changes, message)
        assert 'aria-invalid="true"' in response.text
        assert "Nothing was saved." in response.text
    # what the tutor typed is still there
    response = logged_in.post("/sessions/new", data=form_data(world, csrf, end_time="13:00", topics="Ratios"))
    assert re.search(r">\s*Ratios</textarea>", response.text)
    assert 'value="13:00"' in response.text
    assert count_sessions() == before


def test_overlap_is_shown_and_can_be_saved_anyway(logged_in, world):
    tomorrow = today() + timedelta(days=1)
    booked = make_session(world.enrollment, tomorrow, time(9), time(10))
    db.session.commit()
    csrf = token(logged_in, "/sessions/new")
    data = form_data(world, csrf, session_date=tomorrow.isoformat(), start_time="09:30", end_time="10:30")
    before = count_sessions()
    response = logged_in.post("/sessions/new", data=data)
    assert response.status_code == 422
    assert "This time overlaps 1 other lesson to come" in response.text
    assert f'href="/sessions/{booked.id}/lessons/{tomorrow.isoformat()}"' in response.text
    assert count_sessions() == before
    # back to back is not an overlap
    assert logged_in.post("/sessions/new", data=form_data(world, csrf, session_date=tomorrow.isoformat(),
                                                           start_time="10:00", end_time="11:00")).status_code == 303
    assert logged_in.post("/sessions/new", data={**data, "save_anyway": "y"}).status_code == 303
    assert count_sessions() == before + 2


def test_overlap_with_the_students_session_of_another_tutor_shows_no_details(logged_in, world):
    other = make_enrollment(world.other_tutor, world.enrollment.student, course="Chemistry")
    make_session(other, today() + timedelta(days=1), time(14, 30), time(15))
    db.session.commit()
    response = logged_in.post("/sessions/new", data=form_data(world, token(logged_in, "/sessions/new")))
    assert response.status_code == 422
    day = today() + timedelta(days=1)
    assert f"Selam Girma has a lesson with another tutor, {day:%a} {day.day} {day:%b %Y}, 14:30–15:00" in response.text
    assert "Chemistry" not in response.text


# --- Edit ----------------------------------------------------------------------------

def edit_data(logged_in, world, s, **changes):
    page = logged_in.get(f"/sessions/{s.id}/edit")
    assert page.status_code == 200
    version = s.version
    assert f'value="{version}"' in page.text
    data = form_data(world, token(logged_in, f"/sessions/{s.id}/edit"), session_date=s.session_date.isoformat(),
                     start_time="09:00", end_time="10:00", topics="Algebra\nGeometry", version=version,
                     priority_level="medium")
    data.update(changes)
    return data


def test_edit_prefills_and_saves_the_plan_and_keeps_the_lessons_marks(logged_in, world):
    world.mine.status, world.mine.tutor_attendance_status = "completed", "present"
    db.session.commit()
    page = logged_in.get(f"/sessions/{world.mine.id}/edit")
    assert "Algebra\nGeometry</textarea>" in page.text
    data = edit_data(logged_in, world, reload(world.mine), priority_level="urgent", topics="Algebra\nSets",
                     status="scheduled", tutor_attendance_status="")
    response = logged_in.post(f"/sessions/{world.mine.id}/edit", data=data)
    assert response.status_code == 303
    s = reload(world.mine)
    assert s.priority_level == "urgent" and s.topics == ["Algebra", "Sets"]
    assert (s.status, s.tutor_attendance_status) == ("completed", "present")  # marks are the lesson's


def test_saving_a_series_unchanged_or_with_new_topics_warns_about_nothing(logged_in, world):
    series = weekly(world.enrollment, today() - timedelta(days=70), days=("Monday", "Wednesday", "Friday"),
                    start=time(9), end=time(10))  # its past lessons met world.mine's time many times
    other = make_session(world.enrollment, today() + timedelta(days=(7 - today().weekday()) % 7 or 7), time(9), time(10))
    world.mine.start_time, world.mine.end_time = time(15), time(16)  # today: on a Friday the series meets it
    db.session.commit()
    data = edit_data(logged_in, world, series, session_date=series.session_date.isoformat(), session_frequency="weekly",
                     topics="Algebra\nNew topic", recurring_days=["Monday", "Wednesday", "Friday"])
    response = logged_in.post(f"/sessions/{series.id}/edit", data=data)
    assert response.status_code == 303, response.text[:2000]
    assert "overlaps" not in logged_in.get(response.headers["Location"]).text
    # the lessons to come now belong to the series split off today (the past keeps its topics)
    carrier = db.session.get(Session, int(response.headers["Location"].rsplit("/", 1)[1]))
    assert carrier.topics == ["Algebra", "New topic"] and carrier.session_date >= today()
    # a new time does warn, about the lesson to come that it now meets only
    changed = edit_data(logged_in, world, carrier, session_date=carrier.session_date.isoformat(),
                        session_frequency="weekly", start_time="08:30", end_time="09:30",
                        recurring_days=["Monday", "Wednesday", "Friday"])
    response = logged_in.post(f"/sessions/{carrier.id}/edit", data=changed)
    assert response.status_code == 422
    assert f'href="/sessions/{other.id}/lessons/{other.session_date.isoformat()}"' in response.text
    assert "This time overlaps 1 other lesson to come" in response.text


def test_edit_from_a_stale_version_shows_what_changed_instead_of_overwriting(logged_in, world):
    data = edit_data(logged_in, world, world.mine, priority_level="low")
    # meanwhile, someone else saves
    s = reload(world.mine)
    s.priority_level = "urgent"
    db.session.commit()
    response = logged_in.post(f"/sessions/{world.mine.id}/edit", data=data)
    assert response.status_code == 409
    assert "Someone else saved this session while you were editing it." in response.text
    assert "<th scope=\"row\">Priority</th>" in response.text
    assert reload(world.mine).priority_level == "urgent"
    # the form now carries the current version: saving again overwrites on purpose
    from tests.sessions_support import version_in
    data["version"] = version_in(response.text)
    assert logged_in.post(f"/sessions/{world.mine.id}/edit", data=data).status_code == 303
    assert reload(world.mine).priority_level == "low"


# --- Delete --------------------------------------------------------------------------

def test_delete_asks_first_then_deletes(logged_in, world):
    confirm = logged_in.get(f"/sessions/{world.mine.id}/delete")
    assert confirm.status_code == 200 and "Delete this session?" in confirm.text
    assert f'method="post" action="/sessions/{world.mine.id}/delete"' in confirm.text
    response = logged_in.post(f"/sessions/{world.mine.id}/delete", data={"csrf_token": token(logged_in), "scope": "series"})
    assert response.status_code == 303 and response.headers["Location"] == "/sessions"
    assert db.session.get(Session, world.mine.id, populate_existing=True) is None
    assert "Deleted." in logged_in.get("/sessions").text


def test_deleting_from_a_series_says_how_many_lessons_go_and_offers_three_scopes(logged_in, world):
    first = monday_weeks_ago(2)
    series = weekly(world.enrollment, first, days=("Monday",), start=time(18), end=time(19))
    plans.set_series_end(series, count=6)
    db.session.commit()
    mark_lesson(series, first, note="kept")
    nxt = first + timedelta(days=14 if today().weekday() != 0 else 14)
    page = logged_in.get(f"/sessions/{series.id}/delete?from={nxt.isoformat()}")
    assert page.status_code == 200
    assert "4 lessons; the 2 earlier ones stay" in page.text and "all 6 lessons" in page.text
    assert 'value="lesson"' in page.text and 'value="following"' in page.text and 'value="series"' in page.text
    csrf = token(logged_in)
    # this lesson only: it stays, cancelled
    response = logged_in.post(f"/sessions/{series.id}/delete", data={"csrf_token": csrf, "scope": "lesson",
                                                                      "from_date": nxt.isoformat()})
    assert response.status_code == 303 and response.headers["Location"] == f"/sessions/{series.id}/lessons/{nxt.isoformat()}"
    assert db.session.scalar(sa.select(LessonRecord.status).filter_by(session_id=series.id, original_date=nxt)) == "cancelled"
    # this and the following: the series ends the day before
    later = nxt + timedelta(days=7)
    assert logged_in.post(f"/sessions/{series.id}/delete", data={"csrf_token": csrf, "scope": "following",
                                                                 "from_date": later.isoformat()}).status_code == 303
    from webapp.models import SessionSeries
    assert db.session.get(SessionSeries, series.id, populate_existing=True).until_date == later - timedelta(days=1)
    # the whole series
    assert logged_in.post(f"/sessions/{series.id}/delete", data={"csrf_token": csrf, "scope": "series",
                                                                 "from_date": first.isoformat()}).status_code == 303
    assert db.session.get(Session, series.id, populate_existing=True) is None


def test_delete_with_htmx_navigates_to_the_list(logged_in, world):
    response = logged_in.post(f"/sessions/{world.mine.id}/delete", data={"scope": "series"}, headers=htmx(token(logged_in)))
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/sessions"
    assert count_sessions() == 1  # only the other tutor's


def test_delete_of_a_session_changed_meanwhile_is_not_a_500(logged_in, world, monkeypatch):
    from webapp.lessons import errors

    def racing_delete(session):
        db.session.rollback()
        raise errors.Conflict()
    monkeypatch.setattr(plans, "delete_session", racing_delete)
    response = logged_in.post(f"/sessions/{world.mine.id}/delete", data={"csrf_token": token(logged_in), "scope": "series"})
    assert response.status_code == 303 and response.headers["Location"] == f"/sessions/{world.mine.id}"
    assert "changed while you were deleting it" in logged_in.get(response.headers["Location"]).text
    assert db.session.get(Session, world.mine.id, populate_existing=True) is not None


def test_the_orm_version_check_guards_deletes_too(app, world):
    from webapp.lessons.errors import Conflict

    s = db.session.get(Session, world.mine.id)
    with db.engine.begin() as conn:
        conn.execute(sa.update(Session.__table__).where(Session.__table__.c.id == s.id)
                     .values(updated_at=s.updated_at + timedelta(seconds=1)))
    with pytest.raises(Conflict):
        plans.delete_session(s)
    assert db.session.get(Session, world.mine.id, populate_existing=True) is not None
