"""Foreign-key actions really happen on both backends, and the CLI commands work."""
from datetime import date

import sqlalchemy as sa

from tests.factories import make_enrollment, make_session, make_user, today
from webapp.extensions import db
from webapp.models import ApiToken, Enrollment, Review, Session, User, Whiteboard


def test_sqlite_connections_enforce_foreign_keys(app, backend):
    with db.engine.connect() as conn:
        if backend == "sqlite":
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        try:
            conn.execute(sa.text("INSERT INTO sessions (course_enrollment_id, session_date, start_time, end_time) "
                                 "VALUES (424242, '2026-01-01', '09:00:00', '10:00:00')"))
        except sa.exc.IntegrityError:
            conn.rollback()
        else:
            raise AssertionError("a session pointing at no enrollment was accepted")


def test_deleting_an_enrollment_cascades_to_its_sessions(app):
    enrollment = make_enrollment(make_user())
    other = make_enrollment(enrollment.tutor)
    for day in (1, 2, 3):
        make_session(enrollment, date(2026, 1, day))
    kept = make_session(other, date(2026, 1, 4))
    db.session.commit()
    db.session.execute(sa.delete(Enrollment).where(Enrollment.id == enrollment.id))
    db.session.commit()
    assert db.session.scalars(sa.select(Session.id)).all() == [kept.id]


def test_deleting_a_review_or_whiteboard_sets_the_link_to_null(app):
    tutor = make_user()
    session = make_session(make_enrollment(tutor), date(2026, 1, 5))
    session.student_review = Review(rating=5, comment="Great")
    session.whiteboard = Whiteboard(title="Algebra board")
    db.session.commit()
    review_id, board_id = session.student_review_id, session.whiteboard_id
    db.session.execute(sa.delete(Review).where(Review.id == review_id))
    db.session.execute(sa.delete(Whiteboard).where(Whiteboard.id == board_id))
    db.session.commit()
    row = db.session.execute(sa.text("SELECT student_review_id, whiteboard_id FROM sessions WHERE id = :id"),
                             {"id": session.id}).one()
    assert tuple(row) == (None, None)


def test_deleting_a_tutor_removes_their_enrollments_and_sessions(app):
    tutor = make_user()
    make_session(make_enrollment(tutor), date(2026, 1, 6))
    db.session.commit()
    db.session.execute(sa.delete(User).where(User.id == tutor.id))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Session)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enrollment)) == 0


def snapshot():
    """Everything seed-demo writes, minus password hashes (salted anew each time)."""
    users = db.session.execute(sa.select(User.email, User.full_name, User.role).order_by(User.email)).all()
    enrollments = db.session.execute(sa.select(Enrollment.tutor_id, Enrollment.student_id, Enrollment.course)
                                     .order_by(Enrollment.id)).all()
    sessions = db.session.execute(sa.text("SELECT * FROM sessions ORDER BY id")).all()
    reviews = db.session.execute(sa.select(Review.reviewer_id, Review.rating, Review.comment).order_by(Review.id)).all()
    return users, enrollments, sessions, reviews


def test_seed_demo_is_idempotent_and_covers_every_value(app, runner):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "tutor1@example.com" in result.output
    first = snapshot()
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "0 users, 0 enrollments, 0 sessions" in again.output
    assert snapshot() == first

    sessions = db.session.scalars(sa.select(Session)).all()
    assert len(sessions) >= 25
    tutors = {s.enrollment.tutor.email for s in sessions}
    assert tutors == {"tutor1@example.com", "tutor2@example.com", "tutor3@example.com"}
    from webapp import choices as C
    assert {s.status for s in sessions} == set(C.SESSION_STATUSES)
    assert {s.session_mode for s in sessions} == set(C.SESSION_MODES)
    assert {s.priority_level for s in sessions} == set(C.PRIORITY_LEVELS)
    assert {s.student_attendance_status for s in sessions} == set(C.ATTENDANCE_STATUSES) | {None}
    assert any(s.is_recurring for s in sessions) and any(s.whiteboard_id for s in sessions)
    day = today()
    assert {(s.session_date > day) - (s.session_date < day) for s in sessions} == {-1, 0, 1}
    student = db.session.scalar(sa.select(User).filter_by(email="student1@example.com"))
    assert [p.email for p in student.parents] == ["parent1@example.com"]
    parent = student.parents[0]
    children = db.session.scalars(sa.select(User).where(User.parents.contains(parent))).all()
    assert children == [student]  # parent1 has no other child
    assert {e.tutor.email for e in db.session.scalars(sa.select(Enrollment).filter_by(student_id=student.id))} \
        == {"tutor1@example.com", "tutor2@example.com"}


def test_seed_demo_password_option(app, runner):
    assert runner.invoke(args=["seed-demo", "--password", "another-pass"]).exit_code == 0
    tutor = db.session.scalar(sa.select(User).filter_by(email="tutor2@example.com"))
    assert tutor.check_password("another-pass") and not tutor.check_password("demo1234")


def test_create_token_prints_a_token_whose_hash_only_is_stored(app, runner):
    make_user(email="tutor@example.com")
    db.session.commit()
    result = runner.invoke(args=["create-token", "tutor@example.com"])
    assert result.exit_code == 0, result.output
    plain = result.output.strip()
    assert plain.startswith(ApiToken.PREFIX) and len(plain) > 40
    stored = db.session.scalar(sa.select(ApiToken))
    assert stored.token_hash == ApiToken.hash(plain) and plain not in stored.token_hash


def test_create_token_for_an_unknown_email_fails_clearly(app, runner):
    result = runner.invoke(args=["create-token", "nobody@example.com"])
    assert result.exit_code != 0 and "No user with the email nobody@example.com" in result.output


def test_the_demo_data_has_no_accidental_overlaps(app, runner):
    """No tutor and no student has two lessons at once (cancelled ones aside), over the
    demo's whole span, lessons of series included."""
    from datetime import datetime, timedelta

    from webapp.lessons.listing import lessons_in_window

    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    admin = User(email="admin@example.com", full_name="Admin", role="admin")
    lessons = [l for l in lessons_in_window(admin, today() - timedelta(days=120), today() + timedelta(days=120))
               if not l.cancelled]
    assert len(lessons) > 100
    for who in ("tutor_id", "student_id"):
        by_person: dict[int, list] = {}
        for lesson in lessons:
            by_person.setdefault(getattr(lesson.session.enrollment, who), []).append(
                (datetime.combine(lesson.date, lesson.start_time), datetime.combine(lesson.date, lesson.end_time), lesson.key))
        for spans in by_person.values():
            spans.sort()
            for (_, end, a), (start, _, b) in zip(spans, spans[1:]):
                assert start >= end, (who, a, b)
