"""The `sessions` columns: their descriptions (the model and the migrations both write them
as column comments; PostgreSQL keeps them, SQLite ignores them) and the type of the row's
version, `updated_at`."""
import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal

SESSION_COLUMN_COMMENTS = {
    "id": "Session id (kept from tutor_sessions.id)",
    "course_enrollment_id": "Enrollment (tutor, student, course) the session belongs to",
    "topics": "Planned topics, a JSON list of strings",
    "topics_covered": "Topics actually covered, a JSON list of strings",
    "session_date": "Date of the session (first date of a series)",
    "start_time": "Start time, in the tutor's time zone",
    "end_time": "End time, in the tutor's time zone",
    "duration": "Length in minutes, from start_time to end_time",
    "session_mode": "online | in-person | hybrid",
    "location": "Where an in-person or hybrid session takes place",
    "whiteboard_id": "Whiteboard used in the session",
    "student_review_id": "Review written by the student",
    "tutor_review_id": "Review written by the tutor",
    "parent_review_id": "Review written by a parent",
    "tutor_attendance_status": "present | absent | late | excused; NULL: not marked",
    "student_attendance_status": "present | absent | late | excused; NULL: not marked",
    "priority_level": "low | medium | high | urgent",
    "is_recurring": "True for a series (frequency other than one-time)",
    "session_frequency": "one-time | weekly | bi-weekly | monthly",
    "recurring_pattern": 'JSON {"days": [...], "months": [...], "specific_dates": [...]}',
    "notification_enabled": "Send notifications about this session",
    "alarm_enabled": "Ring an alarm before the session",
    "alarm_before_minutes": "Minutes before the start that the alarm rings",
    "is_featured": "Pinned by the tutor",
    "status": "scheduled | in-progress | completed | cancelled",
    "created_at": "When the row was created",
    "updated_at": "When the row was last changed; also the edit version",
}


# --- The sessions row's version --------------------------------------------------------------


class SameStamp(ColumnElement):
    """The stamp as compared for equality (`==`, and in a tuple of keys for IN): itself,
    except on SQLite (below)."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]  # in the cache key
    type = sa.DateTime()

    def __init__(self, column) -> None:
        self.column = column


@compiles(SameStamp)
def _same_stamp(element, compiler, **kw) -> str:
    return compiler.process(element.column, **kw)


@compiles(SameStamp, "sqlite")
def _same_stamp_sqlite(element, compiler, **kw) -> str:
    # SQLite keeps datetimes as text: CURRENT_TIMESTAMP (the column's default, for a row
    # inserted by plain SQL or migrated from tutor_sessions) writes "2026-12-01 10:00:00", the
    # app "2026-12-01 10:00:00.000000"; the same instant either way.
    column = compiler.process(element.column, **kw)
    return f"(CASE WHEN length({column}) = 19 THEN {column} || '.000000' ELSE {column} END)"


class VersionStamp(sa.TypeDecorator):
    """`sessions.updated_at`: a timestamp (DDL as DateTime) that is also the row's version,
    so equality (the version check of every conditional write, the ORM's too) must hold for
    the same instant however the database spelled it."""

    impl = sa.DateTime
    cache_ok = True

    class comparator_factory(sa.DateTime.Comparator):
        def __eq__(self, other):  # type: ignore[override]
            return SameStamp(self.expr) == other
