"""In Chromium: the reports page (charts drawn, tables labelled, axe-core) at phone and
desktop width; ticking lessons in the list and setting them at once."""
from __future__ import annotations

from datetime import time, timedelta

import pytest

from tests.browser.conftest import ARTIFACTS, login, serious_axe_violations
from tests.factories import make_enrollment, make_session, make_user, today
from webapp.extensions import db

pytestmark = pytest.mark.browser


@pytest.fixture
def tutor(app_ctx):
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede")
    enrollment = make_enrollment(tutor, make_user("student", name="Selam Girma"), course="ሂሳብ (Mathematics)")
    for back in range(1, 15, 2):
        make_session(enrollment, today() - timedelta(days=back), time(9), time(10), topics=["Fractions", "Ratios"],
                     status="completed" if back % 3 else "scheduled", tutor_attendance_status="present",
                     student_attendance_status="late" if back % 5 == 0 else "present", topics_covered=["Fractions"])
    db.session.commit()
    return tutor


@pytest.mark.parametrize("width", [360, 1280])
def test_the_reports_page_reads_on_a_phone_and_a_desktop(browser, live, tutor, width):
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live.url, bypass_csp=True)
    page = context.new_page()
    try:
        login(page)
        page.goto(f"/reports?date_from={today() - timedelta(days=20)}&date_to={today()}")
        charts = page.locator("img.chart")
        assert charts.count() == 2
        for i in range(2):  # each chart decoded and drawn, not a broken image
            assert charts.nth(i).evaluate("img => img.complete && img.naturalWidth > 0")
            assert charts.nth(i).get_attribute("alt")
        assert page.locator("dl.figures dt").count() == 8
        assert serious_axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"reports-{width}-{live.backend}.png"), full_page=True)
    finally:
        context.close()


def test_ticking_lessons_and_setting_them_at_once(page, live, tutor):
    login(page)
    page.goto("/sessions?tab=past")
    boxes = page.locator("input[name=lesson]")
    assert boxes.count() == 7
    boxes.nth(0).check()
    boxes.nth(1).check()
    page.select_option("#bulk-change", "priority_level=urgent")
    page.click("button:has-text('Apply to selected')")
    page.wait_for_url("**/sessions?tab=past")
    assert page.locator(".flash >> text=Saved: 2 lessons changed.").count() == 1
    assert page.locator("table.lessons .p-urgent").count() == 2
