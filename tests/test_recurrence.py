"""Series expansion (pure functions) and the series services: edit one, following, all."""
from __future__ import annotations

from datetime import date, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.factories import make_enrollment, make_session, make_user
from webapp import recurrence as R
from webapp.calendar import services as S
from webapp.extensions import db
from webapp.models import Session, SessionOccurrence, SessionSeries


def series(first: date, frequency: str = "weekly", days=(), months=(), specific=(), start=time(16, 0),
           end=time(17, 0), **kw) -> SimpleNamespace:
    values = dict(id=1, session_date=first, start_time=start, end_time=end, is_recurring=frequency != "one-time",
                  session_frequency=frequency, status="scheduled", tutor_attendance_status=None,
                  student_attendance_status=None, topics_covered=[],
                  recurring_pattern={"days": list(days), "months": list(months), "specific_dates": list(specific)})
    values.update(kw)
    return SimpleNamespace(**values)


def end(until=None, count=None, exdates=()):
    return SimpleNamespace(until_date=until, occurrence_count=count, exdates=list(exdates))


def test_weekly_on_two_days_until_a_date():
    s = series(date(2026, 1, 6), days=["Tuesday", "Thursday"])  # a Tuesday
    assert R.series_dates(s, end(until=date(2026, 1, 22))) == [
        date(2026, 1, 6), date(2026, 1, 8), date(2026, 1, 13), date(2026, 1, 15), date(2026, 1, 20),
        date(2026, 1, 22)]
    assert R.describe(s) == "Weekly on Tuesday and Thursday"


def test_empty_days_means_the_weekday_of_the_first_lesson_and_count_ends_it():
    s = series(date(2026, 1, 7))  # a Wednesday
    assert R.series_dates(s, end(count=3)) == [date(2026, 1, 7), date(2026, 1, 14), date(2026, 1, 21)]
    assert R.describe(s, end(count=3)) == "Weekly on Wednesday, 3 lessons"


def test_bi_weekly_skips_every_other_week():
    s = series(date(2026, 1, 5), "bi-weekly", days=["Monday", "Friday"])
    assert R.series_dates(s, end(until=date(2026, 2, 2))) == [
        date(2026, 1, 5), date(2026, 1, 9), date(2026, 1, 19), date(2026, 1, 23), date(2026, 2, 2)]
    assert R.describe(s) == "Every two weeks on Monday and Friday"


def test_monthly_on_the_day_of_the_first_lesson_skips_months_without_it():
    s = series(date(2026, 1, 31), "monthly")
    assert R.series_dates(s, end(until=date(2026, 6, 30))) == [
        date(2026, 1, 31), date(2026, 3, 31), date(2026, 5, 31)]
    assert R.describe(series(date(2026, 1, 5), "monthly")) == "Monthly on day 5"


def test_months_restrict_and_specific_dates_add_lessons():
    s = series(date(2026, 9, 5), "monthly", months=["September", "December"], specific=["2026-10-20", "2025-01-01"])
    assert R.series_dates(s, end(until=date(2027, 12, 31))) == [
        date(2026, 9, 5), date(2026, 10, 20), date(2026, 12, 5), date(2027, 9, 5), date(2027, 12, 5)]
    assert R.describe(s, end(until=date(2027, 12, 31))) == (
        "Monthly on day 5, in September and December, and on 20 Oct 2026, until 31 Dec 2027")
    weekly = series(date(2026, 1, 27), days=["Tuesday"], months=["January", "March"])
    assert R.series_dates(weekly, end(until=date(2026, 3, 10))) == [
        date(2026, 1, 27), date(2026, 3, 3), date(2026, 3, 10)]


def test_first_lesson_counts_even_off_pattern_and_removed_dates_do_not_count():
    s = series(date(2026, 1, 5), days=["Wednesday"])  # a Monday, then Wednesdays
    assert R.series_dates(s, end(count=3, exdates=["2026-01-14"])) == [
        date(2026, 1, 5), date(2026, 1, 7), date(2026, 1, 21)]


def test_an_impossible_rule_gives_only_the_first_lesson():
    s = series(date(2026, 1, 31), "monthly", months=["February"])
    assert R.series_dates(s, end(until=date(2030, 1, 1))) == [date(2026, 1, 31)]


def test_open_ended_series_reach_the_horizon_and_next_dates_skip_cancelled():
    s = series(date(2026, 1, 6), days=["Tuesday"])
    assert len(R.series_dates(s, None, until=date(2026, 12, 31))) == 52
    cancelled = SimpleNamespace(session_id=1, original_date=date(2026, 1, 13), status="cancelled",
                                tutor_attendance_status=None, student_attendance_status=None,
                                topics_covered=None, note=None, cancelled=True, new_date=None,
                                new_start_time=None, new_end_time=None)
    assert R.next_dates(s, n=3, after=date(2026, 1, 7), overrides=[cancelled]) == [
        date(2026, 1, 20), date(2026, 1, 27), date(2026, 2, 3)]
    assert R.next_dates(s, n=2, after=date(2026, 1, 7), series=end(count=2)) == [date(2026, 1, 13)]


