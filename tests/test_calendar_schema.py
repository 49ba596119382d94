"""Migration 0005 on both backends: the tables it adds, what the database refuses, and
the way back to 0004."""
from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade as alembic_downgrade

from tests import dbs
from tests.conftest import make_app, require_backend, upgrade
from webapp.extensions import db

NEW_TABLES = {"session_series", "session_occurrences", "calendar_feeds"}


@pytest.fixture(params=dbs.BACKENDS)
def fresh(request):
    require_backend(request.param)
    with dbs.temporary_database(request.param, "cal") as url:
        app = make_app(url)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def seed(conn) -> None:
    conn.execute(sa.text("INSERT INTO users (id, email, full_name, role) VALUES (1, 't@example.com', 'T', 'tutor'), "
                         "(2, 's@example.com', 'S', 'student')"))
    conn.execute(sa.text("INSERT INTO enrolled_students (id, tutor_id, student_id, course) VALUES (1, 1, 2, 'Maths')"))
    conn.execute(sa.text("INSERT INTO sessions (id, course_enrollment_id, session_date, start_time, end_time, "
                         "is_recurring, session_frequency) VALUES (1, 1, '2026-03-03', '16:00:00', '17:00:00', "
                         ":yes, 'weekly')"), {"yes": True})


def test_upgrade_adds_the_tables_with_their_keys_and_downgrade_removes_them(fresh):
    upgrade(fresh)
    inspector = sa.inspect(db.engine)
    assert NEW_TABLES <= set(inspector.get_table_names())
    assert len(inspector.get_columns("sessions")) == 27
    uniques = {u["name"]: u["column_names"] for u in inspector.get_unique_constraints("session_occurrences")}
    assert uniques["uq_session_occurrences_session_date"] == ["session_id", "original_date"]
    fks = {(fk["constrained_columns"][0], fk["referred_table"]): fk["options"].get("ondelete")
           for fk in inspector.get_foreign_keys("session_occurrences")}
    assert fks == {("session_id", "sessions"): "CASCADE", ("student_review_id", "reviews"): "SET NULL",
                   ("tutor_review_id", "reviews"): "SET NULL", ("parent_review_id", "reviews"): "SET NULL",
                   ("absence_notice_by", "users"): "SET NULL", ("confirmation_by", "users"): "SET NULL"}
    assert {i["name"] for i in inspector.get_indexes("session_occurrences")} >= {"ix_session_occurrences_new_date"}
    with db.engine.begin() as conn:
        seed(conn)
        conn.execute(sa.text("INSERT INTO session_occurrences (session_id, original_date, status) "
                             "VALUES (1, '2026-03-05', 'cancelled')"))
    alembic_downgrade(revision="0004_list_index")
    inspector = sa.inspect(db.engine)
    assert not NEW_TABLES & set(inspector.get_table_names())
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sessions")).scalar() == 1
    db.engine.dispose()
    upgrade(fresh)
    assert NEW_TABLES <= set(sa.inspect(db.engine).get_table_names())


@pytest.mark.parametrize("table, sql", [
    ("session_occurrences", "INSERT INTO session_occurrences (session_id, original_date, status) VALUES (1, '2026-03-05', 'done')"),
    ("session_occurrences", "INSERT INTO session_occurrences (session_id, original_date, student_attendance_status) "
                            "VALUES (1, '2026-03-05', 'asleep')"),
    ("session_occurrences", "INSERT INTO session_occurrences (session_id, original_date, new_start_time, new_end_time) "
                            "VALUES (1, '2026-03-05', '10:00:00', '09:00:00')"),
    ("session_occurrences", "INSERT INTO session_occurrences (session_id, original_date) VALUES (99, '2026-03-05')"),
    ("session_occurrences", "INSERT INTO session_occurrences (session_id, original_date) VALUES (1, '2026-03-03'), "
                            "(1, '2026-03-03')"),
    ("session_occurrences", "INSERT INTO session_occurrences (session_id, original_date, priority_level) "
                            "VALUES (1, '2026-03-05', 'whenever')"),
    ("session_occurrences", "INSERT INTO session_occurrences (session_id, original_date, student_review_id) "
                            "VALUES (1, '2026-03-05', 99)"),
    ("session_series", "INSERT INTO session_series (session_id, until_date, occurrence_count) VALUES (1, '2026-05-01', 3)"),
    ("session_series", "INSERT INTO session_series (session_id, occurrence_count) VALUES (1, 0)"),
    ("calendar_feeds", "INSERT INTO calendar_feeds (user_id, token) VALUES (1, 'a'), (1, 'b')"),
])
def test_the_database_refuses_what_the_rules_forbid(fresh, table, sql):
    upgrade(fresh)
    with db.engine.begin() as conn:
        seed(conn)
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(sa.text(sql))
    with db.engine.connect() as conn:
        assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() == 0


def test_0006_folds_cancelled_into_status_and_back(fresh):
    upgrade(fresh, "0005_occurrences")
    with db.engine.begin() as conn:
        seed(conn)
        conn.execute(sa.text("INSERT INTO session_occurrences (session_id, original_date, cancelled, note) "
                             "VALUES (1, '2026-03-05', :yes, 'ill'), (1, '2026-03-10', :no, 'fine')"),
                     {"yes": True, "no": False})
    db.engine.dispose()
    upgrade(fresh, "0006_lessons")
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT original_date, status, version, note FROM session_occurrences "
                                    "ORDER BY original_date")).all()
    assert [(str(r[0]), r[1], r[2], r[3]) for r in rows] == [("2026-03-05", "cancelled", 1, "ill"),
                                                             ("2026-03-10", None, 1, "fine")]
    assert "cancelled" not in {c["name"] for c in sa.inspect(db.engine).get_columns("session_occurrences")}
    alembic_downgrade(revision="0005_occurrences")
    with db.engine.connect() as conn:
        back = conn.execute(sa.text("SELECT original_date, cancelled FROM session_occurrences ORDER BY original_date")).all()
    assert [(str(d), bool(c)) for d, c in back] == [("2026-03-05", True), ("2026-03-10", False)]
    db.engine.dispose()
