"""Hardening: reviews know what they are about (enrollment, session, lesson, the author's
role), logins live on the server, failed logins are counted per email.

- `reviews.enrollment_id`, `session_id`, `lesson_date`, `author_role`, `updated_at`: a review
  may be linked and read only within its enrollment; filled for every review a session
  links (the student's, tutor's and parent's of that session's lesson);
- `login_sessions`: one row per login; the cookie carries its token, so logging out (or a
  password change) ends it on the server;
- `login_attempts`: failures per email, and the lock they cause.

Revision ID: 0007_hardening
Revises: 0006_lessons
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

from webapp import choices as C

revision = "0007_hardening"
down_revision = "0006_lessons"
branch_labels = None
depends_on = None

ROLES = {"student_review_id": "student", "tutor_review_id": "tutor", "parent_review_id": "parent"}


def upgrade():
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(sa.Column("enrollment_id", sa.Integer,
                                   comment="The enrollment the review is about (who may see and link it)"))
        batch.add_column(sa.Column("session_id", sa.Integer, comment="The session of the lesson reviewed"))
        batch.add_column(sa.Column("lesson_date", sa.Date, comment="Original date of the lesson reviewed"))
        batch.add_column(sa.Column("author_role", sa.String(20), comment="student | tutor | parent"))
        batch.add_column(sa.Column("updated_at", sa.DateTime))
        batch.create_foreign_key("fk_reviews_enrollment_id_enrolled_students", "enrolled_students",
                                 ["enrollment_id"], ["id"], ondelete="CASCADE")
        batch.create_foreign_key("fk_reviews_session_id_sessions", "sessions", ["session_id"], ["id"],
                                 ondelete="CASCADE")
        batch.create_check_constraint("ck_reviews_author_role", C.check_in("author_role", C.REVIEWER_ROLES))
    op.create_index("ix_reviews_enrollment_id", "reviews", ["enrollment_id"])
    op.create_index("ix_reviews_session_lesson", "reviews", ["session_id", "lesson_date"])
    # What each review is about, from the session that links it (set-based: one UPDATE a role).
    for column, role in ROLES.items():
        op.execute(sa.text(f"""
            UPDATE reviews SET author_role = '{role}',
                session_id = (SELECT min(s.id) FROM sessions s WHERE s.{column} = reviews.id),
                enrollment_id = (SELECT min(s.course_enrollment_id) FROM sessions s WHERE s.{column} = reviews.id),
                lesson_date = (SELECT min(s.session_date) FROM sessions s WHERE s.{column} = reviews.id)
            WHERE author_role IS NULL AND EXISTS (SELECT 1 FROM sessions s WHERE s.{column} = reviews.id)"""))
    op.execute(sa.text("UPDATE reviews SET updated_at = created_at"))
    op.create_table(
        "login_sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE",
                                                       name="fk_login_sessions_user_id_users"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, comment="SHA-256 of the cookie's token"),
        sa.Column("created_at", sa.DateTime, server_default=sa.func.current_timestamp()),
        sa.PrimaryKeyConstraint("id", name="pk_login_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_login_sessions_token_hash"),
    )
    op.create_index("ix_login_sessions_user_id", "login_sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("email", sa.String(255), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
        sa.Column("locked_until", sa.DateTime),
        sa.Column("last_failure_at", sa.DateTime),
        sa.PrimaryKeyConstraint("email", name="pk_login_attempts"),
    )


def downgrade():
    op.drop_table("login_attempts")
    op.drop_index("ix_login_sessions_user_id", table_name="login_sessions")
    op.drop_table("login_sessions")
    op.drop_index("ix_reviews_session_lesson", table_name="reviews")
    op.drop_index("ix_reviews_enrollment_id", table_name="reviews")
    with op.batch_alter_table("reviews") as batch:
        batch.drop_constraint("ck_reviews_author_role", type_="check")
        batch.drop_constraint("fk_reviews_session_id_sessions", type_="foreignkey")
        batch.drop_constraint("fk_reviews_enrollment_id_enrolled_students", type_="foreignkey")
        for column in ("updated_at", "author_role", "lesson_date", "session_id", "enrollment_id"):
            batch.drop_column(column)
