"""student1 and parent1 of the demo on a phone (360 px): they log in, see their lessons, say
"we can't come" and review a lesson, inline (htmx); the tutor sees it in place. axe-core
finds nothing serious on their pages."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ARTIFACTS, serious_axe_violations
from webapp.demo import seed
from webapp.extensions import db
from webapp.lessons.access import lesson_on
from webapp.lessons.listing import lessons_in_window
from webapp.models import Session, User
from tests.factories import today

pytestmark = pytest.mark.browser


@pytest.fixture
def demo(app_ctx):
    seed(password="secret-pw")
    db.session.commit()
    student = db.session.scalar(db.select(User).filter_by(email="student1@example.com"))
    return student


def phone_login(page, email: str) -> None:
    page.goto("/login")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", "secret-pw")
    page.click("button[type=submit]")
    page.wait_for_url("**/my")


def lessons_of(student, days_from: int, days_to: int):
    from datetime import timedelta

    return lessons_in_window(student, today() + timedelta(days=days_from), today() + timedelta(days=days_to))


def fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("email", ["student1@example.com", "parent1@example.com"])
def test_on_a_phone_they_see_their_lessons_say_we_cant_come_and_review(phone, live, demo, email):
    phone_login(phone, email)
    expect(phone.locator("h1")).to_contain_text("lessons")
    expect(phone.locator("#next-title")).to_be_visible()
    assert phone.locator(".lesson-card").count() >= 3 and fits_the_phone(phone)
    assert serious_axe_violations(phone) == []
    phone.screenshot(path=str(ARTIFACTS / f"people-{email.split('@')[0]}-my.png"), full_page=True)

    # "We can't come" on a lesson to come (one not cancelled), inline.
    coming = next(l for l in lessons_of(demo, 2, 30) if not l.cancelled and l.absence_notice_at is None)
    phone.goto(f"/sessions/{coming.session_id}/lessons/{coming.original_date.isoformat()}")
    assert fits_the_phone(phone) and serious_axe_violations(phone) == []
    phone.fill("#reason", "Exam week at school")
    phone.get_by_role("button", name="We can't come").click()
    expect(phone.locator("#people .msg")).to_contain_text("The tutor knows")
    expect(phone.locator("#absence-notice")).to_contain_text("Exam week at school")
    db.session.expire_all()
    assert lesson_on(db.session.get(Session, coming.session_id), coming.original_date).student_attendance_status == "excused"

    # A review of a lesson that has begun, inline.
    held = next(l for l in reversed(lessons_of(demo, -20, -1)) if l.status == "completed")
    phone.goto(f"/sessions/{held.session_id}/lessons/{held.original_date.isoformat()}")
    phone.locator(".review-form label", has_text="4").click()
    phone.fill("#review-comment", "ጥሩ ትምህርት ነበር — very clear")
    phone.locator(".review-form button[type=submit]").click()
    expect(phone.locator("#people .msg")).to_contain_text("review")
    expect(phone.locator("#people")).to_contain_text("ጥሩ ትምህርት ነበር")
    assert serious_axe_violations(phone) == []
    phone.screenshot(path=str(ARTIFACTS / f"people-{email.split('@')[0]}-lesson.png"), full_page=True)


def test_the_tutor_sees_the_notice_on_the_row_and_the_review_on_the_lesson(page, live, demo):
    coming = next(l for l in lessons_of(demo, 2, 7) if not l.cancelled and l.absence_notice_at is None
                  and l.session.enrollment.tutor_id == db.session.scalar(
                      db.select(User.id).filter_by(email="tutor1@example.com")))
    from webapp.lessons.people import send_absence_notice
    from webapp.lessons.access import lesson_on as find
    from webapp.web import C

    send_absence_notice(find(db.session.get(Session, coming.session_id), coming.original_date), demo,
                        "Sick", C.local_now())
    page.goto("/login")
    page.fill("input[name=email]", "tutor1@example.com")
    page.fill("input[name=password]", "secret-pw")
    page.click("button[type=submit]")
    page.wait_for_url("**/sessions")
    row = page.locator(f'tr[id="l{coming.session_id}-{coming.original_date.strftime("%Y%m%d")}"]')
    expect(row).to_contain_text("Can't come")
    expect(row).to_contain_text("Excused")
