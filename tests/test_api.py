"""The JSON API over the test client: CRUD, filters, rules, ETags, tokens, ownership."""
from __future__ import annotations

from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_enrollment, make_session, make_user
from webapp.extensions import db
from webapp.models import ApiToken, Review, Session, Whiteboard

D = date(2026, 12, 1)


class Api:
    """A client that speaks JSON with a Bearer token."""

    def __init__(self, client, token: str):
        self.client, self.headers = client, {"Authorization": f"Bearer {token}"}

    def __getattr__(self, method):
        def call(path, json=None, headers=None, **kw):
            return getattr(self.client, method)(path, json=json, headers={**self.headers, **(headers or {})}, **kw)
        return call


def token_for(user) -> str:
    row, plain = ApiToken.issue(user, "tests")
    db.session.add(row)
    db.session.commit()
    return plain


@pytest.fixture
def world(app):
    """Two tutors, each with an enrollment and sessions; an admin."""
    tutor = make_user(email="tutor@example.com")
    other = make_user(email="other@example.com")
    admin = make_user("admin", email="admin@example.com")
    mine = make_enrollment(tutor, course="Mathematics")
    theirs = make_enrollment(other, course="Physics")
    sessions = [make_session(mine, D + timedelta(days=i), status=("scheduled", "completed")[i % 2])
                for i in range(3)]
    foreign = make_session(theirs, D)
    db.session.commit()
    return dict(tutor=tutor, other=other, admin=admin, mine=mine, theirs=theirs,
                sessions=sessions, foreign=foreign)


@pytest.fixture
def api(client, world):
    return Api(client, token_for(world["tutor"]))


def body(enrollment, **kw):
    data = {"course_enrollment_id": enrollment.id, "session_date": "2026-12-10",
            "start_time": "14:00", "end_time": "15:30", "topics": ["Quadratics", "Graphs"]}
    data.update(kw)
    return data


def count_sessions():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Session))


def stored(session_id: int) -> dict:
    """The row as committed, read on a connection of its own (no ORM cache in between)."""
    with db.engine.connect() as conn:
        return dict(conn.execute(sa.select(Session.__table__).where(Session.__table__.c.id == session_id))
                    .mappings().one())


def test_list_shows_only_own_sessions_in_order_with_paging(api, world):
    response = api.get("/api/sessions")
    assert response.status_code == 200
    data = response.json
    assert data["total"] == 3 and data["page"] == 1 and data["per_page"] == 20
    assert [s["id"] for s in data["items"]] == [s.id for s in world["sessions"]]
    item = data["items"][0]
    assert len(item) == 27 and item["session_date"] == "2026-12-01" and item["start_time"] == "09:00:00"
    page = api.get("/api/sessions?per_page=2&page=2").json
    assert page["total"] == 3 and [s["id"] for s in page["items"]] == [world["sessions"][2].id]


def test_admin_sees_all(client, world):
    admin = Api(client, token_for(world["admin"]))
    assert admin.get("/api/sessions").json["total"] == 4


@pytest.mark.parametrize("query, expected", [
    ("status=completed", [1]),
    ("date_from=2026-12-02", [1, 2]),
    ("date_from=2026-12-02&date_to=2026-12-02", [1]),
    ("is_featured=false", [0, 1, 2]),
    ("is_recurring=true", []),
    ("session_mode=online", [0, 1, 2]),
    ("priority_level=urgent", []),
])
def test_filters(api, world, query, expected):
    ids = [s["id"] for s in api.get(f"/api/sessions?{query}").json["items"]]
    assert ids == [world["sessions"][i].id for i in expected]


def test_tutor_student_and_enrollment_filters_join_through_the_enrollment(client, api, world):
    student = world["mine"].student_id
    assert api.get(f"/api/sessions?student_id={student}").json["total"] == 3
    assert api.get(f"/api/sessions?tutor_id={world['tutor'].id}").json["total"] == 3
    assert api.get(f"/api/sessions?tutor_id={world['other'].id}").json["total"] == 0  # not theirs to see
    admin = Api(client, token_for(world["admin"]))
    assert admin.get(f"/api/sessions?tutor_id={world['other'].id}").json["total"] == 1
    assert api.get(f"/api/sessions?course_enrollment_id={world['mine'].id}").json["total"] == 3


