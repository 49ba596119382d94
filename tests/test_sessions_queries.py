"""A fixed number of SQL queries per page and per change of a lesson, however many rows or
however wide the window: counted at 5 and at 50 lessons, and over windows of a day to all
(the user loader is one of them)."""
from __future__ import annotations

import re
from datetime import time, timedelta

import pytest

from tests.factories import make_enrollment, make_session, make_user, today
from tests.querycount import count_queries
from tests.sessions_support import htmx, lesson_url, logged_in, row_keys, token, world  # noqa: F401
from webapp.extensions import db
from webapp.lessons.access import lesson_on
from webapp.models import Review, Session, Whiteboard

BUDGET = 4


def fill(world, n: int) -> None:
    """Lessons of the tutor spread over several students, each with parents, reviews, a
    whiteboard, and series among them: everything a page could lazy-load."""
    students = [world.enrollment]
    for i in range(2):
        student = make_user("student", name=f"Student {i}")
        student.parents.append(make_user("parent"))
        students.append(make_enrollment(world.tutor, student, course=f"Course {i}"))
    board = Whiteboard(title="Board")
    series = max(1, n // 10)
    for i in range(n - 1 - series):  # the world has one already
        make_session(students[i % 3], today() + timedelta(days=1 + i % 20), time(7), time(8), topics=["A", "B"],
                     whiteboard=board, student_review=Review(rating=5, comment="Good"))
    for i in range(series):  # each gives one lesson a week
        make_session(students[i % 3], today() - timedelta(days=100 + i), time(20), time(21), topics=["A"],
                     session_frequency="weekly", is_recurring=True,
                     recurring_pattern={"days": [], "months": [], "specific_dates": []})
    db.session.commit()


def counted(client, method: str, path: str, **kw):
    db.session.expire_all()
    with count_queries(db.engine) as counter:
        response = client.open(path, method=method, **kw)
    assert response.status_code in (200, 409, 422), (path, response.status_code, response.text[:300])
    print(f"queries={counter.count} {method} {path}")  # shown with -s
    return counter.count, response


@pytest.mark.parametrize("rows", [5, 50])
def test_lists_run_a_fixed_number_of_queries_whatever_the_rows_or_the_window(logged_in, world, rows):
    fill(world, rows)
    n, page = counted(logged_in, "GET", "/sessions?tab=all")
    assert len(row_keys(page.text)) == 50  # the series' weekly lessons since 100 days ago fill it
    assert n <= BUDGET, n
    for path in ("/sessions", "/sessions?tab=today", "/sessions?tab=past", "/sessions?tab=needs-marking",
                 "/sessions?tab=upcoming&q=A&is_recurring=false", "/sessions?status=cancelled",
                 f"/sessions?date_from=1900-01-01&date_to={(today() + timedelta(days=700)).isoformat()}"):
        n, _ = counted(logged_in, "GET", path, headers={"HX-Request": "true"})
        assert n <= BUDGET, (path, n)
    n, page = counted(logged_in, "GET", "/sessions")
    later = re.search(r'href="(/sessions\?[^"]*after=[^"]+)"', page.text)
    if later:
        n, _ = counted(logged_in, "GET", later.group(1).replace("&amp;", "&"))
        assert n <= BUDGET, n


@pytest.mark.parametrize("rows", [5, 50])
def test_the_session_page_and_the_lesson_page_run_a_fixed_number_of_queries(logged_in, world, rows):
    fill(world, rows)
    series = db.session.scalar(db.select(Session).where(Session.is_recurring).limit(1))
    for session_id in (world.mine.id, series.id):
        n, page = counted(logged_in, "GET", f"/sessions/{session_id}")
        assert "Girma Wolde" in page.text or "Parents" in page.text
        assert n <= BUDGET + 1, (session_id, n)  # + the series' end
    counts = set()
    for session_id, day in ((world.mine.id, world.mine.session_date), (series.id, series.session_date)):
        n, _ = counted(logged_in, "GET", lesson_url(session_id, day))
        counts.add(n)
    # the user; the lesson with its session, series and record; the lessons before it of the
    # enrollment (carried topics: sessions, then records); the tutor's own review
    assert max(counts) <= 5, counts


@pytest.mark.parametrize("rows", [5, 50])
def test_a_change_of_a_lesson_runs_a_fixed_number_of_queries(logged_in, world, rows):
    fill(world, rows)
    csrf = token(logged_in)
    series = db.session.scalar(db.select(Session).where(Session.is_recurring).limit(1))
    for s, day in ((world.mine, world.mine.session_date), (series, today() + timedelta(days=(series.session_date.weekday() - today().weekday()) % 7))):
        for data in ({"fields": "status", "status": "in-progress"},
                     {"fields": ["tutor_attendance_status", "student_attendance_status"],
                      "tutor_attendance_status": "present", "student_attendance_status": "late"},
                     {"fields": "priority_level", "priority_level": "high"},
                     {"fields": "topics_covered", "topics_covered": ["A"]}):
            db.session.expire_all()
            version = lesson_on(db.session.get(Session, s.id), day).version
            n, response = counted(logged_in, "POST", lesson_url(s.id, day), headers=htmx(csrf),
                                  data={"version": version, "view": "row", **data})
            assert response.status_code == 200
            assert n <= 3, (s.id, data, n)  # the user, the lesson, the write
            assert len(response.data) <= 2048  # the answer is one lean row
        # a refused change and a stale one cost no more
        n, response = counted(logged_in, "POST", lesson_url(s.id, day), headers=htmx(csrf),
                              data={"version": "x", "view": "row", "fields": "status", "status": "bogus"})
        assert response.status_code == 422 and n <= 3
        n, response = counted(logged_in, "POST", lesson_url(s.id, day), headers=htmx(csrf),
                              data={"version": "old", "view": "row", "fields": "status", "status": "completed",
                                    "confirm": "1"})
        assert response.status_code == 409 and n <= 4


def test_the_results_alone_look_up_no_students_unless_one_is_asked_for(logged_in, world):
    """A tab, a page or a filter changed in place answers the results only: the filter's
    student choices are not drawn, so they are looked up only to check a student asked for."""
    fill(world, 5)
    page, _ = counted(logged_in, "GET", "/sessions?tab=upcoming")
    results, answer = counted(logged_in, "GET", "/sessions?tab=upcoming", headers={"HX-Request": "true"})
    assert results == page - 1 and row_keys(answer.text)
    student = world.enrollment.student_id
    n, mine = counted(logged_in, "GET", f"/sessions?tab=upcoming&student_id={student}", headers={"HX-Request": "true"})
    assert n == page and row_keys(mine.text)
    stranger = world.other_enrollment.student_id
    n, theirs = counted(logged_in, "GET", f"/sessions?tab=upcoming&student_id={stranger}", headers={"HX-Request": "true"})
    everyone = counted(logged_in, "GET", "/sessions?tab=upcoming", headers={"HX-Request": "true"})[1]
    assert n == page and row_keys(theirs.text) == row_keys(everyone.text)  # not a choice of theirs: ignored
