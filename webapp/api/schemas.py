"""The API's shapes, as pydantic models. They check types and shapes; the rules between
fields come from `webapp.lessons.rules` (the forms use the same). The OpenAPI document
is generated from these models."""
from __future__ import annotations

import datetime as dt
from datetime import date, datetime, time
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from .. import choices as C

INT32 = 2**31 - 1


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text cannot contain NUL characters.")
    return value


def _naive_time(value: time) -> time:
    if value.tzinfo is not None:
        raise ValueError("Give a local time without a time zone (HH:MM or HH:MM:SS).")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
def documented(**limits: Any) -> Any:
    """Limits shown in the document but checked by the shared rules (`validate_session`), so
    that the API and the forms refuse the same values with the same messages."""
    return Field(json_schema_extra=limits)


Topic = Annotated[str, AfterValidator(_no_nul), documented(maxLength=C.TOPIC_MAX)]
Id = Annotated[int, Field(ge=1, le=INT32)]
# Times are the tutor's local wall-clock times, so they carry no offset (JSON Schema's
# "time" format would demand one).
LocalTime = Annotated[time, AfterValidator(_naive_time), WithJsonSchema(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
     "description": "Local time, HH:MM or HH:MM:SS", "examples": ["16:30"]})]
OutTime = Annotated[time, WithJsonSchema(
    {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?$",
     "description": "Local time, HH:MM:SS"})]
# A date the app accepts: ISO 8601, between 1900-01-01 and 2200-12-31 (the shared rules say
# so with one message; the pattern tells clients and generated tests the range of years).
def _in_range(value: dt.date) -> dt.date:
    if problem := C.date_error(value):
        raise ValueError(problem)
    return value


Day = Annotated[dt.date, AfterValidator(_in_range), WithJsonSchema(
    {"type": "string", "format": "date", "pattern": r"^(19[0-9]{2}|2[01][0-9]{2}|2200)-[0-9]{2}-[0-9]{2}$",
     "description": f"YYYY-MM-DD, from {C.DATE_MIN.isoformat()} to {C.DATE_MAX.isoformat()}"}, mode="validation")]
Mode = Literal[C.SESSION_MODES]  # type: ignore[valid-type]
Attendance = Literal[C.ATTENDANCE_STATUSES]  # type: ignore[valid-type]
Priority = Literal[C.PRIORITY_LEVELS]  # type: ignore[valid-type]
Frequency = Literal[C.SESSION_FREQUENCIES]  # type: ignore[valid-type]
Status = Literal[C.SESSION_STATUSES]  # type: ignore[valid-type]


