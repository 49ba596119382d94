"""In Chromium: a tutor in Addis Ababa switches to Amharic, the Ethiopian calendar and the
Ethiopian clock on /settings, and the list, a lesson page and the 13-month calendar follow,
read by axe-core as Amharic (lang="am") at phone and desktop width."""
from __future__ import annotations

from datetime import time, timedelta

import pytest

from tests.browser.conftest import ARTIFACTS, login, serious_axe_violations
from tests.factories import make_enrollment, make_session, make_user, today
from tests.test_i18n import amharic
from webapp import calendars as E
from webapp.extensions import db
from webapp.formatting import format_time
from webapp.i18n import Reading


@pytest.fixture
def tutor(app_ctx):
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede")
    enrollment = make_enrollment(tutor, make_user("student", name="Selam Girma"), course="Mathematics")
    lesson = make_session(enrollment, today() + timedelta(days=1), time(7, 30), time(8, 30), topics=["Algebra"])
    db.session.commit()
    return tutor, lesson


def test_switching_to_amharic_and_the_ethiopian_calendar_and_clock(page, live, tutor):
    _tutor, lesson = tutor
    login(page)
    page.goto("/settings")
    page.select_option("select[name=language]", "am")
    page.select_option("select[name=calendar]", "ethiopian")
    page.select_option("select[name=clock]", "ethiopian")
    page.click("button:has-text('Save settings')")
    page.wait_for_url("**/settings")
    assert page.locator("html").get_attribute("lang") == "am"
    assert amharic(live.app, "Saved: your settings.") in page.locator(".flashes").inner_text()
    page.goto("/sessions?tab=upcoming")
    e = E.to_ethiopian(lesson.session_date)
    row = page.locator(f"#l{lesson.id}-{lesson.session_date:%Y%m%d}")
    assert f"{e.day} {E.MONTH_NAMES_AM[e.month - 1]}" in row.inner_text()
    assert format_time(time(7, 30), Reading("am", "ethiopian", "ethiopian")) in row.inner_text()  # ከጠዋቱ 1:30 ሰዓት
    assert amharic(live.app, "Scheduled") in row.inner_text()
    page.goto(f"/calendar?date={lesson.session_date.isoformat()}")
    assert f"{E.MONTH_NAMES_AM[e.month - 1]} {e.year}" in page.locator("#cal-title").inner_text()


@pytest.mark.parametrize("width", [360, 1280])
def test_amharic_pages_read_well_and_pass_axe(browser, live, tutor, app_ctx, width):
    user, lesson = tutor
    user.language, user.calendar, user.clock = "am", "ethiopian", "ethiopian"
    db.session.commit()
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=live.url, bypass_csp=True)
    page = context.new_page()
    try:
        login(page)
        for name, path in (("list", "/sessions?tab=upcoming"),
                           ("lesson", f"/sessions/{lesson.id}/lessons/{lesson.session_date.isoformat()}"),
                           ("calendar", f"/calendar?date={lesson.session_date.isoformat()}"),
                           ("settings", "/settings")):
            page.goto(path)
            assert page.locator("html").get_attribute("lang") == "am"
            assert serious_axe_violations(page) == [], name
            # nothing wider than the screen on a phone
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), name
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / f"amharic-{name}-{width}.png"), full_page=True)
    finally:
        context.close()
