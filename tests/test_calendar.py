"""Month and week pages: lessons in their days, htmx navigation, today, status as text,
links to the lesson, ownership, a fixed number of queries; the feed settings page."""
from __future__ import annotations

import re
from datetime import date, time

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_from
from tests.factories import make_enrollment, make_session, make_user
from tests.querycount import count_queries
from webapp import choices as C
from tests.lesson_support import cancel_lesson, mark_lesson, move_lesson
from webapp.lessons import plans
from webapp.extensions import db
from webapp.models import CalendarFeed

MARCH = date(2026, 3, 10)


@pytest.fixture
def tutor(app):
    user = make_user(email="tutor@example.com", name="Abebe Kebede", timezone="Europe/London")
    db.session.commit()
    return user


@pytest.fixture
def series(tutor):
    """Tuesdays and Thursdays at 16:00 in March 2026, one marked, one cancelled, one moved."""
    enrollment = make_enrollment(tutor, make_user("student", name="Selam Girma"), "Mathematics")
    session = make_session(enrollment, date(2026, 3, 3), time(16, 0), time(17, 0), is_recurring=True,
                           session_frequency="weekly",
                           recurring_pattern={"days": ["Tuesday", "Thursday"], "months": [], "specific_dates": []})
    plans.set_series_end(session, until=date(2026, 3, 31))
    mark_lesson(session, date(2026, 3, 5), status="completed", student_attendance_status="present")
    cancel_lesson(session, date(2026, 3, 12))
    move_lesson(session, date(2026, 3, 19), date(2026, 3, 21), time(10, 0), time(11, 0))
    make_session(enrollment, date(2026, 3, 14), time(9, 0), time(10, 0))  # one-time
    db.session.commit()
    return session


def lesson_links(html: str) -> list[str]:
    return re.findall(r'class="cal-lesson[^"]*" href="([^"]+)"', html)


@pytest.mark.parametrize("path", ["/calendar", "/calendar/week", "/calendar/feed"])
def test_calendar_pages_need_login(client, path):
    response = client.get(path, follow_redirects=True)
    assert response.request.path == "/login"


def test_month_shows_every_lesson_with_status_in_words_and_a_link_to_it(client, auth, series):
    auth.login()
    page = client.get("/calendar?date=2026-03-10")
    assert page.status_code == 200 and "<html" in page.text
    assert "March 2026" in page.text
    links = lesson_links(page.text)
    assert len(links) == 10  # 9 of the series + the one-time session
    assert f"/sessions/{series.id}/lessons/2026-03-05" in links
    assert f"/sessions/{series.id}/lessons/2026-03-19" in links  # moved: still keyed by its original date
    one_time = [link for link in links if not link.startswith(f"/sessions/{series.id}/")]
    assert one_time == [f"/sessions/{series.id + 1}/lessons/2026-03-14"]  # every lesson opens its lesson page
    assert 'status-cancelled' in page.text and ">Cancelled</span>" in page.text
    assert ">Completed</span>" in page.text and "moved" in page.text
    assert "HX-Request" in page.vary
    assert 'href="/calendar?date=2026-02-01"' in page.text and 'hx-get="/calendar?date=2026-04-01"' in page.text
    assert 'hx-push-url="true"' in page.text and 'hx-target="#calendar"' in page.text


def test_week_is_monday_to_sunday_with_moved_lessons_on_their_new_day(client, auth, series):
    auth.login()
    page = client.get("/calendar/week?date=2026-03-18")
    assert page.status_code == 200
    assert "Week of 16–22 March 2026" in page.text
    days = re.findall(r'<h2 class="cal-dayname">([^<]+)', page.text)
    assert days[0].strip() == "Monday 16 March" and days[-1].strip() == "Sunday 22 March" and len(days) == 7
    saturday = page.text.split("Saturday 21 March")[1].split("cal-dayname")[0]
    assert "10:00" in saturday and f"/sessions/{series.id}/lessons/2026-03-19" in saturday
    assert 'href="/calendar/week?date=2026-03-11"' in page.text and 'href="/calendar/week?date=2026-03-25"' in page.text


