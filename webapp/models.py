"""The platform's tables as they are at the head revision."""
from __future__ import annotations

import hashlib
import secrets
from datetime import date, datetime, time, timezone
from typing import Any, ClassVar

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from . import choices as C
from .columns import SESSION_COLUMN_COMMENTS as COMMENTS, VersionStamp
from .extensions import db


def utcnow() -> datetime:
    """Naive UTC, as the `timestamp` columns store it."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


student_parents = sa.Table(
    "student_parents",
    db.metadata,
    sa.Column("student_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("parent_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Index("ix_student_parents_parent_id", "parent_id"),
)


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(C.check_in("role", C.USER_ROLES), name="role"),
                      sa.CheckConstraint(C.check_in("language", C.LANGUAGES), name="language"),
                      sa.CheckConstraint(C.check_in("calendar", C.CALENDARS), name="calendar"),
                      sa.CheckConstraint(C.check_in("clock", C.CLOCKS), name="clock"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(255), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[str] = mapped_column(sa.String(20), default="tutor")
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    timezone: Mapped[str] = mapped_column(
        sa.String(64), default=C.DEFAULT_TIMEZONE, server_default=C.DEFAULT_TIMEZONE
    )
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime | None] = mapped_column(
        default=utcnow, server_default=sa.func.current_timestamp()
    )
    # What the user wants by e-mail (/settings; every message's unsubscribe link turns one off).
    email_notifications: Mapped[bool] = mapped_column(
        default=True, server_default=sa.true(), comment="E-mail at all (reminders, notices, digest)")
    reminder_leads: Mapped[list] = mapped_column(
        sa.JSON, default=lambda: list(C.DEFAULT_REMINDER_LEADS),
        server_default=sa.text(f"'{C.DEFAULT_REMINDER_LEADS}'"),
        comment="Minutes before a lesson a reminder is sent ([]: none)")
    notify_changes: Mapped[bool] = mapped_column(
        default=True, server_default=sa.true(), comment="Notice when a lesson is moved or cancelled")
    notify_absence: Mapped[bool] = mapped_column(
        default=True, server_default=sa.true(), comment="Notice when one's child was marked absent")
    daily_digest: Mapped[bool] = mapped_column(
        default=True, server_default=sa.true(), comment="A tutor's daily list of lessons to mark")
    # How the user reads the app (/settings): language (NULL: the browser's), calendar, clock.
    language: Mapped[str | None] = mapped_column(sa.String(5), comment="en | am; NULL: follow Accept-Language")
    calendar: Mapped[str] = mapped_column(sa.String(20), default=C.DEFAULT_CALENDAR,
                                          server_default=C.DEFAULT_CALENDAR, comment="gregorian | ethiopian")
    clock: Mapped[str] = mapped_column(sa.String(10), default=C.DEFAULT_CLOCK, server_default=C.DEFAULT_CLOCK,
                                       comment="24h | 12h | ethiopian")

    parents: Mapped[list[User]] = relationship(
        secondary=student_parents,
        primaryjoin=lambda: User.id == student_parents.c.student_id,
        secondaryjoin=lambda: User.id == student_parents.c.parent_id,
        order_by=lambda: User.full_name,
    )

    # The token of the login this user object belongs to (`auth.logins`): what the session
    # cookie holds instead of the user's id, so that the server can end the login.
    login_token: ClassVar[str | None] = None  # the current login (Flask-Login id), not a column

    def get_id(self) -> str | None:
        return self.login_token

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return bool(self.password_hash) and check_password_hash(self.password_hash, password)

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def has_workspace(self) -> bool:
        """Tutors and admins plan and mark lessons; students and parents only read."""
        return self.role in C.WORKSPACE_ROLES

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class Enrollment(db.Model):
    """A student enrolled with a tutor for one course (legacy name `enrolled_students`)."""

    __tablename__ = "enrolled_students"

    id: Mapped[int] = mapped_column(primary_key=True)
    tutor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course: Mapped[str] = mapped_column(sa.String(120))
    enrolled_on: Mapped[date | None]
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())
    created_at: Mapped[datetime | None] = mapped_column(
        default=utcnow, server_default=sa.func.current_timestamp()
    )

    tutor: Mapped[User] = relationship(foreign_keys=[tutor_id])
    student: Mapped[User] = relationship(foreign_keys=[student_id])

    @property
    def label(self) -> str:
        return f"{self.student.full_name} — {self.course}"


class Review(db.Model):
    """A review of one lesson by one of its people: its student, a parent, or its tutor (of
    the student's progress). What it is about (enrollment, session, lesson date) decides who
    may link and read it."""

    __tablename__ = "reviews"
    __table_args__ = (
        sa.CheckConstraint(f"rating IS NULL OR rating BETWEEN {C.RATING_MIN} AND {C.RATING_MAX}",
                           name="rating"),
        sa.CheckConstraint(C.check_in("author_role", C.REVIEWER_ROLES), name="author_role"),
        sa.Index("ix_reviews_session_lesson", "session_id", "lesson_date"),
        # One review of a lesson per author and role: a second PUT replaces it.
        sa.UniqueConstraint("session_id", "lesson_date", "author_role", "reviewer_id", name="uq_reviews_lesson_author"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reviewer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    rating: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime | None] = mapped_column(
        default=utcnow, server_default=sa.func.current_timestamp()
    )
    enrollment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("enrolled_students.id", ondelete="CASCADE"), index=True,
        comment="The enrollment the review is about (who may see and link it)")
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE", use_alter=True),
        comment="The session of the lesson reviewed")
    lesson_date: Mapped[date | None] = mapped_column(comment="Original date of the lesson reviewed")
    author_role: Mapped[str | None] = mapped_column(sa.String(20), comment="student | tutor | parent")
    updated_at: Mapped[datetime | None] = mapped_column(default=utcnow, onupdate=utcnow)

    reviewer: Mapped[User | None] = relationship()
    enrollment: Mapped[Enrollment | None] = relationship()
    # The session links the review and the review names the session: written after both rows.
    session: Mapped[Session | None] = relationship(foreign_keys=[session_id], post_update=True)

    @classmethod
    def of_lesson(cls, session: Session, day: date, role: str, reviewer: User | None,
                  rating: int | None, comment: str | None) -> Review:
        """A review of the lesson of `session` on (original) `day`, written in `role`."""
        return cls(enrollment=session.enrollment, session=session, lesson_date=day, author_role=role,
                   reviewer=reviewer, rating=rating, comment=comment)


class LoginSession(db.Model):
    """A login, kept on the server: the cookie holds its token, logout deletes it, and a
    password change deletes every login of the user (a copied cookie then fails)."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, comment="SHA-256 of the cookie's token")
    created_at: Mapped[datetime | None] = mapped_column(default=utcnow, server_default=sa.func.current_timestamp())

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def start(cls, user_id: int) -> tuple[LoginSession, str]:
        plain = secrets.token_urlsafe(32)
        return cls(user_id=user_id, token_hash=cls.hash(plain)), plain


class LoginAttempts(db.Model):
    """Failed logins by email (known or not: both are throttled alike, so the answers do not
    tell which emails exist)."""

    __tablename__ = "login_attempts"

    email: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]


