"""One lesson of a series, through the test client: its page, inline marking (htmx and plain
posts), cancel and move, editing the series for every lesson to come or from a lesson on,
the series' end in the form, and overlaps with lessons of series."""
from __future__ import annotations

import re
from datetime import date, time, timedelta

import pytest
import sqlalchemy as sa

from tests.conftest import csrf_from
from tests.factories import make_enrollment, make_session, make_user, today
from tests.querycount import count_queries
from webapp import recurrence as R
from webapp.calendar import services as S
from webapp.extensions import db
from webapp.models import Session, SessionOccurrence, SessionSeries


def next_weekday(day: date, weekday: int) -> date:
    return day + timedelta(days=(weekday - day.weekday()) % 7)


@pytest.fixture
def term(app):
    """A tutor's weekly Tuesday-and-Thursday series that started three weeks ago, and
    another tutor's series."""
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede")
    student = make_user("student", name="Selam Girma")
    enrollment = make_enrollment(tutor, student, course="Mathematics")
    first = next_weekday(today() - timedelta(days=21), 1)  # a Tuesday, three weeks back
    series = make_session(enrollment, first, time(16), time(17), topics=["Fractions", "Decimals"],
                          is_recurring=True, session_frequency="weekly",
                          recurring_pattern={"days": ["Tuesday", "Thursday"], "months": [], "specific_dates": []})
    other = make_enrollment(make_user(email="other@example.com"), course="Physics")
    theirs = make_session(other, first, time(16), time(17), is_recurring=True, session_frequency="weekly",
                          recurring_pattern={"days": ["Tuesday"], "months": [], "specific_dates": []})
    db.session.commit()
    upcoming = [d for d in R.series_dates(series, until=today() + timedelta(days=30)) if d > today()]
    return {"tutor": tutor, "enrollment": enrollment, "series": series, "theirs": theirs,
            "first": first, "next": upcoming[0], "later": upcoming[1:]}


@pytest.fixture
def tutor_client(client, auth, term):
    assert auth.login().status_code == 302
    return client


def lesson_url(session_id: int, day: date, action: str = "") -> str:
    return f"/sessions/{session_id}/lessons/{day.isoformat()}" + (f"/{action}" if action else "")


def version_in(html: str) -> str:
    return re.search(r'name="version"[^>]*value="([^"]*)"', html).group(1)


def post_lesson(client, session_id: int, day: date, action: str, data: dict, hx: bool = True):
    page = client.get(lesson_url(session_id, day)).text
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_from(page)} if hx else {}
    body = {"version": version_in(page), **data}
    if not hx:
        body["csrf_token"] = csrf_from(page)
    return client.post(lesson_url(session_id, day, action), data=body, headers=headers)


def override(session_id: int, day: date) -> SessionOccurrence | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(SessionOccurrence).filter_by(session_id=session_id, original_date=day))


def lesson_of(session_id: int, day: date) -> R.Occurrence:
    db.session.expire_all()
    return S.occurrence(db.session.get(Session, session_id), day)


# --- The page ---------------------------------------------------------------------------


def test_the_lesson_page_shows_one_lesson_with_its_controls(tutor_client, term):
    page = tutor_client.get(lesson_url(term["series"].id, term["next"]))
    assert page.status_code == 200
    day = term["next"]
    assert f"Lesson on {day:%a} {day.day} {day:%b %Y}, 16:00–17:00" in page.text
    assert 'id="lesson-marking"' in page.text and 'hx-target="this"' in page.text
    assert 'name="tutor_attendance_status"' in page.text and 'name="note"' in page.text
    assert "Fractions" in page.text and 'name="new_date"' in page.text
    assert f'href="/sessions/{term["series"].id}/edit?from={day.isoformat()}"' in page.text


@pytest.mark.parametrize("day", ["2026-02-30", "not-a-date", "1999-01-01"])
def test_a_date_that_is_not_a_lesson_is_a_404(tutor_client, term, day):
    assert tutor_client.get(f"/sessions/{term['series'].id}/lessons/{day}").status_code == 404
    off_day = term["next"] + timedelta(days=1)  # a Wednesday or a Friday
    assert tutor_client.get(lesson_url(term["series"].id, off_day)).status_code == 404


def test_a_one_time_session_has_no_lesson_pages(tutor_client, term):
    single = make_session(term["enrollment"], today() + timedelta(days=2))
    db.session.commit()
    assert tutor_client.get(lesson_url(single.id, single.session_date)).status_code == 404


