"""The schema refactor, through the real migrations on both backends: from empty, from
0001_legacy with dirty legacy data (value by value), the report, and the way back."""
from __future__ import annotations

import json
from datetime import date, datetime, time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade as alembic_downgrade

from tests import dbs
from tests.conftest import make_app, require_backend, upgrade
from webapp.columns import SESSION_COLUMN_COMMENTS
from webapp.extensions import db
from webapp.legacy import LEGACY_COLUMN_NAMES, tutor_sessions_table

SESSION_COLUMNS = list(SESSION_COLUMN_COMMENTS)
T0 = datetime(2026, 3, 1, 8, 30, 0)


@pytest.fixture(params=dbs.BACKENDS)
def fresh(request):
    """An app on a new, empty database (no revision applied)."""
    require_backend(request.param)
    with dbs.temporary_database(request.param, "mig") as url:
        app = make_app(url)
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()


def legacy_row(id, **values):
    row = {c: None for c in LEGACY_COLUMN_NAMES}
    row.update(id=id, session_date=date(2026, 3, id % 28 + 1), start_time=time(9, 0),
               end_time=time(10, 30), duration=90, created_at=T0, updated_at=T0)
    row.update(values)
    return row


def legacy_fixture():
    """Every rule and edge case of the refactor, one legacy row each."""
    return [
        legacy_row(1, enrollment_id=1, tutor_id=1, student_id=2, subject="Mathematics",
                   topic="Algebra", mode="online", status="completed", student_attended=True,
                   tutor_attended=True, student_rating=5, student_feedback="Great lesson",
                   payment_status="paid", amount=Decimal("250.00"), meeting_link="https://meet.example.com/abc",
                   objectives="Factorise quadratics", materials_used="Workbook p. 12",
                   homework_assigned="Exercises 1-10", session_frequency="weekly", is_recurring=True,
                   recurring_pattern={"days": ["Tuesday", "Thursday"]}, notification_enabled=True,
                   alarm_enabled=True, alarm_before_minutes=30, is_featured=True, location=None),
        legacy_row(2, enrollment_id=2, tutor_id=1, student_id=3, subject="Physics", topic="Physics",
                   mode="In-Person", location="Bole library", status="scheduled",
                   student_attended=False, tutor_attended=None, student_rating=4),
        legacy_row(3, enrollment_id=1, subject=None, topic="Kinematics", mode=" hybrid ",
                   location="Home", student_feedback="A bit fast", status="in-progress"),
        legacy_row(4, enrollment_id=1, subject="", topic="", mode="in_person", status="COMPLETED "),
        legacy_row(5, enrollment_id=1, subject="   ", topic=None, mode="teleport", status="done",
                   session_frequency="Weekly"),
        legacy_row(6, enrollment_id=9999, subject="Chemistry", topic="Bonding",
                   session_frequency="fortnightly", status="cancelled", mode="hybrid"),
        legacy_row(7, enrollment_id=None, subject="English", topic="Essays"),
        legacy_row(8, enrollment_id=2, subject="ሂሳብ", topic="አልጀብራ", student_feedback="በጣም ጥሩ ነበር",
                   student_rating=5, mode="ONLINE"),
        legacy_row(9, enrollment_id=2, subject=" Physics ", topic="Waves", student_rating=7),
        legacy_row(10, enrollment_id=1, subject="Maths", topic="Sets", mode=None, status=None,
                   session_frequency=None, is_recurring=None, notification_enabled=None,
                   alarm_enabled=None, alarm_before_minutes=None, is_featured=None,
                   student_attended=None, tutor_attended=None),
    ]


def load_legacy(app) -> list[dict]:
    """Bring the database to 0001_legacy, add users, enrollments and the legacy rows."""
    upgrade(app, "0001_legacy")
    with db.engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO users (id, email, full_name, role, timezone) VALUES "
            "(1, 't@example.com', 'Abebe Kebede', 'tutor', 'Africa/Addis_Ababa'), "
            "(2, 's1@example.com', 'Selam Girma', 'student', 'Africa/Addis_Ababa'), "
            "(3, 's2@example.com', 'Yonas Bekele', 'student', 'Africa/Addis_Ababa')"))
        conn.execute(sa.text(
            "INSERT INTO enrolled_students (id, tutor_id, student_id, course, is_active) VALUES "
            "(1, 1, 2, 'Mathematics', true), (2, 1, 3, 'Physics', true)"))
        conn.execute(sa.text("INSERT INTO reviews (id, reviewer_id, rating, comment) "
                             "VALUES (1, 2, 4, 'An older review')"))
        conn.execute(tutor_sessions_table().insert(), legacy_fixture())
    return read_legacy()


