"""The hardening classes, each on both backends: references owned, work bounded, edge values
refused with a 4xx, stale writes without a version, and what a browser is told to keep."""
from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest

from tests.factories import make_enrollment, make_session, make_user, today
from tests.sessions_support import htmx, lesson_url, logged_in, token, world  # noqa: F401
from tests.test_api import Api, stored, token_for
from tests.test_sessions_safety import snapshot
from webapp import choices as C
from webapp.extensions import db
from webapp.models import Review, Whiteboard

REFERENCES = ("student_review_id", "tutor_review_id", "parent_review_id", "whiteboard_id")


@pytest.fixture
def api(client, world):
    return Api(client, token_for(world.tutor))


def review(enrollment, role: str) -> Review:
    author = {"student": enrollment.student, "tutor": enrollment.tutor}.get(role)
    row = Review(reviewer=author, rating=4, comment=f"{role} of {enrollment.course}",
                 enrollment_id=enrollment.id, author_role=role)
    db.session.add(row)
    return row


# --- 1. References to other tutors' data --------------------------------------------------


def test_every_reference_must_belong_to_the_sessions_enrollment(api, world):
    """Another tutor's review or whiteboard, a review of this enrollment in another role and an
    id that does not exist all get the same 422 message; the session's own ones are taken."""
    theirs = {"student_review_id": review(world.other_enrollment, "student"),
              "tutor_review_id": review(world.other_enrollment, "tutor"),
              "parent_review_id": review(world.other_enrollment, "parent"),
              "whiteboard_id": Whiteboard(title="Their board", created_by=world.other_tutor.id)}
    wrong_role = {"student_review_id": review(world.enrollment, "parent"),
                  "tutor_review_id": review(world.enrollment, "student"),
                  "parent_review_id": review(world.enrollment, "tutor")}
    own = {"student_review_id": review(world.enrollment, "student"),
           "tutor_review_id": review(world.enrollment, "tutor"),
           "parent_review_id": review(world.enrollment, "parent"),
           "whiteboard_id": Whiteboard(title="My board", created_by=world.tutor.id)}
    db.session.add_all([*theirs.values(), *own.values()])
    db.session.commit()
    path = f"/api/sessions/{world.mine.id}"
    before = stored(world.mine.id)
    for field in REFERENCES:
        missing = api.patch(path, json={field: 987654})
        assert missing.status_code == 422
        for row in (theirs[field], wrong_role.get(field)):
            if row is None:
                continue
            response = api.patch(path, json={field: row.id})
            assert response.status_code == 422, (field, response.json)
            assert response.json["errors"][field] == [m.replace("987654", str(row.id))
                                                      for m in missing.json["errors"][field]]
    assert stored(world.mine.id) == before
    response = api.patch(path, json={field: row.id for field, row in own.items()})
    assert response.status_code == 200, response.json
    assert {f: response.json[f] for f in REFERENCES} == {f: row.id for f, row in own.items()}
    # Nothing of another tutor's reaches my pages or feed.
    page = api.client.get(f"/sessions/{world.mine.id}")
    assert "Their board" not in page.text and "of Physics" not in page.text


def test_moving_a_session_to_another_enrollment_checks_its_references_again(api, world):
    second = make_enrollment(world.tutor, course="Chemistry")
    mine = review(world.enrollment, "student")
    db.session.commit()
    path = f"/api/sessions/{world.mine.id}"
    assert api.patch(path, json={"student_review_id": mine.id}).status_code == 200
    response = api.patch(path, json={"course_enrollment_id": second.id})
    assert response.status_code == 422 and "student_review_id" in response.json["errors"]
    assert stored(world.mine.id)["course_enrollment_id"] == world.enrollment.id
    # Moving it and dropping the review together is fine.
    response = api.patch(path, json={"course_enrollment_id": second.id, "student_review_id": None})
    assert response.status_code == 200, response.json


def test_the_form_takes_no_reference_ids_at_all(logged_in, world):
    """The tutor's form has no review or whiteboard fields: ids posted to it are ignored."""
    board = Whiteboard(title="Their board", created_by=world.other_tutor.id)
    db.session.add(board)
    db.session.commit()
    edit = f"/sessions/{world.mine.id}/edit"
    page = logged_in.get(edit).text
    assert not any(f'name="{field}"' in page for field in REFERENCES)
    data = {"csrf_token": token(logged_in, edit), "course_enrollment_id": world.enrollment.id,
            "session_date": world.mine.session_date.isoformat(), "start_time": "09:00", "end_time": "10:00",
            "session_mode": "online", "session_frequency": "one-time", "priority_level": "medium",
            "save_anyway": "y",
            "version": re.search(r'name="version"[^>]*value="([^"]+)"', page).group(1),
            "whiteboard_id": board.id}
    response = logged_in.post(edit, data=data)
    assert response.status_code == 303, response.text[:500]
    assert stored(world.mine.id)["whiteboard_id"] is None


