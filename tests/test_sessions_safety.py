"""Walks over the URL map: another tutor's session is a 404 everywhere; every unsafe route
refuses a missing CSRF token and changes nothing; pages need a login; headers and markup
that the CSP can enforce."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from tests.factories import today
from tests.sessions_support import htmx, logged_in, token, world  # noqa: F401
from webapp.extensions import db
from webapp.lessons.access import lesson_on
from webapp.models import Session

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
METHODS = ("GET",) + UNSAFE


def rules(app, argument: str | None = None):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        if argument is None or argument in rule.arguments:
            yield rule


def fill(rule, session_id: int, day=None) -> str:
    """The rule's path with `session_id` for every int argument, the lesson's date for a
    date, a real cell for an editor's field and "x" for the others."""
    path = rule.rule
    for converter, name in re.findall(r"<(?:([^:>]+):)?([^>]+)>", rule.rule):
        value = {"int": session_id, "isodate": (day or today()).isoformat()}.get(converter, "status" if name == "field" else "x")
        path = re.sub(r"<(?:[^:>]+:)?" + name + ">", str(value), path)
    return path


def snapshot() -> dict:
    """Every row of every table: 'changes nothing' means this stays equal."""
    db.session.expire_all()
    out = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            out[table.name] = [tuple(r) for r in conn.execute(sa.select(table).order_by(*table.primary_key.columns or table.columns))]
    return out


def test_another_tutors_session_is_a_404_on_every_route(app, logged_in, world):
    csrf = token(logged_in)
    before = snapshot()
    walked = []
    for rule in rules(app, "session_id"):
        for method in METHODS:
            if method not in rule.methods:
                continue
            for headers in ({"X-CSRFToken": csrf}, htmx(csrf)):
                theirs = logged_in.open(fill(rule, world.theirs.id), method=method, headers=headers,
                                        data={"csrf_token": csrf, "version": world.theirs.version, "status": "completed",
                                              "fields": "status", "scope": "series"})
                unknown = logged_in.open(fill(rule, 987654), method=method, headers=headers,
                                         data={"csrf_token": csrf, "status": "completed"})
                assert theirs.status_code == unknown.status_code == 404, (method, rule.rule, theirs.status_code)
                assert world.theirs.enrollment.student.full_name not in theirs.text
            walked.append((method, rule.endpoint))
    endpoints = {e for _, e in walked}
    assert {"sessions.detail", "sessions.edit", "sessions.delete", "sessions.feature", "lessons.show", "lessons.mark",
            "lessons.editor", "lessons.row", "lessons.move", "api.get_session", "api.patch_session",
            "api.get_lesson_view", "api.patch_lesson"} <= endpoints
    assert snapshot() == before
    # and my own session answers on the same walk's GET pages
    assert logged_in.get(f"/sessions/{world.mine.id}").status_code == 200


def test_every_unsafe_route_refuses_a_missing_csrf_token_and_changes_nothing(app, logged_in, world):
    before = snapshot()
    walked = 0
    for rule in rules(app):
        for method in UNSAFE:
            if method not in rule.methods:
                continue
            path = fill(rule, world.mine.id)
            data = {"version": world.mine.version, "status": "completed", "priority_level": "urgent",
                    "tutor_attendance_status": "absent", "is_featured": "1", "topics_covered": "Algebra",
                    "fields": "status", "scope": "series", "view": "row"}
            for headers in ({}, {"HX-Request": "true"}):
                response = logged_in.open(path, method=method, data=data, headers=headers)
                assert response.status_code == 400, (method, path, response.status_code)
            wrong = logged_in.open(path, method=method, data={**data, "csrf_token": "forged"})
            assert wrong.status_code == 400, (method, path)
            walked += 1
    assert walked >= 12
    assert snapshot() == before


def test_pages_need_a_login(app, client, world):
    for rule in rules(app):
        if not rule.endpoint.startswith(("sessions.", "lessons.")) or "GET" not in rule.methods:
            continue
        response = client.get(fill(rule, world.mine.id))
        assert response.status_code == 302 and response.headers["Location"].startswith("/login"), rule.rule


@pytest.mark.parametrize("path", ["/sessions", "/sessions/{id}", "/sessions/{id}/edit", "/sessions/new",
                                  "/sessions/{id}/delete", "/sessions?tab=today&status=bogus",
                                  "/sessions/{id}/lessons/{day}"])
