"""The allowed values and time rules of a tutoring session.

One source of truth: the models (CHECK constraints), the forms (choices), the API
(schemas) and the migrations (normalisation of legacy values) all import from here.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta

SESSION_MODES = ("online", "in-person", "hybrid")
ATTENDANCE_STATUSES = ("present", "absent", "late", "excused")
PRIORITY_LEVELS = ("low", "medium", "high", "urgent")
SESSION_FREQUENCIES = ("one-time", "weekly", "bi-weekly", "monthly")
SESSION_STATUSES = ("scheduled", "in-progress", "completed", "cancelled")
USER_ROLES = ("tutor", "student", "parent", "admin")
REVIEWER_ROLES = ("student", "tutor", "parent")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
RECURRING_PATTERN_KEYS = ("days", "months", "specific_dates")

# Column defaults, as the seed document has them.
DEFAULT_MODE = "online"
DEFAULT_ATTENDANCE = "present"
DEFAULT_PRIORITY = "medium"
DEFAULT_FREQUENCY = "one-time"
DEFAULT_STATUS = "scheduled"
DEFAULT_ALARM_MINUTES = 15
DEFAULT_TIMEZONE = "Africa/Addis_Ababa"

# Limits shared by forms and API.
ALARM_MINUTES_MIN = 0
ALARM_MINUTES_MAX = 10080  # one week
RATING_MIN, RATING_MAX = 1, 5
LOCATION_MAX = 255
TOPIC_MAX = 200
NOTE_MAX = 2000  # a tutor's note on one lesson
TOPICS_MAX_COUNT = 50
MODES_NEEDING_LOCATION = ("in-person", "hybrid")
MAX_SESSION_MINUTES = 24 * 60

# Status changes a tutor may make; a refused change is explained with the allowed ones.
STATUS_TRANSITIONS: dict[str, tuple[str, ...]] = {
    "scheduled": ("in-progress", "completed", "cancelled"),
    "in-progress": ("completed", "cancelled"),
    "completed": ("in-progress",),  # reopen
    "cancelled": ("scheduled",),  # reinstate
}

STATUS_LABELS = {
    "scheduled": "Scheduled",
    "in-progress": "In progress",
    "completed": "Completed",
    "cancelled": "Cancelled",
}
ATTENDANCE_LABELS = {None: "Not marked", "present": "Present", "late": "Late",
                     "absent": "Absent", "excused": "Excused"}
MODE_LABELS = {"online": "Online", "in-person": "In person", "hybrid": "Hybrid"}
PRIORITY_LABELS = {"low": "Low", "medium": "Medium", "high": "High", "urgent": "Urgent"}
FREQUENCY_LABELS = {"one-time": "One-time", "weekly": "Weekly",
                    "bi-weekly": "Every two weeks", "monthly": "Monthly"}


def sql_in(values: tuple[str, ...]) -> str:
    """`'a', 'b'` for a CHECK constraint or a CASE built from an allowed set."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


def check_in(column: str, values: tuple[str, ...]) -> str:
    """CHECK expression that allows NULL or one of the values."""
    return f"{column} IS NULL OR {column} IN ({sql_in(values)})"


def normalise_choice(raw: str | None, allowed: tuple[str, ...]) -> str | None:
    """Fold case, outer spaces, underscores and inner spaces: ' In_Person ' -> 'in-person'.

    Returns None when the folded value is not allowed. The migration does the same in SQL
    (see `sql_normalised`), so both agree on what is unambiguous.
    """
    if raw is None:
        return None
    folded = raw.strip().lower().replace("_", "-").replace(" ", "-")
    return folded if folded in allowed else None


def sql_normalised(column: str) -> str:
    """SQL twin of `normalise_choice` without the membership test."""
    return f"replace(replace(lower(trim({column})), '_', '-'), ' ', '-')"


def is_recurring_frequency(frequency: str | None) -> bool:
    return frequency is not None and frequency != "one-time"


def duration_minutes(start: time, end: time) -> int:
    """Minutes from start to end on the same day (end must be after start)."""
    delta = datetime.combine(date.min, end) - datetime.combine(date.min, start)
    return int(delta.total_seconds() // 60)


def end_time_for(start: time, minutes: int) -> time:
    return (datetime.combine(date.min, start) + timedelta(minutes=minutes)).time()


def transition_error(current: str | None, new: str) -> str | None:
    """Why a status change is refused, or None when it is allowed."""
    if new not in SESSION_STATUSES:
        return f"Unknown status '{new}'."
    if current == new:
        return None
    allowed = STATUS_TRANSITIONS.get(current or "scheduled", ())
    if new in allowed:
        return None
    names = ", ".join(STATUS_LABELS[s].lower() for s in allowed) or "nothing"
    return (f"A {STATUS_LABELS.get(current or 'scheduled', current).lower()} session "
            f"can only become {names}.")


def canonical_weekday(raw: str) -> str | None:
    for day in WEEKDAYS:
        if str(raw).strip().lower() in (day.lower(), day[:3].lower()):
            return day
    return None


def canonical_month(raw) -> str | None:
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= 12:
        return MONTHS[raw - 1]
    for month in MONTHS:
        if str(raw).strip().lower() in (month.lower(), month[:3].lower()):
            return month
    return None
