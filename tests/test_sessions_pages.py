"""The session list, detail page, create/edit forms and delete, through the test client."""
from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_enrollment, make_session, make_user, today
from tests.sessions_support import (htmx, logged_in, many_sessions, reload, row_ids, token,  # noqa: F401
                                    world)
from webapp.extensions import db
from webapp.models import Review, Session, Whiteboard



# --- List ----------------------------------------------------------------------------

def test_list_shows_only_my_sessions_with_their_details(logged_in, world):
    page = logged_in.get("/sessions")
    assert page.status_code == 200
    assert row_ids(page.text) == [world.mine.id]
    assert "Selam Girma" in page.text and "Mathematics" in page.text
    assert 'class="chip">Algebra<' in page.text
    assert "09:00–10:00" in page.text and "1 h" in page.text
    assert "HX-Request" in page.headers["Vary"]


def test_list_for_htmx_is_the_results_fragment(logged_in, world):
    answer = logged_in.get("/sessions?status=scheduled", headers={"HX-Request": "true"})
    assert answer.status_code == 200
    assert "<html" not in answer.text and "<tbody" in answer.text
    assert "HX-Request" in answer.headers["Vary"]
    restore = logged_in.get("/sessions", headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text  # a history restore wants the whole page


def test_tabs(logged_in, world):
    past = make_session(world.enrollment, today() - timedelta(days=3), status="completed",
                        tutor_attendance_status="present", student_attendance_status="present")
    unmarked = make_session(world.enrollment, today() - timedelta(days=2))
    future = make_session(world.enrollment, today() + timedelta(days=4))
    db.session.commit()
    assert row_ids(logged_in.get("/sessions?tab=today").text) == [world.mine.id]
    assert row_ids(logged_in.get("/sessions?tab=upcoming").text) == [world.mine.id, future.id]
    assert row_ids(logged_in.get("/sessions?tab=past").text) == [unmarked.id, past.id]  # latest first
    assert row_ids(logged_in.get("/sessions?tab=needs-marking").text) == [unmarked.id]
    assert row_ids(logged_in.get("/sessions?tab=all").text) == [past.id, unmarked.id, world.mine.id, future.id]
    assert row_ids(logged_in.get("/sessions?tab=nonsense").text) == [past.id, unmarked.id, world.mine.id, future.id]


def test_filters_by_the_apis_names(logged_in, world):
    other_student = make_enrollment(world.tutor, make_user("student", name="Yonas Bekele"), course="Physics")
    featured = make_session(other_student, today() + timedelta(days=1), is_featured=True, priority_level="urgent",
                            session_mode="hybrid", location="Library", topics=["ፊደል ንባብ", "50% of x_y"])
    series = make_session(world.enrollment, today() + timedelta(days=2), session_frequency="weekly", is_recurring=True,
                          topics=["Graphs"],
                          recurring_pattern={"days": ["Monday"], "months": [], "specific_dates": []})
    db.session.commit()

    def ids(query):
        response = logged_in.get("/sessions?" + query)
        assert response.status_code == 200
        return row_ids(response.text)

    assert ids("is_featured=true") == [featured.id]
    assert ids("is_featured=false") == [world.mine.id, series.id]
    assert ids("is_recurring=true") == [series.id]
    assert ids("priority_level=urgent&session_mode=hybrid") == [featured.id]
    assert ids(f"student_id={other_student.student_id}") == [featured.id]
    assert ids(f"date_from={(today() + timedelta(days=1)).isoformat()}&date_to={(today() + timedelta(days=1)).isoformat()}") == [featured.id]
    assert ids("q=algebra") == [world.mine.id]
    assert ids("q=ፊደል") == [featured.id]  # non-ASCII text, stored \\u-escaped in JSON
    assert ids("q=50%25") == [featured.id] and ids("q=%25") == [featured.id] and ids("q=_") == [featured.id]
    assert ids("status=cancelled") == []


def test_bad_filters_say_why_and_never_fail(logged_in, world):
    page = logged_in.get("/sessions?date_from=2025-02-30&status=bogus&student_id=abc&is_featured=maybe&page=x"
                         "&q=" + "x" * 100_000)
    assert page.status_code == 200
    assert "Not a valid date value" in page.text
    assert "Not a valid choice" in page.text
    assert "Field cannot be longer than 200 characters" in page.text
    # the invalid filters are ignored, not guessed: the session still shows
    assert row_ids(page.text) == [world.mine.id]
    reversed_range = logged_in.get(f"/sessions?date_from={today().isoformat()}&date_to={(today() - timedelta(days=1)).isoformat()}")
    assert "The end is before the start." in reversed_range.text


def test_empty_states(logged_in, world):
    assert "No sessions match these filters." in logged_in.get("/sessions?status=cancelled").text
    assert "All caught up" in logged_in.get("/sessions?tab=needs-marking").text


def test_pages_of_fifty_in_date_order(logged_in, world):
    rows = many_sessions(world.enrollment, 54, start=today() + timedelta(days=1))
    first = logged_in.get("/sessions")
    ids = row_ids(first.text)
    assert len(ids) == 50 and ids[0] == world.mine.id and ids[1] == rows[0].id
    assert "55 sessions, page 1 of 2" in first.text
    assert 'href="/sessions?tab=all&amp;page=2"' in first.text
    second = logged_in.get("/sessions?tab=all&page=2")
    assert row_ids(second.text) == [r.id for r in rows[49:]]
    assert row_ids(logged_in.get("/sessions?page=99").text) == [r.id for r in rows[49:]]  # clamped to the last


# --- Detail --------------------------------------------------------------------------

def test_detail_shows_everything(logged_in, world):
    s = world.mine
    s.topics_covered = ["Algebra", "Fractions"]
    s.location = "Bole library"
    s.whiteboard = Whiteboard(title="Algebra board", board_url="https://board.example.com/1")
    student = s.enrollment.student
    s.student_review = Review(reviewer_id=student.id, rating=4, comment="Clear and patient.")
    db.session.commit()
    page = logged_in.get(f"/sessions/{s.id}")
    assert page.status_code == 200
    text = page.text
    for expected in ("Selam Girma", "Mathematics", "Girma Wolde", "Bole library", "Algebra board",
                     "Clear and patient.", "4 out of 5 stars", "★★★★☆",
                     "1 of 2 planned topics covered (50%)", "Also covered: Fractions", "One-time"):
        assert expected in text, expected
    assert 'href="https://board.example.com/1"' in text


def test_detail_of_a_series_says_the_rule_in_words_and_the_next_five_dates(logged_in, world):
    tuesday = today() + timedelta(days=(1 - today().weekday()) % 7 or 7)  # the next Tuesday
    s = make_session(world.enrollment, tuesday, session_frequency="weekly", is_recurring=True,
                     recurring_pattern={"days": ["Tuesday", "Thursday"], "months": [], "specific_dates": []})
    db.session.commit()
    page = logged_in.get(f"/sessions/{s.id}")
    assert "Weekly on Tuesday and Thursday" in page.text
    expected = [tuesday, tuesday + timedelta(days=2), tuesday + timedelta(days=7), tuesday + timedelta(days=9),
                tuesday + timedelta(days=14)]
    for d in expected:
        assert f'datetime="{d.isoformat()}"' in page.text
    assert page.text.count("<time datetime=") == 5


# --- Create --------------------------------------------------------------------------

def form_data(world, csrf, **changes):
    data = {
        "csrf_token": csrf, "course_enrollment_id": str(world.enrollment.id), "topics": "Fractions\nDecimals\n",
        "session_date": (today() + timedelta(days=1)).isoformat(), "start_time": "14:00", "end_time": "15:30",
        "duration": "", "session_mode": "online", "location": "", "session_frequency": "one-time",
        "alarm_before_minutes": "15", "priority_level": "high", "status": "scheduled",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_create_a_session(logged_in, world):
    page = logged_in.get("/sessions/new?date=2030-01-02")
    assert page.status_code == 200 and 'value="2030-01-02"' in page.text  # "plan one on this day"
    assert "Tutor attendance" not in page.text  # a new session starts unmarked
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
    assert "Session saved." in logged_in.get(response.headers["Location"]).text


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
    csrf = token(logged_in, "/sessions/new")
    data = form_data(world, csrf, session_date=today().isoformat(), start_time="09:30", end_time="10:30")
    before = count_sessions()
    response = logged_in.post("/sessions/new", data=data)
    assert response.status_code == 422
    assert "This time overlaps 1 other session" in response.text
    assert f'href="/sessions/{world.mine.id}"' in response.text
    assert count_sessions() == before
    # back to back is not an overlap
    assert logged_in.post("/sessions/new", data=form_data(world, csrf, session_date=today().isoformat(),
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
    assert f"Selam Girma has a session with another tutor, {day:%a} {day.day} {day:%b %Y}, 14:30–15:00" in response.text
    assert "Chemistry" not in response.text


# --- Edit ----------------------------------------------------------------------------

def edit_data(logged_in, world, s, **changes):
    page = logged_in.get(f"/sessions/{s.id}/edit")
    assert page.status_code == 200
    version = s.version
    assert f'value="{version}"' in page.text
    data = form_data(world, token(logged_in, f"/sessions/{s.id}/edit"), session_date=s.session_date.isoformat(),
                     start_time="09:00", end_time="10:00", topics="Algebra\nGeometry", version=version,
                     priority_level="medium", tutor_attendance_status="", student_attendance_status="",
                     topics_covered="")
    data.update(changes)
    return data


def test_edit_prefills_and_saves(logged_in, world):
    page = logged_in.get(f"/sessions/{world.mine.id}/edit")
    assert "Algebra\nGeometry</textarea>" in page.text
    data = edit_data(logged_in, world, world.mine, tutor_attendance_status="present", topics_covered="Algebra",
                     priority_level="urgent")
    response = logged_in.post(f"/sessions/{world.mine.id}/edit", data=data)
    assert response.status_code == 303
    s = reload(world.mine)
    assert s.priority_level == "urgent" and s.tutor_attendance_status == "present"
    assert s.student_attendance_status is None and s.topics_covered == ["Algebra"]


def test_edit_refuses_a_status_change_the_rules_forbid(logged_in, world):
    world.mine.status = "completed"
    db.session.commit()
    response = logged_in.post(f"/sessions/{world.mine.id}/edit",
                              data=edit_data(logged_in, world, world.mine, status="cancelled"))
    assert response.status_code == 422
    assert "A completed session can only become in progress." in response.text
    assert reload(world.mine).status == "completed"


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
    response = logged_in.post(f"/sessions/{world.mine.id}/delete", data={"csrf_token": token(logged_in)})
    assert response.status_code == 303 and response.headers["Location"] == "/sessions"
    assert db.session.get(Session, world.mine.id, populate_existing=True) is None
    assert "Session deleted." in logged_in.get("/sessions").text


def test_delete_with_htmx_navigates_to_the_list(logged_in, world):
    detail = logged_in.get(f"/sessions/{world.mine.id}")
    assert 'hx-confirm="Delete this session' in detail.text
    response = logged_in.post(f"/sessions/{world.mine.id}/delete", headers=htmx(token(logged_in)))
    assert response.status_code == 200 and response.headers["HX-Redirect"] == "/sessions"
    assert count_sessions() == 1  # only the other tutor's


def test_delete_of_a_session_changed_meanwhile_is_not_a_500(logged_in, world, monkeypatch):
    from webapp.sessions import services

    def racing_commit():
        db.session.rollback()
        raise services.Conflict()
    monkeypatch.setattr(services, "commit", racing_commit)
    response = logged_in.post(f"/sessions/{world.mine.id}/delete", data={"csrf_token": token(logged_in)})
    assert response.status_code == 303 and response.headers["Location"] == f"/sessions/{world.mine.id}"
    assert "changed while you were deleting it" in logged_in.get(response.headers["Location"]).text
    assert db.session.get(Session, world.mine.id, populate_existing=True) is not None


def test_the_orm_version_check_guards_deletes_too(app, world):
    s = db.session.get(Session, world.mine.id)
    with db.engine.begin() as conn:
        conn.execute(sa.update(Session.__table__).where(Session.__table__.c.id == s.id)
                     .values(updated_at=s.updated_at + timedelta(seconds=1)))
    from webapp.sessions import services
    with pytest.raises(services.Conflict):
        services.delete(s)
    assert db.session.get(Session, world.mine.id, populate_existing=True) is not None