@pytest.mark.parametrize("query, field", [("status=done", "status"), ("date_from=2025-02-30", "date_from"),
                                          ("per_page=101", "per_page"), ("page=0", "page"),
                                          ("student_id=abc", "student_id")])
def test_bad_filters_are_422_naming_the_parameter(api, query, field):
    response = api.get(f"/api/sessions?{query}")
    assert response.status_code == 422 and field in response.json["errors"]


def test_get_one_with_etag(api, world):
    session = world["sessions"][0]
    response = api.get(f"/api/sessions/{session.id}")
    assert response.status_code == 200 and response.headers["ETag"].startswith('"')
    assert response.json["id"] == session.id and response.json["topics"] == ["Algebra"]


def test_get_is_conditional(api, world):
    path = f"/api/sessions/{world['sessions'][0].id}"
    tag = api.get(path).headers["ETag"]
    same = api.get(path, headers={"If-None-Match": tag})
    assert same.status_code == 304 and same.data == b"" and same.headers["ETag"] == tag
    api.patch(path, json={"is_featured": True})
    changed = api.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200 and changed.json["is_featured"] is True and changed.headers["ETag"] != tag


def test_create(api, world):
    response = api.post("/api/sessions", json=body(world["mine"], recurring_pattern={
        "days": ["Tuesday", "Thursday"], "months": [], "specific_dates": []}, session_frequency="weekly"))
    assert response.status_code == 201, response.json
    created = response.json
    assert response.headers["Location"] == f"/api/sessions/{created['id']}"
    assert created["duration"] == 90 and created["is_recurring"] is True
    assert created["recurring_pattern"]["days"] == ["Tuesday", "Thursday"]
    assert created["tutor_attendance_status"] is None and created["student_attendance_status"] is None
    assert created["status"] == "scheduled" and created["priority_level"] == "medium"
    assert api.get(response.headers["Location"]).json == created


def test_create_in_another_tutors_enrollment_is_refused(api, world):
    before = count_sessions()
    response = api.post("/api/sessions", json=body(world["theirs"]))
    assert response.status_code == 422 and "course_enrollment_id" in response.json["errors"]
    assert count_sessions() == before


@pytest.mark.parametrize("change, field", [
    ({"end_time": "13:00"}, "end_time"),
    ({"session_date": "2025-02-30"}, "session_date"),
    ({"start_time": "nine"}, "start_time"),
    ({"session_mode": "teleport"}, "session_mode"),
    ({"session_mode": "in-person"}, "location"),
    ({"location": "x" * 100_000}, "location"),
    ({"topics": ["y" * 100_000]}, "topics"),
    ({"alarm_before_minutes": -5}, "alarm_before_minutes"),
    ({"alarm_before_minutes": 10**12}, "alarm_before_minutes"),
    ({"alarm_enabled": True, "alarm_before_minutes": None}, "alarm_before_minutes"),
    ({"duration": 30}, "duration"),
    ({"status": None}, "status"),
    ({"course_enrollment_id": "abc"}, "course_enrollment_id"),
    ({"course_enrollment_id": 10**15}, "course_enrollment_id"),
    ({"recurring_pattern": {"days": ["Funday"]}}, "recurring_pattern"),
    ({"student_review_id": 999999}, "student_review_id"),
    ({"whiteboard_id": 999999}, "whiteboard_id"),
    ({"nickname": "x"}, "nickname"),
    ({"location": "a\x00b"}, "location"),
])
def test_bad_input_is_422_naming_the_field_and_changes_nothing(api, world, change, field):
    before = count_sessions()
    response = api.post("/api/sessions", json=body(world["mine"], **change))
    assert response.status_code == 422, response.json
    assert field in response.json["errors"], response.json
    assert count_sessions() == before


@pytest.mark.parametrize("raw", ["{not json", "", "[1, 2]", "null"])
def test_malformed_or_non_object_bodies(api, raw):
    response = api.post("/api/sessions", data=raw, headers={"Content-Type": "application/json"})
    assert response.status_code in (400, 422)
    assert response.status_code == (400 if raw in ("{not json", "") else 422)
    assert response.is_json


def test_put_replaces_the_whole_session(api, world):
    session = world["sessions"][0]
    version = api.get(f"/api/sessions/{session.id}").headers["ETag"]
    response = api.put(f"/api/sessions/{session.id}", json=body(world["mine"], session_mode="hybrid",
                                                                 location="Library", status="in-progress"),
                       headers={"If-Match": version})
    assert response.status_code == 200, response.json
    data = response.json
    assert (data["session_mode"], data["location"], data["status"]) == ("hybrid", "Library", "in-progress")
    assert data["topics"] == ["Quadratics", "Graphs"] and data["is_featured"] is False


