"""Plans on both backends: changing a series for every lesson to come or from a lesson on,
its end, removed dates, deletes by scope, and the overlap check that only counts the lessons
to come that a change makes."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from tests.factories import make_enrollment, make_session, make_user
from tests.lesson_support import cancel_lesson, mark_lesson, move_lesson
from webapp.extensions import db
from webapp.lessons import clashes, plans
from webapp.lessons.listing import lessons_in_window
from webapp.models import LessonRecord, Session, SessionSeries

TUESDAY = date(2026, 3, 3)


@pytest.fixture
def weekly(app):
    """Tuesdays and Thursdays at 16:00 from 3 March 2026, ten weeks (until 12 May)."""
    tutor = make_user(timezone="Europe/London")
    session = make_session(make_enrollment(tutor), TUESDAY, time(16, 0), time(17, 0), is_recurring=True,
                           session_frequency="weekly",
                           recurring_pattern={"days": ["Tuesday", "Thursday"], "months": [], "specific_dates": []})
    assert plans.set_series_end(session, until=date(2026, 5, 12)) == {}
    db.session.commit()
    return session


def lessons(*sessions, start=date(2026, 3, 1), end=date(2026, 6, 30)):
    tutor = sessions[0].enrollment.tutor
    ids = {s.id for s in sessions}
    return [l for l in lessons_in_window(tutor, start, end) if l.session_id in ids]


def test_marking_cancelling_and_moving_single_lessons(weekly):
    mark_lesson(weekly, date(2026, 3, 5), status="completed", student_attendance_status="late",
                topics_covered=[" Fractions ", "Fractions"], note="Came 10 minutes late")
    cancel_lesson(weekly, date(2026, 3, 10))
    move_lesson(weekly, date(2026, 3, 12), date(2026, 3, 13), time(9, 0), time(10, 0))
    got = {o.original_date: o for o in lessons(weekly)}
    assert len(got) == 21
    assert (got[date(2026, 3, 5)].status, got[date(2026, 3, 5)].student_attendance_status,
            got[date(2026, 3, 5)].topics_covered, got[date(2026, 3, 5)].note) == (
        "completed", "late", ["Fractions"], "Came 10 minutes late")
    assert got[date(2026, 3, 10)].cancelled
    moved = got[date(2026, 3, 12)]
    assert (moved.date, moved.start_time, moved.moved) == (date(2026, 3, 13), time(9, 0), True)
    assert {o.status for d, o in got.items() if d not in (date(2026, 3, 5), date(2026, 3, 10))} == {"scheduled"}
    move_lesson(weekly, date(2026, 3, 12), date(2026, 3, 12), time(16, 0), time(17, 0))  # back: no longer moved
    record = db.session.scalar(sa.select(LessonRecord).filter_by(original_date=date(2026, 3, 12)))
    assert (record.new_date, record.new_start_time, record.new_end_time) == (None, None, None)


def test_this_and_following_splits_the_series_and_carries_the_records(weekly):
    mark_lesson(weekly, date(2026, 3, 5), student_attendance_status="present", status="completed")
    cancel_lesson(weekly, date(2026, 4, 2))
    mark_lesson(weekly, date(2026, 4, 7), note="Bring the workbook")
    new, errors = plans.edit_following(weekly, date(2026, 3, 31), {"start_time": time(17, 0), "end_time": time(18, 30),
                                                                    "location": "Library", "session_mode": "hybrid"})
    assert errors == {}
    db.session.commit()
    assert new.id != weekly.id and new.session_date == date(2026, 3, 31) and new.duration == 90
    assert (new.status, new.student_attendance_status, new.topics_covered) == ("scheduled", None, [])
    assert db.session.get(SessionSeries, weekly.id).until_date == date(2026, 3, 30)
    assert db.session.get(SessionSeries, new.id).until_date == date(2026, 5, 12)
    got = lessons(weekly, new)
    assert len(got) == 21  # nothing lost, nothing doubled
    before = [o for o in got if o.original_date < date(2026, 3, 31)]
    after = [o for o in got if o.original_date >= date(2026, 3, 31)]
    assert {o.session.id for o in before} == {weekly.id} and {o.session.id for o in after} == {new.id}
    assert {o.start_time for o in before} == {time(16, 0)}
    assert next(o for o in before if o.date == date(2026, 3, 5)).status == "completed"
    cancelled = next(o for o in after if o.original_date == date(2026, 4, 2))
    assert cancelled.cancelled and cancelled.start_time == time(17, 0)
    # a lesson with a record of its own is never rewritten: it keeps its time
    noted = next(o for o in after if o.original_date == date(2026, 4, 7))
    assert (noted.note, noted.start_time, noted.end_time) == ("Bring the workbook", time(16, 0), time(17, 0))
    assert {o.start_time for o in after if o.record is None} == {time(17, 0)}
    assert {o.session.location for o in after} == {"Library"}


def test_this_and_following_with_a_count_shares_the_lessons_out(app):
    session = make_session(make_enrollment(make_user()), TUESDAY, is_recurring=True, session_frequency="weekly",
                           recurring_pattern={"days": [], "months": [], "specific_dates": []})
    plans.set_series_end(session, count=6)
    assert db.session.get(SessionSeries, session.id).last_date == TUESDAY + timedelta(weeks=5)
    new, errors = plans.edit_following(session, date(2026, 3, 24), {"topics": ["Geometry"]})
    assert errors == {}
    db.session.commit()
    assert [o.date for o in lessons(session, new)] == [TUESDAY + timedelta(weeks=w) for w in range(6)]
    assert db.session.get(SessionSeries, new.id).occurrence_count == 3


def test_edit_all_rewrites_neither_the_past_nor_records_and_cancelled_dates_stay_cancelled(weekly):
    mark_lesson(weekly, date(2026, 3, 5), status="completed", tutor_attendance_status="present")
    cancel_lesson(weekly, date(2026, 3, 26))
    cancel_lesson(weekly, date(2026, 4, 21))
    mark_lesson(weekly, date(2026, 4, 28), topics_covered=["Ratios"])
    today = date(2026, 3, 20)  # a Friday
    carrier, errors = plans.edit_all(weekly, {"start_time": time(15, 0), "end_time": time(16, 0),
                                              "recurring_pattern": {"days": ["Tuesday", "Wednesday"]}}, today=today)
    assert errors == {}
    db.session.commit()
    got = lessons(weekly, carrier)
    past = [o for o in got if o.date < today]
    assert [o.date for o in past] == [date(2026, 3, d) for d in (3, 5, 10, 12, 17, 19)]
    assert {o.start_time for o in past} == {time(16, 0)} and {o.session.id for o in past} == {weekly.id}
    future = {o.original_date: o for o in got if o.date >= today}
    assert date(2026, 3, 25) in future and date(2026, 3, 26) not in future  # Thursdays are gone
    assert future[date(2026, 4, 21)].cancelled  # still cancelled, at the new time
    assert future[date(2026, 4, 28)].start_time == time(16, 0)  # has a record: kept as it was
    assert {o.start_time for d, o in future.items() if o.record is None} == {time(15, 0)}
    carrier, errors = plans.edit_all(carrier, {"location": "Room 4", "session_mode": "in-person"}, today=today)
    assert errors == {}
    db.session.commit()
    assert next(o for o in lessons(weekly, carrier) if o.original_date == date(2026, 4, 21)).cancelled


def test_edit_all_without_a_past_changes_in_place_and_settings_never_split(weekly):
    same, errors = plans.edit_all(weekly, {"priority_level": "high", "alarm_enabled": True}, today=date(2026, 4, 1))
    assert errors == {} and same.id == weekly.id and weekly.priority_level == "high"
    same, errors = plans.edit_all(weekly, {"location": "Online room 2"}, today=date(2026, 3, 1))
    assert errors == {} and same.id == weekly.id
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 1


def test_edit_all_refuses_bad_values_and_changes_nothing(weekly):
    _, errors = plans.edit_all(weekly, {"end_time": time(15, 0)}, today=date(2026, 3, 20))
    assert "end_time" in errors
    _, errors = plans.edit_all(weekly, {"session_frequency": "one-time"}, today=date(2026, 3, 1))
    assert "session_frequency" in errors
    db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 1
    assert db.session.get(SessionSeries, weekly.id).until_date == date(2026, 5, 12)


def test_removing_a_date_drops_it_and_its_record(weekly):
    mark_lesson(weekly, date(2026, 3, 10), note="x")
    assert plans.remove_date(weekly, date(2026, 3, 10)) == {}
    db.session.commit()
    assert date(2026, 3, 10) not in {o.original_date for o in lessons(weekly)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonRecord)) == 0
    assert "date" in plans.remove_date(weekly, date(2026, 3, 11))  # a Wednesday: not a lesson


def test_records_go_with_their_series(weekly):
    cancel_lesson(weekly, date(2026, 3, 10))
    db.session.execute(sa.delete(Session).where(Session.id == weekly.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonRecord)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionSeries)) == 0


def test_deleting_this_lesson_and_the_following_ends_the_series_the_day_before(weekly):
    mark_lesson(weekly, date(2026, 3, 5), status="completed")
    mark_lesson(weekly, date(2026, 4, 9), note="Gone with it")
    assert plans.lesson_counts(weekly, plans.series_of(weekly), date(2026, 4, 7)) == (10, 11)
    plans.end_series_before(weekly, date(2026, 4, 7))
    got = lessons(weekly)
    assert got[-1].date == date(2026, 4, 2) and len(got) == 10
    assert db.session.scalar(sa.select(sa.func.count()).select_from(LessonRecord)) == 1  # the past one's
    plans.end_series_before(weekly, TUESDAY)  # from its first lesson: the whole series
    assert db.session.get(Session, weekly.id) is None


def test_an_open_ended_series_counts_its_past_and_says_it_has_no_end(app):
    session = make_session(make_enrollment(make_user()), TUESDAY, is_recurring=True, session_frequency="weekly",
                           recurring_pattern={"days": [], "months": [], "specific_dates": []})
    db.session.commit()
    assert plans.lesson_counts(session, None, date(2026, 3, 24)) == (3, None)


def test_a_new_lesson_of_a_series_marked_later_keeps_its_place(weekly):
    """Editing the time of every lesson to come does not move a lesson moved on its own."""
    move_lesson(weekly, date(2026, 4, 14), date(2026, 4, 15), time(9), time(10))
    carrier, _ = plans.edit_all(weekly, {"start_time": time(18), "end_time": time(19)}, today=date(2026, 3, 1))
    db.session.commit()
    moved = next(o for o in lessons(carrier) if o.original_date == date(2026, 4, 14))
    assert (moved.date, moved.start_time) == (date(2026, 4, 15), time(9))


# --- Overlaps ---------------------------------------------------------------------------------


@pytest.fixture
def people(app):
    tutor = make_user(timezone="Europe/London")
    student = make_user("student")
    other_tutor = make_user(timezone="Africa/Addis_Ababa")
    enrollment = make_enrollment(tutor, student)
    weekly = make_session(enrollment, TUESDAY, time(16, 0), time(17, 0), is_recurring=True,
                          session_frequency="weekly", recurring_pattern={"days": ["Tuesday"], "months": [], "specific_dates": []})
    cancel_lesson(weekly, date(2026, 3, 17))
    # the student's lessons with another tutor (in another zone): Thursdays 18:00 Addis = 15:00 London (GMT)
    make_session(make_enrollment(other_tutor, student), date(2026, 3, 5), time(18, 0), time(19, 0), is_recurring=True,
                 session_frequency="weekly", recurring_pattern={"days": [], "months": [], "specific_dates": []})
    db.session.commit()
    return {"tutor": tutor, "student": student, "enrollment": enrollment, "weekly": weekly}


NOW = datetime(2026, 3, 1, 12)


def plan(**kw):
    values = dict(session_date=date(2026, 3, 17), start_time=time(16, 30), end_time=time(17, 30), is_recurring=False,
                  session_frequency="one-time", recurring_pattern=None, course_enrollment_id=None)
    return values | kw


def test_clashes_cover_every_lesson_of_the_tutors_and_the_students_series(people):
    e = people["enrollment"]
    assert clashes.for_plan(plan(), None, e, NOW.date(), NOW) == []  # that Tuesday is cancelled
    [found] = clashes.for_plan(plan(session_date=date(2026, 3, 24)), None, e, NOW.date(), NOW)
    assert (found.lesson.session_id, found.lesson.date, found.same_tutor) == (people["weekly"].id, date(2026, 3, 24), True)
    thursdays = plan(session_date=date(2026, 3, 12), start_time=time(14, 30), end_time=time(15, 30), is_recurring=True,
                     session_frequency="weekly", recurring_pattern={"days": ["Thursday"], "months": [], "specific_dates": []})
    found = clashes.for_plan(thursdays, SessionSeries(until_date=date(2026, 3, 26), exdates=[]), e, NOW.date(), NOW)
    assert [(c.lesson.date, c.same_tutor) for c in found] == [(date(2026, 3, d), False) for d in (12, 19, 26)]


def test_only_lessons_to_come_that_the_change_makes_are_checked(people):
    weekly, e = people["weekly"], people["enrollment"]
    other = make_session(e, date(2026, 3, 31), time(16, 0), time(17, 0))  # clashes with the series on 31 March
    db.session.commit()
    current = {name: getattr(weekly, name) for name in clashes.PLAN_FIELDS + ("course_enrollment_id",)}
    today = date(2026, 3, 20)
    now = datetime(2026, 3, 20, 9)
    # Unchanged, or only its topics changed: nothing to warn about (the old clash is not new).
    assert clashes.for_plan(current | {"topics": ["New"]}, None, e, today, now, current=weekly) == []
    # A new time: only lessons to come count, and the lesson it now meets.
    moved = clashes.for_plan(current | {"start_time": time(16, 30), "end_time": time(17, 30)}, None, e, today, now,
                             current=weekly)
    assert [(c.lesson.session_id, c.lesson.date) for c in moved] == [(other.id, date(2026, 3, 31))]


def test_a_move_is_checked_against_every_other_lesson_but_itself(people):
    weekly = people["weekly"]
    lesson = next(l for l in lessons(weekly) if l.original_date == date(2026, 3, 24))
    assert clashes.for_move(lesson, date(2026, 3, 24), time(16, 15), time(17, 15), NOW) == []  # itself
    found = clashes.for_move(lesson, date(2026, 3, 31), time(16, 15), time(17, 15), NOW)
    assert [(c.lesson.session_id, c.lesson.original_date) for c in found] == [(weekly.id, date(2026, 3, 31))]
    assert clashes.for_move(lesson, date(2026, 2, 3), time(16), time(17), NOW) == []  # in the past: no warning
