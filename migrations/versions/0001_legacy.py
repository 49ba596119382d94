"""The platform as it was before the sessions refactor.

Revision ID: 0001_legacy
Revises:
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

from webapp import choices as C
from webapp.legacy import tutor_sessions_columns

revision = "0001_legacy"
down_revision = None
branch_labels = None
depends_on = None


def _timestamps():
    return sa.Column("created_at", sa.DateTime, server_default=sa.func.current_timestamp())


def upgrade():
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("full_name", sa.String(120), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("timezone", sa.String(64), nullable=False, server_default=C.DEFAULT_TIMEZONE),
        sa.Column("phone", sa.String(40)),
        _timestamps(),
        sa.CheckConstraint(C.check_in("role", C.USER_ROLES), name="role"),
        sa.UniqueConstraint("email"),
    )
    op.create_table(
        "student_parents",
        sa.Column("student_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("parent_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    )
    op.create_table(
        "enrolled_students",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("tutor_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("student_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("course", sa.String(120), nullable=False),
        sa.Column("enrolled_on", sa.Date),
        sa.Column("is_active", sa.Boolean, nullable=False, server_default=sa.true()),
        _timestamps(),
    )
    op.create_index("ix_enrolled_students_tutor_id", "enrolled_students", ["tutor_id"])
    op.create_index("ix_enrolled_students_student_id", "enrolled_students", ["student_id"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("reviewer_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("rating", sa.Integer),
        sa.Column("comment", sa.Text),
        _timestamps(),
        sa.CheckConstraint(f"rating IS NULL OR rating BETWEEN {C.RATING_MIN} AND {C.RATING_MAX}",
                           name="rating"),
    )
    op.create_table(
        "whiteboard_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("board_url", sa.String(500)),
        sa.Column("created_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        _timestamps(),
    )
    op.create_table("tutor_sessions", *tutor_sessions_columns())


def downgrade():
    for table in ("tutor_sessions", "whiteboard_sessions", "reviews", "enrolled_students",
                  "student_parents", "users"):
        op.drop_table(table)
