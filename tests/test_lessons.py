"""One lesson, of a one-time session or of a series, through the test client: its page, the
row's click-to-edit cells and the page's form (htmx and plain posts), every value each
control offers, the question before completing a lesson to come, stale versions, notes, moves
and their overlap check."""
from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_from
from tests.factories import make_enrollment, make_session, make_user, today
from tests.lesson_support import mark_lesson
from webapp import choices as C
from webapp.extensions import db
from webapp.lessons.access import lesson_on
from webapp.models import LessonRecord, Session


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


@pytest.fixture
def term(app):
    """A tutor's weekly Tuesday-and-Thursday series that started three weeks ago, a one-time
    session next week, and another tutor's series."""
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede")
    student = make_user("student", name="Selam Girma")
    enrollment = make_enrollment(tutor, student, course="Mathematics")
    first = next_weekday(today() - timedelta(days=21), 1)  # a Tuesday, three weeks back
    series = make_session(enrollment, first, time(16), time(17), topics=["Fractions", "Decimals"],
                          is_recurring=True, session_frequency="weekly",
                          recurring_pattern={"days": ["Tuesday", "Thursday"], "months": [], "specific_dates": []})
    single = make_session(enrollment, today() + timedelta(days=8), time(9), time(10), topics=["Algebra"])
    other = make_enrollment(make_user(email="other@example.com"), course="Physics")
    theirs = make_session(other, first, time(16), time(17), is_recurring=True, session_frequency="weekly",
                          recurring_pattern={"days": ["Tuesday"], "months": [], "specific_dates": []})
    db.session.commit()
    upcoming = [first + timedelta(days=7 * w + d) for w in range(8) for d in (0, 2)]
    upcoming = [d for d in upcoming if d > today()]
    return {"tutor": tutor, "enrollment": enrollment, "series": series, "single": single, "theirs": theirs,
            "first": first, "next": upcoming[0], "later": upcoming[1:]}


@pytest.fixture
def tutor_client(client, auth, term):
    assert auth.login().status_code == 302
    return client


def url(session_id: int, day: date, action: str = "") -> str:
    return f"/sessions/{session_id}/lessons/{day.isoformat()}" + (f"/{action}" if action else "")


def version_in(html: str) -> str:
    return re.search(r'name="version" value="([^"]*)"', html).group(1)


def lesson(session_id: int, day: date):
    db.session.expire_all()
    return lesson_on(db.session.get(Session, session_id), day)


def open_cell(client, session_id, day, field):
    """A row's cell opened for change, as htmx asks for it."""
    answer = client.get(url(session_id, day, f"edit/{field}"), headers={"HX-Request": "true"})
    assert answer.status_code == 200 and "<html" not in answer.text
    return answer


def post_row(client, session_id, day, data, csrf=None, version=None):
    """A row's editor posting, as htmx sends it (the version of the opened cell)."""
    if version is None:
        version = version_in(open_cell(client, session_id, day, "status").text)
    csrf = csrf or csrf_from(client.get("/sessions").text)
    return client.post(url(session_id, day), data={"view": "row", "version": version, **data},
                       headers={"HX-Request": "true", "X-CSRFToken": csrf})


def post_page(client, session_id, day, data, hx=True):
    page = client.get(url(session_id, day)).text
    body = {"version": version_in(page), **data}
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_from(page)} if hx else {}
    if not hx:
        body["csrf_token"] = csrf_from(page)
    return client.post(url(session_id, day), data=body, headers=headers)


# --- The page ---------------------------------------------------------------------------


def test_every_lesson_has_a_page_one_time_and_series_alike(tutor_client, term):
    day = term["next"]
    page = tutor_client.get(url(term["series"].id, day))
    assert page.status_code == 200
    assert f"Lesson on {day:%a} {day.day} {day:%b %Y}, 16:00–17:00" in page.text
    assert 'id="lesson"' in page.text and 'id="marks"' in page.text
    for name in ("status", "tutor_attendance_status", "student_attendance_status", "priority_level", "note"):
        assert f'name="{name}"' in page.text
    assert f'href="/sessions/{term["series"].id}/edit?from={day.isoformat()}"' in page.text
    single = term["single"]
    page = tutor_client.get(url(single.id, single.session_date))
    assert page.status_code == 200 and 'name="note"' in page.text and "09:00–10:00" in page.text


