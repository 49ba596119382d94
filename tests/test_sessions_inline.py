"""Inline marking: each small endpoint, with htmx (fragment) and without (303 back)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.sessions_support import htmx, logged_in, reload, token, version_in, world  # noqa: F401
from webapp.extensions import db
from webapp.models import Session
from webapp.sessions import services


def post(client, s, path, data, hx=True, context=None, csrf=None):
    csrf = csrf or token(client)
    body = {"version": s.version, **data}
    if context:
        body["context"] = context
    if hx:
        return client.post(f"/sessions/{s.id}/{path}", data=body, headers=htmx(csrf))
    return client.post(f"/sessions/{s.id}/{path}", data={**body, "csrf_token": csrf})


def assert_fragment(response, status=200):
    assert response.status_code == status, response.text[:500]
    assert "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert len(response.data) < 6000  # a row: a few kilobytes


def test_status_change_answers_the_row_and_is_saved(logged_in, world):
    response = post(logged_in, world.mine, "status", {"status": "in-progress"})
    assert_fragment(response)
    assert response.text.lstrip().startswith(f'<tr id="session-{world.mine.id}"')
    assert '<option value="in-progress" selected>' in response.text
    s = reload(world.mine)
    assert s.status == "in-progress"
    assert version_in(response.text) == s.version != ""


def test_refused_status_change_says_why_in_place(logged_in, world):
    world.mine.status = "cancelled"
    db.session.commit()
    response = post(logged_in, world.mine, "status", {"status": "completed"})
    assert_fragment(response, 422)
    assert "A cancelled session can only become scheduled." in response.text
    assert 'role="alert"' in response.text
    assert reload(world.mine).status == "cancelled"
    unknown = post(logged_in, world.mine, "status", {"status": "exploded"})
    assert unknown.status_code == 422 and "Unknown status" in unknown.text


@pytest.mark.parametrize("before, after", [
    ("scheduled", "in-progress"), ("scheduled", "completed"), ("scheduled", "cancelled"),
    ("in-progress", "completed"), ("in-progress", "cancelled"), ("completed", "in-progress"),
    ("cancelled", "scheduled"),
])
def test_allowed_transitions(logged_in, world, before, after):
    world.mine.status = before
    db.session.commit()
    assert post(logged_in, world.mine, "status", {"status": after}).status_code == 200
    assert reload(world.mine).status == after


def test_stale_version_gives_a_conflict_with_the_current_row(logged_in, world):
    old_version = world.mine.version
    s = reload(world.mine)
    s.priority_level = "urgent"  # someone else's save
    db.session.commit()
    response = logged_in.post(f"/sessions/{s.id}/status", data={"status": "completed", "version": old_version},
                              headers=htmx(token(logged_in)))
    assert_fragment(response, 409)
    assert "Someone else changed this session" in response.text
    assert '<option value="urgent" selected>' in response.text  # the current data
    assert version_in(response.text) == reload(s).version
    assert reload(s).status == "scheduled"
    missing = logged_in.post(f"/sessions/{s.id}/status", data={"status": "completed"}, headers=htmx(token(logged_in)))
    assert missing.status_code == 409


def test_a_write_that_finds_a_newer_row_is_a_conflict_not_a_500(app, world):
    """Between reading and writing, another connection saves: the ORM's version check."""
    s = db.session.get(Session, world.mine.id)
    version = s.version
    with db.engine.begin() as conn:
        conn.execute(sa.update(Session.__table__).where(Session.__table__.c.id == s.id)
                     .values(updated_at=s.updated_at + timedelta(seconds=1), priority_level="low"))
    outcome = services.mark(s, "status", "completed", version)
    assert outcome.code == 409 and outcome.reload
    db.session.expire_all()
    fresh = db.session.get(Session, s.id)
    assert fresh.status == "scheduled" and fresh.priority_level == "low"


def test_stale_write_through_the_endpoint_rereads_the_row(logged_in, world, monkeypatch):
    def racing_commit():
        raise services.Conflict()
    monkeypatch.setattr(services, "commit", racing_commit)
    response = post(logged_in, world.mine, "priority", {"priority_level": "high"})
    assert_fragment(response, 409)
    assert "Someone else changed this session" in response.text