def read_legacy() -> list[dict]:
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(tutor_sessions_table()).order_by(sa.text("id"))).mappings()
        return [dict(r) for r in rows]


def sessions_by_id() -> dict[int, dict]:
    table = sa.Table("sessions", sa.MetaData(), autoload_with=db.engine)
    with db.engine.connect() as conn:
        return {r["id"]: dict(r) for r in conn.execute(sa.select(table)).mappings()}


def as_json(value):
    return json.loads(value) if isinstance(value, str) else value


def test_upgrade_from_empty_reaches_head_with_the_specified_schema(fresh):
    upgrade(fresh)
    inspector = sa.inspect(db.engine)
    backend = db.engine.dialect.name
    columns = {c["name"]: c for c in inspector.get_columns("sessions")}
    assert list(columns) == SESSION_COLUMNS and len(columns) == 27
    assert not columns["session_date"]["nullable"] and not columns["start_time"]["nullable"]
    assert columns["course_enrollment_id"]["nullable"]
    types = {name: str(c["type"]).upper() for name, c in columns.items()}
    assert types["session_mode"].startswith("VARCHAR(50)") and types["location"].startswith("VARCHAR(255)")
    assert types["status"].startswith("VARCHAR(20)") and types["topics"] == "JSON"
    defaults = {name: (c["default"] or "") for name, c in columns.items()}
    for name, value in [("session_mode", "online"), ("tutor_attendance_status", "present"),
                        ("student_attendance_status", "present"), ("priority_level", "medium"),
                        ("session_frequency", "one-time"), ("status", "scheduled"),
                        ("alarm_before_minutes", "15"), ("topics", "[]"), ("topics_covered", "[]")]:
        assert value in defaults[name], (name, defaults[name])
    for name in ("is_recurring", "notification_enabled", "alarm_enabled", "is_featured"):
        assert defaults[name].lower() in ("false", "0", "'0'"), (name, defaults[name])
    for name in ("created_at", "updated_at"):
        assert "CURRENT_TIMESTAMP" in defaults[name].upper()

    indexes = {i["name"]: i["column_names"] for i in inspector.get_indexes("sessions")}
    assert {k: v for k, v in indexes.items() if k.startswith("idx_")} == {
        "idx_sessions_enrollment": ["course_enrollment_id"], "idx_sessions_date": ["session_date"],
        "idx_sessions_status": ["status"], "idx_sessions_featured": ["is_featured"],
        "idx_sessions_recurring": ["is_recurring"]}

    fks = {fk["constrained_columns"][0]: (fk["referred_table"], fk["options"].get("ondelete"))
           for fk in inspector.get_foreign_keys("sessions")}
    assert fks == {"course_enrollment_id": ("enrolled_students", "CASCADE"),
                   "whiteboard_id": ("whiteboard_sessions", "SET NULL"),
                   "student_review_id": ("reviews", "SET NULL"),
                   "tutor_review_id": ("reviews", "SET NULL"),
                   "parent_review_id": ("reviews", "SET NULL")}
    checks = {c["name"] for c in inspector.get_check_constraints("sessions")}
    assert {f"ck_sessions_{c}" for c in ("session_mode", "tutor_attendance_status",
            "student_attendance_status", "priority_level", "session_frequency", "status")} <= checks
    if backend == "postgresql":
        assert {n: c["comment"] for n, c in columns.items()} == SESSION_COLUMN_COMMENTS
    assert "tutor_sessions" not in inspector.get_table_names()


@pytest.mark.parametrize("column, bad", [("session_mode", "teleport"), ("status", "done"),
                                         ("priority_level", "whenever"),
                                         ("student_attendance_status", "asleep"),
                                         ("session_frequency", "daily")])
def test_the_database_refuses_values_outside_the_allowed_sets(fresh, column, bad):
    upgrade(fresh)
    with pytest.raises(sa.exc.IntegrityError):
        with db.engine.begin() as conn:
            conn.execute(sa.text(f"INSERT INTO sessions (session_date, start_time, end_time, {column}) "
                                 f"VALUES ('2026-01-01', '09:00:00', '10:00:00', :v)"), {"v": bad})


