"""Schemathesis: property-based requests generated from /api/openapi.json, through the WSGI
app, authenticated with a seeded tutor's Bearer token. Every operation gets at least 100
examples that fit the document and 100 that break it; no answer may be a server error, and
every answer must conform to the document (status code, content type, headers, body)."""
from __future__ import annotations

import collections
import itertools
from datetime import date, time, timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import make_app
from tests.factories import make_enrollment, make_session, make_user
from webapp.extensions import db
from webapp.models import ApiToken

EXAMPLES = 100
OPERATIONS = sorted(["DELETE /api/sessions/{session_id}", "GET /api/lessons", "GET /api/sessions",
              "GET /api/sessions/{session_id}", "GET /api/sessions/{session_id}/lessons/{original_date}",
              "PATCH /api/sessions/{session_id}", "PATCH /api/sessions/{session_id}/lessons/{original_date}",
              "POST /api/sessions", "PUT /api/sessions/{session_id}",
              "PUT /api/sessions/{session_id}/lessons/{original_date}/review", "GET /api/me"])


@pytest.fixture
def seeded(app):
    """A tutor with sessions to aim at, and another tutor's session that must stay out of reach."""
    tutor = make_user(email="fuzz@example.com")
    enrollment = make_enrollment(tutor)
    sessions = [make_session(enrollment, date(2026, 12, 1) + timedelta(days=i), start=time(9, 0), end=time(10, 0))
                for i in range(36)]
    sessions += [make_session(enrollment, date(2026, 11, 2) + timedelta(days=i), start=time(15, 0), end=time(16, 0),
                              is_recurring=True, session_frequency="weekly",
                              recurring_pattern={"days": [], "months": [], "specific_dates": []}) for i in range(4)]
    other = make_session(make_enrollment(make_user(email="other@example.com")), date(2026, 12, 1))
    row, plain = ApiToken.issue(tutor, "fuzz")
    db.session.add(row)
    db.session.commit()
    # A lesson of each: a one-time session's own date, a series' dates a week apart.
    lessons = {s.id: [s.session_date + timedelta(days=7 * k) for k in range(4 if s.is_recurring else 1)]
               for s in sessions + [other]}
    return {"token": plain, "enrollment": enrollment.id, "ids": [s.id for s in sessions], "other": other.id,
            "lessons": lessons}


def fuzz(served, seeded, mode: GenerationMode) -> dict[str, collections.Counter]:
    """Run every operation of the document in `mode`; the status codes each one got."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", served)
    # identity: the WSGI transport hands Schemathesis the body as sent, and it would not
    # decode a compressed one (tests/test_wire.py and test_api.py check the compressed answers)
    headers = {"Authorization": f"Bearer {seeded['token']}", "Accept-Encoding": "identity"}
    # Mostly the tutor's sessions, sometimes another tutor's, sometimes whatever was generated.
    targets = st.sampled_from(seeded["ids"] + [seeded["other"]] * 3 + [None] * 5)
    days = st.integers(0, 3)
    statuses: dict[str, collections.Counter] = {}
    # Deletes last, so that the other operations still find the sessions to aim at.
    operations = sorted((result.ok() for result in schema.get_all_operations()),
                        key=lambda operation: (operation.method.upper() == "DELETE", operation.label))
    for operation in operations:
        seen = statuses.setdefault(operation.label, collections.Counter())
        # Which valid requests get the fix-ups below: two in three, by count rather than drawn
        # (Hypothesis draws False far more often than True, so a drawn flag left some runs
        # with no valid whole-session PUT at all).
        turns = itertools.count()

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(generation_mode=mode), target=targets, k=days)
        def check(case, target, k):
            own = next(turns) % 3 != 0
            # Random ids would almost never name a session, so most requests would stop at
            # 404: aim at real ones (and at another tutor's) and at their lessons' dates,
            # without making a deliberately broken part valid again.
            if target is not None and "session_id" in (case.path_parameters or {}) \
                    and not case.meta.is_negative_at(ParameterLocation.PATH):
                case.path_parameters["session_id"] = target
                if "original_date" in case.path_parameters:
                    dates = seeded["lessons"][target]
                    case.path_parameters["original_date"] = dates[k % len(dates)].isoformat()
            if own and mode is GenerationMode.POSITIVE:
                # Half the valid requests also get what JSON Schema cannot say: the tutor's own
                # enrollment, the start before the end, no If-Match from another version
                # (PUT and DELETE must name one: `*`, whatever version is current).
                if case.method.upper() in ("PUT", "DELETE"):
                    case.headers = {**(case.headers or {}), "If-Match": "*"}
                else:
                    (case.headers or {}).pop("If-Match", None)
                if isinstance(case.body, dict):
                    body = case.body
                    if "course_enrollment_id" in body:
                        body["course_enrollment_id"] = seeded["enrollment"]
                    for reference in ("whiteboard_id", "student_review_id", "tutor_review_id", "parent_review_id"):
                        if reference in body:  # one of the enrollment's, or none: random ids are neither
                            body[reference] = None
                    if body.get("start_time") and body.get("end_time") and body["end_time"] < body["start_time"]:
                        body["start_time"], body["end_time"] = body["end_time"], body["start_time"]
            # Rules between fields (end after start, the tutor's own enrollment, ...) are
            # beyond JSON Schema, so a schema-valid body may rightly get a 422.
            response = case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
            seen[response.status_code] += 1

        check()
    return statuses


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_api_conforms_to_its_openapi_document(app, database_url, seeded, mode):
    # A second app instance on the same database: the fixture's app context belongs to the
    # other one, so every request gets a fresh context of its own, as in production.
    served = make_app(database_url)
    try:
        statuses = fuzz(served, seeded, mode)
    finally:
        with served.app_context():
            db.engine.dispose()
    print(mode.value, {label: dict(counts) for label, counts in sorted(statuses.items())})
    assert sorted(statuses) == OPERATIONS, sorted(statuses)
    assert all(sum(counts.values()) >= EXAMPLES for counts in statuses.values()), statuses
    if mode is GenerationMode.POSITIVE:
        # The run reached past the guards: real reads, writes and deletes happened.
        for label, success in (("GET /api/sessions/{session_id}", 200), ("PATCH /api/sessions/{session_id}", 200),
                               ("GET /api/sessions/{session_id}/lessons/{original_date}", 200),
                               ("PATCH /api/sessions/{session_id}/lessons/{original_date}", 200),
                               ("GET /api/lessons", 200),
                               ("PUT /api/sessions/{session_id}", 200), ("POST /api/sessions", 201),
                               ("DELETE /api/sessions/{session_id}", 204)):
            assert statuses[label][success] > 0, (label, statuses[label])