class Whiteboard(db.Model):
    __tablename__ = "whiteboard_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    board_url: Mapped[str | None] = mapped_column(sa.String(500))
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime | None] = mapped_column(
        default=utcnow, server_default=sa.func.current_timestamp()
    )


def _col(name: str, *args: Any, **kw: Any):
    return mapped_column(*args, comment=COMMENTS[name], **kw)


def _review_fk():
    return sa.ForeignKey("reviews.id", ondelete="SET NULL")


class Session(db.Model):
    """A tutoring session: the 27 columns of the `sessions` table (SPEC)."""

    __tablename__ = "sessions"
    __table_args__ = (
        sa.CheckConstraint(C.check_in("session_mode", C.SESSION_MODES), name="session_mode"),
        sa.CheckConstraint(C.check_in("tutor_attendance_status", C.ATTENDANCE_STATUSES),
                           name="tutor_attendance_status"),
        sa.CheckConstraint(C.check_in("student_attendance_status", C.ATTENDANCE_STATUSES),
                           name="student_attendance_status"),
        sa.CheckConstraint(C.check_in("priority_level", C.PRIORITY_LEVELS), name="priority_level"),
        sa.CheckConstraint(C.check_in("session_frequency", C.SESSION_FREQUENCIES),
                           name="session_frequency"),
        sa.CheckConstraint(C.check_in("status", C.SESSION_STATUSES), name="status"),
        sa.Index("idx_sessions_enrollment", "course_enrollment_id"),
        sa.Index("idx_sessions_date", "session_date"),
        sa.Index("idx_sessions_status", "status"),
        sa.Index("idx_sessions_featured", "is_featured"),
        sa.Index("idx_sessions_recurring", "is_recurring"),
        # The list's query: a tutor's enrollments, then their sessions in date order.
        sa.Index("ix_sessions_enrollment_date_start", "course_enrollment_id", "session_date", "start_time"),
        {"comment": "Tutoring sessions (refactored from tutor_sessions)"},
    )

    id: Mapped[int] = _col("id", primary_key=True)
    course_enrollment_id: Mapped[int | None] = _col(
        "course_enrollment_id", sa.ForeignKey("enrolled_students.id", ondelete="CASCADE")
    )
    topics: Mapped[list | None] = _col("topics", sa.JSON, default=list, server_default=sa.text("'[]'"))
    topics_covered: Mapped[list | None] = _col(
        "topics_covered", sa.JSON, default=list, server_default=sa.text("'[]'")
    )
    session_date: Mapped[date] = _col("session_date")
    start_time: Mapped[time] = _col("start_time")
    end_time: Mapped[time] = _col("end_time")
    duration: Mapped[int | None] = _col("duration")
    session_mode: Mapped[str | None] = _col(
        "session_mode", sa.String(50), default=C.DEFAULT_MODE, server_default=C.DEFAULT_MODE
    )
    location: Mapped[str | None] = _col("location", sa.String(C.LOCATION_MAX))
    whiteboard_id: Mapped[int | None] = _col(
        "whiteboard_id", sa.ForeignKey("whiteboard_sessions.id", ondelete="SET NULL")
    )
    student_review_id: Mapped[int | None] = _col("student_review_id", _review_fk())
    tutor_review_id: Mapped[int | None] = _col("tutor_review_id", _review_fk())
    parent_review_id: Mapped[int | None] = _col("parent_review_id", _review_fk())
    # The database default stays the seed's 'present'; the app creates sessions unmarked
    # (NULL), so attendance is only ever what a tutor actually marked.
    tutor_attendance_status: Mapped[str | None] = _col(
        "tutor_attendance_status", sa.String(20),
        insert_default=sa.null(), server_default=C.DEFAULT_ATTENDANCE,
    )
    student_attendance_status: Mapped[str | None] = _col(
        "student_attendance_status", sa.String(20),
        insert_default=sa.null(), server_default=C.DEFAULT_ATTENDANCE,
    )
    priority_level: Mapped[str | None] = _col(
        "priority_level", sa.String(20), default=C.DEFAULT_PRIORITY, server_default=C.DEFAULT_PRIORITY
    )
    is_recurring: Mapped[bool | None] = _col("is_recurring", default=False, server_default=sa.false())
    session_frequency: Mapped[str | None] = _col(
        "session_frequency", sa.String(50),
        default=C.DEFAULT_FREQUENCY, server_default=C.DEFAULT_FREQUENCY,
    )
    recurring_pattern: Mapped[dict | None] = _col("recurring_pattern", sa.JSON)
    notification_enabled: Mapped[bool | None] = _col(
        "notification_enabled", default=False, server_default=sa.false()
    )
    alarm_enabled: Mapped[bool | None] = _col("alarm_enabled", default=False, server_default=sa.false())
    alarm_before_minutes: Mapped[int | None] = _col(
        "alarm_before_minutes", default=C.DEFAULT_ALARM_MINUTES,
        server_default=str(C.DEFAULT_ALARM_MINUTES),
    )
    is_featured: Mapped[bool | None] = _col("is_featured", default=False, server_default=sa.false())
    status: Mapped[str | None] = _col(
        "status", sa.String(20), default=C.DEFAULT_STATUS, server_default=C.DEFAULT_STATUS
    )
    created_at: Mapped[datetime | None] = _col(
        "created_at", default=utcnow, server_default=sa.func.current_timestamp()
    )
    updated_at: Mapped[datetime | None] = _col(
        "updated_at", VersionStamp(), default=utcnow, onupdate=utcnow, server_default=sa.func.current_timestamp()
    )

    enrollment: Mapped[Enrollment | None] = relationship()
    whiteboard: Mapped[Whiteboard | None] = relationship()
    student_review: Mapped[Review | None] = relationship(foreign_keys=[student_review_id])
    tutor_review: Mapped[Review | None] = relationship(foreign_keys=[tutor_review_id])
    parent_review: Mapped[Review | None] = relationship(foreign_keys=[parent_review_id])

    # updated_at is the row's version: a stale edit is one that started from an older one.
    __mapper_args__ = {"version_id_col": updated_at, "version_id_generator": lambda _v: utcnow()}

    @property
    def version(self) -> str:
        return self.updated_at.isoformat() if self.updated_at else ""

    def __repr__(self) -> str:
        return f"<Session {self.id} {self.session_date} {self.start_time}>"