def test_models_match_the_migrated_schema(fresh):
    """What `flask db migrate` would generate after head: nothing."""
    upgrade(fresh)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={
            "compare_type": True,
            "include_name": lambda name, kind, _parent: not (kind == "table" and name == "alembic_version"),
        })
        diff = compare_metadata(context, db.metadata)
    assert diff == []


def test_legacy_rows_are_migrated_value_by_value(fresh, capsys):
    legacy = load_legacy(fresh)
    capsys.readouterr()
    upgrade(fresh, "0002_sessions_refactor")
    report = capsys.readouterr().out
    s = sessions_by_id()
    assert sorted(s) == list(range(1, 11))  # ids kept

    # topics: non-empty subject and topic, in order, no duplicates
    topics = {i: as_json(row["topics"]) for i, row in s.items()}
    assert topics == {1: ["Mathematics", "Algebra"], 2: ["Physics"], 3: ["Kinematics"], 4: [],
                      5: [], 6: ["Chemistry", "Bonding"], 7: ["English", "Essays"],
                      8: ["ሂሳብ", "አልጀብራ"], 9: ["Physics", "Waves"], 10: ["Maths", "Sets"]}
    assert all(as_json(row["topics_covered"]) == [] for row in s.values())

    # modes, statuses, frequencies: folded where unambiguous, else the default
    assert {i: r["session_mode"] for i, r in s.items()} == {
        1: "online", 2: "in-person", 3: "hybrid", 4: "in-person", 5: "online", 6: "hybrid",
        7: None, 8: "online", 9: None, 10: None}
    assert {i: r["status"] for i, r in s.items()} == {
        1: "completed", 2: "scheduled", 3: "in-progress", 4: "completed", 5: "scheduled",
        6: "cancelled", 7: None, 8: None, 9: None, 10: None}
    assert s[5]["session_frequency"] == "weekly" and s[6]["session_frequency"] == "one-time"
    assert s[10]["session_frequency"] is None

    # attendance booleans
    assert (s[1]["student_attendance_status"], s[1]["tutor_attendance_status"]) == ("present", "present")
    assert (s[2]["student_attendance_status"], s[2]["tutor_attendance_status"]) == ("absent", None)
    assert (s[10]["student_attendance_status"], s[10]["tutor_attendance_status"]) == (None, None)

    # enrollments: kept, orphans and NULLs left NULL
    assert {i: r["course_enrollment_id"] for i, r in s.items()} == {
        1: 1, 2: 2, 3: 1, 4: 1, 5: 1, 6: None, 7: None, 8: 2, 9: 2, 10: 1}

    # values that move over unchanged
    for i, old in enumerate(legacy, start=1):
        for column in ("session_date", "start_time", "end_time", "duration", "location",
                       "alarm_before_minutes", "created_at", "updated_at"):
            assert s[i][column] == old[column], (i, column)
        for column in ("is_recurring", "notification_enabled", "alarm_enabled", "is_featured"):
            assert (None if s[i][column] is None else bool(s[i][column])) == old[column], (i, column)
    assert as_json(s[1]["recurring_pattern"]) == {"days": ["Tuesday", "Thursday"]}
    assert s[1]["priority_level"] == "medium"

    # ratings and feedback became reviews written by the student
    with db.engine.connect() as conn:
        reviews = {r.id: r for r in conn.execute(sa.text("SELECT * FROM reviews"))}
    linked = {i: r["student_review_id"] for i, r in s.items() if r["student_review_id"]}
    assert set(linked) == {1, 2, 3, 8, 9}
    assert [(reviews[linked[i]].reviewer_id, reviews[linked[i]].rating, reviews[linked[i]].comment)
            for i in (1, 2, 3, 8, 9)] == [
        (2, 5, "Great lesson"), (3, 4, None), (None, None, "A bit fast"), (None, 5, "በጣም ጥሩ ነበር"),
        (None, None, None)]  # the rating 7 is out of range: kept only in the archive
    assert reviews[1].comment == "An older review" and len(reviews) == 6

    # everything dropped is in the archive, verbatim
    with db.engine.connect() as conn:
        archive = {r["session_id"]: dict(r) for r in conn.execute(
            sa.text("SELECT * FROM tutor_sessions_archive")).mappings()}
    assert sorted(archive) == list(range(1, 11))
    assert archive[9]["student_rating"] == 7 and archive[6]["enrollment_id"] == 9999
    assert archive[5]["mode"] == "teleport" and archive[5]["status"] == "done"
    assert archive[1]["amount"] == Decimal("250.00") and archive[8]["subject"] == "ሂሳብ"
    assert archive[1]["homework_assigned"] == "Exercises 1-10"

    # the report
    assert "[OK] Migrated records: 10/10" in report
    assert "mode 4, status 1, session_frequency 1" in report  # In-Person, ' hybrid ', in_person, ONLINE
    assert "mode 1 ['teleport'], status 1 ['done'], session_frequency 1 ['fortnightly'], student_rating 1" in report
    assert "Reviews created from legacy ratings and feedback: 5" in report
    assert "Orphan enrollment ids: 1" in report and "rows without an enrollment id: 1" in report


