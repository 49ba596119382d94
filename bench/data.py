"""Benchmark data, set-based: tutors, students, enrollments and sessions in a few statements.

Layout (every number follows from the arguments, so the soak test uses a small copy):
- users 1..T are tutors `tutor<n>@bench.example.com`, then S students; all share one
  password hash, computed once;
- enrollment e belongs to tutor 1 + (e-1) % T, so each tutor has E/T enrollments;
- session g belongs to enrollment 1 + (g-1) % E, so each tutor has exactly N/T sessions
  (200 with the defaults: the list scenario's tutor), weekly, half in the past (marked,
  mostly completed) and half in the future (scheduled, unmarked); every 10th is a
  recurring series with a weekly pattern.
"""
from __future__ import annotations

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from webapp import choices as C

PASSWORD = "bench-password"


def tutor_email(n: int) -> str:
    return f"tutor{n}@bench.example.com"


def _pick(expr: str, values: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE ({expr}) % {len(values)} {whens} END"


def fill(url: str, tutors: int = 500, students: int = 2500, enrollments: int = 5000,
         sessions: int = 100_000, password: str = PASSWORD) -> dict[str, int]:
    """Fill an empty PostgreSQL database at head; returns the row counts."""
    if enrollments % tutors or sessions % enrollments:
        raise ValueError("enrollments must divide among tutors, sessions among enrollments")
    password_hash = generate_password_hash(password)
    weeks = sessions // enrollments  # sessions per enrollment, one a week
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO users (id, email, full_name, role, password_hash) "
            "SELECT g, CASE WHEN g <= :t THEN 'tutor' || g ELSE 'student' || (g - :t) END "
            "       || '@bench.example.com', "
            "       CASE WHEN g <= :t THEN 'Tutor ' || g ELSE 'Student ' || (g - :t) END, "
            "       CASE WHEN g <= :t THEN 'tutor' ELSE 'student' END, :hash "
            "FROM generate_series(1, :n) AS s(g)"),
            {"t": tutors, "n": tutors + students, "hash": password_hash})
        conn.execute(sa.text(
            "INSERT INTO enrolled_students (id, tutor_id, student_id, course, enrolled_on, is_active) "
            "SELECT e, 1 + (e - 1) % :t, :t + 1 + (e - 1) % :s, "
            f"       {_pick('e', ('Mathematics', 'Physics', 'Chemistry', 'English', 'Biology'))}, "
            "       current_date - 120, true "
            "FROM generate_series(1, :e) AS s(e)"),
            {"t": tutors, "s": students, "e": enrollments})
        # k: the week of this session in its enrollment; half the weeks are past.
        conn.execute(sa.text(f"""
            INSERT INTO sessions (id, course_enrollment_id, topics, topics_covered, session_date,
                start_time, end_time, duration, session_mode, location, tutor_attendance_status,
                student_attendance_status, priority_level, is_recurring, session_frequency,
                recurring_pattern, notification_enabled, alarm_enabled, alarm_before_minutes,
                is_featured, status, created_at, updated_at)
            SELECT g, e,
                CAST('["Algebra", "Revision ' || (g % 7) || '"]' AS json),
                CASE WHEN past THEN CAST('["Algebra"]' AS json) ELSE CAST('[]' AS json) END,
                day, TIME '08:00' + (e % 10) * INTERVAL '1 hour',
                TIME '09:00' + (e % 10) * INTERVAL '1 hour', 60,
                mode, CASE WHEN mode = 'online' THEN NULL ELSE 'Library room ' || (e % 20) END,
                CASE WHEN past THEN {_pick('g', C.ATTENDANCE_STATUSES[:3])} END,
                CASE WHEN past THEN {_pick('g / 3', C.ATTENDANCE_STATUSES)} END,
                {_pick('g', C.PRIORITY_LEVELS)},
                recurring, CASE WHEN recurring THEN 'weekly' ELSE 'one-time' END,
                CASE WHEN recurring THEN CAST('{{"days": ["' || trim(to_char(day, 'Day')) ||
                     '"], "months": [], "specific_dates": []}}' AS json) END,
                g % 2 = 0, g % 3 = 0, 15, g % 50 = 0,
                CASE WHEN NOT past THEN 'scheduled' WHEN g % 13 = 0 THEN 'cancelled'
                     WHEN g % 4 = 0 THEN 'in-progress' ELSE 'completed' END,
                now() - INTERVAL '120 days', now() - (g % 1000) * INTERVAL '1 second'
            FROM (
                SELECT g, 1 + (g - 1) % :e AS e, (g - 1) / :e AS k,
                       current_date + ((g - 1) / :e - :half) * 7 + ((g - 1) % :e) % 7 AS day,
                       (g - 1) / :e < :half AS past,
                       g % 10 = 0 AS recurring,
                       {_pick('g / 5', C.SESSION_MODES)} AS mode
                FROM generate_series(1, :n) AS s(g)
            ) AS x"""), {"e": enrollments, "n": sessions, "half": weeks // 2})
        for table in ("users", "enrolled_students", "sessions"):
            conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
        from webapp.baseline import create_fortunes

        create_fortunes(conn)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()
    return {"tutors": tutors, "students": students, "enrollments": enrollments, "sessions": sessions}


def issue_tokens(url: str, tutor_ids: list[int]) -> dict[int, str]:
    """One API token per tutor, stored as the app stores them (hash only)."""
    from webapp.models import ApiToken

    plain = {}
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        for tutor_id in tutor_ids:
            _row, token = ApiToken.issue(None, "bench")  # type: ignore[arg-type]
            conn.execute(sa.text("INSERT INTO api_tokens (user_id, name, token_hash) VALUES (:u, 'bench', :h)"),
                         {"u": tutor_id, "h": ApiToken.hash(token)})
            plain[tutor_id] = token
    engine.dispose()
    return plain


def one_tutor(db, students: int, timezone: str) -> list[int]:
    """For the calendar and reports benchmarks, through the ORM session: bench-tutor@example.com
    (password bench-pw) and `students` students, each enrolled once ("Course <i>"); returns the
    enrollments' ids in order."""
    from webapp.models import Enrollment, User

    db.session.execute(sa.insert(User), [{"email": "bench-tutor@example.com", "full_name": "Bench Tutor",
                                          "role": "tutor", "timezone": timezone}] +
                       [{"email": f"bench-student{i}@example.com", "full_name": f"Student {i}", "role": "student",
                         "timezone": timezone} for i in range(students)])
    tutor = db.session.scalar(sa.select(User).filter_by(email="bench-tutor@example.com"))
    tutor.set_password("bench-pw")
    ids = db.session.scalars(sa.select(User.id).where(User.role == "student").order_by(User.id)).all()
    db.session.execute(sa.insert(Enrollment), [{"tutor_id": tutor.id, "student_id": s, "course": f"Course {i}"}
                                               for i, s in enumerate(ids)])
    return list(db.session.scalars(sa.select(Enrollment.id).order_by(Enrollment.id)))
