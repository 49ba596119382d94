"""The workspace in a real browser: filters, the form, inline marking without reloads,
conflicts in place, delete with a confirmation, no JavaScript, axe-core, a phone screenshot."""
from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, changed, login, mark_page, serious_axe_violations, still_same_page
from tests.factories import make_enrollment, make_session, make_user, today
from webapp.extensions import db
from webapp.models import Review, Session

pytestmark = pytest.mark.browser


@pytest.fixture
def data(app_ctx):
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede")
    student = make_user("student", name="Selam Girma")
    student.parents.append(make_user("parent", name="Girma Wolde"))
    enrollment = make_enrollment(tutor, student, course="Mathematics")
    other = make_enrollment(tutor, make_user("student", name="Yonas Bekele"), course="Physics")
    lesson = make_session(enrollment, today(), time(9), time(10), topics=["Algebra", "Geometry"])
    cancelled = make_session(other, today() + timedelta(days=1), time(14), time(15), topics=["Waves"],
                             status="cancelled", priority_level="high")
    series = make_session(other, today() + timedelta(days=2), time(16), time(17), topics=["Kinematics"],
                          session_frequency="weekly", is_recurring=True, session_mode="in-person",
                          location="Bole library", student_review=Review(rating=4, comment="Clear."),
                          recurring_pattern={"days": ["Monday", "Wednesday"], "months": [], "specific_dates": []})
    db.session.commit()
    return {"enrollment": enrollment, "today": lesson, "cancelled": cancelled, "series": series}


def fresh(session_id: int) -> Session:
    db.session.expire_all()
    return db.session.get(Session, session_id)


def rows(page):
    return page.locator("table.sessions tbody tr")


