"""Students and parents never get the tutors' workspace: every route of it (lists, forms,
marking, tokens) answers 403 with a clear page, and the API lets them read, not write.
Their own pages (their lessons, a lesson's page, the calendar and its feed) are
tests/test_people.py's."""
from __future__ import annotations

import pytest

from tests.conftest import Auth
from tests.sessions_support import world  # noqa: F401
from tests.test_api import Api, token_for
from tests.test_sessions_safety import fill, rules, snapshot
from webapp.extensions import db
from webapp.models import CalendarFeed
from webapp.web import READERS_MESSAGE

WORKSPACE = ("sessions.", "lessons.", "tokens.")
EVERYONES = ("lessons.show",)  # a lesson's page is every one of its people's
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


def reader(world, role: str):
    return world.enrollment.student if role == "student" else world.enrollment.student.parents[0]


@pytest.fixture(params=["student", "parent"])
def role(request):
    return request.param


@pytest.fixture
def reader_client(app, client, world, role):
    assert Auth(client).login(reader(world, role).email).status_code == 302
    return client


def test_readers_land_on_their_own_lessons_without_the_workspace_links(reader_client, world, role):
    page = reader_client.get("/", follow_redirects=True)
    assert page.status_code == 200 and page.request.path == "/my"
    assert 'href="/sessions"' not in page.text and 'href="/tokens"' not in page.text
    assert 'href="/calendar"' in page.text and 'href="/my"' in page.text


def test_no_route_of_the_workspace_answers_a_reader(app, reader_client, world):
    csrf = Auth(reader_client).csrf("/my")
    reader_client.get("/api/sessions")
    before = snapshot()
    walked = set()
    for rule in rules(app):
        if not rule.endpoint.startswith(WORKSPACE) or rule.endpoint in EVERYONES:
            continue
        path = fill(rule, world.mine.id, world.mine.session_date)
        for method in sorted(rule.methods & {"GET", *UNSAFE}):
            response = reader_client.open(path, method=method, headers={"X-CSRFToken": csrf},
                                          data={"csrf_token": csrf, "status": "completed", "name": "mine"})
            assert response.status_code == 403, (method, path, response.status_code)
            assert READERS_MESSAGE in response.text.replace("&#39;", "'")
            walked.add(rule.endpoint)
    assert {"sessions.index", "sessions.new", "sessions.detail", "lessons.mark", "lessons.move", "lessons.carry",
            "lessons.editor", "tokens.index", "tokens.create"} <= walked
    assert snapshot() == before


def test_a_readers_feed_holds_their_own_lessons_only(app, client, world, role):
    feed = CalendarFeed(user_id=reader(world, role).id, token=CalendarFeed.new_token())
    db.session.add(feed)
    db.session.commit()
    body = client.get(f"/calendar/{feed.token}.ics").text
    assert f"session-{world.mine.id}@" in body and f"session-{world.theirs.id}@" not in body
    assert "Mathematics with Abebe Kebede" in body  # the tutor's name, not the student's own


def test_readers_read_the_api_and_may_not_write(client, world, role):
    api = Api(client, token_for(reader(world, role)))
    listed = api.get("/api/sessions")
    assert listed.status_code == 200 and [s["id"] for s in listed.json["items"]] == [world.mine.id]
    api.get("/api/sessions")
    before = snapshot()
    mine, theirs = f"/api/sessions/{world.mine.id}", f"/api/sessions/{world.theirs.id}"
    lesson = f"{mine}/lessons/{world.mine.session_date.isoformat()}"
    etag = api.get(mine).headers["ETag"]
    for method, path in (("patch", mine), ("put", mine), ("delete", mine), ("patch", lesson)):
        response = getattr(api, method)(path, json={"status": "cancelled"}, headers={"If-Match": etag})
        assert response.status_code == 403 and response.is_json, (method, path)
    assert api.post("/api/sessions", json={"course_enrollment_id": world.enrollment.id}).status_code == 403
    for method in ("get", "patch", "delete"):
        assert getattr(api, method)(theirs, json={"status": "cancelled"}).status_code == 404
    assert snapshot() == before


def test_an_admin_has_the_workspace(app, client, world):
    from tests.factories import make_user

    make_user("admin", email="admin@example.com")
    db.session.commit()
    Auth(client).login("admin@example.com")
    for path in ("/sessions", "/calendar", "/tokens", f"/sessions/{world.theirs.id}"):
        assert client.get(path).status_code == 200, path
