"""A series' rule as dates (pure functions, no database): the rule, its end, its words; the
window expansion that starts near the window instead of at the first lesson, checked against
a plain expansion from the first lesson; the per-request budget; a lesson built from its
series and its record."""
from __future__ import annotations

from datetime import date, time, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from dateutil import rrule
from hypothesis import given, settings
from hypothesis import strategies as st

from webapp import choices as C
from webapp.lessons import recurrence as R
from webapp.lessons.errors import TooManyLessons
from webapp.lessons.lesson import build


def series(first: date, frequency: str = "weekly", days=(), months=(), specific=(), start=time(16, 0),
           end=time(17, 0), **kw) -> SimpleNamespace:
    values = dict(id=1, session_date=first, start_time=start, end_time=end, is_recurring=frequency != "one-time",
                  session_frequency=frequency, status="scheduled", tutor_attendance_status=None,
                  student_attendance_status=None, topics_covered=[], priority_level="medium", updated_at=None,
                  recurring_pattern={"days": list(days), "months": list(months), "specific_dates": list(specific)})
    values.update(kw)
    return SimpleNamespace(**values)


def end(until=None, count=None, exdates=(), last=None):
    return SimpleNamespace(until_date=until, occurrence_count=count, exdates=list(exdates), last_date=last)


def dates(s, e=None, start=None, stop=None):
    return R.dates_between(s, e, start or s.session_date, stop or date(2030, 12, 31), R.Budget())


def test_weekly_on_two_days_until_a_date():
    s = series(date(2026, 1, 6), days=["Tuesday", "Thursday"])  # a Tuesday
    assert dates(s, end(until=date(2026, 1, 22))) == [
        date(2026, 1, 6), date(2026, 1, 8), date(2026, 1, 13), date(2026, 1, 15), date(2026, 1, 20),
        date(2026, 1, 22)]
    assert R.describe(s) == "Weekly on Tuesday and Thursday, from 6 Jan 2026"


def test_empty_days_means_the_weekday_of_the_first_lesson_and_count_ends_it():
    s = series(date(2026, 1, 7))  # a Wednesday
    assert dates(s, end(count=3)) == [date(2026, 1, 7), date(2026, 1, 14), date(2026, 1, 21)]
    assert R.describe(s, end(count=3)) == "Weekly on Wednesday, from 7 Jan 2026, 3 lessons"
    assert R.last_date(s, end(count=3)) == date(2026, 1, 21)
    assert R.last_date(s, end()) is None


def test_bi_weekly_skips_every_other_week():
    s = series(date(2026, 1, 5), "bi-weekly", days=["Monday", "Friday"])
    assert dates(s, end(until=date(2026, 2, 2))) == [
        date(2026, 1, 5), date(2026, 1, 9), date(2026, 1, 19), date(2026, 1, 23), date(2026, 2, 2)]
    assert R.describe(s).startswith("Every two weeks on Monday and Friday")


def test_monthly_on_the_day_of_the_first_lesson_skips_months_without_it():
    s = series(date(2026, 1, 31), "monthly")
    assert dates(s, end(until=date(2026, 6, 30))) == [date(2026, 1, 31), date(2026, 3, 31), date(2026, 5, 31)]
    assert R.describe(series(date(2026, 1, 5), "monthly")).startswith("Monthly on day 5")


def test_months_restrict_and_specific_dates_add_lessons():
    s = series(date(2026, 9, 5), "monthly", months=["September", "December"], specific=["2026-10-20", "2025-01-01"])
    assert dates(s, end(until=date(2027, 12, 31))) == [
        date(2026, 9, 5), date(2026, 10, 20), date(2026, 12, 5), date(2027, 9, 5), date(2027, 12, 5)]
    assert R.describe(s, end(until=date(2027, 12, 31))) == (
        "Monthly on day 5, in September and December, and on 20 Oct 2026, from 5 Sep 2026 until 31 Dec 2027")
    weekly = series(date(2026, 1, 27), days=["Tuesday"], months=["January", "March"])
    assert dates(weekly, end(until=date(2026, 3, 10))) == [date(2026, 1, 27), date(2026, 3, 3), date(2026, 3, 10)]


def test_first_lesson_counts_even_off_pattern_and_removed_dates_do_not_count():
    s = series(date(2026, 1, 5), days=["Wednesday"])  # a Monday, then Wednesdays
    assert dates(s, end(count=3, exdates=["2026-01-14"])) == [date(2026, 1, 5), date(2026, 1, 7), date(2026, 1, 21)]