def test_downgrade_restores_every_legacy_row_and_upgrade_again_gives_the_same(fresh, capsys):
    legacy = load_legacy(fresh)
    upgrade(fresh)
    first = sessions_by_id()
    alembic_downgrade(revision="0001_legacy")
    assert read_legacy() == legacy
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT COUNT(*) FROM reviews")).scalar() == 1
        assert "tutor_sessions_archive" not in sa.inspect(conn).get_table_names()
    upgrade(fresh)
    again = sessions_by_id()
    strip = lambda rows: {i: {k: v for k, v in r.items() if k != "student_review_id"} for i, r in rows.items()}
    assert strip(again) == strip(first)


def test_sessions_created_or_changed_after_the_upgrade_come_back_on_downgrade(fresh):
    from webapp.models import Review, Session

    legacy = load_legacy(fresh)
    upgrade(fresh)
    db.session.add(Session(id=50, course_enrollment_id=2, session_date=date(2026, 5, 4),
                           start_time=time(14, 0), end_time=time(15, 0), duration=60,
                           topics=["Optics", "Lenses", "Mirrors"], session_mode="hybrid",
                           location="Lab", student_attendance_status="late",
                           tutor_attendance_status="present", status="completed",
                           student_review=Review(reviewer_id=3, rating=3, comment="OK")))
    changed = db.session.get(Session, 2)
    changed.status = "completed"
    changed.student_attendance_status = "present"
    db.session.commit()
    alembic_downgrade(revision="0001_legacy")

    rows = {r["id"]: r for r in read_legacy()}
    new = rows[50]
    assert (new["enrollment_id"], new["tutor_id"], new["student_id"]) == (2, 1, 3)
    assert (new["subject"], new["topic"], new["mode"], new["status"]) == ("Optics", "Lenses", "hybrid", "completed")
    assert (new["student_attended"], new["tutor_attended"]) == (True, True)
    assert (new["student_rating"], new["student_feedback"]) == (3, "OK")
    assert rows[2]["status"] == "completed" and rows[2]["student_attended"] is True
    assert rows[2]["mode"] == "In-Person"  # untouched since the upgrade: the original spelling
    untouched = [r for r in read_legacy() if r["id"] not in (2, 50)]
    assert untouched == [r for r in legacy if r["id"] != 2]


def test_a_failed_upgrade_on_postgresql_leaves_everything_as_it_was():
    """One transaction with a lock timeout: a blocked upgrade rolls back whole.
    (PostgreSQL's guarantee: SQLite has neither transactional DDL nor lock_timeout.)"""
    backend = "postgresql"
    require_backend(backend)
    with dbs.temporary_database(backend, "lock") as url:
        app = make_app(url)
        with app.app_context():
            legacy = load_legacy(app)
            blocker_engine = sa.create_engine(url)
            blocker = blocker_engine.connect()
            blocker.begin()
            blocker.execute(sa.text("LOCK TABLE enrolled_students IN ACCESS EXCLUSIVE MODE"))
            try:
                with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                    upgrade(app, "0002_sessions_refactor")
            finally:
                blocker.rollback()
                blocker.close()
                blocker_engine.dispose()
            inspector = sa.inspect(db.engine)
            assert "sessions" not in inspector.get_table_names()
            assert read_legacy() == legacy
            with db.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0001_legacy"
                assert conn.execute(sa.text("SELECT COUNT(*) FROM reviews")).scalar() == 1
            db.engine.dispose()