def test_put_needs_the_whole_session(api, world):
    response = api.put(f"/api/sessions/{world['sessions'][0].id}", json={"status": "completed"})
    assert response.status_code == 422 and {"course_enrollment_id", "session_date"} <= set(response.json["errors"])


def test_patch_changes_only_what_is_given(api, world):
    session = world["sessions"][0]
    response = api.patch(f"/api/sessions/{session.id}", json={
        "student_attendance_status": "late", "tutor_attendance_status": "present", "topics_covered": ["Algebra"]})
    assert response.status_code == 200, response.json
    data = response.json
    assert (data["student_attendance_status"], data["tutor_attendance_status"]) == ("late", "present")
    assert data["topics_covered"] == ["Algebra"] and data["topics"] == ["Algebra"]
    assert data["start_time"] == "09:00:00" and data["duration"] == 60


def test_patch_new_times_recompute_duration(api, world):
    response = api.patch(f"/api/sessions/{world['sessions'][0].id}", json={"end_time": "11:00"})
    assert response.status_code == 200 and response.json["duration"] == 120


def test_any_status_may_follow_any_other_so_a_mis_click_is_corrected_in_one_step(api, world):
    completed = world["sessions"][1]
    response = api.patch(f"/api/sessions/{completed.id}", json={"status": "finished"})
    assert response.status_code == 422 and "status" in response.json["errors"]
    for status in ("cancelled", "scheduled", "completed", "in-progress", "scheduled"):
        response = api.patch(f"/api/sessions/{completed.id}", json={"status": status})
        assert response.status_code == 200 and response.json["status"] == status


def test_review_and_whiteboard_references(api, world):
    review = Review(reviewer_id=world["mine"].student_id, rating=5, comment="Great",
                    enrollment_id=world["mine"].id, author_role="student")
    board = Whiteboard(title="Board", created_by=world["tutor"].id)
    db.session.add_all([review, board])
    db.session.commit()
    session = world["sessions"][0]
    response = api.patch(f"/api/sessions/{session.id}", json={"student_review_id": review.id, "whiteboard_id": board.id})
    assert response.status_code == 200
    assert (response.json["student_review_id"], response.json["whiteboard_id"]) == (review.id, board.id)
    cleared = api.patch(f"/api/sessions/{session.id}", json={"student_review_id": None})
    assert cleared.json["student_review_id"] is None


def test_delete(api, world):
    session = world["sessions"][0]
    response = api.delete(f"/api/sessions/{session.id}", headers={"If-Match": api.get(f"/api/sessions/{session.id}").headers["ETag"]})
    assert response.status_code == 204 and response.data == b""
    assert api.get(f"/api/sessions/{session.id}").status_code == 404


def test_stale_etag_gives_412_and_changes_nothing(api, world):
    session = world["sessions"][0]
    first = api.get(f"/api/sessions/{session.id}").headers["ETag"]
    assert api.patch(f"/api/sessions/{session.id}", json={"priority_level": "high"},
                     headers={"If-Match": first}).status_code == 200
    for method, payload in (("patch", {"priority_level": "low"}),
                            ("put", body(world["mine"])), ("delete", None)):
        response = getattr(api, method)(f"/api/sessions/{session.id}", json=payload, headers={"If-Match": first})
        assert response.status_code == 412 and response.is_json
    current = api.get(f"/api/sessions/{session.id}")
    assert current.json["priority_level"] == "high" and stored(session.id)["priority_level"] == "high"
    fresh = current.headers["ETag"]
    assert api.patch(f"/api/sessions/{session.id}", json={"priority_level": "low"},
                     headers={"If-Match": fresh}).status_code == 200