@pytest.mark.parametrize("zone, offsets", [
    ("Europe/London", {timedelta(0), timedelta(hours=1)}),
    ("Africa/Addis_Ababa", {timedelta(hours=3)}),
])
def test_a_lesson_at_16_local_stays_at_16_local_across_daylight_saving(zone, offsets):
    s = series(date(2026, 3, 17), days=["Tuesday"])  # London springs forward on 29 March
    lessons = R.occurrences_between([s], [], date(2026, 3, 17), date(2026, 4, 7), tz=zone)
    assert [o.date for o in lessons] == [date(2026, 3, 17), date(2026, 3, 24), date(2026, 3, 31), date(2026, 4, 7)]
    assert {o.start.astimezone(ZoneInfo(zone)).time() for o in lessons} == {time(16, 0)}
    assert {o.start.utcoffset() for o in lessons} == offsets
    utc_hours = [o.start.astimezone(ZoneInfo("UTC")).hour for o in lessons]
    assert utc_hours == ([16, 16, 15, 15] if zone == "Europe/London" else [13] * 4)


def test_overrides_merge_moved_cancelled_and_marked_lessons():
    s = series(date(2026, 1, 6), days=["Tuesday"])
    base = dict(session_id=1, status=None, tutor_attendance_status=None, student_attendance_status=None,
                topics_covered=None, note=None, cancelled=False, new_date=None, new_start_time=None,
                new_end_time=None)
    overrides = [
        SimpleNamespace(**base | {"original_date": date(2026, 1, 13), "cancelled": True, "status": "cancelled"}),
        SimpleNamespace(**base | {"original_date": date(2026, 1, 20), "student_attendance_status": "late",
                                  "status": "completed", "topics_covered": ["Fractions"]}),
        # moved from December into the range, and one moved out of it
        SimpleNamespace(**base | {"original_date": date(2025, 12, 30), "new_date": date(2026, 1, 8),
                                  "new_start_time": time(10, 0), "new_end_time": time(11, 0)}),
        SimpleNamespace(**base | {"original_date": date(2026, 1, 27), "new_date": date(2026, 2, 10)}),
    ]
    s.session_date = date(2025, 12, 2)
    got = R.occurrences_between([s], overrides, date(2026, 1, 1), date(2026, 1, 31), tz="Europe/London")
    assert [(o.original_date, o.date, o.start_time, o.status, o.moved, o.overridden) for o in got] == [
        (date(2026, 1, 6), date(2026, 1, 6), time(16), "scheduled", False, False),
        (date(2025, 12, 30), date(2026, 1, 8), time(10), "scheduled", True, True),
        (date(2026, 1, 13), date(2026, 1, 13), time(16), "cancelled", False, True),
        (date(2026, 1, 20), date(2026, 1, 20), time(16), "completed", False, True),
    ]
    assert got[2].cancelled and got[3].student_attendance_status == "late"
    assert got[3].topics_covered == ["Fractions"]


def test_the_first_lesson_carries_the_rows_own_marks_later_ones_start_unmarked():
    s = series(date(2026, 1, 6), days=["Tuesday"], status="completed", student_attendance_status="present",
               topics_covered=["Algebra"])
    first, second = R.occurrences_between([s], [], date(2026, 1, 1), date(2026, 1, 13), tz="UTC")
    assert (first.status, first.student_attendance_status, first.topics_covered) == ("completed", "present", ["Algebra"])
    assert (second.status, second.student_attendance_status, second.topics_covered) == ("scheduled", None, [])
    s.status = "cancelled"  # the whole series
    assert {o.status for o in R.occurrences_between([s], [], date(2026, 1, 1), date(2026, 2, 1), tz="UTC")} == {"cancelled"}


def test_unknown_or_missing_zones_fall_back_to_the_platform_default():
    assert R.zone(None) == R.zone("Mars/Olympus") == ZoneInfo("Africa/Addis_Ababa")


def test_end_errors():
    assert R.end_errors(date(2026, 1, 5), date(2026, 1, 1), None) == {
        "until_date": ["The series cannot end before its first lesson."]}
    assert "occurrence_count" in R.end_errors(date(2026, 1, 5), date(2026, 2, 1), 3)
    assert R.end_errors(date(2026, 1, 5), None, 0) == {"occurrence_count": ["Between 1 and 1000 lessons."]}
    assert R.end_errors(date(2026, 1, 5), None, None) == {}


# --- Services, on both backends ----------------------------------------------------------------

