"""Reports and CSV: figures checked against hand counts (a series with a moved, a cancelled
and an unmarked lesson across a month end and London's DST change), the page per role, and
the CSV round trip against /api/lessons."""
from __future__ import annotations

import csv
import io
from datetime import date, datetime, time

import pytest

from tests.conftest import Auth
from tests.factories import make_enrollment, make_session, make_user
from tests.lesson_support import cancel_lesson, mark_lesson, move_lesson
from tests.test_api import Api, token_for
from webapp.extensions import db
from webapp.lessons.access import lesson_on
from webapp.lessons.listing import lessons_in_window
from webapp.lessons.people import write_review
from webapp.reports import export
from webapp.reports.figures import figures_of, period_dates, with_reviews

NOW = datetime(2026, 4, 20, 12, 0)  # every lesson of the fixture is over
PATTERN = {"days": ["Monday"], "months": [], "specific_dates": []}


@pytest.fixture
def term(app):
    """Mondays 16 Mar to 13 Apr 2026 (London's clocks change on 29 Mar), 16:00–17:00:
    16 completed, present; 23 moved to Tue 24, completed, late; 30 cancelled; 6 Apr
    completed, the student absent; 13 Apr the student excused, the lesson not marked. And Tue 31 Mar (a month end), one-time,
    90 min, completed, present. Topics: Algebra and Fractions weekly, Geometry on the 31st."""
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede", timezone="Europe/London")
    student = make_user("student", email="student@example.com", name="Selam Girma", timezone="Europe/London")
    maths = make_enrollment(tutor, student, "Mathematics")
    series = make_session(maths, date(2026, 3, 16), time(16), time(17), is_recurring=True, session_frequency="weekly",
                          recurring_pattern=PATTERN, topics=["Algebra", "Fractions"])
    from webapp.lessons import plans

    plans.set_series_end(series, until=date(2026, 4, 13))
    db.session.commit()
    done = {"status": "completed", "tutor_attendance_status": "present"}
    mark_lesson(series, date(2026, 3, 16), **done, student_attendance_status="present", topics_covered=["Algebra"],
                note="ሂሳብ: good start")
    move_lesson(series, date(2026, 3, 23), date(2026, 3, 24))
    mark_lesson(series, date(2026, 3, 23), **done, student_attendance_status="late", topics_covered=["Fractions"])
    cancel_lesson(series, date(2026, 3, 30))
    mark_lesson(series, date(2026, 4, 6), **done, student_attendance_status="absent")
    mark_lesson(series, date(2026, 4, 13), student_attendance_status="excused")
    one = make_session(maths, date(2026, 3, 31), time(10), time(11, 30), topics=["Geometry"], status="completed",
                       tutor_attendance_status="present", student_attendance_status="present")
    db.session.commit()
    write_review(lesson_on(series, date(2026, 3, 16)), student, "student", 4, "Clear", NOW)
    write_review(lesson_on(series, date(2026, 3, 23)), tutor, "tutor", 2, None, NOW)
    return tutor, student, series, one


def figures(user, start: date, end: date):
    lessons = lessons_in_window(user, start, end)
    return with_reviews(figures_of(lessons, start, end, NOW), lessons)


def test_figures_of_two_months_match_the_hand_count(app, term):
    tutor, *_ = term
    f = figures(tutor, date(2026, 3, 1), date(2026, 4, 30))
    assert (f.lessons, f.held, f.minutes, f.hours) == (6, 4, 270, 4.5)
    assert (f.cancelled, f.no_shows, f.to_mark) == (1, 1, 1)
    assert dict(f.student_attendance) == {"present": 2, "late": 1, "absent": 1, "excused": 1}
    assert dict(f.tutor_attendance) == {"present": 4}
    assert (f.student_rate, f.tutor_rate) == (0.75, 1.0)  # present or late of four: the excused one left out
    assert (f.reviews, f.rating) == (2, 3.0)
    weeks = {week: (held, minutes) for week, held, minutes in f.weeks}
    assert weeks[date(2026, 3, 16)] == (1, 60) and weeks[date(2026, 3, 23)] == (1, 60)
    assert weeks[date(2026, 3, 30)] == (1, 90) and weeks[date(2026, 4, 6)] == (1, 60)
    assert weeks[date(2026, 4, 13)] == (0, 0) and weeks[date(2026, 3, 2)] == (0, 0)
    [progress] = f.progress
    assert progress.planned == ["Algebra", "Fractions", "Geometry"]
    assert progress.covered == ["Algebra", "Fractions"]
    assert progress.carried == ["Fractions"]  # planned again after the lesson that left it
    assert progress.never_covered == ["Geometry"]


def test_a_month_ends_on_its_last_day_and_a_moved_lesson_counts_where_it_went(app, term):
    tutor, *_ = term
    march = figures(tutor, *period_dates("last-month", date(2026, 4, 15)))
    assert (march.start, march.end) == (date(2026, 3, 1), date(2026, 3, 31))
    assert (march.lessons, march.held, march.minutes, march.cancelled) == (4, 3, 210, 1)
    moved_week = figures(tutor, date(2026, 3, 24), date(2026, 3, 24))
    assert (moved_week.lessons, moved_week.held) == (1, 1)  # 23 Mar moved to the 24th
    assert figures(tutor, date(2026, 3, 23), date(2026, 3, 23)).lessons == 0


