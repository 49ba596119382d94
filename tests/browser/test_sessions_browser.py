"""The workspace in a real browser: filters, the form, click-to-edit marking without reloads,
labels that never go stale, conflicts in place, scoped deletes, no JavaScript, axe-core and
the phone layout."""
from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, changed, login, mark_page, serious_axe_violations, still_same_page
from tests.factories import make_enrollment, make_session, make_user, today
from webapp.extensions import db
from webapp.lessons.access import lesson_on
from webapp.models import Review, Session

pytestmark = pytest.mark.browser


@pytest.fixture
def data(app_ctx):
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede")
    student = make_user("student", name="Selam Girma")
    student.parents.append(make_user("parent", name="Girma Wolde"))
    enrollment = make_enrollment(tutor, student, course="Mathematics")
    other = make_enrollment(tutor, make_user("student", name="Yonas Bekele"), course="Physics")
    lesson = make_session(enrollment, today() + timedelta(days=1), time(9), time(10), topics=["Algebra", "Geometry"])
    cancelled = make_session(other, today() + timedelta(days=1), time(14), time(15), topics=["Waves"],
                             status="cancelled", priority_level="high")
    series = make_session(other, today() + timedelta(days=2), time(16), time(17), topics=["Kinematics"],
                          session_frequency="weekly", is_recurring=True, session_mode="in-person",
                          location="Bole library", student_review=Review(rating=4, comment="Clear."),
                          recurring_pattern={"days": ["Monday", "Wednesday"], "months": [], "specific_dates": []})
    db.session.commit()
    return {"enrollment": enrollment, "lesson": lesson, "cancelled": cancelled, "series": series}


def fresh(session_id: int) -> Session:
    db.session.expire_all()
    return db.session.get(Session, session_id)


def lesson_of(session_id: int, day: date):
    return lesson_on(fresh(session_id), day)


def rows(page):
    return page.locator("table.lessons tbody tr")


def row_of(page, s: Session, day: date):
    return page.locator(f"#l{s.id}-{day:%Y%m%d}")


