"""In Chromium with the network switched off and on (`context.set_offline`): Today and the day's
lesson pages stay readable from the service worker's copies; marks made offline are kept on
the device and sent once the connection is back, or shown as refused; a logout removes the
copies."""
from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, changed, login, serious_axe_violations, wait_until
from tests.factories import make_enrollment, make_session, make_user
from webapp.extensions import db
from webapp.lessons.access import lesson_on
from webapp.lessons.marking import change_lesson
from webapp.models import Session

pytestmark = pytest.mark.browser

# A zone where it is day now, so that both lessons of the test fall on today's date there.
ZONES = ("Africa/Addis_Ababa", "America/New_York", "Asia/Tokyo", "Europe/London", "Pacific/Honolulu")
READY = "navigator.serviceWorker.controller !== null && document.documentElement.dataset.offline === 'ready'"
QUEUED = "Saved on this device — it will be sent when you are back online."


def day_zone() -> tuple[str, datetime]:
    for name in ZONES:
        now = datetime.now(ZoneInfo(name))
        if 6 <= now.hour <= 21:
            return name, now.replace(tzinfo=None, second=0, microsecond=0)
    raise AssertionError("no zone in daytime")  # pragma: no cover: the zones span the globe


@pytest.fixture
def day(app_ctx):
    """A tutor with two lessons today: one begun half an hour ago, one in an hour."""
    zone, now = day_zone()
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede", timezone=zone)
    first = make_enrollment(tutor, make_user("student", name="Selam Girma"), course="Mathematics")
    second = make_enrollment(tutor, make_user("student", name="Yonas Bekele"), course="Physics")
    begun, later = now - timedelta(minutes=30), now + timedelta(minutes=60)
    sessions = [make_session(first, begun.date(), begun.time(), (begun + timedelta(minutes=45)).time()),
                make_session(second, later.date(), later.time(), (later + timedelta(minutes=45)).time())]
    db.session.commit()
    return sessions


def lesson_of(s: Session):
    db.session.expire_all()
    return lesson_on(db.session.get(Session, s.id), s.session_date)


def row_of(page, s: Session):
    return page.locator(f"#l{s.id}-{s.session_date:%Y%m%d}")


def open_today(page) -> None:
    """Log in and open Today until the service worker controls it and has kept its lessons."""
    login(page)
    page.goto("/sessions?tab=today")
    wait_until(page, READY, timeout=15)


def test_today_and_its_lessons_stay_readable_offline(page, day, live):
    s, later = day
    open_today(page)
    page.context.set_offline(True)
    page.reload()
    expect(page.locator("#offline-copy")).to_have_text(re.compile(r"^You are offline\. This is the copy of \d\d:\d\d\.$"))
    kept_at = datetime.strptime(page.locator("#offline-copy").inner_text()[-6:-1], "%H:%M")
    now = datetime.now(ZoneInfo(s.enrollment.tutor.timezone))  # on the tutor's clock, as the page is
    assert abs((now.hour * 60 + now.minute) - (kept_at.hour * 60 + kept_at.minute)) % (24 * 60) in (0, 1, 2, 1438, 1439)
    expect(row_of(page, s)).to_contain_text("Selam Girma")
    expect(row_of(page, later)).to_contain_text("Yonas Bekele")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"offline-today-{live.backend}.png"), full_page=True)
    # a lesson page never opened before: kept when Today was opened
    row_of(page, later).locator("td.when a").click()
    page.wait_for_url(f"**/sessions/{later.id}/lessons/{later.session_date.isoformat()}")
    expect(page.locator("#lesson-head h1")).to_contain_text("Yonas Bekele")
    expect(page.locator("#offline-copy")).to_contain_text("You are offline.")
    # a page that is not kept: a page that says so, not the browser's error
    page.goto("/settings")
    expect(page.locator("h1")).to_have_text("You are offline")
    expect(page.get_by_role("link", name="Today's lessons")).to_be_visible()
    # a form that is not a lesson's marks (the bulk form) is not kept: it says it was not sent
    page.goto("/sessions?tab=today")
    page.click("button:has-text('Everyone present')")
    expect(page.locator("main")).to_contain_text("You are offline: this was not sent.")
    assert lesson_of(s).student_attendance_status is None
    page.context.set_offline(False)
    page.goto("/settings")
    expect(page.locator("h1")).not_to_have_text("You are offline")