def test_the_reports_page_shows_the_figures_with_charts_and_their_tables(app, term):
    client = app.test_client()
    Auth(client).login("tutor@example.com")
    page = client.get("/reports?date_from=2026-03-01&date_to=2026-04-30")
    assert page.status_code == 200
    text = page.text
    for label, value in (("Hours taught", "4.5"), ("Lessons held", "4"), ("Student attendance", "75 %"),
                         ("Tutor attendance", "100 %"), ("Cancelled", "1"), ("No-shows", "1"), ("Reviews", "3.0 / 5")):
        assert f"<dt>{label}</dt><dd>{value}" in text.replace('<a href="/sessions?tab=needs-marking">', ""), label
    assert text.count('src="data:image/svg+xml;base64,') == 2 and "alt=\"Bar chart of the hours" in text
    assert "<th scope=\"row\">Mon 16 Mar 2026</th><td>1</td><td>1.0</td>" in text
    assert "Geometry" in text and "Fractions" in text
    assert client.get("/reports?date_from=2026-04-30&date_to=2026-03-01").status_code == 422
    assert client.get("/reports?date_from=2000-01-01&date_to=2026-01-01").status_code == 422  # over five years
    assert client.get("/reports?period=this-week").status_code == 200
    assert client.get("/reports?date_from=junk").status_code == 200  # a bad date is left out, said


def test_students_get_the_same_figures_for_their_own_lessons_only(app, term):
    tutor, student, series, one = term
    other = make_enrollment(make_user(email="other@example.com"), make_user("student"), "Physics")
    make_session(other, date(2026, 3, 17), time(9), time(10), status="completed")
    db.session.commit()
    client = app.test_client()
    Auth(client).login("student@example.com")
    page = client.get("/reports?date_from=2026-03-01&date_to=2026-04-30")
    assert page.status_code == 200
    assert "<dt>Lessons held</dt><dd>4" in page.text and "Physics" not in page.text


def rows_of(data: bytes) -> list[dict]:
    assert data.startswith(b"\xef\xbb\xbf")  # a BOM: Excel reads UTF-8 (Amharic) right
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_the_csv_round_trip_agrees_with_api_lessons(app, term):
    tutor, *_ = term
    client = app.test_client()
    Auth(client).login("tutor@example.com")
    answer = client.get("/lessons.csv?date_from=2026-03-01&date_to=2026-04-30")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    lines = rows_of(answer.data)
    api = Api(app.test_client(), token_for(tutor)).get("/api/lessons?date_from=2026-03-01&date_to=2026-04-30").json
    assert len(lines) == api["total"] == 6
    for line, item in zip(lines, api["items"]):
        assert (int(line["session_id"]), line["original_date"], line["date"]) == (
            item["session_id"], item["original_date"], item["date"])
        assert (line["start_time"], line["end_time"]) == (item["start_time"][:5], item["end_time"][:5])
        assert line["status"] == item["status"]
        assert line["student_attendance_status"] == (item["student_attendance_status"] or "")
        assert line["tutor_attendance_status"] == (item["tutor_attendance_status"] or "")
        assert line["topics"].split(export.TOPIC_SEPARATOR) == item["topics"]
        assert [t for t in line["topics_covered"].split(export.TOPIC_SEPARATOR) if t] == item["topics_covered"]
        assert line["note"] == (item["note"] or "")
    assert lines[0]["note"] == "ሂሳብ: good start" and lines[0]["student"] == "Selam Girma"
    assert lines[1]["date"] == "2026-03-24" and lines[1]["original_date"] == "2026-03-23"
    assert list(lines[0]) == list(export.HEADER)
    cancelled = client.get("/lessons.csv?date_from=2026-03-01&date_to=2026-04-30&status=cancelled")
    assert [l["original_date"] for l in rows_of(cancelled.data)] == ["2026-03-30"]


def test_a_student_s_csv_leaves_out_the_tutor_s_unshared_note(app, term):
    client = app.test_client()
    Auth(client).login("student@example.com")
    lines = rows_of(client.get("/lessons.csv?date_from=2026-03-01&date_to=2026-04-30").data)
    assert len(lines) == 6 and all(line["note"] == "" for line in lines)


def test_export_lessons_from_the_command_line(app, term, runner, tmp_path):
    target = tmp_path / "lessons.csv"
    result = runner.invoke(args=["export-lessons", "tutor@example.com", "-o", str(target),
                                 "-f", "date_from=2026-03-01", "-f", "date_to=2026-04-30"])
    assert result.exit_code == 0, result.output
    assert len(rows_of(target.read_bytes())) == 6
    bad = runner.invoke(args=["export-lessons", "tutor@example.com", "-f", "date_from=soon"])
    assert bad.exit_code != 0 and "date_from" in bad.output
    assert runner.invoke(args=["export-lessons", "nobody@example.com"]).exit_code != 0


def test_over_half_a_year_the_hours_count_by_month(app, term):
    tutor, *_ = term
    f = figures(tutor, date(2026, 1, 1), date(2026, 12, 31))
    assert f.by_month and len(f.months) == 12
    assert {m: (held, minutes) for m, held, minutes in f.months}[date(2026, 3, 1)] == (3, 210)
    assert {m: (held, minutes) for m, held, minutes in f.months}[date(2026, 4, 1)] == (1, 60)
    assert sum(held for _m, held, _min in f.months) == f.held
