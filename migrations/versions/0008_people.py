"""People in the loop: what a lesson's student, parents and tutor say and plan of it.

- `session_occurrences`: the lesson's own planned topics (carried forward ones accepted) and
  the carried ones dropped; whether the tutor's note is shared; the absence notice ("we
  can't come": when, by whom, why); the attendance confirmation (confirmed, disputed,
  resolved: by whom, when, what is wrong);
- `reviews`: one review per lesson, author and role (a second one replaces the first);
- `student_parents`: indexed by parent (a parent's pages list their children's lessons).

Revision ID: 0008_people
Revises: 0007_hardening
Create Date: 2026-12-03
"""
import sqlalchemy as sa
from alembic import op

from webapp import choices as C

revision = "0008_people"
down_revision = "0007_hardening"
branch_labels = None
depends_on = None

TABLE = "session_occurrences"
PEOPLE = ("absence_notice_by", "confirmation_by")


def upgrade():
    with op.batch_alter_table(TABLE) as batch:
        batch.add_column(sa.Column("topics", sa.JSON, comment="Own planned topics; NULL: the session's"))
        batch.add_column(sa.Column("dropped_topics", sa.JSON,
                                   comment="Topics carried forward from the lesson before that the tutor dropped"))
        batch.add_column(sa.Column("note_shared", sa.Boolean,
                                   comment="The note is shown to the student and parents"))
        batch.add_column(sa.Column("absence_notice_at", sa.DateTime,
                                   comment="When the student or a parent said they can't come"))
        batch.add_column(sa.Column("absence_notice_by", sa.Integer, comment="Who said they can't come"))
        batch.add_column(sa.Column("absence_reason", sa.String(C.REASON_MAX), comment="Why they can't come"))
        batch.add_column(sa.Column("confirmation", sa.String(20),
                                   comment="The student's or a parent's word on the attendance: "
                                           "confirmed | disputed | resolved"))
        batch.add_column(sa.Column("confirmation_by", sa.Integer, comment="Who confirmed or disputed"))
        batch.add_column(sa.Column("confirmation_at", sa.DateTime, comment="When it was confirmed or disputed"))
        batch.add_column(sa.Column("confirmation_comment", sa.String(C.REASON_MAX),
                                   comment="What is wrong, when disputed"))
        for column in PEOPLE:
            batch.create_foreign_key(f"fk_{TABLE}_{column}_users", "users", [column], ["id"], ondelete="SET NULL")
        batch.create_check_constraint(f"ck_{TABLE}_confirmation", C.check_in("confirmation", C.CONFIRMATIONS))
    with op.batch_alter_table("reviews") as batch:
        batch.create_unique_constraint("uq_reviews_lesson_author",
                                       ["session_id", "lesson_date", "author_role", "reviewer_id"])
    op.create_index("ix_student_parents_parent_id", "student_parents", ["parent_id"])


def downgrade():
    op.drop_index("ix_student_parents_parent_id", table_name="student_parents")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_constraint("uq_reviews_lesson_author", type_="unique")
    with op.batch_alter_table(TABLE) as batch:
        batch.drop_constraint(f"ck_{TABLE}_confirmation", type_="check")
        for column in PEOPLE:
            batch.drop_constraint(f"fk_{TABLE}_{column}_users", type_="foreignkey")
        for column in ("confirmation_comment", "confirmation_at", "confirmation_by", "confirmation",
                       "absence_reason", "absence_notice_by", "absence_notice_at", "note_shared",
                       "dropped_topics", "topics"):
            batch.drop_column(column)