def test_an_impossible_rule_gives_only_the_first_lesson():
    s = series(date(2026, 1, 31), "monthly", months=["February"])
    assert dates(s, end(until=date(2030, 1, 1))) == [date(2026, 1, 31)]
    assert dates(s, end(count=5)) == [date(2026, 1, 31)]


def test_an_open_ended_series_expands_only_inside_the_window():
    s = series(date(1900, 1, 2), days=["Tuesday"])  # a Tuesday, 127 years ago
    window = dates(s, None, date(2026, 1, 1), date(2026, 12, 31))
    assert len(window) == 52 and window[0] == date(2026, 1, 6)
    budget = R.Budget(60)
    R.dates_between(s, None, date(2026, 1, 1), date(2026, 12, 31), budget)
    assert budget.left == 8  # the window's 52 lessons, not 6,600 since 1900
    assert dates(s, None, date(2200, 12, 1), date(9999, 12, 31))[-1] == date(2200, 12, 30)  # never past the range


def test_the_budget_refuses_an_expansion_that_is_too_large():
    daily = series(date(2026, 1, 5), days=list(C.WEEKDAYS))
    with pytest.raises(TooManyLessons, match="too many lessons"):
        R.dates_between(daily, None, date(1900, 1, 1), date(2200, 12, 31), R.Budget(1000))
    lazily = R.iter_dates(daily, None, date(2026, 1, 5), date(2200, 12, 31), R.Budget(200))
    assert len([d for _, d in zip(range(100), lazily)]) == 100  # taking a few costs a few


def test_lazy_expansion_in_both_directions_gives_the_same_dates():
    s = series(date(2026, 1, 6), "bi-weekly", days=["Tuesday", "Saturday"], specific=["2026-07-01"])
    e = end(until=date(2027, 3, 1), exdates=["2026-02-03"])
    forward = list(R.iter_dates(s, e, date(2026, 1, 1), date(2027, 12, 31), R.Budget()))
    backward = list(R.iter_dates(s, e, date(2026, 1, 1), date(2027, 12, 31), R.Budget(), descending=True))
    assert forward == sorted(forward) and backward == forward[::-1]
    assert forward == dates(s, e) and date(2026, 7, 1) in forward and date(2026, 2, 3) not in forward


def plain(s, e) -> list[date]:
    """The same rule expanded the plain way, from the first lesson on (the reference)."""
    parts = R.rule_parts(s)
    found = {s.session_date} | set(R.specific_dates_of(s))
    if parts is not None:
        found |= {d.date() for d in rrule.rrule(dtstart=rrule.datetime.datetime.combine(s.session_date, time()),
                                                until=rrule.datetime.datetime(2031, 1, 1), **parts)}
    return sorted(d for d in found - R.exdates_of(e) if d <= date(2030, 12, 31)
                  and (e.until_date is None or d <= e.until_date))


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(first=st.dates(date(2024, 1, 1), date(2026, 12, 31)),
       frequency=st.sampled_from(["weekly", "bi-weekly", "monthly"]),
       days=st.lists(st.sampled_from(C.WEEKDAYS), max_size=3),
       months=st.lists(st.sampled_from(C.MONTHS), max_size=3),
       offset=st.integers(0, 1500), length=st.integers(0, 400), until=st.none() | st.integers(0, 1800))
def test_a_window_expands_to_exactly_the_dates_of_the_plain_expansion(first, frequency, days, months, offset,
                                                                      length, until):
    s = series(first, frequency, days=days, months=months)
    e = end(until=first + timedelta(days=until) if until is not None else None)
    start = first + timedelta(days=offset - 100)
    stop = start + timedelta(days=length)
    assert dates(s, e, start, stop) == [d for d in plain(s, e) if start <= d <= stop]


def test_is_lesson_date():
    s = series(date(2026, 1, 6), days=["Tuesday"])
    assert R.is_lesson_date(s, None, date(2026, 1, 13))
    assert not R.is_lesson_date(s, None, date(2026, 1, 14))
    assert not R.is_lesson_date(s, None, date(2025, 12, 30))  # before the first
    assert not R.is_lesson_date(s, end(until=date(2026, 1, 31)), date(2026, 2, 3))
    assert not R.is_lesson_date(s, None, date(1, 1, 2))