class ApiToken(db.Model):
    """A personal API token; only its SHA-256 is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime | None] = mapped_column(
        default=utcnow, server_default=sa.func.current_timestamp()
    )
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    PREFIX = "tsk_"

    @staticmethod
    def hash(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[ApiToken, str]:
        """A new token for `user`; the plain text is returned once and never stored."""
        plain = cls.PREFIX + secrets.token_urlsafe(32)
        return cls(user=user, name=name, token_hash=cls.hash(plain)), plain


# Written by revision 0002 and read only by its downgrade; declared so that the metadata
# describes the whole database (autogenerate then proposes nothing).
sessions_refactor_meta = sa.Table(
    "sessions_refactor_meta", db.metadata,
    sa.Column("review_id_offset", sa.Integer, nullable=False),
    comment="Sessions refactor: reviews made from legacy ratings have id offset + session id",
)
tutor_sessions_archive = sa.Table(
    "tutor_sessions_archive", db.metadata,
    sa.Column("session_id", sa.Integer,
              sa.ForeignKey("sessions.id", ondelete="CASCADE",
                            name="fk_tutor_sessions_archive_session_id_sessions"),
              primary_key=True, autoincrement=False),
    sa.Column("enrollment_id", sa.Integer),
    sa.Column("tutor_id", sa.Integer, sa.ForeignKey("users.id", name="fk_tutor_sessions_tutor_id_users")),
    sa.Column("student_id", sa.Integer, sa.ForeignKey("users.id", name="fk_tutor_sessions_student_id_users")),
    sa.Column("subject", sa.String(100)),
    sa.Column("topic", sa.String(255)),
    sa.Column("mode", sa.String(50), server_default="online"),
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
    sa.Column("status", sa.String(20), server_default="scheduled"),
    comment="Legacy tutor_sessions values that sessions no longer holds, verbatim, "
            "keyed by session id (for audit and downgrade)",
)


# --- Series and lessons ------------------------------------------------------------------
# A session with is_recurring is a series. `sessions` keeps exactly its 27 columns, so what a
# series has beyond them lives in `session_series`, and what one lesson of a series has of its
# own lives in `session_occurrences`, keyed like iCal's RECURRENCE-ID by (series, original
# date). A one-time session's row is its lesson; its record holds only what the 27 columns
# cannot (the note). See webapp/lessons.


class SessionSeries(db.Model):
    """Series-level extras: the end (a last date or a number of lessons) and removed dates."""

    __tablename__ = "session_series"
    __table_args__ = (
        sa.CheckConstraint("until_date IS NULL OR occurrence_count IS NULL", name="one_end"),
        sa.CheckConstraint("occurrence_count IS NULL OR occurrence_count >= 1", name="count_positive"),
        {"comment": "Series-level data of recurring sessions that the 27 columns do not hold"},
    )

    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), primary_key=True, autoincrement=False,
        comment="The series (a recurring session)")
    until_date: Mapped[date | None] = mapped_column(comment="Last possible date of the series")
    occurrence_count: Mapped[int | None] = mapped_column(comment="Number of lessons in the series")
    # Dates taken out of the series without a trace (iCal EXDATE); a cancelled lesson is a
    # record instead, so it still shows, as cancelled.
    exdates: Mapped[list] = mapped_column(
        sa.JSON, default=list, server_default=sa.text("'[]'"),
        comment="ISO dates removed from the series (EXDATE)")
    last_date: Mapped[date | None] = mapped_column(
        comment="Original date of the last lesson of a bounded series (kept by webapp.lessons); "
                "NULL: open-ended")


def _review_ref(comment: str):
    return mapped_column(sa.ForeignKey("reviews.id", ondelete="SET NULL"), comment=comment)


class LessonRecord(db.Model):
    """What one lesson has of its own (iCal RECURRENCE-ID); NULL columns take the series'."""

    __tablename__ = "session_occurrences"
    __table_args__ = (
        sa.UniqueConstraint("session_id", "original_date", name="uq_session_occurrences_session_date"),
        sa.CheckConstraint(C.check_in("status", C.SESSION_STATUSES), name="status"),
        sa.CheckConstraint(C.check_in("tutor_attendance_status", C.ATTENDANCE_STATUSES),
                           name="tutor_attendance_status"),
        sa.CheckConstraint(C.check_in("student_attendance_status", C.ATTENDANCE_STATUSES),
                           name="student_attendance_status"),
        sa.CheckConstraint(C.check_in("priority_level", C.PRIORITY_LEVELS), name="priority_level"),
        sa.CheckConstraint("new_start_time IS NULL OR new_end_time IS NULL OR new_end_time > new_start_time",
                           name="new_times_ordered"),
        sa.CheckConstraint(C.check_in("confirmation", C.CONFIRMATIONS), name="confirmation"),
        # Lessons moved into a date range (a window's second condition).
        sa.Index("ix_session_occurrences_new_date", "new_date"),
        {"comment": "Per-lesson records of sessions, keyed by session and original date"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("sessions.id", ondelete="CASCADE"), comment="The session (a series or a one-time session)")
    original_date: Mapped[date] = mapped_column(comment="Date the session's rule gives this lesson")
    version: Mapped[int] = mapped_column(default=1, server_default="1",
                                         comment="Bumped by every change: a change from an older one is refused")
    status: Mapped[str | None] = mapped_column(sa.String(20), comment="Own status; NULL: the series'")
    tutor_attendance_status: Mapped[str | None] = mapped_column(sa.String(20), comment="NULL: not marked")
    student_attendance_status: Mapped[str | None] = mapped_column(sa.String(20), comment="NULL: not marked")
    priority_level: Mapped[str | None] = mapped_column(sa.String(20), comment="Own priority; NULL: the series'")
    topics_covered: Mapped[list | None] = mapped_column(sa.JSON, comment="Topics covered in this lesson")
    note: Mapped[str | None] = mapped_column(sa.Text, comment="Tutor's note on this lesson")
    new_date: Mapped[date | None] = mapped_column(comment="Moved to this date")
    new_start_time: Mapped[time | None] = mapped_column(comment="Moved to this start time")
    new_end_time: Mapped[time | None] = mapped_column(comment="Moved to this end time")
    student_review_id: Mapped[int | None] = _review_ref("The student's review of this lesson")
    tutor_review_id: Mapped[int | None] = _review_ref("The tutor's review of this lesson")
    parent_review_id: Mapped[int | None] = _review_ref("The parent's review of this lesson")
    created_at: Mapped[datetime | None] = mapped_column(
        default=utcnow, server_default=sa.func.current_timestamp())
    updated_at: Mapped[datetime | None] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=sa.func.current_timestamp())
    # What the lesson's people say and plan (webapp/lessons/people.py, topics.py).
    topics: Mapped[list | None] = mapped_column(sa.JSON, comment="Own planned topics; NULL: the session's")
    dropped_topics: Mapped[list | None] = mapped_column(
        sa.JSON, comment="Topics carried forward from the lesson before that the tutor dropped")
    note_shared: Mapped[bool | None] = mapped_column(comment="The note is shown to the student and parents")
    absence_notice_at: Mapped[datetime | None] = mapped_column(comment="When the student or a parent said they can't come")
    absence_notice_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                          comment="Who said they can't come")
    absence_reason: Mapped[str | None] = mapped_column(sa.String(C.REASON_MAX), comment="Why they can't come")
    confirmation: Mapped[str | None] = mapped_column(
        sa.String(20), comment="The student's or a parent's word on the attendance: confirmed | disputed | resolved")
    confirmation_by: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"),
                                                        comment="Who confirmed or disputed")
    confirmation_at: Mapped[datetime | None] = mapped_column(comment="When it was confirmed or disputed")
    confirmation_comment: Mapped[str | None] = mapped_column(sa.String(C.REASON_MAX),
                                                             comment="What is wrong, when disputed")

    def __repr__(self) -> str:
        return f"<LessonRecord {self.session_id}@{self.original_date} v{self.version}>"


