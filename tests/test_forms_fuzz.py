"""Hypothesis throws arbitrary values at every form field and query parameter of the pages:
whatever comes, the answer is never a 5xx (and the conftest fails the test on any logged
traceback). The API has its own fuzzing from the OpenAPI document (test_api_fuzz.py)."""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Auth
from tests.sessions_support import world  # noqa: F401
from webapp.sessions.forms import FilterForm

FUZZ = settings(max_examples=25, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# What people and attackers type: anything printable or not (NUL and control characters
# included; no lone surrogates, which no browser can send), and the values that the app
# parses: dates at and past the ends of the range, huge numbers, lists, empty strings.
TEXT = st.text(st.characters(codec="utf-8"), max_size=40)
PARSED = st.sampled_from(["", "0", "-1", "2147483648", "99999999999999999999", "1e9", "2026-02-30",
                          "1899-12-31", "1900-01-01", "2200-12-31", "2201-01-01", "9999-12-31", "0001-01-01",
                          "24:00", "23:59", "00:00", "true", "y", "on", "one-time", "weekly", "Monday",
                          "completed", "x" * 5000, "2026-12-01\n2026-12-08", "/sessions\r\nX: y"])
VALUE = st.one_of(TEXT, PARSED)

SESSION_FIELDS = [
    "course_enrollment_id", "topics", "session_date", "start_time", "end_time", "duration", "session_mode",
    "location", "session_frequency", "recurring_days", "recurring_months", "recurring_specific_dates",
    "until_date", "occurrence_count", "notification_enabled", "alarm_enabled", "alarm_before_minutes",
    "priority_level", "is_featured", "version", "save_anyway", "scope", "from_date"]
MARK_FIELDS = ["fields", "status", "tutor_attendance_status", "student_attendance_status", "priority_level",
               "topics_covered", "topics_extra", "note", "version", "view", "confirm", "next"]


def fields(names) -> st.SearchStrategy[dict]:
    return st.fixed_dictionaries({}, optional={name: st.one_of(VALUE, st.lists(VALUE, max_size=3))
                                               for name in names})


@pytest.fixture
def tutor_client(client, world):
    auth = Auth(client)
    assert auth.login().status_code == 302
    return client, auth.csrf()


def no_5xx(response, what):
    assert response.status_code < 500, (what, response.status_code)


@FUZZ
@given(params=fields([*FilterForm.NAMES, "tab", "after", "date", "from", "view"]))
def test_every_query_parameter_of_the_pages(tutor_client, world, params):
    client, _ = tutor_client
    for path in ("/sessions", "/calendar", "/calendar/week", "/sessions/new", f"/sessions/{world.mine.id}/edit",
                 f"/sessions/{world.mine.id}/delete", f"/sessions/{world.mine.id}",
                 f"/sessions/{world.mine.id}/lessons/{world.mine.session_date.isoformat()}"):
        no_5xx(client.get(path, query_string=params), (path, params))


@FUZZ
@given(data=fields(SESSION_FIELDS))
def test_every_field_of_the_session_forms(tutor_client, world, data):
    client, csrf = tutor_client
    for path in ("/sessions/new", f"/sessions/{world.mine.id}/edit"):
        no_5xx(client.post(path, data={"csrf_token": csrf, **data}), (path, data))


@FUZZ
@given(data=fields(MARK_FIELDS + ["date", "start_time", "end_time", "move_anyway", "scope", "from_date",
                                  "is_featured"]), htmx=st.booleans())
def test_every_field_of_the_lesson_forms(tutor_client, world, data, htmx):
    client, csrf = tutor_client
    lesson = f"/sessions/{world.mine.id}/lessons/{world.mine.session_date.isoformat()}"
    headers = {"HX-Request": "true"} if htmx else {}
    for path in (lesson, f"{lesson}/move", f"/sessions/{world.theirs.id}/feature"):
        no_5xx(client.post(path, data={"csrf_token": csrf, **data}, headers=headers), (path, data))


@FUZZ
@given(data=fields(["email", "password", "name", "next"]))
def test_the_login_token_and_feed_forms(tutor_client, world, data):
    client, csrf = tutor_client
    for path in ("/tokens", "/calendar/feed", "/tokens/1/revoke"):
        no_5xx(client.post(path, data={"csrf_token": csrf, **data}), (path, data))
    anonymous = client.application.test_client()
    page = anonymous.get("/login", query_string={"next": data.get("next", "")} if isinstance(data.get("next"), str) else {})
    no_5xx(page, data)
    no_5xx(anonymous.post("/login", data={"csrf_token": "x", **data}), data)



def test_the_fuzzed_fields_are_every_field_of_the_forms(app):
    from webapp.sessions.forms import MoveLessonForm, SessionForm

    with app.test_request_context():
        assert {f.name for f in SessionForm()} - {"csrf_token"} == set(SESSION_FIELDS)
        assert {f.name for f in MoveLessonForm()} - {"csrf_token"} <= set(MARK_FIELDS) | {"date", "start_time", "end_time", "move_anyway"}
