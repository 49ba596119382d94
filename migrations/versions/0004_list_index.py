"""Index for the tutor's session list: sessions of an enrollment in date order.

Revision ID: 0004_list_index
Revises: 0003_api_tokens
Create Date: 2026-11-25
"""
from alembic import op

revision = "0004_list_index"
down_revision = "0003_api_tokens"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_sessions_enrollment_date_start", "sessions",
                    ["course_enrollment_id", "session_date", "start_time"])


def downgrade():
    op.drop_index("ix_sessions_enrollment_date_start", table_name="sessions")