# --- 2. Bounded work ------------------------------------------------------------------------


@pytest.fixture
def open_daily_series(world):
    """A daily series with no end, starting at the first date the app accepts."""
    series = make_session(world.enrollment, C.DATE_MIN, time(7), time(8), session_frequency="weekly", recurring_pattern={"days": list(C.WEEKDAYS)},
                          is_recurring=True)
    db.session.commit()
    return series


@pytest.mark.parametrize("path", ["/calendar?date={d}", "/calendar/week?date={d}"])
@pytest.mark.parametrize("given", ["9999-11-01", "0001-01-01", "1900-01-02", "2200-12-30", "2026-02-30", "soon"])
def test_calendar_dates_outside_the_range_show_today_and_say_why(logged_in, open_daily_series, path, given):
    response = logged_in.get(path.format(d=given))
    assert response.status_code == 200
    assert "here is today" in response.text
    assert today().strftime("%B") in response.text


@pytest.mark.parametrize("day", ["9999-01-01", "0001-01-01", "1899-12-31", "2201-01-01"])
def test_lesson_pages_outside_the_range_are_404(logged_in, open_daily_series, day):
    for suffix in ("", "/row", "/edit/status"):
        assert logged_in.get(f"/sessions/{open_daily_series.id}/lessons/{day}{suffix}").status_code == 404


def test_every_date_input_is_bounded(logged_in, api, world, open_daily_series):
    api.get("/api/sessions")  # the token's first use is recorded before the snapshot
    before = snapshot()
    far = "2300-01-01"
    for field in ("session_date", "date_from", "date_to"):
        assert "between 1900 and 2200" in logged_in.get(f"/sessions?tab=all&{field}={far}").text or field == "session_date"
    assert api.get(f"/api/lessons?date_from={far}").status_code == 422
    assert api.get(f"/api/lessons?date_from=2026-01-01&date_to={far}").status_code == 422
    assert api.get(f"/api/sessions?date_from={far}").status_code == 422
    for change in ({"session_date": far}, {"session_date": "1800-01-01"},
                   {"recurring_pattern": {"specific_dates": ["1800-01-01"]}, "session_frequency": "weekly"}):
        response = api.patch(f"/api/sessions/{world.mine.id}", json=change)
        assert response.status_code == 422, (change, response.json)
    lesson = f"/api/sessions/{world.mine.id}/lessons/{world.mine.session_date.isoformat()}"
    assert api.patch(lesson, json={"date": far}).status_code == 422
    csrf = token(logged_in)
    move = logged_in.post(lesson_url(world.mine.id, world.mine.session_date, "move"),
                          data={"csrf_token": csrf, "date": far, "start_time": "09:00", "end_time": "10:00",
                                "version": "x"})
    assert move.status_code == 422 and "between 1900 and 2200" in move.text
    edit = f"/sessions/{world.mine.id}/edit"
    page = logged_in.get(edit).text
    for change in ({"session_date": far}, {"until_date": far}, {"recurring_specific_dates": "1800-01-01"}):
        data = {"csrf_token": csrf, "course_enrollment_id": world.enrollment.id, "session_date": "2027-01-04",
                "start_time": "09:00", "end_time": "10:00", "session_mode": "online", "session_frequency": "weekly",
                "recurring_days": "Monday", "priority_level": "medium", "save_anyway": "y",
                "version": re.search(r'name="version"[^>]*value="([^"]+)"', page).group(1), **change}
        response = logged_in.post(edit, data=data)
        assert response.status_code == 422 and "between 1900 and 2200" in response.text, change
    assert snapshot() == before


def test_one_request_expands_at_most_the_cap_of_lessons(logged_in, api, open_daily_series, monkeypatch):
    """The timing budget, as a count: a window that would expand more lessons than the cap is
    refused with a clear message, whatever the dates."""
    monkeypatch.setattr(C, "MAX_LESSONS_PER_REQUEST", 100)
    month = logged_in.get("/calendar")
    assert month.status_code == 200  # a month of a daily series: about 42 lessons
    wide = api.get("/api/lessons?date_from=2026-01-01&date_to=2026-12-31")
    assert wide.status_code == 422 and "too many lessons" in wide.json["errors"]["date_to"][0]
    listed = logged_in.get("/sessions?tab=all&date_from=2026-01-01&date_to=2026-12-31")
    assert listed.status_code in (200, 422) and "Traceback" not in listed.text
    monkeypatch.setattr(C, "MAX_LESSONS_PER_REQUEST", 10)
    refused = logged_in.get("/calendar")
    assert refused.status_code == 422 and "too many lessons" in refused.text


