"""One lesson model: every lesson's own record carries a version, its own priority and its
three reviews; `cancelled` folds into status; a bounded series keeps its last date.

- `session_occurrences.version`: bumped by every change of the record, so a change that
  starts from an older version is refused by an atomic conditional write;
- `session_occurrences.priority_level`: a lesson's own priority (NULL: the session's);
- `session_occurrences.{student,tutor,parent}_review_id`: the reviews of that lesson;
- `session_occurrences.cancelled` goes: status 'cancelled' says the same (one source);
- `session_series.last_date`: the original date of a bounded series' last lesson.

Revision ID: 0006_lessons
Revises: 0005_occurrences
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from webapp import choices as C

revision = "0006_lessons"
down_revision = "0005_occurrences"
branch_labels = None
depends_on = None

TABLE = "session_occurrences"
REVIEWS = {"student_review_id": "The student's review of this lesson",
           "tutor_review_id": "The tutor's review of this lesson",
           "parent_review_id": "The parent's review of this lesson"}


def upgrade():
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1",
                                   comment="Bumped by every change: a change from an older one is refused"))
        batch.add_column(sa.Column("priority_level", sa.String(20), comment="Own priority; NULL: the series'"))
        for column, comment in REVIEWS.items():
            batch.add_column(sa.Column(column, sa.Integer, comment=comment))
            batch.create_foreign_key(f"fk_{TABLE}_{column}_reviews", "reviews", [column], ["id"],
                                     ondelete="SET NULL")
        batch.create_check_constraint(f"ck_{TABLE}_priority_level",
                                      C.check_in("priority_level", C.PRIORITY_LEVELS))
    op.execute(sa.text(f"UPDATE {TABLE} SET status = 'cancelled' WHERE cancelled"))
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_column("cancelled")
        batch.alter_column("session_id", existing_type=sa.Integer, existing_nullable=False,
                           comment="The session (a series or a one-time session)")
        batch.alter_column("original_date", existing_type=sa.Date, existing_nullable=False,
                           comment="Date the session's rule gives this lesson")
    if op.get_bind().dialect.name == "postgresql":
        op.create_table_comment(TABLE, "Per-lesson records of sessions, keyed by session and original date")
    with op.batch_alter_table("session_series") as batch:
        batch.add_column(sa.Column("last_date", sa.Date,
                                   comment="Original date of the last lesson of a bounded series (kept by "
                                           "webapp.lessons); NULL: open-ended"))


def downgrade():
    with op.batch_alter_table("session_series") as batch:
        batch.drop_column("last_date")
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("cancelled", sa.Boolean, nullable=False, server_default=sa.false(),
                                   comment="This lesson is called off"))
    op.execute(sa.text(f"UPDATE {TABLE} SET cancelled = (coalesce(status, '') = 'cancelled')"))
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(f"ck_{TABLE}_priority_level", type_="check")
        for column in REVIEWS:
            batch.drop_constraint(f"fk_{TABLE}_{column}_reviews", type_="foreignkey")
            batch.drop_column(column)
        batch.drop_column("priority_level")
        batch.drop_column("version")
        batch.alter_column("session_id", existing_type=sa.Integer, existing_nullable=False, comment="The series")
        batch.alter_column("original_date", existing_type=sa.Date, existing_nullable=False,
                           comment="Date the series gives this occurrence")
    if op.get_bind().dialect.name == "postgresql":
        op.create_table_comment(TABLE, "Per-occurrence records of recurring sessions, keyed by series and "
                                       "original date")