def test_a_stale_change_that_breaks_a_rule_is_422_first(api, world):
    """What is wrong with the body is said whatever version it names; only a valid change
    is then held against the version."""
    session = world["sessions"][0]
    path = f"/api/sessions/{session.id}"
    first = api.get(path).headers["ETag"]
    assert api.patch(path, json={"priority_level": "high"}, headers={"If-Match": first}).status_code == 200
    before = api.get(path).json
    response = api.patch(path, json={"topics_covered": ["x" * 1000]}, headers={"If-Match": first})
    assert response.status_code == 422 and "topics_covered" in response.json["errors"], response.json
    response = api.put(path, json={**before, "end_time": "08:00:00", "updated_at": "2020-01-01T00:00:00"})
    assert response.status_code == 422 and "end_time" in response.json["errors"], response.json
    assert api.patch(path, json={"priority_level": "low"}, headers={"If-Match": first}).status_code == 412
    assert api.get(path).json == before


def test_another_tutors_session_is_404_everywhere(api, world):
    foreign = world["foreign"]
    path = f"/api/sessions/{foreign.id}"
    for method, payload in (("get", None), ("put", body(world["mine"])), ("patch", {"status": "cancelled"}),
                            ("delete", None)):
        response = getattr(api, method)(path, json=payload)
        assert response.status_code == 404 and response.is_json, method
    assert api.get("/api/sessions/987654").status_code == 404
    assert stored(foreign.id)["status"] == "scheduled"


def test_unauthenticated_and_revoked_tokens_get_401(client, world):
    assert client.get("/api/sessions").status_code == 401
    assert client.get("/api/sessions", headers={"Authorization": "Bearer nonsense"}).status_code == 401
    row, plain = ApiToken.issue(world["tutor"], "soon revoked")
    db.session.add(row)
    db.session.commit()
    api = Api(client, plain)
    assert api.get("/api/sessions").status_code == 200
    row.revoked_at = row.created_at
    db.session.commit()
    response = api.get("/api/sessions")
    assert response.status_code == 401 and response.is_json
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_errors_are_json_404_and_405(api):
    missing = api.get("/api/nothing-here")
    assert missing.status_code == 404 and missing.is_json
    wrong = api.put("/api/sessions", json={})
    assert wrong.status_code == 405 and wrong.is_json


def test_browser_login_works_and_changes_need_the_csrf_token(client, auth, world):
    auth.login(email="tutor@example.com")
    assert client.get("/api/sessions").json["total"] == 3
    session = world["sessions"][0]
    refused = client.patch(f"/api/sessions/{session.id}", json={"priority_level": "urgent"})
    assert refused.status_code == 400 and refused.is_json
    token = auth.csrf("/tokens")
    allowed = client.patch(f"/api/sessions/{session.id}", json={"priority_level": "urgent"},
                           headers={"X-CSRFToken": token})
    assert allowed.status_code == 200 and allowed.json["priority_level"] == "urgent"


def test_bearer_requests_need_no_csrf_token_and_get_no_cookie(api, world):
    response = api.post("/api/sessions", json=body(world["mine"]))
    assert response.status_code == 201 and "Set-Cookie" not in response.headers


def test_list_runs_a_fixed_number_of_queries(api, world, app):
    from tests.querycount import count_queries

    for i in range(120):
        make_session(world["mine"], D + timedelta(days=10 + i), start=time(8, 0), end=time(9, 0))
    db.session.commit()
    api.get("/api/sessions")  # the token's first use is recorded (at most once an hour)
    with count_queries(db.engine) as small:
        assert len(api.get("/api/sessions?per_page=5").json["items"]) == 5
    with count_queries(db.engine) as large:
        assert len(api.get("/api/sessions?per_page=100").json["items"]) == 100
    assert small.count == large.count <= 3


def test_openapi_document_lists_every_route(client):
    doc = client.get("/api/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    assert set(doc["paths"]) == {"/api/sessions", "/api/sessions/{session_id}", "/api/lessons",
                                 "/api/sessions/{session_id}/lessons/{original_date}",
                                 "/api/sessions/{session_id}/lessons/{original_date}/review", "/api/me",
                                 "/api/openapi.json"}
    item = doc["paths"]["/api/sessions/{session_id}"]
    assert {"get", "put", "patch", "delete"} <= set(item)
    assert "412" in item["patch"]["responses"] and "422" in item["put"]["responses"]
    params = {p["name"] for p in doc["paths"]["/api/sessions"]["get"]["parameters"]}
    assert {"status", "session_mode", "priority_level", "date_from", "date_to", "tutor_id", "student_id",
            "course_enrollment_id", "is_featured", "is_recurring", "page", "per_page"} == params
    out = doc["components"]["schemas"]["SessionOut"]["properties"]
    assert len(out) == 27
    for method in ("post", "put", "patch"):
        operation = doc["paths"]["/api/sessions" if method == "post" else "/api/sessions/{session_id}"][method]
        assert {"400", "401", "413", "415", "422"} <= set(operation["responses"]), method


