"""A lesson's people: a student's and a parent's own pages, reviews of a lesson from each
side, "we can't come", confirming and disputing attendance, topics carried forward, the
admin's overview, and the walks that prove nobody sees what is not theirs."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import Auth, csrf_from
from tests.factories import make_enrollment, make_session, make_user, today
from tests.lesson_support import mark_lesson
from tests.test_api import Api, token_for
from tests.test_sessions_safety import fill, rules, snapshot
from webapp import choices as C
from webapp.extensions import db
from webapp.lessons.access import lesson_on
from webapp.models import Review, Session, User, utcnow


@dataclass
class Family:
    tutor: User
    other_tutor: User
    student: User
    parent: User
    sibling: User
    stranger: User  # a student of the other tutor
    stranger_parent: User
    admin: User
    past: Session  # student's, yesterday, completed
    future: Session  # student's, in three days
    series: Session  # student's, weekly, started three weeks ago
    siblings: Session  # sibling's, tomorrow
    theirs: Session  # stranger's, with the other tutor


@pytest.fixture
def family(app) -> Family:
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede")
    other_tutor = make_user(email="other@example.com", name="Meron Tadesse")
    student = make_user("student", email="student@example.com", name="Selam Girma")
    sibling = make_user("student", email="sibling@example.com", name="Dawit Girma")
    parent = make_user("parent", email="parent@example.com", name="Girma Wolde")
    stranger = make_user("student", email="stranger@example.com", name="Yonas Bekele")
    stranger_parent = make_user("parent", email="sparent@example.com", name="Almaz Bekele")
    admin = make_user("admin", email="admin@example.com", name="Platform Admin")
    student.parents.append(parent)
    sibling.parents.append(parent)
    stranger.parents.append(stranger_parent)
    mine = make_enrollment(tutor, student, course="Mathematics")
    sibling_enrollment = make_enrollment(tutor, sibling, course="Physics")
    theirs_enrollment = make_enrollment(other_tutor, stranger, course="Chemistry")
    day = today()
    past = make_session(mine, day - timedelta(days=1), time(9), time(10), topics=["Algebra", "Geometry"],
                        status="completed", tutor_attendance_status="present", student_attendance_status="present",
                        topics_covered=["Algebra"])
    future = make_session(mine, day + timedelta(days=3), time(9), time(10), topics=["Functions"])
    series = make_session(mine, day - timedelta(days=21), time(16), time(17), is_recurring=True,
                          session_frequency="weekly", topics=["Reading"],
                          recurring_pattern={"days": [], "months": [], "specific_dates": []})
    siblings = make_session(sibling_enrollment, day + timedelta(days=1), time(11), time(12), topics=["Waves"])
    theirs = make_session(theirs_enrollment, day + timedelta(days=1), time(9), time(10), topics=["Acids"])
    db.session.commit()
    return Family(tutor, other_tutor, student, parent, sibling, stranger, stranger_parent, admin,
                  past, future, series, siblings, theirs)


def logged_in(app, email: str):
    client = app.test_client()
    assert Auth(client).login(email).status_code == 302
    return client


def lesson_links(html: str) -> set[tuple[int, str]]:
    return {(int(i), d) for i, d in re.findall(r'href="/sessions/(\d+)/lessons/([\d-]+)"', html)}


def path_of(session: Session, day: date | None = None) -> str:
    return f"/sessions/{session.id}/lessons/{(day or session.session_date).isoformat()}"


# --- Pages per role -------------------------------------------------------------------------


def test_a_students_page_shows_exactly_their_lessons(app, family):
    client = logged_in(app, "student@example.com")
    page = client.get("/my")
    assert page.status_code == 200
    shown = {i for i, _ in lesson_links(page.text)}
    assert shown == {family.past.id, family.future.id, family.series.id}
    assert "Yonas" not in page.text and "Dawit" not in page.text
    assert "Mathematics with Abebe Kebede" in page.text
    # What's next: the first lesson to come, with its planned topics.
    next_part = page.text.split('id="next-title"')[1].split("</section>")[0]
    assert "Functions" in next_part or "Reading" in next_part


def test_a_parent_switches_between_children_and_sees_nobody_else(app, family):
    client = logged_in(app, "parent@example.com")
    first = client.get("/my")  # children by name: Dawit first
    assert "Dawit Girma&#39;s lessons" in first.text and 'href="/my?student=' in first.text
    assert {i for i, _ in lesson_links(first.text)} == {family.siblings.id}
    selam = client.get(f"/my?student={family.student.id}")
    assert {i for i, _ in lesson_links(selam.text)} == {family.past.id, family.future.id, family.series.id}
    # a child who is not theirs is not a choice: the first child is shown
    stranger = client.get(f"/my?student={family.stranger.id}")
    assert {i for i, _ in lesson_links(stranger.text)} == {family.siblings.id}


def test_readers_lesson_page_is_read_only_and_others_are_404(app, family):
    client = logged_in(app, "student@example.com")
    page = client.get(path_of(family.past))
    assert page.status_code == 200
    assert 'id="marks"' not in page.text and "Move this lesson" not in page.text
    assert "Abebe Kebede" in page.text
    for session in (family.theirs, family.siblings):
        assert client.get(path_of(session)).status_code == 404
    assert client.get(f"/sessions/{family.past.id}").status_code == 403  # the workspace's session page


def test_the_tutors_note_reaches_the_family_only_when_shared(app, family):
    mark_lesson(family.past, family.past.session_date, note="Practise factorising")
    client, api = logged_in(app, "student@example.com"), None
    assert "Practise factorising" not in client.get(path_of(family.past)).text
    api = Api(app.test_client(), token_for(family.student))
    url = f"/api/sessions/{family.past.id}/lessons/{family.past.session_date.isoformat()}"
    assert api.get(url).json["note"] is None
    mark_lesson(family.past, family.past.session_date, note_shared=True)
    assert "Practise factorising" in client.get(path_of(family.past)).text
    assert api.get(url).json["note"] == "Practise factorising"
    assert "Practise factorising" in client.get("/my").text


def test_api_me_and_readers_lessons(app, family):
    for user in (family.student, family.parent, family.tutor, family.admin):
        api = Api(app.test_client(), token_for(user))
        me = api.get("/api/me").json
        assert me["id"] == user.id and me["email"] == user.email and me["role"] == user.role
        assert me["name"] == user.full_name
    start, end = (today() - timedelta(days=30)).isoformat(), (today() + timedelta(days=30)).isoformat()
    student = Api(app.test_client(), token_for(family.student))
    ids = {i["session_id"] for i in student.get(f"/api/lessons?date_from={start}&date_to={end}&per_page=100").json["items"]}
    assert ids == {family.past.id, family.future.id, family.series.id}
    parent = Api(app.test_client(), token_for(family.parent))
    ids = {i["session_id"] for i in parent.get(f"/api/lessons?date_from={start}&date_to={end}&per_page=100").json["items"]}
    assert ids == {family.past.id, family.future.id, family.series.id, family.siblings.id}


# --- Reviews --------------------------------------------------------------------------------


def review_url(session: Session, day: date | None = None) -> str:
    return f"/api/sessions/{session.id}/lessons/{(day or session.session_date).isoformat()}/review"


def test_reviews_from_each_side_fill_their_own_slot(app, family):
    for user, role in ((family.student, "student"), (family.parent, "parent"), (family.tutor, "tutor")):
        api = Api(app.test_client(), token_for(user))
        made = api.put(review_url(family.past), json={"rating": 4, "comment": f"by the {role}"})
        assert made.status_code == 201 and made.json["role"] == role
        again = api.put(review_url(family.past), json={"rating": 5, "comment": f"again by the {role}"})
        assert again.status_code == 200 and again.json["id"] == made.json["id"]
        lesson = Api(app.test_client(), token_for(family.tutor)).get(
            f"/api/sessions/{family.past.id}/lessons/{family.past.session_date.isoformat()}").json
        assert lesson[f"{role}_review_id"] == made.json["id"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Review)) == 3
    # every one of the three sees all three; the page shows them
    page = logged_in(app, "parent@example.com").get(path_of(family.past)).text
    assert all(f"again by the {r}" in page for r in ("student", "parent", "tutor"))


def test_a_review_before_the_lesson_began_is_422_and_changes_nothing(app, family):
    api = Api(app.test_client(), token_for(family.student))
    api.get("/api/me")  # the token's first use is recorded; what follows must change nothing
    before = snapshot()
    answer = api.put(review_url(family.future), json={"rating": 5})
    assert answer.status_code == 422 and "once it has begun" in answer.json["errors"]["rating"][0]
    for bad in ({"rating": 0}, {"rating": 6}, {"rating": "5"}, {"rating": 3, "comment": "x" * 3000}, {}):
        assert api.put(review_url(family.past), json=bad).status_code == 422, bad
    assert snapshot() == before


def test_a_review_can_be_changed_for_fourteen_days_only(app, family):
    api = Api(app.test_client(), token_for(family.student))
    made = api.put(review_url(family.past), json={"rating": 3})
    review = db.session.get(Review, made.json["id"])
    review.created_at = utcnow() - timedelta(days=C.REVIEW_EDIT_DAYS, minutes=1)
    db.session.commit()
    late = api.put(review_url(family.past), json={"rating": 5})
    assert late.status_code == 422 and "14 days" in late.json["errors"]["rating"][0]
    db.session.expire_all()
    assert db.session.get(Review, made.json["id"]).rating == 3


def test_nobody_else_may_review_or_read_the_reviews(app, family):
    Api(app.test_client(), token_for(family.student)).put(review_url(family.past), json={"rating": 2, "comment": "Too fast"})
    for user in (family.stranger, family.stranger_parent, family.other_tutor, family.admin):
        api = Api(app.test_client(), token_for(user))
        assert api.put(review_url(family.past), json={"rating": 1}).status_code == 404, user.email
    assert "Too fast" not in logged_in(app, "admin@example.com").get(path_of(family.past)).text
    assert logged_in(app, "other@example.com").get(path_of(family.past)).status_code == 404


def test_the_review_form_works_with_and_without_javascript(app, family):
    client = logged_in(app, "student@example.com")
    page = client.get(path_of(family.past))
    csrf = csrf_from(page.text)
    refused = client.post(path_of(family.past) + "/review", data={"csrf_token": csrf, "rating": "9"})
    assert refused.status_code == 422 and "Choose a rating from 1 to 5" in refused.text
    saved = client.post(path_of(family.past) + "/review", data={"csrf_token": csrf, "rating": "4", "comment": "Clear"})
    assert saved.status_code == 303
    assert "Clear" in client.get(path_of(family.past)).text
    fragment = client.post(path_of(family.past) + "/review", headers={"HX-Request": "true", "X-CSRFToken": csrf},
                           data={"rating": "5", "comment": "Even clearer"})
    assert fragment.status_code == 200 and fragment.text.lstrip().startswith("<section id=\"people\"")
    assert "Your review is updated." in fragment.text and "Even clearer" in fragment.text


def test_legacy_ratings_show_as_the_students_review(app, family):
    legacy = Review(reviewer_id=family.student.id, rating=5, comment="Old but gold", author_role="student",
                    enrollment_id=family.past.course_enrollment_id, session_id=family.past.id,
                    lesson_date=family.past.session_date)
    db.session.add(legacy)
    db.session.flush()
    family.past.student_review_id = legacy.id
    db.session.commit()
    page = logged_in(app, "tutor@example.com").get(path_of(family.past)).text
    assert "Old but gold" in page and 'id="review-student"' in page


# --- We can't come; confirm or dispute --------------------------------------------------------


def test_we_cant_come_excuses_the_student_and_the_tutor_sees_it_at_once(app, family):
    client = logged_in(app, "parent@example.com")
    csrf = csrf_from(client.get(path_of(family.future)).text)
    sent = client.post(path_of(family.future) + "/notice", data={"csrf_token": csrf, "reason": "Family wedding"})
    assert sent.status_code == 303
    lesson = lesson_on(family.future, family.future.session_date)
    assert lesson.student_attendance_status == "excused" and lesson.absence_reason == "Family wedding"
    tutor = logged_in(app, "tutor@example.com")
    listed = tutor.get("/sessions?tab=upcoming").text
    row = re.search(rf'<tr id="l{family.future.id}-.*?</tr>', listed, re.S).group(0)
    assert "Can&#39;t come" in row or "Can't come" in row
    assert "Family wedding" in tutor.get(path_of(family.future)).text
    # the tutor decides otherwise; the notice stays visible
    mark_lesson(family.future, family.future.session_date, student_attendance_status="present")
    assert lesson_on(family.future, family.future.session_date).student_attendance_status == "present"
    # withdrawn before the lesson: the notice is gone; a notice on a past lesson is refused
    client.post(path_of(family.future) + "/notice", data={"csrf_token": csrf, "withdraw": "1"})
    assert lesson_on(family.future, family.future.session_date).absence_notice_at is None
    late = client.post(path_of(family.past) + "/notice", data={"csrf_token": csrf})
    assert late.status_code == 422 and lesson_on(family.past, family.past.session_date).absence_notice_at is None


def test_a_notice_on_a_series_lesson_touches_that_lesson_only(app, family):
    day = family.series.session_date + timedelta(days=28)  # next week's lesson
    client = logged_in(app, "student@example.com")
    csrf = csrf_from(client.get(path_of(family.series, day)).text)
    assert client.post(path_of(family.series, day) + "/notice", data={"csrf_token": csrf}).status_code == 303
    assert lesson_on(family.series, day).student_attendance_status == "excused"
    assert lesson_on(family.series, day + timedelta(days=7)).student_attendance_status is None


def test_a_dispute_puts_the_lesson_in_needs_marking_until_the_tutor_resolves_it(app, family):
    tutor = logged_in(app, "tutor@example.com")
    assert f'id="l{family.past.id}-' not in tutor.get("/sessions?tab=needs-marking").text
    client = logged_in(app, "student@example.com")
    csrf = csrf_from(client.get(path_of(family.past)).text)
    disputed = client.post(path_of(family.past) + "/confirmation",
                           data={"csrf_token": csrf, "answer": "disputed", "what_happened": "I was late, not present"})
    assert disputed.status_code == 303
    listed = tutor.get("/sessions?tab=needs-marking").text
    assert f'id="l{family.past.id}-' in listed and "Attendance disputed" in listed
    page = tutor.get(path_of(family.past)).text
    assert "I was late, not present" in page
    # the tutor corrects it: resolved, out of Needs marking
    mark_lesson(family.past, family.past.session_date, student_attendance_status="late")
    lesson = lesson_on(family.past, family.past.session_date)
    assert lesson.confirmation == "disputed"  # mark_lesson is the plain change; the page resolves
    tutor_csrf = csrf_from(page)
    kept = tutor.post(path_of(family.past), data={"csrf_token": tutor_csrf, "resolve": "1", "version": lesson.version})
    assert kept.status_code == 303
    assert lesson_on(family.past, family.past.session_date).confirmation == "resolved"
    assert f'id="l{family.past.id}-' not in tutor.get("/sessions?tab=needs-marking").text


def test_confirming_needs_a_marked_lesson_that_is_over(app, family):
    client = logged_in(app, "student@example.com")
    csrf = csrf_from(client.get(path_of(family.past)).text)
    assert client.post(path_of(family.future) + "/confirmation",
                       data={"csrf_token": csrf, "answer": "confirmed"}).status_code == 422
    assert client.post(path_of(family.past) + "/confirmation",
                       data={"csrf_token": csrf, "answer": "maybe"}).status_code == 422
    ok = client.post(path_of(family.past) + "/confirmation", data={"csrf_token": csrf, "answer": "confirmed"})
    assert ok.status_code == 303 and lesson_on(family.past, family.past.session_date).confirmation == "confirmed"
    tutor = logged_in(app, "tutor@example.com")
    assert tutor.post(path_of(family.past) + "/confirmation", data={"csrf_token": csrf_from(tutor.get("/sessions").text),
                                                                    "answer": "confirmed"}).status_code == 403


# --- Topics carried forward -------------------------------------------------------------------


def test_a_topic_not_covered_is_offered_for_the_next_lesson_and_the_student_sees_it(app, family):
    tutor = logged_in(app, "tutor@example.com")
    page = tutor.get(path_of(family.future)).text
    assert 'id="carried"' in page and "Geometry" in page.split('id="carried"')[1].split("</div>")[0]
    csrf = csrf_from(page)
    version = lesson_on(family.future, family.future.session_date).version
    accepted = tutor.post(path_of(family.future) + "/topics",
                          data={"csrf_token": csrf, "topic": "Geometry", "carry": "accept", "version": version})
    assert accepted.status_code == 303
    assert lesson_on(family.future, family.future.session_date).topics == ["Functions", "Geometry"]
    assert 'id="carried"' not in tutor.get(path_of(family.future)).text
    student_page = logged_in(app, "student@example.com").get(path_of(family.future)).text
    assert "Functions, Geometry" in student_page
    refused = tutor.post(path_of(family.future) + "/topics",
                         data={"csrf_token": csrf, "topic": "Geometry", "carry": "accept", "version": version})
    assert refused.status_code == 422


def test_a_dropped_topic_is_not_offered_again(app, family):
    tutor = logged_in(app, "tutor@example.com")
    csrf = csrf_from(tutor.get(path_of(family.future)).text)
    version = lesson_on(family.future, family.future.session_date).version
    tutor.post(path_of(family.future) + "/topics",
               data={"csrf_token": csrf, "topic": "Geometry", "carry": "drop", "version": version})
    lesson = lesson_on(family.future, family.future.session_date)
    assert lesson.topics == ["Functions"] and lesson.dropped_topics == ["Geometry"]
    assert 'id="carried"' not in tutor.get(path_of(family.future)).text


# --- Admin ------------------------------------------------------------------------------------


def test_the_admin_sees_review_figures_per_tutor_and_every_tutors_lessons(app, family):
    for user, rating in ((family.student, 4), (family.parent, 2)):
        Api(app.test_client(), token_for(user)).put(review_url(family.past), json={"rating": rating})
    admin = logged_in(app, "admin@example.com")
    page = admin.get("/admin")
    assert page.status_code == 200
    row = re.search(rf'<tr id="tutor-{family.tutor.id}">.*?</tr>', page.text, re.S).group(0)
    assert ">2<" in row and "4.0" in row and "2.0" in row
    listed = admin.get(f"/sessions?tab=all&tutor_id={family.other_tutor.id}").text
    assert {i for i, _ in lesson_links(listed)} == {family.theirs.id}
    for email in ("tutor@example.com", "student@example.com", "parent@example.com"):
        assert logged_in(app, email).get("/admin").status_code == 404


# --- Walks --------------------------------------------------------------------------------------


def test_every_route_of_a_lesson_is_404_to_people_not_its_own(app, family):
    """Over the whole URL map, every route naming a session, as every role that is not one of
    the lesson's people: 404 (403 for a workspace route to a reader), and nothing changes."""
    clients = {email: logged_in(app, email) for email in ("stranger@example.com", "sparent@example.com",
                                                          "other@example.com")}
    before = snapshot()
    walked = set()
    for email, client in clients.items():
        csrf = csrf_from(client.get("/calendar").text)
        for rule in rules(app, "session_id"):
            for method in sorted(rule.methods & {"GET", "POST", "PUT", "PATCH", "DELETE"}):
                answer = client.open(fill(rule, family.past.id, family.past.session_date), method=method,
                                     headers={"X-CSRFToken": csrf},
                                     data={"csrf_token": csrf, "rating": "5", "answer": "confirmed", "status": "completed"})
                allowed = {404, 403} if email != "other@example.com" else {404}
                assert answer.status_code in allowed, (email, method, rule.rule, answer.status_code)
                assert "Selam Girma" not in answer.text
                walked.add(rule.endpoint)
    assert {"people.review", "people.notice", "people.confirmation", "lessons.show", "lessons.carry",
            "api.put_review"} <= walked
    assert snapshot() == before


def test_anonymous_gets_the_login_for_every_people_page(app, family, client):
    for path in ("/my", "/admin", path_of(family.past)):
        answer = client.get(path)
        assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
    assert client.get("/api/me").status_code == 401
    before = snapshot()
    for action in ("review", "notice", "confirmation"):
        assert client.post(path_of(family.past) + "/" + action, data={"rating": "5"}).status_code in (302, 400)
    assert snapshot() == before