# --- 4. Edge values ----------------------------------------------------------------------


@pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_timestamps_whose_offset_leaves_the_datetime_range_are_4xx(api, world, stamp):
    path = f"/api/sessions/{world.mine.id}"
    before = stored(world.mine.id)
    read = api.get(path).json
    put = api.put(path, json={**read, "updated_at": stamp})
    assert put.status_code == 412, put.json
    patch = api.patch(path, json={"created_at": stamp})
    assert patch.status_code == 422 and "created_at" in patch.json["errors"]
    assert stored(world.mine.id) == before


def test_nul_characters_are_refused_everywhere(logged_in, api, world):
    api.get("/api/sessions")  # the token's first use is recorded before the snapshot
    before = snapshot()
    csrf = token(logged_in)
    day = world.mine.session_date
    assert logged_in.get("/sessions?q=a%00b").status_code == 400
    assert logged_in.get("/calendar/abc%00def.ics").status_code == 400
    assert logged_in.get("/sessions/1%00/edit").status_code in (400, 404)
    response = logged_in.post(lesson_url(world.mine.id, day), headers=htmx(csrf),
                              data={"fields": "note", "note": "a\x00b", "version": "1", "view": "row"})
    assert response.status_code == 400 and "NUL" in response.text
    response = logged_in.post("/tokens", data={"csrf_token": csrf, "name": "laptop\x00"})
    assert response.status_code == 400
    response = api.patch(f"/api/sessions/{world.mine.id}", json={"location": "Bole\x00", "topics": ["a\x00"]})
    assert response.status_code == 422 and set(response.json["errors"]) == {"location", "topics"}
    response = api.patch(f"/api/sessions/{world.mine.id}/lessons/{day.isoformat()}", json={"note": "\x00"})
    assert response.status_code == 422 and "note" in response.json["errors"]
    assert snapshot() == before


def test_a_huge_form_is_refused_before_it_is_read(logged_in, world):
    before = snapshot()
    response = logged_in.post("/sessions/new", data={"csrf_token": token(logged_in), "topics": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert snapshot() == before


@pytest.mark.parametrize("target", ["/sessions%0d%0aSet-Cookie:%20x=1", "/sessions%0aLocation:%20//evil.example",
                                    "//evil.example", "/\\evil.example", "https://evil.example/"])
def test_next_with_line_breaks_or_another_site_goes_to_the_start_page(client, auth, world, target):
    page = client.get(f"/login?next={target}")
    response = client.post(f"/login?next={target}", data={"email": "tutor@example.com", "password": "secret-pw",
                                                          "csrf_token": re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)})
    assert response.status_code == 302 and response.headers["Location"] == "/sessions"
    assert "x=1" not in response.headers.get("Set-Cookie", "")


def test_a_lessons_next_with_line_breaks_is_ignored(logged_in, world):
    csrf = token(logged_in)
    day = world.mine.session_date
    from webapp.lessons.access import lesson_on

    response = logged_in.post(lesson_url(world.mine.id, day), data={
        "csrf_token": csrf, "fields": "status", "status": "completed", "confirm": "1",
        "version": lesson_on(world.mine, day).version, "next": "/sessions\r\nSet-Cookie: x=1"})
    assert response.status_code == 303
    assert "\n" not in response.headers["Location"] and "Set-Cookie" not in response.headers["Location"]


# --- 9. Stale writes without a version ---------------------------------------------------


def test_put_and_delete_must_name_the_version_they_overwrite(api, world):
    path = f"/api/sessions/{world.mine.id}"
    read = api.get(path)
    before = stored(world.mine.id)
    body = {**read.json, "location": "Piassa"}
    unversioned = api.put(path, json={k: v for k, v in body.items() if k != "updated_at"})
    assert unversioned.status_code == 428 and "If-Match" in unversioned.json["message"]
    assert api.delete(path).status_code == 428
    assert stored(world.mine.id) == before
    # A version in the body or in If-Match is enough; PATCH of one field needs neither.
    assert api.put(path, json=body).status_code == 200
    assert api.patch(path, json={"priority_level": "high"}).status_code == 200
    assert api.delete(path, headers={"If-Match": api.get(path).headers["ETag"]}).status_code == 204


def test_the_openapi_document_says_so(client):
    paths = client.get("/api/openapi.json").json["paths"]
    one = paths["/api/sessions/{session_id}"]
    assert "428" in one["put"]["responses"] and "428" in one["delete"]["responses"]
    assert "428" not in one["patch"]["responses"]
    delete_if_match = [p for p in one["delete"]["parameters"] if p["name"] == "If-Match"]
    assert delete_if_match and delete_if_match[0]["required"] is True