@pytest.mark.parametrize("day", ["2026-02-30", "not-a-date", "1999-01-01", "9999-11-01", "0001-01-01"])
def test_a_date_that_is_not_a_lesson_is_a_404(tutor_client, term, day):
    assert tutor_client.get(f"/sessions/{term['series'].id}/lessons/{day}").status_code == 404
    off_day = term["next"] + timedelta(days=1)  # a Wednesday or a Friday
    assert tutor_client.get(url(term["series"].id, off_day)).status_code == 404
    single = term["single"]
    assert tutor_client.get(url(single.id, single.session_date + timedelta(days=1))).status_code == 404


def test_another_tutors_lessons_are_404_on_every_lesson_route(app, tutor_client, term):
    theirs, day = term["theirs"], term["first"]
    csrf = csrf_from(tutor_client.get("/sessions").text)
    walked = 0
    for rule in app.url_map.iter_rules():
        if "day" not in rule.arguments:
            continue
        path = (rule.rule.replace("<int:session_id>", str(theirs.id)).replace("<isodate:day>", day.isoformat())
                .replace("<field>", "status"))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = tutor_client.open(path, method=method, headers={"X-CSRFToken": csrf, "HX-Request": "true"},
                                         data={"status": "cancelled", "note": "x", "version": "x", "view": "row"})
            assert response.status_code == 404, (method, path)
            walked += 1
    assert walked >= 7
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonRecord)) == 0


def test_lesson_changes_need_a_csrf_token(tutor_client, term):
    response = tutor_client.post(url(term["series"].id, term["next"]),
                                 data={"status": "cancelled", "version": "x", "fields": "status"})
    assert response.status_code == 400
    assert lesson(term["series"].id, term["next"]).status == "scheduled"


# --- The rows' click-to-edit cells ------------------------------------------------------