def test_filter_updates_the_table_and_the_url_without_a_reload(page, data):
    login(page)
    expect(rows(page)).to_have_count(50)  # a page: two one-time lessons and the open-ended series
    mark_page(page)
    page.click("summary:has-text('More filters')")
    page.select_option("#status", "cancelled")
    page.wait_for_url(re.compile(r"status=cancelled"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Yonas Bekele")
    assert still_same_page(page)
    page.fill("#q", "algebra")
    page.wait_for_url(re.compile(r"q=algebra"))
    expect(page.locator(".empty-state")).to_contain_text("No lessons match these filters.")
    page.locator("#status").select_option("")
    page.wait_for_url(re.compile(r"^(?!.*status=cancelled)"))
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Selam Girma")
    # a tab keeps the filters and changes the URL too
    page.click("nav.tabs >> text=All")
    page.wait_for_url(re.compile(r"tab=all"))
    assert "q=algebra" in page.url
    assert still_same_page(page)
    page.go_back()
    page.wait_for_url(re.compile(r"^(?!.*tab=all)"))
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
    expect(page.locator(".flashes")).to_contain_text("Saved.")
    expect(page.locator("h1")).to_contain_text("Selam Girma")
    expect(rows(page)).to_have_count(1)
    created = db.session.get(Session, int(page.url.rsplit("/", 1)[1]))
    assert created.duration == 90 and created.location == "Bole library"
    assert created.tutor_attendance_status is None


def test_mark_a_lesson_in_its_row_by_opening_one_cell_at_a_time(page, data):
    s = data["lesson"]
    day = s.session_date
    login(page)
    mark_page(page)
    row = row_of(page, s, day)
    expect(row.locator("select")).to_have_count(0)  # values as text until a cell is opened
    base = f"/sessions/{s.id}/lessons/{day.isoformat()}"
    assert changed(page, "", base + "/edit/attendance", lambda: row.locator("a.v", has_text="Not marked").click()) == 200
    row.get_by_label("Tutor").select_option("present")
    row.get_by_label("Student").select_option("late")
    assert changed(page, "", base, lambda: row.locator("button:has-text('Save')").click()) == 200
    expect(row).to_contain_text("Tutor: Present")
    expect(row).to_contain_text("Student: Late")
    # a status: the select saves on change
    assert changed(page, "", base + "/edit/status", lambda: row.locator("a.v", has_text="Scheduled").click()) == 200
    assert changed(page, "", base, lambda: row.locator("select[name=status]").select_option("in-progress")) == 200
    expect(row.locator("a.v.b-in-progress")).to_have_text("In progress")
    # the topics: tick and save
    assert changed(page, "", base + "/edit/topics", lambda: row.locator("a.v", has_text="Algebra").click()) == 200
    row.get_by_label("Algebra").check()
    assert changed(page, "", base, lambda: row.locator("button:has-text('Save')").click()) == 200
    expect(row).to_contain_text("✓ Algebra")
    assert still_same_page(page) and "/sessions" in page.url and "lessons" not in page.url
    saved = fresh(s.id)
    assert (saved.tutor_attendance_status, saved.student_attendance_status, saved.status, saved.topics_covered) == (
        "present", "late", "in-progress", ["Algebra"])
    page.reload()  # persisted
    expect(row_of(page, s, day)).to_contain_text("In progress")


def test_completing_a_lesson_to_come_asks_first_and_a_mistake_is_undone_in_one_step(page, data):
    s = data["lesson"]
    day = s.session_date
    login(page)
    row = row_of(page, s, day)
    base = f"/sessions/{s.id}/lessons/{day.isoformat()}"
    changed(page, "", base + "/edit/status", lambda: row.locator("a.v", has_text="Scheduled").click())
    changed(page, "", base, lambda: row.locator("select[name=status]").select_option("completed"))
    expect(row.locator("[role=alert]")).to_contain_text("has not begun yet")
    assert fresh(s.id).status == "scheduled"
    assert changed(page, "", base, lambda: row.locator("button:has-text('Yes, completed')").click()) == 200
    expect(row.locator("a.v.b-completed")).to_have_text("Completed")
    # every status it offers is one it accepts: back to scheduled in one step
    changed(page, "", base + "/edit/status", lambda: row.locator("a.v", has_text="Completed").click())
    options = row.locator("select[name=status] option").all_inner_texts()
    assert options == ["Scheduled", "In progress", "Completed", "Cancelled"]
    assert changed(page, "", base, lambda: row.locator("select[name=status]").select_option("scheduled")) == 200
    expect(row.locator("a.v.b-scheduled")).to_have_text("Scheduled")
    assert fresh(s.id).status == "scheduled"


def test_a_stale_row_shows_a_conflict_in_place(page, data):
    s = data["lesson"]
    day = s.session_date
    login(page)
    row = row_of(page, s, day)
    base = f"/sessions/{s.id}/lessons/{day.isoformat()}"
    changed(page, "", base + "/edit/priority", lambda: row.locator("a.v", has_text="Medium").click())
    other = fresh(s.id)
    other.priority_level = "urgent"  # someone else, after the cell was opened
    db.session.commit()
    assert changed(page, "", base, lambda: row.locator("select[name=priority_level]").select_option("low")) == 409
    expect(row.locator("[role=alert]")).to_contain_text("Someone else changed this lesson")
    expect(row.locator("a.v.p-urgent")).to_have_text("Urgent")  # as saved now
    assert fresh(s.id).priority_level == "urgent"


def test_the_lesson_page_keeps_every_label_current_after_a_save(page, data):
    series = data["series"]
    day = series.session_date
    login(page)
    page.goto(f"/sessions/{series.id}/lessons/{day.isoformat()}")
    mark_page(page)
    head = page.locator("#lesson-head")
    expect(head).to_contain_text("Scheduled")
    base = f"/sessions/{series.id}/lessons/{day.isoformat()}"
    assert changed(page, "", base, lambda: page.select_option("#priority_level", "urgent")) == 200
    expect(head).to_contain_text("Urgent priority")
    assert changed(page, "", base, lambda: page.select_option("#status", "cancelled")) == 200
    expect(head.locator(".badge.b-cancelled")).to_have_text("Cancelled")
    page.fill("#note", "The student is ill.")
    assert changed(page, "", base, lambda: page.locator("#marks button[type=submit]").click()) == 200
    expect(page.locator("#lesson-saved")).to_contain_text("Saved at")
    assert still_same_page(page)
    got = lesson_of(series.id, day)
    assert (got.status, got.priority_level, got.note) == ("cancelled", "urgent", "The student is ill.")
    # the move form carries the new version too: moving right away is no conflict
    # to a day the series does not meet on (Monday and Wednesday), so no overlap to confirm
    target = next(day + timedelta(days=n) for n in range(1, 8) if (day + timedelta(days=n)).weekday() not in (0, 2))
    page.fill("#date", target.isoformat())
    page.click("button:has-text('Move this lesson')")
    page.wait_for_url(f"**{base}")
    expect(page.locator("#moved-from")).to_contain_text("Moved from")


def test_the_session_page_and_a_scoped_delete(page, data):
    s = data["series"]
    login(page)
    page.goto(f"/sessions/{s.id}")
    expect(page.locator("body")).to_contain_text("Weekly on Monday and Wednesday")
    expect(page.locator("body")).to_contain_text("4 out of 5 stars")
    expect(rows(page)).to_have_count(12)
    page.click("button:has-text('Feature')")
    expect(page.locator(".badge-featured")).to_contain_text("Featured")
    assert fresh(s.id).is_featured
    page.click("a:has-text('Delete…')")
    page.wait_for_url(f"**/sessions/{s.id}/delete")
    expect(page.locator("body")).to_contain_text("every lesson from then on")
    page.check("input[value=series]")
    page.click("button:has-text('Delete')")
    page.wait_for_url(re.compile(r"/sessions$"))
    expect(page.locator(".flashes")).to_contain_text("Deleted.")
    assert fresh(s.id) is None


def test_everything_works_without_javascript(browser, live, data):
    context = browser.new_context(java_script_enabled=False, base_url=live.url)
    page = context.new_page()
    try:
        login(page)
        s = data["lesson"]
        day = s.session_date
        row_of(page, s, day).locator("a.v", has_text="Scheduled").click()  # the cell leads to the lesson's page
        page.wait_for_url(re.compile(rf"/sessions/{s.id}/lessons/{day.isoformat()}#status$"))
        page.select_option("#status", "in-progress")
        page.select_option("#student_attendance_status", "absent")
        page.fill("#note", "Without JavaScript")
        page.click("#marks button[type=submit]")
        page.wait_for_url(re.compile(rf"/lessons/{day.isoformat()}$"))
        expect(page.locator(".flashes")).to_contain_text("Saved.")
        got = lesson_of(s.id, day)
        assert (got.status, got.student_attendance_status, got.note) == ("in-progress", "absent", "Without JavaScript")
        page.goto(f"/sessions/{s.id}")
        page.click("a:has-text('Delete…')")
        page.wait_for_url(f"**/sessions/{s.id}/delete")
        page.click("button:has-text('Delete')")
        page.wait_for_url(re.compile(r"/sessions$"))
        assert fresh(s.id) is None
    finally:
        context.close()


def test_axe_finds_no_serious_problems_and_the_phone_layout_is_clean(phone, live, data):
    page = phone
    login(page)
    ARTIFACTS.mkdir(exist_ok=True)
    s, series = data["lesson"], data["series"]
    for name, path in (("list", "/sessions"), ("detail", f"/sessions/{s.id}"), ("edit", f"/sessions/{s.id}/edit"),
                       ("new", "/sessions/new"), ("delete", f"/sessions/{series.id}/delete"),
                       ("lesson", f"/sessions/{s.id}/lessons/{s.session_date.isoformat()}"),
                       ("filtered", "/sessions?status=bogus&date_from=2025-02-30")):
        page.goto(path)
        bad = serious_axe_violations(page)
        assert not bad, (name, bad)
        # nothing wider than the phone: no sideways scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, name
        if name in ("list", "detail", "lesson"):
            page.screenshot(path=str(ARTIFACTS / f"sessions-{name}-360-{live.backend}.png"), full_page=True)
    # an opened cell on a phone is still within the screen
    page.goto("/sessions")
    page.locator(f"#l{s.id}-{s.session_date:%Y%m%d} a.v", has_text="Not marked").click()
    expect(page.locator(f"#l{s.id}-{s.session_date:%Y%m%d} select")).to_have_count(2)
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not serious_axe_violations(page)
    assert (ARTIFACTS / f"sessions-list-360-{live.backend}.png").stat().st_size > 10_000
