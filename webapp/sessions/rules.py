"""The rules a session's values must follow, as plain functions.

Both the WTForms forms and the JSON API parse their input into Python values and then call
`validate_session`, so each rule is written once and both channels give the same messages.
Allowed values and limits come from `webapp.choices`.
"""
from __future__ import annotations

from datetime import date, time
from typing import Any

from .. import choices as C

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def clean_topics(raw: list[Any] | None, field: str, errors: Errors) -> list[str]:
    """Trimmed, non-empty, without duplicates (first one kept), within the limits."""
    topics: list[str] = []
    for item in raw or []:
        if not isinstance(item, str):
            _add(errors, field, "Each topic must be text.")
            continue
        text = item.strip()
        if not text or text in topics:
            continue
        if len(text) > C.TOPIC_MAX:
            _add(errors, field, f"Each topic can be at most {C.TOPIC_MAX} characters.")
            continue
        topics.append(text)
    if len(topics) > C.TOPICS_MAX_COUNT:
        _add(errors, field, f"At most {C.TOPICS_MAX_COUNT} topics.")
    return topics


def clean_pattern(raw: Any, errors: Errors, field: str = "recurring_pattern") -> dict | None:
    """{"days": [weekday names], "months": [month names], "specific_dates": [ISO dates]}."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        _add(errors, field, 'Must be an object with "days", "months" and "specific_dates".')
        return None
    unknown = sorted(set(raw) - set(C.RECURRING_PATTERN_KEYS))
    if unknown:
        _add(errors, field, "Unknown keys: " + ", ".join(unknown) + ".")
    pattern: dict[str, list[str]] = {"days": [], "months": [], "specific_dates": []}
    for key, canonical, what in (("days", C.canonical_weekday, "weekday"),
                                 ("months", C.canonical_month, "month")):
        values = raw.get(key) or []
        if not isinstance(values, list):
            _add(errors, field, f'"{key}" must be a list.')
            continue
        for value in values:
            name = canonical(value) if isinstance(value, (str, int)) else None
            if name is None:
                _add(errors, field, f"'{value}' is not a {what}.")
            elif name not in pattern[key]:
                pattern[key].append(name)
        order = C.WEEKDAYS if key == "days" else C.MONTHS
        pattern[key].sort(key=order.index)
    dates = raw.get("specific_dates") or []
    if not isinstance(dates, list):
        _add(errors, field, '"specific_dates" must be a list.')
        dates = []
    for value in dates:
        try:
            iso = date.fromisoformat(value).isoformat() if isinstance(value, str) else None
        except ValueError:
            iso = None
        if iso is None:
            _add(errors, field, f"'{value}' is not a date (YYYY-MM-DD).")
        elif iso not in pattern["specific_dates"]:
            pattern["specific_dates"].append(iso)
    pattern["specific_dates"].sort()
    return pattern


def validate_session(values: dict[str, Any]) -> tuple[dict[str, Any], Errors]:
    """Check a whole session (already parsed into Python types) and derive what follows.

    Returns the cleaned values (topics tidied, duration computed, is_recurring following
    the frequency, the pattern canonical) and the errors by field name.
    """
    errors: Errors = {}
    out = dict(values)

    for field in ("topics", "topics_covered"):
        if field in out:
            out[field] = clean_topics(out[field], field, errors)

    for field, allowed in (("session_mode", C.SESSION_MODES), ("priority_level", C.PRIORITY_LEVELS),
                           ("session_frequency", C.SESSION_FREQUENCIES), ("status", C.SESSION_STATUSES)):
        value = out.get(field)
        if value is None:
            _add(errors, field, "This field is required.")
        elif value not in allowed:
            _add(errors, field, f"Must be one of: {', '.join(allowed)}.")
    for field in ("tutor_attendance_status", "student_attendance_status"):
        value = out.get(field)
        if value is not None and value not in C.ATTENDANCE_STATUSES:
            _add(errors, field, f"Must be one of: {', '.join(C.ATTENDANCE_STATUSES)}, or empty (not marked).")

    start, end = out.get("start_time"), out.get("end_time")
    for field in ("session_date", "start_time", "end_time"):
        if out.get(field) is None:
            _add(errors, field, "This field is required.")
    if isinstance(start, time) and isinstance(end, time):
        if end <= start:
            _add(errors, "end_time", "The end must be after the start.")
        else:
            minutes = C.duration_minutes(start, end)
            given = out.get("duration")
            if given is not None and given != minutes:
                _add(errors, "duration", f"Start and end make {minutes} minutes, not {given}. "
                                         "Leave it empty to compute it.")
            out["duration"] = minutes

    location = (out.get("location") or "").strip()
    out["location"] = location or None
    if len(location) > C.LOCATION_MAX:
        _add(errors, "location", f"At most {C.LOCATION_MAX} characters.")
    if out.get("session_mode") in C.MODES_NEEDING_LOCATION and not location:
        _add(errors, "location", "Say where an in-person or hybrid session takes place.")

    minutes = out.get("alarm_before_minutes")
    if out.get("alarm_enabled") and minutes is None:
        _add(errors, "alarm_before_minutes", "Say how many minutes before the start the alarm rings.")
    elif minutes is not None and not (C.ALARM_MINUTES_MIN <= minutes <= C.ALARM_MINUTES_MAX):
        _add(errors, "alarm_before_minutes",
             f"Between {C.ALARM_MINUTES_MIN} and {C.ALARM_MINUTES_MAX} minutes (one week).")

    frequency = out.get("session_frequency")
    out["is_recurring"] = C.is_recurring_frequency(frequency)
    pattern = clean_pattern(out.get("recurring_pattern"), errors)
    # A one-time session has no pattern; a series without days repeats on its first weekday.
    out["recurring_pattern"] = pattern if out["is_recurring"] else None
    return out, errors
