"""Schemathesis: property-based requests generated from /api/openapi.json, at least 100
examples per operation, through the WSGI app. No server error, and every answer conforms
to the document (status codes, content types, headers, bodies)."""
from datetime import date, time

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.conftest import make_app
from tests.factories import make_enrollment, make_session, make_user
from webapp.extensions import db
from webapp.models import ApiToken

EXAMPLES = 100
OPERATIONS = ["DELETE /api/sessions/{session_id}", "GET /api/sessions", "GET /api/sessions/{session_id}",
              "PATCH /api/sessions/{session_id}", "POST /api/sessions", "PUT /api/sessions/{session_id}"]


@pytest.fixture
def fuzz_token(app):
    tutor = make_user(email="fuzz@example.com")
    enrollment = make_enrollment(tutor)
    for day in range(1, 4):
        make_session(enrollment, date(2026, 12, day), start=time(9, 0), end=time(10, 0))
    row, plain = ApiToken.issue(tutor, "fuzz")
    db.session.add(row)
    db.session.commit()
    return plain


def fuzz(served, headers) -> list[tuple[str, int]]:
    """Run every operation of the document; how many examples each got."""
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", served)
    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        calls: list = []

        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def check(case):
            # Rules between fields (end after start, the tutor's own enrollment, ...) are
            # beyond JSON Schema, so a schema-valid body may rightly get a 422.
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
            calls.append(case)

        check()
        tested.append((operation.label, len(calls)))
    return tested


def test_api_conforms_to_its_openapi_document(app, database_url, fuzz_token):
    # A second app instance on the same database: the fixture's app context belongs to the
    # other one, so every request gets a fresh context of its own, as in production.
    served = make_app(database_url)
    try:
        tested = fuzz(served, {"Authorization": f"Bearer {fuzz_token}"})
    finally:
        with served.app_context():
            db.engine.dispose()
    assert sorted(label for label, _count in tested) == OPERATIONS
    assert all(count >= EXAMPLES for _label, count in tested), tested