def test_marks_made_offline_are_sent_when_the_connection_is_back(page, day, live):
    s, _ = day
    open_today(page)
    row = row_of(page, s)
    base = f"/sessions/{s.id}/lessons/{s.session_date.isoformat()}"
    # the priority's control, opened online (and settled: its select listens from then on)
    assert changed(page, "", base + "/edit/priority", lambda: row.locator("a.v", has_text="Medium").click()) == 200
    page.context.set_offline(True)
    row.locator("select[name=priority_level]").select_option("high")
    expect(row.locator("[data-note]")).to_have_text(QUEUED)
    queue = page.locator("#offline-queue")
    expect(queue).to_contain_text("1 mark is saved on this device and will be sent when you are back online:")
    expect(queue).to_contain_text("Selam Girma")
    expect(queue).to_contain_text("Priority: High")
    # the attendance: offline, the row's cell leads to the lesson's page (its copy), which marks it
    row.locator("a.v", has_text="Not marked").click()
    page.wait_for_url(re.compile(rf"/sessions/{s.id}/lessons/{s.session_date.isoformat()}#attendance$"))
    expect(page.locator("#offline-copy")).to_be_visible()
    page.select_option("#tutor_attendance_status", "present")
    page.select_option("#student_attendance_status", "late")
    expect(page.locator("#lesson-saved")).to_have_text(QUEUED)
    expect(queue).to_contain_text(re.compile(r"[23] marks are saved on this device"))
    expect(queue).to_contain_text("Student attendance: Late")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"offline-queue-{live.backend}.png"), full_page=True)
    lesson = lesson_of(s)
    assert (lesson.priority_level, lesson.tutor_attendance_status, lesson.student_attendance_status) == \
        ("medium", None, None)  # nothing reached the server
    page.context.set_offline(False)  # the page hears "online" and has the worker send them
    expect(queue).to_contain_text(re.compile(r"[23] marks made offline were sent\."), timeout=10_000)
    expect(queue).not_to_contain_text("saved on this device")
    lesson = lesson_of(s)  # in order, the second from what the first saved: no conflict
    assert (lesson.priority_level, lesson.tutor_attendance_status, lesson.student_attendance_status) == \
        ("high", "present", "late")
    page.goto("/sessions?tab=today")  # "sent" was told once; the row shows what was saved
    expect(row_of(page, s)).to_contain_text("High")
    expect(page.locator("#offline-queue")).to_have_count(0)


def test_a_mark_the_server_refuses_on_replay_is_shown_not_dropped(page, day):
    s, _ = day
    open_today(page)
    page.context.set_offline(True)
    row_of(page, s).locator("td.when a").click()
    expect(page.locator("#offline-copy")).to_be_visible()
    # the form posted plainly (as without htmx): the worker's own page says it is kept
    page.evaluate("""() => { document.getElementById('note').value = 'Fractions, then decimals';
                             document.getElementById('marks').submit(); }""")
    expect(page.locator("h1")).to_have_text("Saved on this device")
    expect(page.locator("main")).to_contain_text(QUEUED)
    expect(page.get_by_role("link", name="Back to the lesson")).to_have_attribute(
        "href", re.compile(rf"/sessions/{s.id}/lessons/{s.session_date.isoformat()}$"))
    expect(page.locator("#offline-queue")).to_contain_text("1 mark is saved on this device")
    lesson = lesson_of(s)  # meanwhile someone else changes the lesson
    change_lesson(lesson, {"priority_level": "urgent"}, lesson.version)
    page.context.set_offline(False)
    queue = page.locator("#offline-queue")
    expect(queue).to_contain_text("1 mark made offline was refused and is not saved:", timeout=10_000)
    expect(queue).to_contain_text("Someone else changed this lesson meanwhile.")
    expect(queue.get_by_role("link")).to_have_attribute(
        "href", re.compile(rf"/sessions/{s.id}/lessons/{s.session_date.isoformat()}$"))
    lesson = lesson_of(s)
    assert lesson.note is None and lesson.priority_level == "urgent"
    page.reload()  # refused stays listed until dismissed
    expect(page.locator("#offline-queue")).to_contain_text("Someone else changed this lesson meanwhile.")
    page.locator("#offline-queue button", has_text="Dismiss").click()
    expect(page.locator("#offline-queue")).to_have_count(0)


def test_the_copy_and_the_kept_marks_on_a_phone(phone, day, live):
    page = phone
    s, _ = day
    open_today(page)
    page.context.set_offline(True)
    page.reload()
    row_of(page, s).locator("td.when a").click()
    page.select_option("#status", "completed")
    expect(page.locator("#offline-queue")).to_contain_text("1 mark is saved on this device")
    assert serious_axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"offline-lesson-360-{live.backend}.png"), full_page=True)
    page.context.set_offline(False)
    expect(page.locator("#offline-queue")).to_contain_text("1 mark made offline was sent.", timeout=10_000)
    assert lesson_of(s).status == "completed"  # begun half an hour ago: no question to ask first


def test_logging_out_removes_the_copies(page, day):
    s, _ = day
    open_today(page)
    assert page.evaluate("caches.open('pages-v1').then(c => c.keys()).then(k => k.length)") >= 3
    page.click("button:has-text('Log out')")
    page.wait_for_url("**/login")
    wait_until(page, "document.documentElement.dataset.offline === 'ready'")
    assert page.evaluate("caches.open('pages-v1').then(c => c.keys()).then(k => k.length)") == 0
    page.context.set_offline(True)
    page.goto("/sessions?tab=today")
    expect(page.locator("h1")).to_have_text("You are offline")
    expect(page.locator("body")).not_to_contain_text("Selam Girma")
    page.goto(f"/sessions/{s.id}/lessons/{s.session_date.isoformat()}")
    expect(page.locator("h1")).to_have_text("You are offline")