def test_openapi_document_is_valid_openapi_3_1_built_from_the_shared_definitions(client):
    from openapi_spec_validator import validate

    from webapp import choices

    doc = client.get("/api/openapi.json").json
    validate(doc)  # raises on any departure from the OpenAPI 3.1 schema
    schemas = doc["components"]["schemas"]
    create = schemas["SessionCreate"]
    assert create["additionalProperties"] is False
    assert {"course_enrollment_id", "session_date", "start_time", "end_time"} == set(create["required"])
    assert create["properties"]["session_mode"]["enum"] == list(choices.SESSION_MODES)
    assert create["properties"]["status"]["enum"] == list(choices.SESSION_STATUSES)
    assert all(create["properties"][name]["readOnly"] for name in ("id", "created_at", "updated_at", "is_recurring"))
    patch = schemas["SessionPatch"]
    assert "required" not in patch and not any("default" in p for p in patch["properties"].values())
    statuses = next(p for p in doc["paths"]["/api/sessions"]["get"]["parameters"] if p["name"] == "status")
    assert statuses["schema"]["enum"] == list(choices.SESSION_STATUSES)


def test_same_day_sessions_are_ordered_by_start_time_then_id(api, world):
    day = date(2027, 1, 5)
    late = make_session(world["mine"], day, start=time(15, 0), end=time(16, 0))
    early_b = make_session(world["mine"], day, start=time(8, 0), end=time(9, 0))
    early_a = make_session(world["mine"], day, start=time(8, 0), end=time(8, 30))
    db.session.commit()
    items = api.get("/api/sessions?date_from=2027-01-05&date_to=2027-01-05").json["items"]
    assert [s["id"] for s in items] == [early_b.id, early_a.id, late.id]


def test_recurring_patterns(api, world):
    pattern = {"days": ["Thursday", "Tuesday", "Tuesday"], "months": ["March", "January"],
               "specific_dates": ["2027-03-02", "2027-01-05"]}
    created = api.post("/api/sessions", json=body(world["mine"], session_frequency="bi-weekly",
                                                  recurring_pattern=pattern))
    assert created.status_code == 201, created.json
    assert created.json["is_recurring"] is True
    assert created.json["recurring_pattern"] == {"days": ["Tuesday", "Thursday"], "months": ["January", "March"],
                                                 "specific_dates": ["2027-01-05", "2027-03-02"]}
    sid = created.json["id"]
    assert [s["id"] for s in api.get("/api/sessions?is_recurring=true").json["items"]] == [sid]
    bad = api.patch(f"/api/sessions/{sid}", json={"recurring_pattern": {"specific_dates": ["2025-02-30"]}})
    assert bad.status_code == 422 and "recurring_pattern" in bad.json["errors"]
    bad = api.patch(f"/api/sessions/{sid}", json={"recurring_pattern": {"days": ["Funday"], "hours": [1]}})
    assert bad.status_code == 422 and "recurring_pattern" in bad.json["errors"]
    once = api.patch(f"/api/sessions/{sid}", json={"session_frequency": "one-time"})
    assert once.status_code == 200
    assert once.json["is_recurring"] is False and once.json["recurring_pattern"] is None
    assert api.get("/api/sessions?is_recurring=true").json["total"] == 0


def test_attendance_can_be_marked_changed_and_unmarked(api, world):
    path = f"/api/sessions/{world['sessions'][0].id}"
    for value in ("present", "late", "excused", "absent", None):
        response = api.patch(path, json={"student_attendance_status": value})
        assert response.status_code == 200 and response.json["student_attendance_status"] == value
    bad = api.patch(path, json={"tutor_attendance_status": "asleep"})
    assert bad.status_code == 422 and "tutor_attendance_status" in bad.json["errors"]


def test_review_references_must_exist(api, world):
    path = f"/api/sessions/{world['sessions'][0].id}"
    for field in ("student_review_id", "tutor_review_id", "parent_review_id", "whiteboard_id"):
        response = api.patch(path, json={field: 424242})
        assert response.status_code == 422 and field in response.json["errors"], field
    assert api.get(path).json["student_review_id"] is None


