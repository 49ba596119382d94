"""The rules a session's and a lesson's values must follow, as plain functions.

The WTForms forms, the JSON API (and the CSV import) parse their input into Python values and
then call `validate_session` or `validate_lesson`, so each rule is written once and every
channel gives the same messages. Allowed values and limits come from `webapp.choices`.
"""
from __future__ import annotations

from datetime import date, time
from typing import Any

from .. import choices as C
from ..translate import gettext as _, pgettext

Errors = dict[str, list[str]]


def _add(errors: Errors, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def clean_topics(raw: list[Any] | None, field: str, errors: Errors) -> list[str]:
    """Trimmed, non-empty, without duplicates (first one kept), within the limits."""
    topics: list[str] = []
    for item in raw or []:
        if not isinstance(item, str):
            _add(errors, field, _("Each topic must be text."))
            continue
        text = item.strip()
        if not text or text in topics:
            continue
        if len(text) > C.TOPIC_MAX:
            _add(errors, field, _("Each topic can be at most %(max)d characters.", max=C.TOPIC_MAX))
            continue
        topics.append(text)
    if len(topics) > C.TOPICS_MAX_COUNT:
        _add(errors, field, _("At most %(max)d topics.", max=C.TOPICS_MAX_COUNT))
    return topics


def clean_pattern(raw: Any, errors: Errors, field: str = "recurring_pattern") -> dict | None:
    """{"days": [weekday names], "months": [month names], "specific_dates": [ISO dates]}."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        _add(errors, field, _('Must be an object with "days", "months" and "specific_dates".'))
        return None
    unknown = sorted(set(raw) - set(C.RECURRING_PATTERN_KEYS))
    if unknown:
        _add(errors, field, _("Unknown keys: %(keys)s.", keys=", ".join(unknown)))
    pattern: dict[str, list[str]] = {"days": [], "months": [], "specific_dates": []}
    for key, canonical in (("days", C.canonical_weekday), ("months", C.canonical_month)):
        values = raw.get(key) or []
        if not isinstance(values, list):
            _add(errors, field, _('"%(key)s" must be a list.', key=key))
            continue
        for value in values:
            name = canonical(value) if isinstance(value, (str, int)) else None
            if name is None:
                _add(errors, field, _("'%(value)s' is not a weekday.", value=value) if key == "days"
                     else _("'%(value)s' is not a month.", value=value))
            elif name not in pattern[key]:
                pattern[key].append(name)
        order = C.WEEKDAYS if key == "days" else C.MONTHS
        pattern[key].sort(key=order.index)
    dates = raw.get("specific_dates") or []
    if not isinstance(dates, list):
        _add(errors, field, _('"%(key)s" must be a list.', key="specific_dates"))
        dates = []
    for value in dates:
        try:
            parsed = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            parsed = None
        iso = parsed.isoformat() if parsed else None
        if iso is None:
            _add(errors, field, _("'%(value)s' is not a date (YYYY-MM-DD).", value=value))
        elif problem := C.date_error(parsed):
            _add(errors, field, f"{iso}: {problem}")
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
            _add(errors, field, _("This field is required."))
        elif value not in allowed:
            _add(errors, field, _("Must be one of: %(values)s.", values=", ".join(allowed)))
    for field in ("tutor_attendance_status", "student_attendance_status"):
        if problem := attendance_error(out.get(field)):
            _add(errors, field, problem)

    start, end = out.get("start_time"), out.get("end_time")
    for field in ("session_date", "start_time", "end_time"):
        if out.get(field) is None:
            _add(errors, field, _("This field is required."))
    if problem := C.date_error(out.get("session_date")):
        _add(errors, "session_date", problem)
    if isinstance(start, time) and isinstance(end, time):
        if end <= start:
            _add(errors, "end_time", _("The end must be after the start."))
        else:
            minutes = C.duration_minutes(start, end)
            given = out.get("duration")
            if given is not None and given != minutes:
                _add(errors, "duration", _("Start and end make %(minutes)d minutes, not %(given)s. "
                                           "Leave it empty to compute it.", minutes=minutes, given=given))
            out["duration"] = minutes

    location = (out.get("location") or "").strip()
    out["location"] = location or None
    if len(location) > C.LOCATION_MAX:
        _add(errors, "location", _("At most %(max)d characters.", max=C.LOCATION_MAX))
    if out.get("session_mode") in C.MODES_NEEDING_LOCATION and not location:
        _add(errors, "location", _("Say where an in-person or hybrid session takes place."))

    minutes = out.get("alarm_before_minutes")
    if out.get("alarm_enabled") and minutes is None:
        _add(errors, "alarm_before_minutes", _("Say how many minutes before the start the alarm rings."))
    elif minutes is not None and not (C.ALARM_MINUTES_MIN <= minutes <= C.ALARM_MINUTES_MAX):
        _add(errors, "alarm_before_minutes",
             _("Between %(min)d and %(max)d minutes (one week).", min=C.ALARM_MINUTES_MIN, max=C.ALARM_MINUTES_MAX))

    frequency = out.get("session_frequency")
    out["is_recurring"] = C.is_recurring_frequency(frequency)
    pattern = clean_pattern(out.get("recurring_pattern"), errors)
    # A one-time session has no pattern; a series without days repeats on its first weekday.
    out["recurring_pattern"] = pattern if out["is_recurring"] else None
    return out, errors


def attendance_error(value: str | None) -> str | None:
    if value is not None and value not in C.ATTENDANCE_STATUSES:
        return _("Must be one of: %(values)s, or empty (not marked).", values=", ".join(C.ATTENDANCE_STATUSES))
    return None


# What a change of one lesson may carry (forms, rows, the API's lesson PATCH).
LESSON_FIELDS = ("status", "tutor_attendance_status", "student_attendance_status", "priority_level",
                 "topics_covered", "note", "note_shared", "date", "start_time", "end_time")


def validate_lesson(values: dict[str, Any], current: Any) -> tuple[dict[str, Any], Errors]:
    """Check a change of one lesson (any of LESSON_FIELDS, parsed) against the lesson as it is
    (`current`: a lessons.Lesson). Returns the cleaned change and the errors by field."""
    errors: Errors = {}
    out = {k: v for k, v in values.items() if k in LESSON_FIELDS}
    for name in sorted(set(values) - set(LESSON_FIELDS)):
        _add(errors, name, _("Unknown field."))
    if "status" in out and (problem := C.status_error(out["status"])):
        _add(errors, "status", problem)
    for name in ("tutor_attendance_status", "student_attendance_status"):
        if name in out and (problem := attendance_error(out[name])):
            _add(errors, name, problem)
    if "priority_level" in out and out["priority_level"] not in C.PRIORITY_LEVELS:
        _add(errors, "priority_level", _("Choose %(values)s.", values=pgettext("between the items of a list", ", ").join(
            str(C.PRIORITY_LABELS[v]).lower() for v in C.PRIORITY_LEVELS)))
    if "topics_covered" in out:
        out["topics_covered"] = clean_topics(out["topics_covered"], "topics_covered", errors)
    if "note" in out:
        note = out["note"]
        if note is not None and not isinstance(note, str):
            _add(errors, "note", _("A note is text."))
        else:
            out["note"] = (note or "").strip() or None
            if out["note"] and len(out["note"]) > C.NOTE_MAX:
                _add(errors, "note", _("A note can be at most %(max)d characters.", max=C.NOTE_MAX))
    if "note_shared" in out and not isinstance(out["note_shared"], bool):
        _add(errors, "note_shared", _("Say yes or no."))
    for name in ("date", "start_time", "end_time"):
        if name in out and out[name] is None:
            _add(errors, name, _("This field is required."))
    if "date" in out and (problem := C.date_error(out["date"])):
        _add(errors, "date", problem)
    start = out.get("start_time", current.start_time)
    end = out.get("end_time", current.end_time)
    if isinstance(start, time) and isinstance(end, time) and end <= start:
        _add(errors, "end_time", _("The end must be after the start."))
    return out, errors