def test_filter_updates_the_table_and_the_url_without_a_reload(page, data):
    login(page)
    expect(rows(page)).to_have_count(3)
    mark_page(page)
    page.click("summary:has-text('More filters')")
    page.select_option("#status", "cancelled")
    page.wait_for_url(re.compile(r"status=cancelled"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Yonas Bekele")
    assert still_same_page(page)
    page.fill("#q", "algebra")
    page.wait_for_url(re.compile(r"q=algebra"))
    expect(page.locator(".empty-state")).to_contain_text("No sessions match these filters.")
    page.locator("#status").select_option("")
    page.wait_for_url(re.compile(r"status=&|status=$|^(?!.*status=cancelled)"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Selam Girma")
    # a tab keeps the filters and changes the URL too
    page.click("nav.tabs >> text=Upcoming")
    page.wait_for_url(re.compile(r"tab=upcoming"))
    assert "q=algebra" in page.url
    assert still_same_page(page)
    page.go_back()
    page.wait_for_url(re.compile(r"^(?!.*tab=upcoming)"))
    expect(page.locator("#q")).to_have_value("algebra")


def test_create_a_session_through_the_form(page, data):
    login(page)
    page.click("text=New session")
    page.wait_for_url("**/sessions/new")
    page.select_option("#course_enrollment_id", label="Selam Girma — Mathematics")
    page.fill("#topics", "Fractions\nDecimals")
    day = today() + timedelta(days=3)
    page.fill("#session_date", day.isoformat())
    page.fill("#start_time", "10:00")
    page.fill("#end_time", "11:30")
    page.select_option("#session_mode", "in-person")
    page.click("button:has-text('Create session')")
    # a rule: in person needs a place; the message sits beside the field, input kept
    expect(page.locator("#location-errors")).to_contain_text("Say where an in-person or hybrid session takes place.")
    expect(page.locator("#topics")).to_have_value("Fractions\nDecimals")
    page.fill("#location", "Bole library")
    page.click("button:has-text('Create session')")
    page.wait_for_url(re.compile(r"/sessions/\d+$"))
    expect(page.locator(".flashes")).to_contain_text("Session saved.")
    expect(page.locator("h1")).to_contain_text("Selam Girma")
    expect(page.locator("#marking")).to_contain_text("0 of 2 planned topics covered")
    created = db.session.get(Session, int(page.url.rsplit("/", 1)[1]))
    assert created.duration == 90 and created.location == "Bole library"
    assert created.tutor_attendance_status is None


def test_mark_attendance_and_status_inline_without_a_reload(page, data):
    s = data["today"]
    login(page)
    mark_page(page)
    row = f"#session-{s.id}"
    assert changed(page, row, "/attendance", lambda: page.locator(row).get_by_label("Tutor").select_option("present")) == 200
    assert changed(page, row, "/attendance", lambda: page.locator(row).get_by_label("Student").select_option("late")) == 200
    assert changed(page, row, "/status",
                   lambda: page.locator(row).get_by_label(re.compile("Status of")).select_option("completed")) == 200
    expect(page.locator(f"{row} .badge-completed")).to_have_text("Completed")
    assert changed(page, row, "/topics-covered",
                   lambda: page.locator(f"{row} label.chip", has_text="Algebra").click()) == 200
    expect(page.locator(f"#session-{s.id} input[value=Algebra]")).to_be_checked()
    assert still_same_page(page)
    saved = fresh(s.id)
    assert (saved.tutor_attendance_status, saved.student_attendance_status, saved.status) == ("present", "late", "completed")
    assert saved.topics_covered == ["Algebra"]
    # a refused change says why, in place
    assert changed(page, row, "/status",
                   lambda: page.locator(row).get_by_label(re.compile("Status of")).select_option("cancelled")) == 422
    expect(page.locator(f"#session-{s.id} [role=alert]")).to_contain_text("A completed session can only become in progress.")
    assert fresh(s.id).status == "completed"
    # persisted: a reload shows the same
    page.reload()
    expect(page.locator(f"#session-{s.id}").get_by_label("Tutor")).to_have_value("present")


def test_a_stale_row_shows_a_conflict_in_place(page, data):
    s = data["today"]
    login(page)
    other = fresh(s.id)
    other.priority_level = "urgent"  # someone else, after the page was loaded
    db.session.commit()
    assert changed(page, f"#session-{s.id}", "/priority",
                   lambda: page.locator(f"#session-{s.id}").get_by_label(re.compile("Priority of")).select_option("low")) == 409
    row = page.locator(f"#session-{s.id}")
    expect(row.locator("[role=alert]")).to_contain_text("Someone else changed this session")
    expect(row.get_by_label(re.compile("Priority of"))).to_have_value("urgent")
    assert fresh(s.id).priority_level == "urgent"


def test_detail_widget_and_delete_with_a_confirmation(page, data):
    s = data["series"]
    login(page)
    page.goto(f"/sessions/{s.id}")
    expect(page.locator("body")).to_contain_text("Weekly on Monday and Wednesday")
    expect(page.locator(".next-dates li")).to_have_count(5)
    expect(page.locator("body")).to_contain_text("4 out of 5 stars")
    mark_page(page)
    assert changed(page, "#marking", "/featured", lambda: page.locator("#marking button.star").click()) == 200
    expect(page.locator("#marking button.star")).to_have_attribute("aria-pressed", "true")
    assert still_same_page(page) and fresh(s.id).is_featured
    messages = []
    page.on("dialog", lambda dialog: (messages.append(dialog.message), dialog.accept()))
    page.click("a:has-text('Delete')")
    page.wait_for_url(re.compile(r"/sessions$"))
    assert messages and "cannot be undone" in messages[0]
    expect(page.locator(".flashes")).to_contain_text("Session deleted.")
    assert fresh(s.id) is None


def test_everything_works_without_javascript(browser, live, data):
    context = browser.new_context(java_script_enabled=False, base_url=live.url)
    page = context.new_page()
    try:
        login(page)
        s = data["today"]
        row = page.locator(f"#session-{s.id}")
        row.get_by_label(re.compile("Status of")).select_option("in-progress")
        row.locator("button[formaction$='/status']").click()
        page.wait_for_url(re.compile(r"/sessions$"))
        expect(page.locator(".flashes")).to_contain_text("Saved.")
        assert fresh(s.id).status == "in-progress"
        # the row's controls share one form: each button saves its own field only
        row.get_by_label("Student").select_option("absent")
        row.get_by_label("Tutor").select_option("late")
        row.locator("button[formaction$='/attendance'][value=student_attendance_status]").click()
        page.wait_for_url(re.compile(r"/sessions$"))
        saved = fresh(s.id)
        assert (saved.student_attendance_status, saved.tutor_attendance_status) == ("absent", None)
        row.locator("button.star").click()
        page.wait_for_url(re.compile(r"/sessions$"))
        assert fresh(s.id).is_featured is True
        page.goto(f"/sessions/{s.id}")
        page.click("a:has-text('Delete')")
        page.wait_for_url(f"**/sessions/{s.id}/delete")
        page.click("button:has-text('Delete the session')")
        page.wait_for_url(re.compile(r"/sessions$"))
        assert fresh(s.id) is None
    finally:
        context.close()


def test_axe_finds_no_serious_problems_and_the_phone_layout_is_clean(phone, live, data):
    page = phone
    login(page)
    ARTIFACTS.mkdir(exist_ok=True)
    s = data["today"]
    for name, path in (("list", "/sessions"), ("detail", f"/sessions/{s.id}"), ("edit", f"/sessions/{s.id}/edit"),
                       ("new", "/sessions/new"), ("delete", f"/sessions/{s.id}/delete"),
                       ("filtered", "/sessions?status=bogus&date_from=2025-02-30")):
        page.goto(path)
        bad = serious_axe_violations(page)
        assert not bad, (name, bad)
        # nothing wider than the phone: no sideways scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
        if name in ("list", "detail"):
            page.screenshot(path=str(ARTIFACTS / f"sessions-{name}-360-{live.backend}.png"), full_page=True)
    assert (ARTIFACTS / f"sessions-list-360-{live.backend}.png").stat().st_size > 10_000