@pytest.mark.parametrize("change, field", [
    ({"alarm_before_minutes": "15"}, "alarm_before_minutes"),
    ({"is_featured": 1}, "is_featured"),
    ({"is_featured": "true"}, "is_featured"),
    ({"session_date": 20261201}, "session_date"),
    ({"session_date": "01/12/2026"}, "session_date"),
    ({"start_time": "25:00"}, "start_time"),
    ({"start_time": "14:00+03:00"}, "start_time"),
    ({"course_enrollment_id": 1.5}, "course_enrollment_id"),
    ({"course_enrollment_id": -1}, "course_enrollment_id"),
    ({"topics": None}, "topics"),
    ({"topics": "Algebra"}, "topics"),
    ({"topics": [1, 2]}, "topics"),
    ({"session_mode": None}, "session_mode"),
    ({"priority_level": "URGENT"}, "priority_level"),
    ({"duration": -60}, "duration"),
    ({"location": "z" * 256, "session_mode": "in-person"}, "location"),
])
def test_wrong_json_types_are_422_and_change_nothing(api, world, change, field):
    sid = world["sessions"][0].id
    path = f"/api/sessions/{sid}"
    before, row = api.get(path), stored(sid)
    response = api.patch(path, json=change)
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert stored(sid) == row
    assert api.get(path).headers["ETag"] == before.headers["ETag"]
    assert api.post("/api/sessions", json=body(world["mine"], **change)).status_code == 422


def test_rejected_put_changes_nothing(api, world):
    sid = world["sessions"][0].id
    path = f"/api/sessions/{sid}"
    row = stored(sid)
    for change, field in (({"location": "x" * 100_000}, "location"),
                          ({"start_time": "16:00", "end_time": "15:00"}, "end_time"),
                          ({"session_date": "2025-02-30"}, "session_date")):
        response = api.put(path, json=body(world["mine"], **change))
        assert response.status_code == 422 and field in response.json["errors"]
    assert stored(sid) == row


def test_unknown_fields_are_named(api, world):
    response = api.patch(f"/api/sessions/{world['sessions'][0].id}", json={"colour": "red", "status": "completed"})
    assert response.status_code == 422 and response.json["errors"]["colour"] == ["Unknown field."]
    assert api.get(f"/api/sessions/{world['sessions'][0].id}").json["status"] == "scheduled"


def test_unknown_query_parameters_are_named(api):
    response = api.get("/api/sessions?stauts=completed")
    assert response.status_code == 422 and response.json["errors"] == {"stauts": ["Unknown parameter."]}


def test_a_session_read_can_be_put_back_as_it_is(api, world):
    path = f"/api/sessions/{world['sessions'][0].id}"
    read = api.get(path)
    response = api.put(path, json=read.json, headers={"If-Match": read.headers["ETag"]})
    assert response.status_code == 200, response.json
    assert {k: v for k, v in response.json.items() if k != "updated_at"} == \
        {k: v for k, v in read.json.items() if k != "updated_at"}


@pytest.mark.parametrize("change, field", [
    ({"id": 12345}, "id"),
    ({"created_at": "2001-01-01T00:00:00Z"}, "created_at"),
    ({"is_recurring": True}, "is_recurring"),
    ({"duration": 45}, "duration"),
])
def test_read_only_fields_must_agree(api, world, change, field):
    path = f"/api/sessions/{world['sessions'][0].id}"
    before = api.get(path).json
    response = api.patch(path, json=change)
    assert response.status_code == 422 and field in response.json["errors"], response.json
    assert api.get(path).json == before


def test_an_old_updated_at_in_the_body_is_stale_like_if_match(api, world):
    path = f"/api/sessions/{world['sessions'][0].id}"
    old = api.get(path).json
    assert api.patch(path, json={"priority_level": "high"}).status_code == 200
    response = api.put(path, json={**old, "priority_level": "low"})
    assert response.status_code == 412 and response.is_json
    assert api.get(path).json["priority_level"] == "high"


def test_a_new_session_has_no_id_or_timestamps_yet(api, world):
    for field, value in (("id", 7), ("created_at", "2026-01-01T00:00:00Z"), ("updated_at", "2026-01-01T00:00:00Z")):
        response = api.post("/api/sessions", json=body(world["mine"], **{field: value}))
        assert response.status_code == 422 and field in response.json["errors"]
    assert count_sessions() == 4
    ok = api.post("/api/sessions", json=body(world["mine"], is_recurring=False, duration=90))
    assert ok.status_code == 201