@pytest.mark.parametrize("zone, offsets", [
    ("Europe/London", {timedelta(0), timedelta(hours=1)}),
    ("Africa/Addis_Ababa", {timedelta(hours=3)}),
])
def test_a_lesson_at_16_local_stays_at_16_local_across_daylight_saving(zone, offsets):
    s = series(date(2026, 3, 17), days=["Tuesday"])  # London springs forward on 29 March
    tz = ZoneInfo(zone)
    lessons = [build(s, d) for d in dates(s, None, date(2026, 3, 17), date(2026, 4, 7))]
    assert [l.date for l in lessons] == [date(2026, 3, 17), date(2026, 3, 24), date(2026, 3, 31), date(2026, 4, 7)]
    assert {l.starts_at(tz).time() for l in lessons} == {time(16, 0)}
    assert {l.starts_at(tz).utcoffset() for l in lessons} == offsets
    utc_hours = [l.starts_at(tz).astimezone(ZoneInfo("UTC")).hour for l in lessons]
    assert utc_hours == ([16, 16, 15, 15] if zone == "Europe/London" else [13] * 4)


def record(day: date, **kw) -> SimpleNamespace:
    values = dict(session_id=1, original_date=day, version=1, status=None, tutor_attendance_status=None,
                  student_attendance_status=None, priority_level=None, topics_covered=None, note=None,
                  new_date=None, new_start_time=None, new_end_time=None, student_review_id=None,
                  tutor_review_id=None, parent_review_id=None)
    values.update(kw)
    return SimpleNamespace(**values)


def test_a_lesson_takes_its_records_values_and_the_series_defaults():
    s = series(date(2026, 1, 6), days=["Tuesday"])
    moved = build(s, date(2026, 1, 13), record(date(2026, 1, 13), new_date=date(2026, 1, 15),
                                               new_start_time=time(10), new_end_time=time(11), note="Swapped"))
    assert (moved.date, moved.start_time, moved.end_time, moved.moved, moved.note) == (
        date(2026, 1, 15), time(10), time(11), True, "Swapped")
    marked = build(s, date(2026, 1, 20), record(date(2026, 1, 20), status="completed", priority_level="urgent",
                                                student_attendance_status="late", topics_covered=["Fractions"]))
    assert (marked.status, marked.priority_level, marked.student_attendance_status, marked.topics_covered) == (
        "completed", "urgent", "late", ["Fractions"])
    plain_one = build(s, date(2026, 1, 27))
    assert (plain_one.status, plain_one.priority_level, plain_one.moved, plain_one.record) == (
        "scheduled", "medium", False, None)
    assert marked.key == (date(2026, 1, 20), time(16), 1, date(2026, 1, 20))


def test_the_first_lesson_carries_the_rows_own_marks_later_ones_start_unmarked():
    s = series(date(2026, 1, 6), days=["Tuesday"], status="completed", student_attendance_status="present",
               topics_covered=["Algebra"])
    first, second = build(s, date(2026, 1, 6)), build(s, date(2026, 1, 13))
    assert (first.status, first.student_attendance_status, first.topics_covered) == ("completed", "present", ["Algebra"])
    assert (second.status, second.student_attendance_status, second.topics_covered) == ("scheduled", None, [])
    s.status = "cancelled"  # the whole series
    assert build(s, date(2026, 1, 20)).status == "cancelled"
    assert build(s, date(2026, 1, 20), record(date(2026, 1, 20), status="scheduled")).status == "scheduled"


def test_a_lessons_version_changes_with_its_record_and_its_session():
    s = series(date(2026, 1, 6), days=["Tuesday"], updated_at=None)
    day = date(2026, 1, 13)
    versions = {build(s, day).version, build(s, day, record(day, version=1)).version,
                build(s, day, record(day, version=2)).version}
    s.updated_at = rrule.datetime.datetime(2026, 1, 1, 12)
    versions.add(build(s, day, record(day, version=2)).version)
    assert len(versions) == 4


def test_end_errors():
    assert R.end_errors(date(2026, 1, 5), date(2026, 1, 1), None) == {
        "until_date": ["The series cannot end before its first lesson."]}
    assert "occurrence_count" in R.end_errors(date(2026, 1, 5), date(2026, 2, 1), 3)
    assert R.end_errors(date(2026, 1, 5), None, 0) == {"occurrence_count": ["Between 1 and 1000 lessons."]}
    assert R.end_errors(date(2026, 1, 5), date(9999, 1, 1), None) == {"until_date": ["Give a date between 1900 and 2200."]}
    assert R.end_errors(date(2026, 1, 5), None, None) == {}


def test_unknown_or_missing_zones_fall_back_to_the_platform_default():
    assert C.zone(None) == C.zone("Mars/Olympus") == ZoneInfo("Africa/Addis_Ababa")
