"""Reminders and notices by e-mail: each user's preferences, and the outbox the worker
(`flask send-notifications`) delivers from.

Revision ID: 0009_notifications
Revises: 0008_people
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from webapp import choices as C

revision = "0009_notifications"
down_revision = "0008_people"
branch_labels = None
depends_on = None

PREFERENCES = ("daily_digest", "notify_absence", "notify_changes", "reminder_leads", "email_notifications")


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email_notifications", sa.Boolean, nullable=False, server_default=sa.true(),
                                   comment="E-mail at all (reminders, notices, digest)"))
        batch.add_column(sa.Column("reminder_leads", sa.JSON, nullable=False,
                                   server_default=sa.text(f"'{C.DEFAULT_REMINDER_LEADS}'"),
                                   comment="Minutes before a lesson a reminder is sent ([]: none)"))
        batch.add_column(sa.Column("notify_changes", sa.Boolean, nullable=False, server_default=sa.true(),
                                   comment="Notice when a lesson is moved or cancelled"))
        batch.add_column(sa.Column("notify_absence", sa.Boolean, nullable=False, server_default=sa.true(),
                                   comment="Notice when one's child was marked absent"))
        batch.add_column(sa.Column("daily_digest", sa.Boolean, nullable=False, server_default=sa.true(),
                                   comment="A tutor's daily list of lessons to mark"))
    table = "notifications"
    op.create_table(
        table,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("key", sa.String(200), nullable=False,
                  comment="What it is about; unique, so that it is written and sent once"),
        sa.Column("kind", sa.String(20), nullable=False, comment="reminder | moved | cancelled | absent | digest"),
        sa.Column("recipient_id", sa.Integer,
                  sa.ForeignKey("users.id", ondelete="SET NULL", name="fk_notifications_recipient_id_users")),
        sa.Column("to_address", sa.String(255), nullable=False, comment="The address at the time it was written"),
        sa.Column("session_id", sa.Integer,
                  sa.ForeignKey("sessions.id", ondelete="SET NULL", name="fk_notifications_session_id_sessions"),
                  comment="The lesson's session (NULL: a digest, or deleted)"),
        sa.Column("lesson_date", sa.Date, comment="The lesson's original date"),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("body_text", sa.Text, nullable=False),
        sa.Column("body_html", sa.Text, nullable=False),
        sa.Column("ics", sa.Text, comment="An iCalendar attachment (changes)"),
        sa.Column("state", sa.String(20), nullable=False, server_default="pending",
                  comment="pending | sending | sent | kept (no mail server) | failed | void"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("next_attempt_at", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp(),
                  comment="Due from (UTC); later after a failure"),
        sa.Column("claimed_by", sa.String(100), comment="The worker delivering it"),
        sa.Column("claimed_until", sa.DateTime, comment="Its claim lapses then (a worker that died)"),
        sa.Column("last_error", sa.String(500)),
        sa.Column("sent_at", sa.DateTime),
        sa.Column("created_at", sa.DateTime, nullable=False, server_default=sa.func.current_timestamp()),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("key", name="uq_notifications_key"),
        sa.CheckConstraint(C.check_in("kind", C.NOTIFICATION_KINDS), name="ck_notifications_kind"),
        sa.CheckConstraint(C.check_in("state", C.NOTIFICATION_STATES), name="ck_notifications_state"),
        comment="E-mail outbox: reminders, notices and digests, each delivered once",
    )
    op.create_index("ix_notifications_state_due", table, ["state", "next_attempt_at"])
    op.create_index("ix_notifications_lesson", table, ["session_id", "lesson_date"])
    op.create_index("ix_notifications_recipient_id", table, ["recipient_id"])


def downgrade():
    op.drop_table("notifications")
    with op.batch_alter_table("users") as batch:
        for column in PREFERENCES:
            batch.drop_column(column)
