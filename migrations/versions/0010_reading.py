"""How each user reads the app: language (en | am; NULL follows the browser), calendar
(gregorian | ethiopian) and clock (24h | 12h | ethiopian), set on /settings.

Revision ID: 0010_reading
Revises: 0009_notifications
Create Date: 2026-12-04
"""
import sqlalchemy as sa
from alembic import op

from webapp import choices as C

revision = "0010_reading"
down_revision = "0009_notifications"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("language", sa.String(5), comment="en | am; NULL: follow Accept-Language"))
        batch.add_column(sa.Column("calendar", sa.String(20), nullable=False, server_default=C.DEFAULT_CALENDAR,
                                   comment="gregorian | ethiopian"))
        batch.add_column(sa.Column("clock", sa.String(10), nullable=False, server_default=C.DEFAULT_CLOCK,
                                   comment="24h | 12h | ethiopian"))
        batch.create_check_constraint("ck_users_language", C.check_in("language", C.LANGUAGES))
        batch.create_check_constraint("ck_users_calendar", C.check_in("calendar", C.CALENDARS))
        batch.create_check_constraint("ck_users_clock", C.check_in("clock", C.CLOCKS))


def downgrade():
    with op.batch_alter_table("users") as batch:
        for name in ("clock", "calendar", "language"):
            batch.drop_constraint(f"ck_users_{name}", type_="check")
            batch.drop_column(name)