TUESDAY = date(2026, 3, 3)


@pytest.fixture
def weekly(app):
    """Tuesdays and Thursdays at 16:00 from 3 March 2026, ten weeks (until 12 May)."""
    tutor = make_user(timezone="Europe/London")
    session = make_session(make_enrollment(tutor), TUESDAY, time(16, 0), time(17, 0), is_recurring=True,
                           session_frequency="weekly",
                           recurring_pattern={"days": ["Tuesday", "Thursday"], "months": [], "specific_dates": []})
    assert S.set_series_end(session, until=date(2026, 5, 12)) == {}
    db.session.commit()
    return session


def lessons(*sessions, start=date(2026, 3, 1), end=date(2026, 6, 30)):
    ids = [s.id for s in sessions]
    rows = db.session.scalars(sa.select(Session).where(Session.id.in_(ids))).all()
    overrides = db.session.scalars(sa.select(SessionOccurrence).where(SessionOccurrence.session_id.in_(ids))).all()
    extras = {x.session_id: x for x in db.session.scalars(sa.select(SessionSeries).where(SessionSeries.session_id.in_(ids)))}
    return R.occurrences_between(rows, overrides, start, end, series=extras)


def test_edit_one_marks_cancels_and_moves_a_single_lesson(weekly):
    _, errors = S.edit_occurrence(weekly, date(2026, 3, 5), status="completed", student_attendance_status="late",
                                  topics_covered=[" Fractions ", "Fractions"], note="Came 10 minutes late")
    assert errors == {}
    assert S.cancel_occurrence(weekly, date(2026, 3, 10))[1] == {}
    assert S.move_occurrence(weekly, date(2026, 3, 12), date(2026, 3, 13), time(9, 0), time(10, 0))[1] == {}
    db.session.commit()
    got = {o.original_date: o for o in lessons(weekly)}
    assert len(got) == 21
    assert (got[date(2026, 3, 5)].status, got[date(2026, 3, 5)].student_attendance_status,
            got[date(2026, 3, 5)].topics_covered, got[date(2026, 3, 5)].note) == (
        "completed", "late", ["Fractions"], "Came 10 minutes late")
    assert got[date(2026, 3, 10)].cancelled and got[date(2026, 3, 10)].status == "cancelled"
    moved = got[date(2026, 3, 12)]
    assert (moved.date, moved.start_time, moved.moved) == (date(2026, 3, 13), time(9, 0), True)
    assert {o.status for d, o in got.items() if d not in (date(2026, 3, 5), date(2026, 3, 10))} == {"scheduled"}


def test_edit_one_refuses_bad_values_and_changes_nothing(weekly):
    assert "date" in S.edit_occurrence(weekly, date(2026, 3, 4), note="x")[1]  # a Wednesday
    assert "date" in S.edit_occurrence(weekly, date(2026, 5, 14), note="x")[1]  # after the end
    assert "status" in S.edit_occurrence(weekly, TUESDAY, status="done")[1]
    assert "student_attendance_status" in S.edit_occurrence(weekly, TUESDAY, student_attendance_status="asleep")[1]
    assert "new_end_time" in S.edit_occurrence(weekly, TUESDAY, new_start_time=time(18, 0))[1]
    S.cancel_occurrence(weekly, TUESDAY)
    assert "status" in S.edit_occurrence(weekly, TUESDAY, status="completed")[1]  # cancelled -> completed
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionOccurrence)) == 1