class RecurringPattern(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    days: list[Literal[C.WEEKDAYS]] = Field(default_factory=list, max_length=7)  # type: ignore[valid-type]
    months: list[Literal[C.MONTHS]] = Field(default_factory=list, max_length=12)  # type: ignore[valid-type]
    specific_dates: list[Day] = Field(default_factory=list, max_length=366)


def _read_only(description: str) -> Any:
    return Field(default=None, description=description, json_schema_extra={"readOnly": True})


class SessionFields(BaseModel):
    """Writable fields. `duration` is computed from start and end; if given it must agree.
    `is_recurring` follows from `session_frequency`.

    The read-only fields may be sent back as read (a GET's body can be PUT again as it is);
    they must then agree with the session: `id` and `created_at` with the stored ones (422
    otherwise), `updated_at` with the current version (412 otherwise, like a stale If-Match),
    `is_recurring` with `session_frequency` (422). A new session (POST) has none of them
    but `is_recurring`."""

    # Strict: JSON types as the document says them (no "1" for 1, no 1 for true, dates only
    # as ISO strings); unknown fields are an error naming them.
    model_config = ConfigDict(extra="forbid", strict=True)

    id: Id | None = _read_only("Read-only: must be this session's id if sent.")
    created_at: datetime | None = _read_only("Read-only: must be the stored value if sent.")
    updated_at: datetime | None = _read_only(
        "Read-only: the version you read; a newer one on the server gives 412, like If-Match.")
    is_recurring: bool | None = _read_only("Read-only: follows session_frequency; must agree if sent.")

    course_enrollment_id: Id
    session_date: Day
    start_time: LocalTime
    end_time: LocalTime
    topics: list[Topic] = Field(default_factory=list, json_schema_extra={"maxItems": C.TOPICS_MAX_COUNT})
    topics_covered: list[Topic] = Field(default_factory=list,
                                        json_schema_extra={"maxItems": C.TOPICS_MAX_COUNT})
    duration: Annotated[int, documented(minimum=1, maximum=C.MAX_SESSION_MINUTES)] | None = None
    session_mode: Mode = C.DEFAULT_MODE
    location: Annotated[Text, documented(maxLength=C.LOCATION_MAX)] | None = None
    whiteboard_id: Id | None = None
    student_review_id: Id | None = None
    tutor_review_id: Id | None = None
    parent_review_id: Id | None = None
    tutor_attendance_status: Attendance | None = None
    student_attendance_status: Attendance | None = None
    priority_level: Priority = C.DEFAULT_PRIORITY
    session_frequency: Frequency = C.DEFAULT_FREQUENCY
    recurring_pattern: RecurringPattern | None = None
    notification_enabled: bool = False
    alarm_enabled: bool = False
    alarm_before_minutes: Annotated[int, documented(minimum=C.ALARM_MINUTES_MIN,
                                                    maximum=C.ALARM_MINUTES_MAX)] | None = \
        C.DEFAULT_ALARM_MINUTES
    is_featured: bool = False
    status: Status = C.DEFAULT_STATUS


class SessionCreate(SessionFields):
    """A new session (POST) or a whole replacement (PUT)."""


def _no_defaults(schema: dict[str, Any]) -> None:
    # A field left out of a PATCH keeps the session's value: no default applies.
    for prop in schema.get("properties", {}).values():
        prop.pop("default", None)


class SessionPatch(SessionFields):
    """Any subset of the writable fields (PATCH); those left out keep their values. Send
    null to empty a field that may be empty."""

    model_config = ConfigDict(json_schema_extra=_no_defaults)

    course_enrollment_id: Id = None  # type: ignore[assignment]
    session_date: Day = None  # type: ignore[assignment]
    start_time: LocalTime = None  # type: ignore[assignment]
    end_time: LocalTime = None  # type: ignore[assignment]


class SessionOut(BaseModel):
    """A session: the 27 columns of the `sessions` table."""

    id: int
    course_enrollment_id: int | None
    topics: list[str]
    topics_covered: list[str]
    session_date: date
    start_time: OutTime
    end_time: OutTime
    duration: int | None
    session_mode: Mode | None
    location: str | None
    whiteboard_id: int | None
    student_review_id: int | None
    tutor_review_id: int | None
    parent_review_id: int | None
    tutor_attendance_status: Attendance | None
    student_attendance_status: Attendance | None
    priority_level: Priority | None
    is_recurring: bool | None
    session_frequency: Frequency | None
    recurring_pattern: dict[str, Any] | None
    notification_enabled: bool | None
    alarm_enabled: bool | None
    alarm_before_minutes: int | None
    is_featured: bool | None
    status: Status | None
    created_at: datetime | None = Field(description="UTC")
    updated_at: datetime | None = Field(description="UTC")


class SessionList(BaseModel):
    items: list[SessionOut]
    total: int
    page: int
    per_page: int


class ValidationErrors(BaseModel):
    """422: what is wrong, by field name."""

    errors: dict[str, list[str]]


class Problem(BaseModel):
    """Any other error: a short code and a sentence."""

    error: str
    message: str


class Filters(BaseModel):
    """The filters and paging that the sessions' and the lessons' lists share."""

    model_config = ConfigDict(extra="forbid")

    status: Status | None = None
    session_mode: Mode | None = None
    priority_level: Priority | None = None
    tutor_id: Id | None = None
    student_id: Id | None = None
    course_enrollment_id: Id | None = None
    is_featured: bool | None = None
    is_recurring: bool | None = None
    page: Annotated[int, Field(ge=1, le=INT32)] = 1
    per_page: Annotated[int, Field(ge=1, le=100)] = 20


class ListQuery(Filters):
    """Filters and paging of GET /api/sessions (on the session rows)."""

    date_from: Day | None = None
    date_to: Day | None = None


class LessonOut(BaseModel):
    """A lesson: a one-time session's, or one date of a series (keyed by `original_date`, the
    date the series gives it, even after a move to `date`)."""

    session_id: int
    original_date: dt.date
    date: dt.date
    start_time: OutTime
    end_time: OutTime
    status: Status
    tutor_attendance_status: Attendance | None
    student_attendance_status: Attendance | None
    priority_level: Priority
    topics: list[str]
    topics_covered: list[str]
    note: str | None
    course_enrollment_id: int | None
    student_review_id: int | None
    tutor_review_id: int | None
    parent_review_id: int | None
    is_recurring: bool
    moved: bool
    note_shared: bool
    absence_notice: bool  # the student or a parent said "we can't come"
    confirmation: Literal[C.CONFIRMATIONS] | None


class ReviewOut(BaseModel):
    """A review of one lesson by one of its people."""

    id: int
    role: Literal[C.REVIEWER_ROLES]
    rating: int | None
    comment: str | None
    session_id: int | None
    lesson_date: dt.date | None
    reviewer_id: int | None
    created_at: dt.datetime | None
    updated_at: dt.datetime | None


class MeOut(BaseModel):
    """The caller."""

    id: int
    email: str
    role: Literal[C.USER_ROLES]
    name: str
    timezone: str


class LessonList(BaseModel):
    items: list[LessonOut]
    total: int
    page: int
    per_page: int


class LessonPatch(BaseModel):
    """Any of a lesson's own values; those left out keep theirs. `date`, `start_time` and
    `end_time` move it (a series keeps its rule). Send null to unmark an attendance or to
    empty the note."""

    model_config = ConfigDict(extra="forbid", strict=True, json_schema_extra=_no_defaults)

    status: Status = None  # type: ignore[assignment]
    tutor_attendance_status: Attendance | None = None
    student_attendance_status: Attendance | None = None
    priority_level: Priority = None  # type: ignore[assignment]
    topics_covered: list[Topic] = Field(default=None, json_schema_extra={"maxItems": C.TOPICS_MAX_COUNT})  # type: ignore[assignment]
    note: Annotated[Text, documented(maxLength=C.NOTE_MAX)] | None = None
    date: Day = None  # type: ignore[assignment]
    start_time: LocalTime = None  # type: ignore[assignment]
    end_time: LocalTime = None  # type: ignore[assignment]


class LessonQuery(Filters):
    """The window, filters and paging of GET /api/lessons (status and priority are each lesson's)."""

    date_from: Day | None = Field(default=None, description="Default: today (the caller's zone)")
    date_to: Day | None = Field(default=None, description=f"Default: date_from + 30 days; at most "
                                                           f"{C.WINDOW_MAX_DAYS} days after date_from")


FIELDS = tuple(SessionOut.model_fields)
READ_ONLY = ("id", "created_at", "updated_at", "is_recurring")


def to_json(session) -> dict[str, Any]:
    """A session as the API shows it: reads columns only, never a relationship."""
    out = {}
    for name in FIELDS:
        value = getattr(session, name)
        if isinstance(value, datetime):  # stored as naive UTC
            value = value.isoformat() + "Z"
        elif isinstance(value, (date, time)):
            value = value.isoformat()
        elif name in ("topics", "topics_covered") and value is None:
            value = []
        out[name] = value
    return out


def lesson_json(lesson, reader: bool = False) -> dict[str, Any]:
    """A lesson as the API answers it; for a student or parent (`reader`) the tutor's note
    only when the tutor shares it."""
    session = lesson.session
    return {
        "session_id": session.id, "original_date": lesson.original_date.isoformat(),
        "date": lesson.date.isoformat(), "start_time": lesson.start_time.isoformat(),
        "end_time": lesson.end_time.isoformat(), "status": lesson.status,
        "tutor_attendance_status": lesson.tutor_attendance_status,
        "student_attendance_status": lesson.student_attendance_status, "priority_level": lesson.priority_level,
        "topics": lesson.topics, "topics_covered": list(lesson.topics_covered),
        "note": lesson.note_for(reader), "note_shared": lesson.note_shared,
        "course_enrollment_id": session.course_enrollment_id,
        "student_review_id": lesson.review_id("student"), "tutor_review_id": lesson.review_id("tutor"),
        "parent_review_id": lesson.review_id("parent"), "is_recurring": lesson.is_series, "moved": lesson.moved,
        "absence_notice": lesson.absence_notice_at is not None, "confirmation": lesson.confirmation,
    }


class ReviewIn(BaseModel):
    """The caller's review of a lesson: a rating from 1 to 5 and an optional comment."""

    model_config = ConfigDict(extra="forbid", strict=True)

    rating: Annotated[int, Field(ge=C.RATING_MIN, le=C.RATING_MAX)]
    comment: Annotated[str, Field(max_length=C.REVIEW_COMMENT_MAX)] | None = None


def review_json(review, role: str) -> dict[str, Any]:
    return {"id": review.id, "role": role, "rating": review.rating, "comment": review.comment,
            "session_id": review.session_id, "lesson_date": review.lesson_date.isoformat() if review.lesson_date else None,
            "reviewer_id": review.reviewer_id,
            "created_at": review.created_at.isoformat() + "Z" if review.created_at else None,  # UTC
            "updated_at": review.updated_at.isoformat() + "Z" if review.updated_at else None}


def me_json(user) -> dict[str, Any]:
    return {"id": user.id, "email": user.email, "role": user.role, "name": user.full_name,
            "timezone": user.timezone}


def error_messages(exc, what: str = "field") -> dict[str, list[str]]:
    """pydantic's errors by top-level field name ('body' for the document itself)."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        loc = [str(part) for part in error["loc"]]
        field = loc[0] if loc else "body"
        if error["type"] == "extra_forbidden":
            message = f"Unknown {what}." if len(loc) == 1 else f"Unknown field '{'.'.join(loc[1:])}'."
        else:
            where = ".".join(loc[1:])
            text = error["msg"].removeprefix("Value error, ")  # our own validators' messages
            message = text + (f" (at {where})" if where else "")
        if error["type"] == "json_invalid":
            field = "body"
        errors.setdefault(field, []).append(message)
    return errors