def test_a_row_shows_values_as_text_and_opens_one_control_at_a_time(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    row = tutor_client.get(url(sid, day, "row"), headers={"HX-Request": "true"}).text
    assert row.startswith(f'<tr id="l{sid}-{day:%Y%m%d}"') and "<select" not in row and "<form" not in row
    assert f'href="{url(sid, day, "edit/status")}"' in row and ">Scheduled</a>" in row
    for field, control in (("status", 'name="status"'), ("priority", 'name="priority_level"'),
                           ("attendance", 'name="student_attendance_status"'), ("topics", 'name="topics_covered"')):
        opened = open_cell(tutor_client, sid, day, field).text
        assert opened.startswith(f'<tr id="l{sid}-') and control in opened and opened.count("<form") == 1
        assert 'name="view" value="row"' in opened
    # without JavaScript a cell leads to the lesson's page
    plain = tutor_client.get(url(sid, day, "edit/status"))
    assert plain.status_code == 303 and plain.headers["Location"] == url(sid, day) + "#status"
    assert tutor_client.get(url(sid, day, "edit/colour"), headers={"HX-Request": "true"}).status_code == 404


@pytest.mark.parametrize("kind", ["series", "single"])
def test_every_value_each_row_control_offers_is_accepted(tutor_client, term, kind):
    s = term["series"] if kind == "series" else term["single"]
    day = term["next"] if kind == "series" else s.session_date
    offered = {
        "status": re.findall(r'<option value="([^"]*)"', open_cell(tutor_client, s.id, day, "status").text),
        "priority_level": re.findall(r'<option value="([^"]*)"', open_cell(tutor_client, s.id, day, "priority").text),
    }
    attendance = open_cell(tutor_client, s.id, day, "attendance").text
    offered["tutor_attendance_status"] = re.findall(r'<option value="([^"]*)"', attendance.split("Student")[0])
    offered["student_attendance_status"] = re.findall(r'<option value="([^"]*)"', attendance.split("Student")[1])
    assert offered["status"] == list(C.SESSION_STATUSES) and offered["priority_level"] == list(C.PRIORITY_LEVELS)
    assert offered["student_attendance_status"][0] == "" and \
        sorted(offered["student_attendance_status"][1:]) == sorted(C.ATTENDANCE_STATUSES)
    csrf = csrf_from(tutor_client.get("/sessions").text)
    for name, values in offered.items():
        for value in values:
            data = {"fields": name, name: value, "confirm": "1"}
            answer = post_row(tutor_client, s.id, day, data, csrf)
            assert answer.status_code == 200, (name, value, answer.text[:300])
            assert answer.text.startswith(f'<tr id="l{s.id}-') and "<form" not in answer.text
            assert getattr(lesson(s.id, day), name) == (value or None)


def test_any_status_can_be_corrected_in_one_step(tutor_client, term):
    sid, day = term["series"].id, term["first"]  # a lesson in the past
    for status in ("completed", "scheduled", "cancelled", "scheduled", "in-progress", "completed"):
        answer = post_row(tutor_client, sid, day, {"fields": "status", "status": status})
        assert answer.status_code == 200 and f">{C.STATUS_LABELS[status]}</a>" in answer.text
        assert lesson(sid, day).status == status


def test_completing_a_lesson_to_come_asks_first(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    asked = post_row(tutor_client, sid, day, {"fields": "status", "status": "completed"})
    assert asked.status_code == 200 and "has not begun yet. Mark it completed?" in asked.text
    assert 'name="confirm" value="1"' in asked.text
    assert lesson(sid, day).status == "scheduled"
    assert post_row(tutor_client, sid, day, {"fields": "status", "status": "completed", "confirm": "1"},
                    version=version_in(asked.text)).status_code == 200
    assert lesson(sid, day).status == "completed"
    # cancelling or starting one needs no question
    assert "<select" not in post_row(tutor_client, sid, term["later"][0], {"fields": "status", "status": "cancelled"}).text


def test_attendance_is_marked_both_at_once_and_unmarked(tutor_client, term):
    sid, day = term["series"].id, term["first"]
    answer = post_row(tutor_client, sid, day, {"fields": ["tutor_attendance_status", "student_attendance_status"],
                                               "tutor_attendance_status": "present", "student_attendance_status": "late"})
    assert answer.status_code == 200 and "Tutor: Present<br>Student: Late" in answer.text
    post_row(tutor_client, sid, day, {"fields": "tutor_attendance_status", "tutor_attendance_status": ""})
    got = lesson(sid, day)
    assert (got.tutor_attendance_status, got.student_attendance_status) == (None, "late")


def test_topics_covered_ticks_planned_topics_and_keeps_the_others(tutor_client, term):
    single = term["single"]
    mark_lesson(single, single.session_date, topics_covered=["Typed on the page"])
    answer = post_row(tutor_client, single.id, single.session_date,
                      {"fields": "topics_covered", "topics_covered": ["Algebra", "Typed on the page"]})
    assert answer.status_code == 200 and "✓ Algebra" in answer.text
    assert lesson(single.id, single.session_date).topics_covered == ["Algebra", "Typed on the page"]
    assert reload_session(single).topics_covered == ["Algebra", "Typed on the page"]  # the row is the lesson


def reload_session(s: Session) -> Session:
    db.session.expire_all()
    return db.session.get(Session, s.id)


def test_a_refused_change_says_why_in_place_and_changes_nothing(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    for data, message in (({"fields": "status", "status": "finished"}, "Choose scheduled"),
                          ({"fields": "tutor_attendance_status", "tutor_attendance_status": "asleep"}, "Must be one of"),
                          ({"fields": "priority_level", "priority_level": "whenever"}, "Choose low"),
                          ({"fields": "note", "note": "x" * 5000}, "at most 2000 characters")):
        answer = post_row(tutor_client, sid, day, data)
        assert answer.status_code == 422 and message in answer.text and 'role="alert"' in answer.text
        assert answer.text.startswith(f'<tr id="l{sid}-')
    got = lesson(sid, day)
    assert (got.status, got.tutor_attendance_status, got.priority_level, got.note) == ("scheduled", None, "medium", None)


@pytest.mark.parametrize("kind", ["series", "single"])
def test_a_stale_row_gives_a_conflict_in_place_with_the_values_as_saved_now(tutor_client, term, kind):
    s = term["series"] if kind == "series" else term["single"]
    day = term["next"] if kind == "series" else s.session_date
    old = version_in(open_cell(tutor_client, s.id, day, "priority").text)
    assert post_row(tutor_client, s.id, day, {"fields": "priority_level", "priority_level": "urgent"},
                    version=old).status_code == 200
    answer = post_row(tutor_client, s.id, day, {"fields": "priority_level", "priority_level": "low"}, version=old)
    assert answer.status_code == 409 and "Someone else changed this lesson" in answer.text
    assert ">Urgent</a>" in answer.text  # what is saved now
    assert lesson(s.id, day).priority_level == "urgent"


# --- The lesson page's form ---------------------------------------------------------------


def test_a_saved_change_updates_every_label_of_the_page_out_of_band(tutor_client, term):
    sid, day = term["series"].id, term["first"]
    answer = post_page(tutor_client, sid, day, {"fields": ["status", "priority_level", "note"], "status": "completed",
                                                "priority_level": "urgent", "note": "Good progress."})
    assert answer.status_code == 200 and "<html" not in answer.text
    assert '<header id="lesson-head" class="page-head" hx-swap-oob="true">' in answer.text
    assert ">Completed</span>" in answer.text and ">Urgent priority</span>" in answer.text
    assert re.search(r'id="lesson-version" name="version" value="[0-9a-f]+" hx-swap-oob="true"', answer.text)
    assert 'id="lesson-saved"' in answer.text and "Saved at " in answer.text
    assert version_in(answer.text) == lesson(sid, day).version
    got = lesson(sid, day)
    assert (got.status, got.priority_level, got.note) == ("completed", "urgent", "Good progress.")
    page = tutor_client.get(url(sid, day)).text  # and the page as loaded again
    assert ">Completed</span>" in page and "Good progress.</textarea>" in page


def test_a_one_time_session_has_a_note_too(tutor_client, term):
    single = term["single"]
    answer = post_page(tutor_client, single.id, single.session_date, {"fields": "note", "note": "  Bring a calculator.  "})
    assert answer.status_code == 200 and "Saved at " in answer.text
    assert lesson(single.id, single.session_date).note == "Bring a calculator."
    assert reload_session(single).updated_at is not None


def test_a_refused_or_stale_change_on_the_page_answers_the_whole_lesson_in_place(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    refused = post_page(tutor_client, sid, day, {"fields": "note", "note": "x" * 3000})
    assert refused.status_code == 422 and refused.headers["HX-Retarget"] == "#lesson"
    assert refused.text.lstrip().startswith('<article id="lesson"') and 'aria-invalid="true"' in refused.text
    page = tutor_client.get(url(sid, day)).text
    mark_lesson(term["series"], day, status="cancelled")  # someone else, meanwhile
    stale = tutor_client.post(url(sid, day), data={"version": version_in(page), "fields": "note", "note": "x"},
                              headers={"HX-Request": "true", "X-CSRFToken": csrf_from(page)})
    assert stale.status_code == 409 and "Someone else changed this lesson" in stale.text
    assert stale.headers["HX-Reswap"] == "outerHTML" and ">Cancelled</span>" in stale.text
    assert lesson(sid, day).note is None


def test_completing_from_the_page_asks_first_too(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    asked = post_page(tutor_client, sid, day, {"fields": ["status", "note"], "status": "completed", "note": "Early"})
    assert asked.status_code == 200 and asked.headers["HX-Retarget"] == "#lesson"
    assert "Mark it completed anyway?" in asked.text and 'name="note" value="Early"' in asked.text
    assert lesson(sid, day).status == "scheduled"


def test_marking_works_without_javascript(tutor_client, term):
    sid, day = term["series"].id, term["first"]
    response = post_page(tutor_client, sid, day, {"fields": ["status", "tutor_attendance_status"],
                                                  "status": "cancelled", "tutor_attendance_status": ""}, hx=False)
    assert response.status_code == 303 and response.headers["Location"] == url(sid, day)
    page = tutor_client.get(response.headers["Location"]).text
    assert "Saved." in page and ">Cancelled</span>" in page
    refused = post_page(tutor_client, sid, day, {"fields": "status", "status": "over"}, hx=False)
    assert refused.status_code == 422 and "<html" in refused.text and "Choose scheduled" in refused.text
    assert lesson(sid, day).status == "cancelled"


# --- Moves --------------------------------------------------------------------------------


def move(client, session_id, day, to: date, start="10:00", end="11:00", **extra):
    page = client.get(url(session_id, day)).text
    return client.post(url(session_id, day, "move"), data={
        "csrf_token": csrf_from(page), "version": re.search(r'id="move-version" name="version" value="([^"]*)"',
                                                            page).group(1),
        "date": to.isoformat(), "start_time": start, "end_time": end, **extra})


def test_moving_a_lesson_of_a_series_keeps_its_url_and_the_rule(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    response = move(tutor_client, sid, day, day + timedelta(days=1))
    assert response.status_code == 303 and response.headers["Location"] == url(sid, day)
    page = tutor_client.get(url(sid, day)).text
    assert "Moved from" in page and "10:00–11:00" in page
    got = lesson(sid, day)
    assert (got.date, got.start_time, got.moved) == (day + timedelta(days=1), time(10), True)
    assert lesson(sid, term["later"][0]).start_time == time(16)  # the others stay


def test_moving_a_one_time_session_moves_its_lesson_and_its_note(tutor_client, term):
    single = term["single"]
    was = single.session_date
    mark_lesson(single, was, note="Room 3")
    to = was + timedelta(days=2)
    response = move(tutor_client, single.id, was, to, "11:00", "12:30")
    assert response.status_code == 303 and response.headers["Location"] == url(single.id, to)
    s = reload_session(single)
    assert (s.session_date, s.start_time, s.duration) == (to, time(11), 90)
    assert lesson(single.id, to).note == "Room 3"
    assert tutor_client.get(url(single.id, was)).status_code == 404  # its lesson is keyed by its date


def test_a_move_onto_another_lesson_warns_and_can_be_made_anyway(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    single = term["single"]
    warned = move(tutor_client, sid, day, single.session_date, "09:30", "10:30")
    assert warned.status_code == 422 and "The new time overlaps 1 other lesson" in warned.text
    assert f'href="{url(single.id, single.session_date)}"' in warned.text and 'name="move_anyway"' in warned.text
    assert not lesson(sid, day).moved
    made = move(tutor_client, sid, day, single.session_date, "09:30", "10:30", move_anyway="y")
    assert made.status_code == 303 and lesson(sid, day).date == single.session_date


def test_a_bad_move_says_why_and_changes_nothing(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    for data, message in ((dict(to=day, start="11:00", end="10:00"), "The end must be after the start."),
                          (dict(to=date(2999, 1, 1)), "Give a date between 1900 and 2200.")):
        response = move(tutor_client, sid, day, data.pop("to"), **data)
        assert response.status_code == 422 and message in response.text
    assert not lesson(sid, day).moved


def test_the_rows_hand_built_lesson_urls_are_the_routes_own(app, term):
    from flask import url_for

    from webapp.web import lesson_url

    day = term["next"]
    with app.test_request_context("/", base_url="http://localhost/prefix"):
        assert lesson_url(term["series"].id, day) == url_for("lessons.show", session_id=term["series"].id, day=day)
        assert lesson_url(term["series"].id, day, "edit/status") == url_for(
            "lessons.editor", session_id=term["series"].id, day=day, field="status")


def test_the_templates_kept_urls_are_the_routes_own(app):
    """The templates' url_for keeps fixed paths and writes query strings itself: for every
    route, every kind of value and two application roots in turn (one app, one cache) it
    gives what Flask's url_for gives, twice over (the second time from what it kept)."""
    from flask import url_for

    from webapp.web import template_url_for

    values = ({}, {"tab": "past"}, {"tab": None, "q": "a/b c&d=é?", "date_from": date(2026, 1, 2)},
              {"status": ["completed", "cancelled"], "page": 2, "is_featured": True})
    app.testing = False  # as served: static URLs are kept too
    try:
        for root in ("", "/prefix", ""):
            with app.test_request_context("/", base_url="http://localhost" + root):
                for rule in app.url_map.iter_rules():
                    if rule.arguments - {"filename"}:
                        continue  # built by url_for itself, untouched
                    for extra in values if not rule.arguments else ({"filename": "app.css"}, {"filename": "nothere.js"}):
                        for _ in range(2):
                            assert template_url_for(rule.endpoint, **extra) == url_for(rule.endpoint, **extra), (rule, extra)
                assert template_url_for("sessions.index", _anchor="x") == url_for("sessions.index", _anchor="x")
                assert template_url_for("lessons.show", session_id=3, day=date(2026, 1, 2)) == \
                    f"{root}/sessions/3/lessons/2026-01-02"
        kept = app.extensions["fixed_urls"]
        assert ("static", "app.css", "/prefix") in kept and ("static", "nothere.js", "") not in kept
    finally:
        app.testing = True