def test_htmx_gets_only_the_calendar_region_except_for_history_restore(client, auth, series):
    auth.login()
    partial = client.get("/calendar/week?date=2026-03-18", headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "<html" not in partial.text and "cal-week" in partial.text
    assert "HX-Request" in partial.vary
    restore = client.get("/calendar/week?date=2026-03-18",
                         headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in restore.text


def test_today_is_marked_and_a_bad_date_shows_this_month(client, auth, tutor):
    enrollment = make_enrollment(tutor)
    today = C.local_today("Europe/London")
    make_session(enrollment, today, time(12, 0), time(13, 0))
    db.session.commit()
    auth.login()
    for path in ("/calendar?date=not-a-date", "/calendar/week?date=2026-13-45", "/calendar"):
        page = client.get(path)
        assert page.status_code == 200
        assert page.text.count('aria-current="date"') == 1 and "Today</span>" in page.text
        assert len(lesson_links(page.text)) == 1


def test_another_tutors_lessons_never_show(client, auth, series):
    other = make_user(email="other@example.com")
    make_session(make_enrollment(other, make_user("student", name="Hidden Student")), date(2026, 3, 10))
    db.session.commit()
    auth.login()
    page = client.get("/calendar?date=2026-03-10")
    assert "Hidden Student" not in page.text and len(lesson_links(page.text)) == 10


def build_month(tutor, n_series: int) -> None:
    """n weekly series on Monday, Wednesday, Friday (and Tuesday for every third), in March."""
    students = [make_enrollment(tutor, make_user("student")) for _ in range(max(1, n_series // 3))]
    for i in range(n_series):
        days = ["Monday", "Wednesday", "Friday"] + (["Tuesday"] if i % 3 == 0 else [])
        session = make_session(students[i % len(students)], date(2026, 2, 2), time(8 + i % 10, 0),
                               time(9 + i % 10, 0), is_recurring=True, session_frequency="weekly",
                               recurring_pattern={"days": days, "months": [], "specific_dates": []})
        cancel_lesson(session, date(2026, 3, 4))
        move_lesson(session, date(2026, 2, 27), date(2026, 3, 7))
        mark_lesson(session, date(2026, 3, 9), note="Homework checked")
    db.session.commit()


def test_the_month_takes_a_fixed_number_of_queries(client, auth, tutor):
    auth.login()
    build_month(tutor, 1)
    with count_queries(db.engine) as small:
        assert client.get("/calendar?date=2026-03-10").status_code == 200
    build_month(tutor, 29)
    with count_queries(db.engine) as big:
        page = client.get("/calendar?date=2026-03-10")
    assert len(lesson_links(page.text)) >= 400
    assert big.count == small.count, big.statements
    assert big.count <= 4


def test_feed_settings_create_replace_and_turn_off_with_csrf(client, auth, tutor):
    auth.login()
    page = client.get("/calendar/feed")
    assert "Your feed is off." in page.text
    assert client.post("/calendar/feed").status_code == 400  # no CSRF token: nothing made
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CalendarFeed)) == 0
    response = client.post("/calendar/feed", data={"csrf_token": csrf_from(page.text)})
    assert response.status_code == 303
    page = client.get("/calendar/feed")
    first = re.search(r'value="http://localhost(/calendar/[^"]+\.ics)"', page.text).group(1)
    assert client.get(first).status_code == 200
    client.post("/calendar/feed", data={"csrf_token": csrf_from(page.text)})
    page = client.get("/calendar/feed")
    second = re.search(r'value="http://localhost(/calendar/[^"]+\.ics)"', page.text).group(1)
    assert second != first and client.get(first).status_code == 404 and client.get(second).status_code == 200
    client.post("/calendar/feed/revoke", data={"csrf_token": csrf_from(page.text)})
    assert client.get(second).status_code == 404
    assert "Your feed is off." in client.get("/calendar/feed").text


def test_the_layout_links_to_the_calendar(client, auth, tutor):
    auth.login()
    assert 'href="/calendar"' in client.get("/sessions").text