def test_another_tutors_lessons_are_404_on_every_lesson_route(app, tutor_client, term):
    theirs, day = term["theirs"], term["first"]
    csrf = csrf_from(tutor_client.get("/sessions").text)
    walked = 0
    for rule in app.url_map.iter_rules():
        if "day" not in rule.arguments:
            continue
        path = rule.rule.replace("<int:session_id>", str(theirs.id)).replace("<day>", day.isoformat())
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            response = tutor_client.open(path, method=method, headers={"X-CSRFToken": csrf, "HX-Request": "true"},
                                         data={"status": "cancelled", "note": "x", "version": "new"})
            assert response.status_code == 404, (method, path)
            walked += 1
    assert walked >= 6
    assert override(theirs.id, day) is None


def test_lesson_changes_need_a_csrf_token(tutor_client, term):
    response = tutor_client.post(lesson_url(term["series"].id, term["next"], "status"),
                                 data={"status": "cancelled", "version": "new"})
    assert response.status_code == 400
    assert override(term["series"].id, term["next"]) is None


# --- Marking one lesson -----------------------------------------------------------------


def test_marking_a_lesson_changes_only_that_lesson(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    response = post_lesson(tutor_client, sid, day, "attendance", {"student_attendance_status": "late"})
    assert response.status_code == 200 and "<html" not in response.text
    assert "HX-Request" in response.headers["Vary"]
    assert 'id="lesson-marking"' in response.text
    assert '<option value="late" selected>' in response.text
    assert post_lesson(tutor_client, sid, day, "status", {"status": "completed"}).status_code == 200
    assert post_lesson(tutor_client, sid, day, "topics-covered", {"topics_covered": ["Decimals"]}).status_code == 200
    response = post_lesson(tutor_client, sid, day, "note", {"note": "  Needs more practice with ½ + ⅓.  "})
    assert response.status_code == 200 and "Needs more practice" in response.text
    lesson = lesson_of(sid, day)
    assert (lesson.status, lesson.student_attendance_status, lesson.topics_covered, lesson.note) == \
        ("completed", "late", ["Decimals"], "Needs more practice with ½ + ⅓.")
    other = lesson_of(sid, term["later"][0])
    assert (other.status, other.student_attendance_status, other.topics_covered) == ("scheduled", None, [])
    series = db.session.get(Session, sid)
    assert series.status == "scheduled" and series.student_attendance_status is None


def test_a_refused_change_says_why_in_place_and_changes_nothing(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    assert post_lesson(tutor_client, sid, day, "status", {"status": "completed"}).status_code == 200
    response = post_lesson(tutor_client, sid, day, "status", {"status": "scheduled"})
    assert response.status_code == 422 and "can only become" in response.text
    assert 'id="lesson-marking"' in response.text and "<html" not in response.text
    response = post_lesson(tutor_client, sid, day, "topics-covered", {"topics_covered": ["Not planned"]})
    assert response.status_code == 422 and "Only planned topics" in response.text
    response = post_lesson(tutor_client, sid, day, "note", {"note": "x" * 5000})
    assert response.status_code == 422 and "at most 2000 characters" in response.text
    response = post_lesson(tutor_client, sid, day, "attendance", {"tutor_attendance_status": "asleep"})
    assert response.status_code == 422
    lesson = lesson_of(sid, day)
    assert (lesson.status, lesson.topics_covered, lesson.note, lesson.tutor_attendance_status) == \
        ("completed", [], None, None)


def test_a_stale_lesson_gives_a_conflict_in_place(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    page = tutor_client.get(lesson_url(sid, day)).text
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_from(page)}
    old = version_in(page)
    assert tutor_client.post(lesson_url(sid, day, "attendance"), headers=headers,
                             data={"version": old, "tutor_attendance_status": "present"}).status_code == 200
    response = tutor_client.post(lesson_url(sid, day, "attendance"), headers=headers,
                                 data={"version": old, "tutor_attendance_status": "absent"})
    assert response.status_code == 409 and "Someone else changed this session" in response.text
    assert '<option value="present" selected>' in response.text  # what is saved now
    assert lesson_of(sid, day).tutor_attendance_status == "present"


def test_marking_works_without_javascript(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    response = post_lesson(tutor_client, sid, day, "status", {"status": "cancelled"}, hx=False)
    assert response.status_code == 303 and response.headers["Location"] == lesson_url(sid, day)
    page = tutor_client.get(response.headers["Location"]).text
    assert "Saved." in page and ">Cancelled</span>" in page
    response = post_lesson(tutor_client, sid, day, "status", {"status": "completed"}, hx=False)
    assert response.status_code == 303
    assert "can only become" in tutor_client.get(lesson_url(sid, day)).text
    assert lesson_of(sid, day).cancelled


def test_the_calendar_shows_what_was_marked(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    post_lesson(tutor_client, sid, day, "status", {"status": "cancelled"})
    week = tutor_client.get(f"/calendar/week?date={day.isoformat()}").text
    link = f'href="{lesson_url(sid, day)}"'
    assert link in week
    assert "status-cancelled" in week.split(link)[0].rsplit("<a", 1)[-1]


def test_the_lesson_page_and_its_changes_take_a_fixed_number_of_queries(app, tutor_client, term):
    sid, day = term["series"].id, term["next"]
    page = tutor_client.get(lesson_url(sid, day)).text
    headers = {"HX-Request": "true", "X-CSRFToken": csrf_from(page)}
    with count_queries(db.engine) as get:
        tutor_client.get(lesson_url(sid, day))
    with count_queries(db.engine) as post:
        tutor_client.post(lesson_url(sid, day, "status"), headers=headers,
                          data={"version": version_in(page), "status": "completed"})
    assert get.count <= 8, get.statements
    assert post.count <= 12, post.statements


# --- Cancel, move, and edits of the series ----------------------------------------------


def test_move_one_lesson(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    page = tutor_client.get(lesson_url(sid, day)).text
    target = day + timedelta(days=1)
    data = {"csrf_token": csrf_from(page), "version": version_in(page), "new_date": target.isoformat(),
            "new_start_time": "10:00", "new_end_time": "09:00"}
    response = tutor_client.post(lesson_url(sid, day, "move"), data=data)
    assert response.status_code == 422 and "The end must be after the start." in response.text
    assert 'value="10:00"' in response.text  # what the tutor typed is still there
    assert override(sid, day) is None
    response = tutor_client.post(lesson_url(sid, day, "move"), data={**data, "new_end_time": "11:00"})
    assert response.status_code == 303
    page = tutor_client.get(response.headers["Location"]).text
    assert "Lesson moved." in page and f"Moved from {day:%a} {day.day}" in page
    lesson = lesson_of(sid, day)
    assert (lesson.date, lesson.start_time, lesson.end_time, lesson.moved) == (target, time(10), time(11), True)
    week = tutor_client.get(f"/calendar/week?date={target.isoformat()}").text
    assert lesson_url(sid, day) in week and "moved" in week


def edit_form(client, session_id: int, query: str = "", **changes) -> dict:
    """What the edit page posts when the tutor changes only `changes`."""
    page = client.get(f"/sessions/{session_id}/edit{query}").text
    db.session.expire_all()
    s = db.session.get(Session, session_id)
    scope = re.search(r'<input checked[^>]*name="scope"[^>]*value="([^"]+)"', page)
    from_date = re.search(r'name="from_date" type="date" value="([^"]*)"', page)
    data = {"csrf_token": csrf_from(page), "version": version_in(page),
            "course_enrollment_id": str(s.course_enrollment_id), "topics": "\n".join(s.topics),
            "session_date": s.session_date.isoformat(), "start_time": f"{s.start_time:%H:%M}",
            "end_time": f"{s.end_time:%H:%M}", "session_mode": s.session_mode, "location": s.location or "",
            "session_frequency": s.session_frequency, "recurring_days": s.recurring_pattern["days"],
            "priority_level": s.priority_level, "status": s.status, "alarm_before_minutes": "15",
            "tutor_attendance_status": s.tutor_attendance_status or "",
            "student_attendance_status": s.student_attendance_status or "",
            "scope": scope.group(1), "from_date": from_date.group(1)}
    for name in ("until_date", "occurrence_count"):
        prefilled = re.search(rf'name="{name}" type="[a-z]+" value="([^"]*)"', page)
        data[name] = prefilled.group(1) if prefilled else ""
    return data | changes


def test_edit_all_keeps_the_past_and_a_cancelled_lesson(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    post_lesson(tutor_client, sid, term["later"][0], "status", {"status": "cancelled"})
    past = term["first"]
    response = tutor_client.post(f"/sessions/{sid}/edit", data=edit_form(tutor_client, sid, start_time="15:00",
                                                                          end_time="16:30"))
    assert response.status_code == 303, response.text
    db.session.expire_all()
    old = db.session.get(Session, sid)
    assert old.start_time == time(16)  # the lessons that happened keep their time
    assert lesson_of(sid, past).start_time == time(16)
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert new_id != sid
    assert f"Session saved for the lessons from {day:%a} {day.day} {day:%b %Y} on" in \
        tutor_client.get(response.headers["Location"]).text
    assert lesson_of(new_id, day).start_time == time(15)
    assert lesson_of(new_id, term["later"][0]).cancelled  # a cancelled date stays cancelled
    assert R.last_date(old, db.session.get(SessionSeries, sid)) < day


def test_edit_this_and_following_from_a_lesson(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    split = term["later"][1]
    page = tutor_client.get(f"/sessions/{sid}/edit?from={split.isoformat()}").text
    assert 'id="scope"' in page and f'value="{split.isoformat()}"' in page
    data = edit_form(tutor_client, sid, f"?from={split.isoformat()}", location="Bole library", session_mode="hybrid")
    assert data["scope"] == "following"
    response = tutor_client.post(f"/sessions/{sid}/edit", data=data)
    assert response.status_code == 303, response.text
    new_id = int(response.headers["Location"].rsplit("/", 1)[1])
    db.session.expire_all()
    assert db.session.get(Session, new_id).session_date == split
    assert db.session.get(Session, new_id).session_mode == "hybrid"
    assert db.session.get(Session, sid).session_mode == "online"  # the lessons before keep theirs
    assert lesson_of(sid, day) is not None and lesson_of(sid, split) is None
    bad = edit_form(tutor_client, sid, f"?from={(day + timedelta(days=1)).isoformat()}", location="Elsewhere",
                    session_mode="hybrid")
    response = tutor_client.post(f"/sessions/{sid}/edit", data=bad)
    assert response.status_code == 422 and "is not a date of this series" in response.text


def test_the_series_end_is_set_in_the_form(tutor_client, term):
    sid = term["series"].id
    end = term["later"][2]
    response = tutor_client.post(f"/sessions/{sid}/edit", data=edit_form(tutor_client, sid, until_date=end.isoformat()))
    assert response.status_code == 303, response.text
    db.session.expire_all()
    series = db.session.get(SessionSeries, sid)
    assert series.until_date == end
    assert R.last_date(db.session.get(Session, sid), series) == end
    page = tutor_client.get(f"/sessions/{sid}/edit").text
    assert f'name="until_date" type="date" value="{end.isoformat()}"' in page
    both = edit_form(tutor_client, sid, until_date=end.isoformat(), occurrence_count="4")
    response = tutor_client.post(f"/sessions/{sid}/edit", data=both)
    assert response.status_code == 422 and "not both" in response.text
    db.session.expire_all()
    assert db.session.get(SessionSeries, sid).occurrence_count is None


def test_a_new_session_on_a_later_lesson_of_a_series_is_an_overlap(tutor_client, term):
    day = term["later"][0]
    page = tutor_client.get("/sessions/new").text
    data = {"csrf_token": csrf_from(page), "course_enrollment_id": str(term["enrollment"].id),
            "topics": "Algebra", "session_date": day.isoformat(), "start_time": "16:30", "end_time": "17:30",
            "session_mode": "online", "session_frequency": "one-time", "priority_level": "medium",
            "status": "scheduled", "alarm_before_minutes": "15"}
    response = tutor_client.post("/sessions/new", data=data)
    assert response.status_code == 422 and "This time overlaps 1 other session" in response.text
    assert f'href="{lesson_url(term["series"].id, day)}"' in response.text
    post_lesson(tutor_client, term["series"].id, day, "status", {"status": "cancelled"})
    assert tutor_client.post("/sessions/new", data=data).status_code == 303  # a cancelled lesson never clashes


# --- The list's Today: lessons as rows of their own -----------------------------------------


def daily_series(enrollment, n: int = 1) -> list[Session]:
    """Series that started two weeks ago and have a lesson today (its weekday)."""
    weekday = today().strftime("%A")
    rows = [make_session(enrollment, today() - timedelta(days=14), time(8 + i), time(9 + i), topics=["Ratios"],
                         is_recurring=True, session_frequency="weekly",
                         recurring_pattern={"days": [weekday], "months": [], "specific_dates": []})
            for i in range(n)]
    db.session.commit()
    return rows


def test_today_lists_the_lessons_of_series_and_marks_them_in_their_row(tutor_client, term):
    [series] = daily_series(term["enrollment"])
    single = make_session(term["enrollment"], today(), time(18), time(19))
    db.session.commit()
    page = tutor_client.get("/sessions?tab=today").text
    row = f'<tr id="lesson-{series.id}-{today().isoformat()}"'
    assert row in page and f'<tr id="session-{single.id}"' in page
    assert page.index(row) < page.index(f'<tr id="session-{single.id}"')  # in time order
    version = re.search(rf'{row}.*?name="version" value="([^"]*)"', page, re.S).group(1)
    response = tutor_client.post(lesson_url(series.id, today(), "attendance"),
                                 headers={"HX-Request": "true", "X-CSRFToken": csrf_from(page)},
                                 data={"version": version, "context": f"lesson-row-{today().isoformat()}",
                                       "next": "/sessions?tab=today",
                                       "student_attendance_status": "present"})
    assert response.status_code == 200 and response.text.lstrip().startswith(row)
    assert "<html" not in response.text and '<option value="present" selected>' in response.text
    assert lesson_of(series.id, today()).student_attendance_status == "present"
    assert db.session.get(Session, series.id).student_attendance_status is None  # the series row is untouched
    assert row not in tutor_client.get("/sessions?tab=today&status=cancelled").text
    assert row in tutor_client.get("/sessions?tab=today&is_recurring=true").text


def test_today_takes_a_fixed_number_of_queries(app, tutor_client, term):
    daily_series(term["enrollment"], 1)
    with count_queries(db.engine) as one:
        assert tutor_client.get("/sessions?tab=today").status_code == 200
    daily_series(term["enrollment"], 6)
    with count_queries(db.engine) as seven:
        page = tutor_client.get("/sessions?tab=today").text
    assert page.count('<tr id="lesson-') == 7
    assert seven.count == one.count <= 6, seven.statements


def test_a_series_page_lists_its_lessons_as_rows_to_mark(tutor_client, term):
    sid, day = term["series"].id, term["next"]
    page = tutor_client.get(f"/sessions/{sid}").text
    rows = re.findall(r'<tr id="lesson-(\d+)-([0-9-]+)"', page)
    assert (str(sid), day.isoformat()) in rows and (str(sid), term["later"][0].isoformat()) in rows
    assert all(date.fromisoformat(d) >= today() - timedelta(days=14) for _, d in rows)
    form_ids = re.findall(r'<form id="(mark-[^"]+)"', page)
    assert len(form_ids) == len(set(form_ids))  # one marking form per lesson
    context = f"lesson-row-{day.isoformat()}"
    version = re.search(rf'id="mark-{sid}-{context}".*?name="version" value="([^"]*)"', page, re.S).group(1)
    response = tutor_client.post(lesson_url(sid, day, "status"),
                                 headers={"HX-Request": "true", "X-CSRFToken": csrf_from(page)},
                                 data={"version": version, "context": context, "status": "cancelled"})
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<tr id="lesson-{sid}-{day.isoformat()}"')
    assert lesson_of(sid, day).cancelled


def test_needs_marking_lists_the_past_lessons_of_series_still_to_mark(tutor_client, term):
    sid = term["series"].id
    past = [d for d in R.series_dates(term["series"], until=today() - timedelta(days=1))]
    marked, cancelled, *rest = past
    post_lesson(tutor_client, sid, marked, "status", {"status": "completed"})
    post_lesson(tutor_client, sid, marked, "attendance", {"tutor_attendance_status": "present"})
    post_lesson(tutor_client, sid, marked, "attendance", {"student_attendance_status": "present"})
    post_lesson(tutor_client, sid, cancelled, "status", {"status": "cancelled"})
    page = tutor_client.get("/sessions?tab=needs-marking").text
    rows = [date.fromisoformat(d) for d in re.findall(rf'<tr id="lesson-{sid}-([0-9-]+)"', page)]
    assert rows == sorted(rest, reverse=True)  # the latest first; the marked and the cancelled one are done
    assert f"{len(rest)} lessons of your series to mark" in page
    assert f'<tr id="session-{sid}"' not in page  # the series row itself is not a lesson to mark
    assert "All caught up" not in page
    assert re.findall(rf'<tr id="lesson-{sid}-', tutor_client.get("/sessions?tab=needs-marking&status=cancelled").text) == []