def test_this_and_following_splits_the_series_and_carries_the_records(weekly):
    S.edit_occurrence(weekly, date(2026, 3, 5), student_attendance_status="present", status="completed")
    S.cancel_occurrence(weekly, date(2026, 4, 2))
    S.edit_occurrence(weekly, date(2026, 4, 7), note="Bring the workbook")
    new, errors = S.edit_following(weekly, date(2026, 3, 31), {"start_time": time(17, 0), "end_time": time(18, 30),
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
    assert {o.start_time for o in after if not o.overridden} == {time(17, 0)}
    assert {o.session.location for o in after} == {"Library"}


def test_this_and_following_with_a_count_shares_the_lessons_out(app):
    session = make_session(make_enrollment(make_user()), TUESDAY, is_recurring=True, session_frequency="weekly",
                           recurring_pattern={"days": [], "months": [], "specific_dates": []})
    S.set_series_end(session, count=6)
    new, errors = S.edit_following(session, date(2026, 3, 24), {"topics": ["Geometry"]})
    assert errors == {}
    db.session.commit()
    assert [o.date for o in lessons(session, new)] == [TUESDAY + timedelta(weeks=w) for w in range(6)]
    assert db.session.get(SessionSeries, new.id).occurrence_count == 3


def test_edit_all_rewrites_neither_the_past_nor_records_and_cancelled_dates_stay_cancelled(weekly):
    S.edit_occurrence(weekly, date(2026, 3, 5), status="completed", tutor_attendance_status="present")
    S.cancel_occurrence(weekly, date(2026, 3, 26))
    S.cancel_occurrence(weekly, date(2026, 4, 21))
    S.edit_occurrence(weekly, date(2026, 4, 28), topics_covered=["Ratios"])
    db.session.commit()
    today = date(2026, 3, 20)  # a Friday
    carrier, errors = S.edit_all(weekly, {"start_time": time(15, 0), "end_time": time(16, 0),
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
    assert {o.start_time for d, o in future.items() if not o.overridden} == {time(15, 0)}
    # later edits of the whole series still leave the cancelled date cancelled
    carrier, errors = S.edit_all(carrier, {"location": "Room 4", "session_mode": "in-person"}, today=today)
    assert errors == {}
    db.session.commit()
    assert next(o for o in lessons(weekly, carrier) if o.original_date == date(2026, 4, 21)).cancelled


def test_edit_all_without_a_past_changes_in_place_and_settings_never_split(weekly):
    same, errors = S.edit_all(weekly, {"priority_level": "high", "alarm_enabled": True}, today=date(2026, 4, 1))
    assert errors == {} and same.id == weekly.id and weekly.priority_level == "high"
    same, errors = S.edit_all(weekly, {"location": "Online room 2"}, today=date(2026, 3, 1))
    assert errors == {} and same.id == weekly.id
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 1


def test_edit_all_refuses_bad_values_and_changes_nothing(weekly):
    _, errors = S.edit_all(weekly, {"end_time": time(15, 0)}, today=date(2026, 3, 20))
    assert "end_time" in errors
    _, errors = S.edit_all(weekly, {"session_frequency": "one-time"}, today=date(2026, 3, 1))
    assert "session_frequency" in errors
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 1
    assert db.session.get(SessionSeries, weekly.id).until_date == date(2026, 5, 12)


def test_removing_a_date_drops_it_and_its_record(weekly):
    S.edit_occurrence(weekly, date(2026, 3, 10), note="x")
    assert S.remove_occurrence(weekly, date(2026, 3, 10)) == {}
    db.session.commit()
    assert date(2026, 3, 10) not in {o.original_date for o in lessons(weekly)}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionOccurrence)) == 0


def test_records_go_with_their_series(weekly):
    S.cancel_occurrence(weekly, date(2026, 3, 10))
    db.session.commit()
    db.session.execute(sa.delete(Session).where(Session.id == weekly.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionOccurrence)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SessionSeries)) == 0


def test_clashes_cover_every_lesson_of_the_tutors_and_the_students_series(app):
    tutor = make_user(timezone="Europe/London")
    student = make_user("student")
    other_tutor = make_user(timezone="Africa/Addis_Ababa")
    weekly = make_session(make_enrollment(tutor, student), TUESDAY, time(16, 0), time(17, 0), is_recurring=True,
                          session_frequency="weekly", recurring_pattern={"days": ["Tuesday"], "months": [], "specific_dates": []})
    S.cancel_occurrence(weekly, date(2026, 3, 17))
    # the student's lessons with another tutor (in another zone): Thursdays 18:00 Addis = 15:00 London (GMT)
    make_session(make_enrollment(other_tutor, student), date(2026, 3, 5), time(18, 0), time(19, 0), is_recurring=True,
                 session_frequency="weekly", recurring_pattern={"days": [], "months": [], "specific_dates": []})
    db.session.commit()
    new = Session(id=None, session_date=date(2026, 3, 17), start_time=time(16, 30), end_time=time(17, 30),
                  is_recurring=False, session_frequency="one-time", status="scheduled")
    assert S.clashes_for(new, None, tutor, student.id) == []  # that Tuesday is cancelled
    new.session_date = date(2026, 3, 24)
    [(mine, theirs)] = S.clashes_for(new, None, tutor, student.id)
    assert (theirs.session.id, theirs.date) == (weekly.id, date(2026, 3, 24))
    thursday = Session(id=None, session_date=date(2026, 3, 12), start_time=time(14, 30), end_time=time(15, 30),
                       is_recurring=True, session_frequency="weekly",
                       recurring_pattern={"days": ["Thursday"], "months": [], "specific_dates": []}, status="scheduled")
    found = S.clashes_for(thursday, SessionSeries(until_date=date(2026, 3, 26), exdates=[]), tutor, student.id)
    assert [t.date for _, t in found] == [date(2026, 3, 12), date(2026, 3, 19), date(2026, 3, 26)]
    assert S.clashes_for(thursday, SessionSeries(until_date=date(2026, 3, 26), exdates=[]), tutor, None) == []
    db.session.expunge_all()
