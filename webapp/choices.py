"""The allowed values and time rules of a tutoring session.

One source of truth: the models (CHECK constraints), the forms (choices), the API
(schemas) and the migrations (normalisation of legacy values) all import from here.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .translate import gettext as _, lazy_gettext as _l, pgettext

SESSION_MODES = ("online", "in-person", "hybrid")
ATTENDANCE_STATUSES = ("present", "absent", "late", "excused")
PRIORITY_LEVELS = ("low", "medium", "high", "urgent")
SESSION_FREQUENCIES = ("one-time", "weekly", "bi-weekly", "monthly")
SESSION_STATUSES = ("scheduled", "in-progress", "completed", "cancelled")
USER_ROLES = ("tutor", "student", "parent", "admin")
REVIEWER_ROLES = ("student", "tutor", "parent")
# Who gets the workspace (forms, marking, tokens, the feed) and changes lessons: a tutor for
# their own enrollments, an admin for all. Students and parents read their own pages.
WORKSPACE_ROLES = ("tutor", "admin")
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
# Reviews and notices of a lesson by its people (SPEC "People").
REVIEW_COMMENT_MAX = 2000
REVIEW_EDIT_DAYS = 14  # a review stays editable by its author this long after it was written
REASON_MAX = 500  # "we can't come": why, in a line or two
# A student's or parent's word on a past lesson's attendance; the tutor resolves a dispute.
CONFIRMATIONS = ("confirmed", "disputed", "resolved")
MAX_SESSION_MINUTES = 24 * 60

# Reminders and notices by e-mail (webapp/notifications). A reminder is due from its lead
# time before the lesson until the lesson starts; each user picks the lead times.
NOTIFICATION_KINDS = ("reminder", "moved", "cancelled", "absent", "digest")
NOTIFICATION_STATES = ("pending", "sending", "sent", "kept", "failed", "void")
REMINDER_LEADS = (2880, 1440, 180, 60, 15)  # minutes before the lesson a user may choose
DEFAULT_REMINDER_LEADS = [1440]  # 24 hours before; 1 hour before can be switched on
LEAD_LABELS = {2880: _l("2 days before"), 1440: _l("24 hours before"), 180: _l("3 hours before"),
               60: _l("1 hour before"), 15: _l("15 minutes before")}
# What one unsubscribe link turns off: each kind of message a person may stop.
SUBSCRIPTIONS = {"reminder": _l("Reminders before lessons"), "changes": _l("Moved and cancelled lessons"),
                 "absence": _l("My child was marked absent"), "digest": _l("Daily list of lessons to mark (tutors)")}
DIGEST_HOUR = 18  # the tutor's daily list of lessons to mark goes out at this local hour
NAME_MAX = 120
PASSWORD_MIN = 8

# How a user reads the app (/settings): its language, the calendar of every date shown, and
# the clock of every time shown (the Ethiopian clock counts the hours from 6 in the morning
# and 6 in the evening). A user with no language yet follows the browser's Accept-Language.
LANGUAGES = ("en", "am")
DEFAULT_LANGUAGE = "en"
CALENDARS = ("gregorian", "ethiopian")
DEFAULT_CALENDAR = "gregorian"
CLOCKS = ("24h", "12h", "ethiopian")
DEFAULT_CLOCK = "24h"

# Every date the app accepts (session dates, series ends, moves, list and calendar
# parameters) lies in this range: a date in year 1 or 9999 is refused with a message,
# never expanded for seconds of CPU or sent to a driver that cannot hold it.
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2200, 12, 31)
# The most lessons one request may expand from the rules of series (a month of a very busy
# tutor is a few hundred); beyond it the request is refused with a clear message.
MAX_LESSONS_PER_REQUEST = 20_000
WINDOW_MAX_DAYS = 366  # the widest window of /api/lessons
HORIZON_DAYS = 366  # how far ahead an open-ended series is listed
SERIES_MAX_LESSONS = 1000  # "after N lessons"

# The labels of the values, translated when shown (lazy: `str()` them for JSON, CSV, joins);
# the values themselves (stored, sent by the API) are never translated.
STATUS_LABELS = {
    "scheduled": _l("Scheduled"),
    "in-progress": _l("In progress"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}
ATTENDANCE_LABELS = {None: _l("Not marked"), "present": _l("Present"), "late": _l("Late"),
                     "absent": _l("Absent"), "excused": _l("Excused")}
MODE_LABELS = {"online": _l("Online"), "in-person": _l("In person"), "hybrid": _l("Hybrid")}
PRIORITY_LABELS = {"low": _l("Low"), "medium": _l("Medium"), "high": _l("High"), "urgent": _l("Urgent")}
FREQUENCY_LABELS = {"one-time": _l("One-time"), "weekly": _l("Weekly"),
                    "bi-weekly": _l("Every two weeks"), "monthly": _l("Monthly")}


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


def status_error(value: str | None) -> str | None:
    """Why a status is refused, or None. Any status may follow any other: a tutor corrects a
    mis-click (completed or cancelled back to scheduled) in one step."""
    if value not in SESSION_STATUSES:
        return _("Choose %(values)s.", values=pgettext("between the items of a list", ", ").join(
            str(STATUS_LABELS[s]).lower() for s in SESSION_STATUSES))
    return None


def next_status(value: str | None) -> str:
    """The status after this one, in the order of SESSION_STATUSES (benchmarks and races cycle
    through them)."""
    i = SESSION_STATUSES.index(value or DEFAULT_STATUS)
    return SESSION_STATUSES[(i + 1) % len(SESSION_STATUSES)]


def date_error(value: date | None) -> str | None:
    """Why a date is refused (outside DATE_MIN..DATE_MAX), or None."""
    if value is not None and not DATE_MIN <= value <= DATE_MAX:
        return _("Give a date between %(first)d and %(last)d.", first=DATE_MIN.year, last=DATE_MAX.year)
    return None


# --- Time zones: every "today" is the user's, never the machine's -------------------------


def zone(name: str | None) -> ZoneInfo:
    """The user's zone; an unknown or empty name falls back to the platform default."""
    try:
        return ZoneInfo(name or DEFAULT_TIMEZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_TIMEZONE)


def local_now(tz: ZoneInfo | str | None = None) -> datetime:
    """Now in the zone, as a naive wall-clock datetime (what lesson dates and times are)."""
    tz = tz if isinstance(tz, ZoneInfo) else zone(tz)
    return datetime.now(tz).replace(tzinfo=None)


def local_today(tz: ZoneInfo | str | None = None) -> date:
    return local_now(tz).date()


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
