"""The shared rules of sessions and lessons (forms and API call `validate_session` and
`validate_lesson`)."""
from datetime import date, time

import pytest

from webapp import choices as C
from types import SimpleNamespace

from webapp.lessons.rules import clean_pattern, validate_lesson, validate_session


def values(**overrides):
    base = dict(session_date=date(2026, 12, 1), start_time=time(9, 0), end_time=time(10, 30),
                duration=None, session_mode="online", location=None, priority_level="medium",
                session_frequency="one-time", status="scheduled", topics=["Algebra"],
                topics_covered=[], alarm_enabled=False, alarm_before_minutes=15,
                recurring_pattern=None, tutor_attendance_status=None, student_attendance_status=None)
    base.update(overrides)
    return base


def test_a_good_session_passes_and_gets_its_duration():
    cleaned, errors = validate_session(values())
    assert errors == {}
    assert cleaned["duration"] == 90 and cleaned["is_recurring"] is False


def test_end_must_be_after_start():
    _, errors = validate_session(values(end_time=time(9, 0)))
    assert errors == {"end_time": ["The end must be after the start."]}


def test_a_given_duration_must_agree():
    _, errors = validate_session(values(duration=60))
    assert "make 90 minutes, not 60" in errors["duration"][0]
    assert validate_session(values(duration=90))[1] == {}


@pytest.mark.parametrize("mode", C.MODES_NEEDING_LOCATION)
def test_in_person_and_hybrid_need_a_location(mode):
    _, errors = validate_session(values(session_mode=mode, location="   "))
    assert list(errors) == ["location"]
    assert validate_session(values(session_mode=mode, location="Bole library"))[1] == {}


def test_alarm_minutes_are_required_with_the_alarm_and_bounded():
    assert list(validate_session(values(alarm_enabled=True, alarm_before_minutes=None))[1]) == ["alarm_before_minutes"]
    assert list(validate_session(values(alarm_before_minutes=10081))[1]) == ["alarm_before_minutes"]
    assert list(validate_session(values(alarm_before_minutes=-1))[1]) == ["alarm_before_minutes"]
    assert validate_session(values(alarm_enabled=True, alarm_before_minutes=10080))[1] == {}


def test_unknown_values_are_refused_by_field():
    _, errors = validate_session(values(session_mode="teleport", status="done", priority_level="x",
                                        session_frequency="daily", student_attendance_status="asleep"))
    assert set(errors) == {"session_mode", "status", "priority_level", "session_frequency",
                           "student_attendance_status"}


def test_topics_are_trimmed_deduplicated_and_bounded():
    cleaned, errors = validate_session(values(topics=[" Algebra ", "", "Algebra", "Sets"]))
    assert cleaned["topics"] == ["Algebra", "Sets"] and errors == {}
    _, errors = validate_session(values(topics=["x" * (C.TOPIC_MAX + 1)]))
    assert list(errors) == ["topics"]
    _, errors = validate_session(values(topics=[f"t{i}" for i in range(C.TOPICS_MAX_COUNT + 1)]))
    assert list(errors) == ["topics"]


def test_recurrence_follows_the_frequency_and_the_pattern_is_made_canonical():
    cleaned, errors = validate_session(values(
        session_frequency="weekly",
        recurring_pattern={"days": ["thursday", "Tue", "Thursday"], "months": [12, "jan"],
                           "specific_dates": ["2026-12-24", "2026-12-10"]}))
    assert errors == {}
    assert cleaned["is_recurring"] is True
    assert cleaned["recurring_pattern"] == {"days": ["Tuesday", "Thursday"],
                                            "months": ["January", "December"],
                                            "specific_dates": ["2026-12-10", "2026-12-24"]}
    cleaned, _ = validate_session(values(session_frequency="one-time", recurring_pattern={"days": ["Monday"]}))
    assert cleaned["is_recurring"] is False and cleaned["recurring_pattern"] is None


@pytest.mark.parametrize("pattern, message", [
    ([1, 2], "Must be an object"),
    ({"days": ["Funday"]}, "'Funday' is not a weekday."),
    ({"months": [13]}, "'13' is not a month."),
    ({"specific_dates": ["2025-02-30"]}, "'2025-02-30' is not a date"),
    ({"weeks": [1]}, "Unknown keys: weeks."),
    ({"days": "Monday"}, '"days" must be a list.'),
])
def test_bad_patterns_say_what_is_wrong(pattern, message):
    errors = {}
    clean_pattern(pattern, errors)
    assert message in " ".join(errors["recurring_pattern"])


@pytest.mark.parametrize("value", C.SESSION_STATUSES)
def test_any_status_is_allowed_and_only_those(value):
    assert C.status_error(value) is None
    assert "Choose scheduled, in progress, completed, cancelled." == C.status_error("done")


@pytest.mark.parametrize("field, value", [("session_date", date(1899, 12, 31)), ("session_date", date(2201, 1, 1))])
def test_dates_outside_the_apps_range_are_refused_with_a_message(field, value):
    _, errors = validate_session(values(**{field: value}))
    assert errors[field] == ["Give a date between 1900 and 2200."]
    _, errors = validate_session(values(session_frequency="weekly",
                                        recurring_pattern={"specific_dates": ["9999-01-01"]}))
    assert errors["recurring_pattern"] == ["9999-01-01: Give a date between 1900 and 2200."]


LESSON = SimpleNamespace(start_time=time(16), end_time=time(17))


def test_a_lesson_change_is_checked_field_by_field():
    cleaned, errors = validate_lesson({"status": "completed", "tutor_attendance_status": None,
                                       "topics_covered": [" Fractions ", "Fractions", ""], "note": "  Good.  "}, LESSON)
    assert errors == {}
    assert cleaned == {"status": "completed", "tutor_attendance_status": None, "topics_covered": ["Fractions"],
                       "note": "Good."}
    _, errors = validate_lesson({"status": "over", "student_attendance_status": "asleep", "priority_level": "now",
                                 "note": "x" * 2001, "end_time": time(15), "date": date(9999, 1, 1), "colour": "red"},
                                LESSON)
    assert set(errors) == {"status", "student_attendance_status", "priority_level", "note", "end_time", "date", "colour"}
    assert errors["end_time"] == ["The end must be after the start."]
    assert errors["note"] == ["A note can be at most 2000 characters."]
    assert validate_lesson({"note": ""}, LESSON) == ({"note": None}, {})
