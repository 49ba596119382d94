"""A fixed number of SQL queries per page and per inline answer, however many rows: counted
at 5 and at 50 rows (the user loader is one of them)."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_enrollment, make_session, make_user, today
from tests.querycount import count_queries
from tests.sessions_support import htmx, logged_in, reload, token, world  # noqa: F401
from webapp.extensions import db
from webapp.models import Review, Whiteboard

BUDGET = 4


def fill(world, n: int) -> None:
    """n sessions of the tutor spread over several students, each with parents, reviews,
    a whiteboard and some recurring: everything a page could lazy-load."""
    students = [world.enrollment]
    for i in range(2):
        student = make_user("student", name=f"Student {i}")
        student.parents.append(make_user("parent"))
        students.append(make_enrollment(world.tutor, student, course=f"Course {i}"))
    board = Whiteboard(title="Board")
    for i in range(n - 1):  # the world has one already
        s = make_session(students[i % 3], today() + timedelta(days=i % 20), topics=["A", "B"],
                         whiteboard=board, student_review=Review(rating=5, comment="Good"))
        if i % 4 == 0:
            s.session_frequency, s.is_recurring = "weekly", True
            s.recurring_pattern = {"days": ["Monday"], "months": [], "specific_dates": []}
    db.session.commit()


def counted(client, method: str, path: str, **kw) -> tuple[int, int]:
    db.session.expire_all()
    with count_queries(db.engine) as counter:
        response = client.open(path, method=method, **kw)
    assert response.status_code in (200, 409, 422), (path, response.status_code, response.text[:300])
    context = kw.get("data", {}).get("context", "")
    print(f"queries={counter.count} {method} {path} {context}")  # shown with -s
    return counter.count, response


@pytest.mark.parametrize("rows", [5, 50])
def test_pages_run_a_fixed_number_of_queries(logged_in, world, rows):
    fill(world, rows)
    n, page = counted(logged_in, "GET", "/sessions")
    assert page.text.count('<tr id="session-') == rows
    assert n <= BUDGET, n
    n, _ = counted(logged_in, "GET", "/sessions?tab=upcoming&q=A&is_recurring=false", headers={"HX-Request": "true"})
    assert n <= BUDGET, n
    series = db.session.scalar(db.select(db.text("id")).select_from(db.text("sessions"))
                               .where(db.text("is_recurring")).limit(1))
    for session_id in (world.mine.id, series):
        n, page = counted(logged_in, "GET", f"/sessions/{session_id}")
        assert "Girma Wolde" in page.text or "Parents" in page.text
        assert n <= BUDGET, (session_id, n)


@pytest.mark.parametrize("rows", [5, 50])
def test_inline_endpoints_run_a_fixed_number_of_queries(logged_in, world, rows):
    fill(world, rows)
    csrf = token(logged_in)
    changes = {
        "row": [("status", {"status": "in-progress"}), ("attendance", {"tutor_attendance_status": "present"}),
                ("priority", {"priority_level": "high"}), ("featured", {"is_featured": "1"}),
                ("topics-covered", {"topics_covered": ["Algebra"]})],
        "detail": [("status", {"status": "completed"}), ("attendance", {"student_attendance_status": "late"}),
                   ("priority", {"priority_level": "low"}), ("featured", {"is_featured": "0"}),
                   ("topics-covered", {"topics_covered": ["Geometry"]})],
    }
    for context in ("row", "detail"):
        for path, data in changes[context]:
            s = reload(world.mine)
            version = s.version
            n, response = counted(logged_in, "POST", f"/sessions/{s.id}/{path}", headers=htmx(csrf),
                                  data={"version": version, "context": context, **data})
            assert response.status_code == 200
            assert reload(world.mine).version != version  # it really wrote
            assert n <= BUDGET, (path, context, n)
    # a refused change and a stale one cost no more
    n, response = counted(logged_in, "POST", f"/sessions/{world.mine.id}/status", headers=htmx(csrf),
                          data={"version": reload(world.mine).version, "status": "bogus"})
    assert response.status_code == 422 and n <= BUDGET
    n, response = counted(logged_in, "POST", f"/sessions/{world.mine.id}/status", headers=htmx(csrf),
                          data={"version": "old", "status": "completed"})
    assert response.status_code == 409 and n <= BUDGET
