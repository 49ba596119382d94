"""The calendar in Chromium: week and month views, moving between weeks with htmx, and
marking one lesson of a series opened from the calendar without a page reload."""
from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, changed, login, mark_page, serious_axe_violations, still_same_page
from tests.factories import make_enrollment, make_session, make_user, today
from webapp.extensions import db
from webapp.lessons import recurrence as R
from webapp.lessons.access import lesson_on
from webapp.models import Session

pytestmark = pytest.mark.browser


@pytest.fixture
def term(app_ctx):
    """A weekly series on two weekdays that started last week, and a one-time session."""
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede")
    enrollment = make_enrollment(tutor, make_user("student", name="Selam Girma"), course="Mathematics")
    days = [today().strftime("%A"), (today() + timedelta(days=2)).strftime("%A")]
    series = make_session(enrollment, today() - timedelta(days=7), time(16), time(17), topics=["Fractions"],
                          is_recurring=True, session_frequency="weekly",
                          recurring_pattern={"days": days, "months": [], "specific_dates": []})
    make_session(enrollment, today() + timedelta(days=1), time(9), time(10), topics=["Algebra"])
    db.session.commit()
    lesson = next(R.iter_dates(series, None, today() + timedelta(days=1), today() + timedelta(days=14), R.Budget()))
    return {"series": series, "lesson": lesson}


def lesson_now(series_id: int, day):
    db.session.expire_all()
    return lesson_on(db.session.get(Session, series_id), day)


def test_mark_a_lesson_from_the_calendar(page, term):
    series, day = term["series"], term["lesson"]
    login(page)
    page.click("nav >> text=Calendar")
    page.wait_for_url("**/calendar")
    expect(page.locator(".cal-today, [aria-current=date]").first).to_be_visible()
    page.goto(f"/calendar/week?date={day.isoformat()}")
    link = page.locator(f'a.cal-lesson[href="/sessions/{series.id}/lessons/{day.isoformat()}"]')
    expect(link).to_contain_text("Scheduled")
    link.click()
    page.wait_for_url(f"**/sessions/{series.id}/lessons/{day.isoformat()}")
    mark_page(page)
    base = f"/sessions/{series.id}/lessons/{day.isoformat()}"
    assert changed(page, "", base, lambda: page.get_by_label("Student attendance").select_option("late")) == 200
    expect(page.get_by_label("Student attendance")).to_have_value("late")
    assert changed(page, "", base, lambda: page.get_by_label("Status").select_option("cancelled")) == 200
    expect(page.locator("#lesson-head .badge.b-cancelled")).to_have_text("Cancelled")
    assert still_same_page(page)  # no reload
    lesson = lesson_now(series.id, day)
    assert (lesson.student_attendance_status, lesson.status) == ("late", "cancelled")
    # the calendar shows it, and the other lessons stay as they were
    page.goto(f"/calendar/week?date={day.isoformat()}")
    expect(link).to_contain_text("Cancelled")
    later = next(R.iter_dates(series, None, day + timedelta(days=1), day + timedelta(days=14), R.Budget()))
    assert lesson_now(series.id, later).status == "scheduled"


def test_week_and_month_views_move_with_htmx_and_pass_axe(phone, live, term):
    page = phone
    login(page)
    page.goto("/calendar/week")
    heading = page.locator("h1").inner_text()
    mark_page(page)
    page.click("text=Next ›")
    expect(page.locator("h1")).not_to_have_text(heading)
    assert re.search(r"/calendar/week\?date=", page.url)  # the URL follows (Back works)
    assert still_same_page(page)
    page.go_back()
    expect(page.locator("h1")).to_have_text(heading)
    for path in ("/calendar/week", "/calendar", f"/sessions/{term['series'].id}/lessons/{term['lesson'].isoformat()}"):
        page.goto(path)
        assert serious_axe_violations(page) == [], path
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"lesson-360-{live.backend}.png"), full_page=True)
