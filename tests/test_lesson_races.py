"""Races on one lesson, on SQLite and PostgreSQL: eight writers in threads, all starting from
the same version, each with a change of its own. Exactly one is told "saved" and its change
is the one kept; the others get the conflict (409 from the page, 412 from the API), none a
500. Three kinds of lesson: a one-time session's, a series' lesson without a record yet
(the first write inserts it) and one that has a record."""
from __future__ import annotations

import threading
from collections import Counter
from datetime import time, timedelta

import pytest

from tests.conftest import csrf_from
from tests.factories import make_enrollment, make_session, make_user, today
from tests.lesson_support import mark_lesson
from tests.test_api import token_for
from tests.test_lessons import version_in
from webapp.extensions import db
from webapp.lessons.access import lesson_on
from webapp.models import Session

WRITERS = 8
KINDS = ("one-time", "series, no record", "series, with a record")


@pytest.fixture
def lessons(app):
    tutor = make_user(email="tutor@example.com")
    enrollment = make_enrollment(tutor)
    day = today() - timedelta(days=1)
    single = make_session(enrollment, day, time(9), time(10))
    series = make_session(enrollment, day, time(16), time(17), is_recurring=True, session_frequency="weekly",
                          recurring_pattern={"days": [], "months": [], "specific_dates": []})
    db.session.commit()
    mark_lesson(series, day + timedelta(days=7), note="Bring the workbook")
    return {"tutor": tutor, "one-time": (single.id, day), "series, no record": (series.id, day),
            "series, with a record": (series.id, day + timedelta(days=7))}


def run_together(app, requests) -> list:
    """Each request in a thread of its own, with its own client, released at the same moment."""
    barrier = threading.Barrier(len(requests))
    answers: list = [None] * len(requests)

    def writer(i, request):
        client = app.test_client()
        prepare, send = request
        prepare(client)
        barrier.wait()
        answers[i] = send(client)

    threads = [threading.Thread(target=writer, args=(i, r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return answers


def saved_note(session_id, day) -> str | None:
    db.session.expire_all()
    return lesson_on(db.session.get(Session, session_id), day).note


@pytest.mark.parametrize("kind", KINDS)
def test_eight_marks_of_one_version_from_the_page_one_saved_the_rest_409(app, client, auth, lessons, kind):
    session_id, day = lessons[kind]
    assert auth.login().status_code == 302
    page = client.get(f"/sessions/{session_id}/lessons/{day.isoformat()}").text
    cookie = client.get_cookie("session").value  # after the page: it holds the CSRF secret
    version, csrf = version_in(page), csrf_from(page)
    path = f"/sessions/{session_id}/lessons/{day.isoformat()}"

    def request(i):
        def prepare(c):
            c.set_cookie("session", cookie)

        def send(c):
            return c.post(path, data={"version": version, "note": f"writer {i}", "status": "cancelled"},
                          headers={"HX-Request": "true", "X-CSRFToken": csrf})
        return prepare, send

    answers = run_together(app, [request(i) for i in range(WRITERS)])
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {200: 1, 409: WRITERS - 1}, statuses
    winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
    assert saved_note(session_id, day) == f"writer {winner}"
    assert all("Someone else changed this lesson" in a.text for a in answers if a.status_code == 409)


@pytest.mark.parametrize("kind", KINDS)
def test_eight_patches_of_one_etag_through_the_api_one_200_the_rest_412(app, client, lessons, kind):
    session_id, day = lessons[kind]
    headers = {"Authorization": f"Bearer {token_for(lessons['tutor'])}"}
    path = f"/api/sessions/{session_id}/lessons/{day.isoformat()}"
    etag = client.get(path, headers=headers).headers["ETag"]

    def request(i):
        def send(c):
            return c.patch(path, json={"note": f"writer {i}"}, headers={**headers, "If-Match": etag})
        return (lambda c: None), send

    answers = run_together(app, [request(i) for i in range(WRITERS)])
    statuses = Counter(a.status_code for a in answers)
    assert statuses == {200: 1, 412: WRITERS - 1}, statuses
    winner = next(i for i, a in enumerate(answers) if a.status_code == 200)
    assert saved_note(session_id, day) == f"writer {winner}"