def test_security_headers_and_markup_the_csp_allows(logged_in, world, path):
    response = logged_in.get(path.format(id=world.mine.id, day=world.mine.session_date.isoformat()))
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp and "script-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.text
    assert " style=" not in html and "<style" not in html
    # no inline script: every script is a file, or a JSON data block (never executed)
    assert all("src=" in tag or 'type="application/json"' in tag for tag in re.findall(r"<script[^>]*>", html))
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers


def test_huge_and_malformed_lesson_input_is_refused_not_a_500(logged_in, world):
    csrf = token(logged_in)
    path = f"/sessions/{world.mine.id}/lessons/{world.mine.session_date.isoformat()}"
    version = lesson_on(world.mine, world.mine.session_date).version
    assert logged_in.post(path, headers=htmx(csrf), data={"version": version, "view": "row", "fields": "priority_level",
                                                          "priority_level": "\x00"}).status_code == 400  # NUL: refused
    for data in ({"fields": "status", "status": "x" * 100_000}, {"fields": "priority_level", "priority_level": "urgentish"},
                 {"fields": "student_attendance_status", "student_attendance_status": "x" * 100_000},
                 {"fields": "topics_covered", "topics_covered": ["x" * 100_000] * 3},
                 {"fields": "note", "note": "x" * 100_000}):
        response = logged_in.post(path, headers=htmx(csrf), data={"version": version, "view": "row", **data})
        assert response.status_code == 422, data
    assert logged_in.post(path, headers=htmx(csrf), data={"version": "x" * 100_000, "view": "row", "fields": "status",
                                                          "status": "cancelled"}).status_code == 409
    assert logged_in.get("/sessions/99999999999999999999999").status_code == 404
    assert logged_in.get("/sessions/99999999999999999999999/lessons/2026-01-01").status_code == 404


def _stamped_by_the_database(world) -> int:
    """A session inserted by plain SQL (a migration, another program): its updated_at is the
    column's default, CURRENT_TIMESTAMP, which SQLite spells without fractions of a second."""
    db.session.execute(sa.text(
        "INSERT INTO sessions (course_enrollment_id, topics, session_date, start_time, end_time) "
        "VALUES (:e, '[\"Algebra\"]', :d, '15:00:00', '16:00:00')"), {"e": world.enrollment.id, "d": today()})
    db.session.commit()
    return db.session.execute(sa.text("SELECT max(id) FROM sessions")).scalar()


def test_a_row_stamped_by_the_database_can_be_changed_by_every_writer(app, logged_in, world):
    from webapp.models import ApiToken

    row, plain = ApiToken.issue(world.tutor, "tests")
    db.session.add(row)
    db.session.commit()
    bearer = {"Authorization": f"Bearer {plain}"}
    day = today().isoformat()

    sid = _stamped_by_the_database(world)  # the API's session PATCH (the ORM's version check)
    etag = logged_in.get(f"/api/sessions/{sid}", headers=bearer).headers["ETag"]
    assert logged_in.patch(f"/api/sessions/{sid}", json={"priority_level": "high"},
                           headers={**bearer, "If-Match": etag}).status_code == 200

    sid = _stamped_by_the_database(world)  # the API's lesson PATCH (a conditional UPDATE)
    etag = logged_in.get(f"/api/sessions/{sid}/lessons/{day}", headers=bearer).headers["ETag"]
    assert logged_in.patch(f"/api/sessions/{sid}/lessons/{day}", json={"status": "cancelled"},
                           headers={**bearer, "If-Match": etag}).status_code == 200

    sid = _stamped_by_the_database(world)  # a row's inline mark
    csrf = token(logged_in)
    version = lesson_on(db.session.get(Session, sid), today()).version
    answer = logged_in.post(f"/sessions/{sid}/lessons/{day}", headers=htmx(csrf),
                            data={"view": "row", "fields": "priority_level", "priority_level": "low", "version": version})
    assert answer.status_code == 200

    sid = _stamped_by_the_database(world)  # the list's bulk change
    version = lesson_on(db.session.get(Session, sid), today()).version
    answer = logged_in.post("/sessions/bulk", data={"csrf_token": csrf, "lesson": f"{sid}/{day}/{version}",
                                                    "change": "priority_level=urgent"})
    assert answer.status_code == 303
    db.session.expire_all()
    assert [s.priority_level for s in db.session.scalars(sa.select(Session).where(Session.id > world.theirs.id)
                                                         .order_by(Session.id))] == ["high", "medium", "low", "urgent"]
