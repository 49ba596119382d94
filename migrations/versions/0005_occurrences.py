"""Recurring sessions: series extras, per-occurrence records, secret calendar feeds.

- `session_series`: the end of a series (a last date or a number of lessons) and the dates
  removed from it, keyed by session id (the `sessions` table keeps its 27 columns);
- `session_occurrences`: what one occurrence has of its own, keyed by series and original
  date the way iCal keys an overridden instance by RECURRENCE-ID;
- `calendar_feeds`: one secret, replaceable iCal feed token per user.

Revision ID: 0005_occurrences
Revises: 0004_list_index
Create Date: 2026-11-26
"""
import sqlalchemy as sa
from alembic import op

from webapp import choices as C

revision = "0005_occurrences"
down_revision = "0004_list_index"
branch_labels = None
depends_on = None


def _check(table: str, column: str, values: tuple[str, ...]) -> sa.CheckConstraint:
    return sa.CheckConstraint(C.check_in(column, values), name=f"ck_{table}_{column}")


def upgrade():
    op.create_table(
        "session_series",
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("sessions.id", ondelete="CASCADE", name="fk_session_series_session_id_sessions"),
                  primary_key=True, autoincrement=False, comment="The series (a recurring session)"),
        sa.Column("until_date", sa.Date, comment="Last possible date of the series"),
        sa.Column("occurrence_count", sa.Integer, comment="Number of lessons in the series"),
        sa.Column("exdates", sa.JSON, nullable=False, server_default=sa.text("'[]'"),
                  comment="ISO dates removed from the series (EXDATE)"),
        sa.PrimaryKeyConstraint("session_id", name="pk_session_series"),
        sa.CheckConstraint("until_date IS NULL OR occurrence_count IS NULL", name="ck_session_series_one_end"),
        sa.CheckConstraint("occurrence_count IS NULL OR occurrence_count >= 1",
                           name="ck_session_series_count_positive"),
        comment="Series-level data of recurring sessions that the 27 columns do not hold",
    )
    table = "session_occurrences"
    op.create_table(
        table,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("sessions.id", ondelete="CASCADE", name="fk_session_occurrences_session_id_sessions"),
                  nullable=False, comment="The series"),
        sa.Column("original_date", sa.Date, nullable=False, comment="Date the series gives this occurrence"),
        sa.Column("status", sa.String(20), comment="Own status; NULL: the series'"),
        sa.Column("tutor_attendance_status", sa.String(20), comment="NULL: not marked"),
        sa.Column("student_attendance_status", sa.String(20), comment="NULL: not marked"),
        sa.Column("topics_covered", sa.JSON, comment="Topics covered in this lesson"),
        sa.Column("note", sa.Text, comment="Tutor's note on this lesson"),
        sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.false(),
                  comment="This lesson is called off"),
        sa.Column("new_date", sa.Date, comment="Moved to this date"),
        sa.Column("new_start_time", sa.Time, comment="Moved to this start time"),
        sa.Column("new_end_time", sa.Time, comment="Moved to this end time"),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.current_timestamp()),
        sa.Column("updated_at", sa.DateTime, server_default=sa.func.current_timestamp()),
        sa.PrimaryKeyConstraint("id", name="pk_session_occurrences"),
        sa.UniqueConstraint("session_id", "original_date", name="uq_session_occurrences_session_date"),
        _check(table, "status", C.SESSION_STATUSES),
        _check(table, "tutor_attendance_status", C.ATTENDANCE_STATUSES),
        _check(table, "student_attendance_status", C.ATTENDANCE_STATUSES),
        sa.CheckConstraint("new_start_time IS NULL OR new_end_time IS NULL OR new_end_time > new_start_time",
                           name="ck_session_occurrences_new_times_ordered"),
        comment="Per-occurrence records of recurring sessions, keyed by series and original date",
    )
    op.create_index("ix_session_occurrences_new_date", table, ["new_date"])
    op.create_table(
        "calendar_feeds",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer,
                  sa.ForeignKey("users.id", ondelete="CASCADE", name="fk_calendar_feeds_user_id_users"),
                  nullable=False),
        sa.Column("token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.current_timestamp()),
        sa.PrimaryKeyConstraint("id", name="pk_calendar_feeds"),
        sa.UniqueConstraint("user_id", name="uq_calendar_feeds_user_id"),
        sa.UniqueConstraint("token", name="uq_calendar_feeds_token"),
        comment="Secret iCal feed token per user",
    )


def downgrade():
    op.drop_table("calendar_feeds")
    op.drop_index("ix_session_occurrences_new_date", table_name="session_occurrences")
    op.drop_table("session_occurrences")
    op.drop_table("session_series")
