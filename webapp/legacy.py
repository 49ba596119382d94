"""The legacy `tutor_sessions` table (revision 0001_legacy), defined once: revision 0001
creates it, revision 0002's downgrade rebuilds it, and tests and benchmarks fill it."""
from __future__ import annotations

import sqlalchemy as sa

# Columns that only the legacy table has; 0002 keeps them verbatim in the archive.
DROPPED_COLUMNS = (
    "tutor_id", "student_id", "subject", "topic", "objectives", "materials_used",
    "homework_assigned", "student_attended", "tutor_attended", "student_feedback",
    "student_rating", "payment_status", "amount", "meeting_link",
)
# Columns whose legacy value 0002 may normalise; the archive keeps the original too.
NORMALISED_COLUMNS = ("enrollment_id", "mode", "status", "session_frequency")


def tutor_sessions_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("enrollment_id", sa.Integer),  # the legacy platform never enforced it
        sa.Column("tutor_id", sa.Integer, sa.ForeignKey("users.id", name="fk_tutor_sessions_tutor_id_users")),
        sa.Column("student_id", sa.Integer, sa.ForeignKey("users.id", name="fk_tutor_sessions_student_id_users")),
        sa.Column("subject", sa.String(100)),
        sa.Column("topic", sa.String(255)),
        sa.Column("session_date", sa.Date, nullable=False),
        sa.Column("start_time", sa.Time, nullable=False),
        sa.Column("end_time", sa.Time, nullable=False),
        sa.Column("duration", sa.Integer),
        sa.Column("mode", sa.String(50), server_default="online"),
        sa.Column("location", sa.String(255)),
        sa.Column("objectives", sa.Text),
        sa.Column("materials_used", sa.Text),
        sa.Column("homework_assigned", sa.Text),
        sa.Column("student_attended", sa.Boolean),
        sa.Column("tutor_attended", sa.Boolean),
        sa.Column("student_feedback", sa.Text),
        sa.Column("student_rating", sa.Integer),
        sa.Column("payment_status", sa.String(20), server_default="pending"),
        sa.Column("amount", sa.Numeric(10, 2)),
        sa.Column("meeting_link", sa.String(500)),
        sa.Column("session_frequency", sa.String(50), server_default="one-time"),
        sa.Column("is_recurring", sa.Boolean, server_default=sa.false()),
        sa.Column("recurring_pattern", sa.JSON),
        sa.Column("notification_enabled", sa.Boolean, server_default=sa.false()),
        sa.Column("alarm_enabled", sa.Boolean, server_default=sa.false()),
        sa.Column("alarm_before_minutes", sa.Integer, server_default="15"),
        sa.Column("is_featured", sa.Boolean, server_default=sa.false()),
        sa.Column("status", sa.String(20), server_default="scheduled"),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.current_timestamp()),
        sa.Column("updated_at", sa.DateTime, server_default=sa.func.current_timestamp()),
    ]


LEGACY_COLUMN_NAMES = tuple(c.name for c in tutor_sessions_columns())


def tutor_sessions_table(metadata: sa.MetaData | None = None) -> sa.Table:
    """A Table object for reading and writing legacy rows (tests, benchmarks)."""
    return sa.Table("tutor_sessions", metadata or sa.MetaData(), *tutor_sessions_columns())