def test_attendance_marks_and_unmarks(logged_in, world):
    assert_fragment(post(logged_in, world.mine, "attendance", {"tutor_attendance_status": "present"}))
    s = reload(world.mine)
    response = post(logged_in, s, "attendance", {"student_attendance_status": "late"})
    assert_fragment(response)
    s = reload(s)
    assert (s.tutor_attendance_status, s.student_attendance_status) == ("present", "late")
    assert post(logged_in, s, "attendance", {"tutor_attendance_status": ""}).status_code == 200
    s = reload(s)
    assert s.tutor_attendance_status is None
    for bad in ({"tutor_attendance_status": "asleep"}, {}, {"tutor_attendance_status": "present",
                                                          "student_attendance_status": "late"}):
        response = post(logged_in, s, "attendance", bad)
        assert response.status_code == 422, bad
        assert 'role="alert"' in response.text
    assert reload(s).tutor_attendance_status is None
    # a plain post of the whole row form: the button's `field` says which one it saves
    response = post(logged_in, reload(s), "attendance", {"tutor_attendance_status": "absent",
                                                         "student_attendance_status": "excused",
                                                         "field": "student_attendance_status"}, hx=False)
    assert response.status_code == 303
    s = reload(s)
    assert (s.tutor_attendance_status, s.student_attendance_status) == (None, "excused")


def test_priority_and_featured(logged_in, world):
    response = post(logged_in, world.mine, "priority", {"priority_level": "urgent"})
    assert_fragment(response)
    s = reload(world.mine)
    assert s.priority_level == "urgent"
    assert post(logged_in, s, "priority", {"priority_level": "whenever"}).status_code == 422
    response = post(logged_in, s, "featured", {"is_featured": "1"})
    assert_fragment(response)
    assert 'aria-pressed="true"' in response.text
    s = reload(s)
    assert s.is_featured is True
    assert post(logged_in, s, "featured", {"is_featured": "0"}).status_code == 200
    s = reload(s)
    assert s.is_featured is False
    assert post(logged_in, s, "featured", {"is_featured": "perhaps"}).status_code == 422


def test_topics_covered_ticks_keep_typed_topics(logged_in, world):
    world.mine.topics_covered = ["Fractions"]  # typed on the edit form, not planned
    db.session.commit()
    s = reload(world.mine)
    response = post(logged_in, s, "topics-covered", {"topics_covered": ["Geometry"]})
    assert_fragment(response)
    assert reload(s).topics_covered == ["Geometry", "Fractions"]
    s = reload(s)
    assert post(logged_in, s, "topics-covered", {}).status_code == 200  # nothing ticked
    assert reload(s).topics_covered == ["Fractions"]
    s = reload(s)
    assert post(logged_in, s, "topics-covered", {"topics_covered": ["Not planned"]}).status_code == 422
    assert reload(s).topics_covered == ["Fractions"]


def test_detail_context_answers_the_widget(logged_in, world):
    response = post(logged_in, world.mine, "topics-covered", {"topics_covered": ["Algebra"]}, context="detail")
    assert_fragment(response)
    assert response.text.lstrip().startswith('<section id="marking"')
    assert "1 of 2 planned topics covered (50%)" in response.text
    refused = post(logged_in, reload(world.mine), "status", {"status": "bogus"}, context="detail")
    assert refused.status_code == 422 and 'id="marking"' in refused.text


def test_without_javascript_it_is_a_form_post_and_303_back(logged_in, world):
    response = post(logged_in, world.mine, "status", {"status": "completed", "next": "/sessions?tab=today"}, hx=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/sessions?tab=today"
    assert reload(world.mine).status == "completed"
    assert "Saved." in logged_in.get("/sessions?tab=today").text
    refused = post(logged_in, reload(world.mine), "status", {"status": "cancelled"}, hx=False)
    assert refused.status_code == 303 and refused.headers["Location"] == f"/sessions/{world.mine.id}"
    assert "A completed session can only become in progress." in logged_in.get(refused.headers["Location"]).text
    for evil in ("https://evil.example.com/", "//evil.example.com", "/\\evil.example.com", "javascript:alert(1)"):
        response = post(logged_in, reload(world.mine), "priority", {"priority_level": "low", "next": evil}, hx=False)
        assert response.headers["Location"] == f"/sessions/{world.mine.id}", evil


def test_list_rows_carry_inline_controls_that_work_without_javascript(logged_in, world):
    page = logged_in.get("/sessions?tab=today").text
    assert '<input type="hidden" name="next" value="/sessions?tab=today">' in page  # back to the same list
    form = f"mark-{world.mine.id}-row"
    assert f'<form id="{form}" method="post"' in page
    assert page.count('name="version"') == 1 and page.count('name="csrf_token"') == 1 + 1  # + log out
    for endpoint in ("status", "attendance", "priority", "featured", "topics-covered"):
        url = f"/sessions/{world.mine.id}/{endpoint}"
        assert f'form="{form}" formaction="{url}"' in page
        assert f'hx-post="{url}"' in page
    assert '<tbody hx-target="closest tr" hx-swap="outerHTML">' in page
    assert "<noscript>" in page