def test_body_must_be_sent_as_json(api, world):
    response = api.post("/api/sessions", data="course_enrollment_id=1",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 415 and response.is_json
    response = api.patch(f"/api/sessions/{world['sessions'][0].id}", data='{"status": "completed"}',
                         headers={"Content-Type": "text/plain"})
    assert response.status_code == 415
    assert count_sessions() == 4


def test_deeply_nested_or_huge_bodies_are_refused_cleanly(api, world):
    nested = api.post("/api/sessions", data="[" * 100_000, headers={"Content-Type": "application/json"})
    assert nested.status_code == 400 and nested.is_json
    surrogate = api.post("/api/sessions", data='{"location": "\\ud800"}', headers={"Content-Type": "application/json"})
    assert surrogate.status_code == 400 and surrogate.is_json
    huge = api.post("/api/sessions", json=body(world["mine"], location="x" * 2_000_000))
    assert huge.status_code == 413 and huge.is_json
    assert count_sessions() == 4


@pytest.mark.parametrize("path", ["/api/sessions/99999999999999999999999", "/api/sessions/-1",
                                  "/api/sessions/abc", "/api/sessions/2147483648"])
def test_impossible_ids_are_json_404(api, path):
    for method in ("get", "patch", "delete"):
        response = getattr(api, method)(path, json={} if method == "patch" else None)
        assert response.status_code == 404 and response.is_json, (method, path)


def test_405_names_the_allowed_methods(api, world):
    response = api.post(f"/api/sessions/{world['sessions'][0].id}", json={})
    assert response.status_code == 405 and response.is_json
    assert {"GET", "PUT", "PATCH", "DELETE"} <= {m.strip() for m in response.headers["Allow"].split(",")}


def test_a_concurrent_save_between_read_and_write_is_412_not_500(api, world, monkeypatch):
    from webapp.lessons import plans as services

    session = world["sessions"][0]
    real_check = services.check

    def check_then_someone_else_saves(*args, **kwargs):
        result = real_check(*args, **kwargs)
        with db.engine.begin() as other:  # another request, committed in between
            other.execute(sa.update(Session).where(Session.id == session.id)
                          .values(priority_level="urgent", updated_at=sa.func.current_timestamp()))
        return result

    monkeypatch.setattr(services, "check", check_then_someone_else_saves)
    response = api.patch(f"/api/sessions/{session.id}", json={"priority_level": "low"})
    assert response.status_code == 412 and response.is_json
    monkeypatch.undo()
    assert api.get(f"/api/sessions/{session.id}").json["priority_level"] == "urgent"


def test_a_bearer_header_beside_a_login_cookie_is_judged_alone(client, auth, world):
    auth.login(email="tutor@example.com")
    assert client.get("/api/sessions").status_code == 200
    row, plain = ApiToken.issue(world["other"], "other's")
    db.session.add(row)
    db.session.commit()
    as_other = client.get("/api/sessions", headers={"Authorization": f"Bearer {plain}"})
    assert as_other.json["total"] == 1  # the token's user, not the cookie's
    created = client.post("/api/sessions", json=body(world["theirs"]),
                          headers={"Authorization": f"Bearer {plain}"})
    assert created.status_code == 201  # Bearer: no CSRF token needed
    row.revoked_at = row.created_at
    db.session.commit()
    for header in (f"Bearer {plain}", "Bearer ", "Basic dXNlcjpwdw=="):
        response = client.get("/api/sessions", headers={"Authorization": header})
        assert response.status_code == 401 and response.is_json, header


def test_admin_may_create_in_any_enrollment(client, world):
    admin = Api(client, token_for(world["admin"]))
    response = admin.post("/api/sessions", json=body(world["theirs"]))
    assert response.status_code == 201
    assert response.json["course_enrollment_id"] == world["theirs"].id


def test_moving_a_session_to_another_tutors_enrollment_is_refused(api, world):
    path = f"/api/sessions/{world['sessions'][0].id}"
    response = api.patch(path, json={"course_enrollment_id": world["theirs"].id})
    assert response.status_code == 422 and "course_enrollment_id" in response.json["errors"]
    assert api.get(path).json["course_enrollment_id"] == world["mine"].id


def test_answers_vary_on_credentials(api):
    assert {"Authorization", "Cookie"} <= set(api.get("/api/sessions").vary)


def test_a_change_that_changes_nothing_keeps_the_version(api, world):
    path = f"/api/sessions/{world['sessions'][0].id}"
    read = api.get(path)
    for method, payload in (("patch", {}), ("patch", {"topics": ["Algebra"]}), ("put", read.json)):
        response = getattr(api, method)(path, json=payload, headers={"If-Match": read.headers["ETag"]})
        assert response.status_code == 200 and response.headers["ETag"] == read.headers["ETag"]


@pytest.mark.parametrize("change", [
    {"location": "x" * 300, "session_mode": "in-person"},
    {"session_mode": "hybrid", "location": "  "},
    {"alarm_before_minutes": 10**6},
    {"alarm_enabled": True, "alarm_before_minutes": None},
    {"topics": ["t" * 201]},
    {"start_time": "10:00", "end_time": "09:00"},
    {"duration": 61},
])
def test_the_api_gives_the_shared_rules_own_messages(api, world, change):
    from datetime import date as Date, time as Time

    from webapp.lessons.rules import validate_session
    from webapp.lessons.plans import new_session_values

    response = api.post("/api/sessions", json=body(world["mine"], **change))
    assert response.status_code == 422
    values = new_session_values() | body(world["mine"], **change)
    values |= {"session_date": Date.fromisoformat(values["session_date"]),
               "start_time": Time.fromisoformat(values["start_time"]),
               "end_time": Time.fromisoformat(values["end_time"])}
    _cleaned, expected = validate_session(values)
    assert expected and response.json["errors"] == expected


@pytest.mark.parametrize("method, path", [
    ("get", "/api/sessions"), ("post", "/api/sessions"), ("get", "/api/sessions/1"), ("put", "/api/sessions/1"),
    ("patch", "/api/sessions/1"), ("delete", "/api/sessions/1"),
])
def test_every_route_is_401_json_without_credentials_and_changes_nothing(client, world, method, path):
    before = stored(world["sessions"][0].id)
    response = getattr(client, method)(path, json=None if method in ("get", "delete") else {"status": "cancelled"})
    assert response.status_code == 401 and response.is_json and "Location" not in response.headers
    assert stored(world["sessions"][0].id) == before and count_sessions() == 4


def test_the_openapi_document_needs_no_login(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.is_json


def test_a_reference_deleted_between_check_and_save_is_422_not_500(api, world, monkeypatch):
    from webapp.lessons import plans as services

    board = Whiteboard(title="Board", created_by=world["tutor"].id)
    db.session.add(board)
    db.session.commit()
    board_id, session = board.id, world["sessions"][0]
    real_check = services.check

    def check_then_someone_deletes_the_board(*args, **kwargs):
        result = real_check(*args, **kwargs)
        with db.engine.begin() as other:
            other.execute(sa.delete(Whiteboard).where(Whiteboard.id == board_id))
        return result

    monkeypatch.setattr(services, "check", check_then_someone_deletes_the_board)
    before = stored(session.id)
    response = api.patch(f"/api/sessions/{session.id}", json={"whiteboard_id": board_id})
    assert response.status_code == 422 and "body" in response.json["errors"]
    assert stored(session.id) == before


@pytest.mark.parametrize("coding", ["gzip", "br"])
def test_the_etag_of_a_compressed_answer_is_a_good_if_match(api, world, coding):
    """A client that takes compressed answers gets the ETag marked with the coding
    ("…:gzip", Flask-Compress): sending it back names the same version."""
    import gzip as gz
    import json

    import brotli

    session = world["sessions"][0]
    read = api.get(f"/api/sessions/{session.id}", headers={"Accept-Encoding": coding})
    assert read.headers["Content-Encoding"] == coding and read.headers["ETag"].endswith(f':{coding}"')
    plain = (gz.decompress if coding == "gzip" else brotli.decompress)(read.data)
    assert json.loads(plain)["id"] == session.id
    changed = api.patch(f"/api/sessions/{session.id}", json={"priority_level": "urgent"},
                        headers={"If-Match": read.headers["ETag"]})
    assert changed.status_code == 200
    stale = api.patch(f"/api/sessions/{session.id}", json={"priority_level": "low"},
                      headers={"If-Match": read.headers["ETag"]})
    assert stale.status_code == 412
