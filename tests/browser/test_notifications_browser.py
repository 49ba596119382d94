"""In Chromium: the Today page rings a lesson's alarm through the browser's Notifications
API once the tutor allows it; the settings page on a phone; the outbox page."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.browser.conftest import ARTIFACTS, login, serious_axe_violations, wait_until
from tests.factories import make_enrollment, make_session, make_user
from webapp.extensions import db

pytestmark = pytest.mark.browser

# A zone where it is day now: the lesson of the test starts in ten minutes, on today's date.
ZONES = ("Africa/Addis_Ababa", "America/New_York", "Asia/Tokyo", "Europe/London", "Pacific/Honolulu")
RECORD = """(() => { const Real = window.Notification; window.__shown = [];
  function Recorded(title, options) { window.__shown.push(title); return new Real(title, options); }
  Recorded.requestPermission = (...a) => Real.requestPermission(...a);
  Object.defineProperty(Recorded, "permission", {get: () => Real.permission});
  window.Notification = Recorded; })();"""


def day_zone() -> tuple[str, datetime]:
    for name in ZONES:
        now = datetime.now(ZoneInfo(name))
        if 6 <= now.hour <= 21:
            return name, now.replace(tzinfo=None)
    raise AssertionError("no zone in daytime")  # pragma: no cover: the zones span the globe


@pytest.fixture
def tutor(app_ctx):
    zone, now = day_zone()
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede", timezone=zone)
    enrollment = make_enrollment(tutor, make_user("student", name="Selam Girma"), course="Mathematics")
    starts = (now + timedelta(minutes=10)).replace(second=0, microsecond=0)
    make_session(enrollment, starts.date(), starts.time(), (starts + timedelta(minutes=45)).time(),
                 alarm_enabled=True, alarm_before_minutes=15)  # its alarm time has come already
    db.session.commit()
    return tutor


def test_the_today_page_rings_the_alarm_after_the_tutor_allows_it(browser, live, tutor):
    context = browser.new_context(base_url=live.url, viewport={"width": 1280, "height": 900})
    context.add_init_script(RECORD)
    page = context.new_page()
    try:
        login(page)
        page.goto("/sessions?tab=today")
        button = page.locator("[data-allow-alarms]")
        assert button.is_visible()
        assert page.evaluate("window.__shown") == []  # nothing before the tutor says yes
        context.grant_permissions(["notifications"], origin=live.url)
        button.click()
        wait_until(page, "window.__shown.length === 1")
        assert page.evaluate("window.__shown")[0].startswith("Mathematics with Selam Girma at ")
        assert "1 to come today" in page.locator(".alarms-state").inner_text()
        page.reload()  # allowed once: the page rings on its own from then on
        wait_until(page, "window.__shown.length === 1")
        assert not page.locator("[data-allow-alarms]").is_visible()
    finally:
        context.close()


def test_settings_and_outbox_on_a_phone(phone, live, tutor):
    page = phone
    login(page)
    page.goto("/settings")
    page.check("input[name=reminder_leads][value='60']")
    page.click("button:has-text('Save settings')")
    page.wait_for_url("**/settings")
    assert page.locator(".flash >> text=Saved").count() == 1
    assert page.locator("input[name=reminder_leads][value='60']").is_checked()
    assert serious_axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"settings-360-{live.backend}.png"), full_page=True)
    page.goto("/outbox")
    assert page.locator("h1 >> text=Outbox").count() == 1
    assert serious_axe_violations(page) == []