class CalendarFeed(db.Model):
    """A tutor's secret iCal feed URL; a new token replaces (and so revokes) the old one."""

    __tablename__ = "calendar_feeds"
    __table_args__ = ({"comment": "Secret iCal feed token per user"},)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    # Kept in clear, unlike API tokens: it only reads a calendar, and the tutor must be able
    # to see their URL again to subscribe another device.
    token: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime | None] = mapped_column(
        default=utcnow, server_default=sa.func.current_timestamp())

    user: Mapped[User] = relationship()

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(32)


class Notification(db.Model):
    """The outbox: one e-mail to one person, written in the transaction of the change that
    makes it due (or by the worker's reminder pass), delivered by `flask send-notifications`.
    `key` names what it is about (kind, lesson, recipient, …): written twice, it is one row."""

    __tablename__ = "notifications"
    __table_args__ = (
        sa.CheckConstraint(C.check_in("kind", C.NOTIFICATION_KINDS), name="kind"),
        sa.CheckConstraint(C.check_in("state", C.NOTIFICATION_STATES), name="state"),
        # What the worker claims: pending rows due now, oldest first.
        sa.Index("ix_notifications_state_due", "state", "next_attempt_at"),
        sa.Index("ix_notifications_lesson", "session_id", "lesson_date"),
        sa.Index("ix_notifications_recipient_id", "recipient_id"),
        {"comment": "E-mail outbox: reminders, notices and digests, each delivered once"},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(200), unique=True,
                                     comment="What it is about; unique, so that it is written and sent once")
    kind: Mapped[str] = mapped_column(sa.String(20), comment="reminder | moved | cancelled | absent | digest")
    recipient_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    to_address: Mapped[str] = mapped_column(sa.String(255), comment="The address at the time it was written")
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("sessions.id", ondelete="SET NULL"),
                                                   comment="The lesson's session (NULL: a digest, or deleted)")
    lesson_date: Mapped[date | None] = mapped_column(comment="The lesson's original date")
    subject: Mapped[str] = mapped_column(sa.String(255))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text)
    ics: Mapped[str | None] = mapped_column(sa.Text, comment="An iCalendar attachment (changes)")
    state: Mapped[str] = mapped_column(sa.String(20), default="pending", server_default="pending",
                                       comment="pending | sending | sent | kept (no mail server) | failed | void")
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.current_timestamp(),
                                                      comment="Due from (UTC); later after a failure")
    claimed_by: Mapped[str | None] = mapped_column(sa.String(100), comment="The worker delivering it")
    claimed_until: Mapped[datetime | None] = mapped_column(comment="Its claim lapses then (a worker that died)")
    last_error: Mapped[str | None] = mapped_column(sa.String(500))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=sa.func.current_timestamp())

    recipient: Mapped[User | None] = relationship()
