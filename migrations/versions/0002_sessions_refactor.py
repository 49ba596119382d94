"""Sessions refactor: tutor_sessions -> sessions (27 columns), normalised through
enrollments, reviews and whiteboards linked by id; nothing lost, fully reversible.

Set-based SQL only (INSERT ... SELECT, renames), so it scales to millions of rows:
- `sessions` is filled by one INSERT ... SELECT; indexes and (on PostgreSQL) foreign keys
  are added after the load, which is much faster than checking row by row;
- the legacy table itself becomes the archive: it is renamed and loses the columns that
  `sessions` now holds (on PostgreSQL both are catalogue-only changes, no data is copied);
- a legacy rating or feedback becomes a review whose id is `offset + session id`, the
  offset kept in `sessions_refactor_meta`, so no row-by-row id mapping is needed.

Revision ID: 0002_sessions_refactor
Revises: 0001_legacy
Create Date: 2026-11-25
"""
import sqlalchemy as sa
from alembic import op

from webapp import choices as C
from webapp.columns import SESSION_COLUMN_COMMENTS as COMMENTS
from webapp.legacy import DROPPED_COLUMNS, LEGACY_COLUMN_NAMES, tutor_sessions_columns

revision = "0002_sessions_refactor"
down_revision = "0001_legacy"
branch_labels = None
depends_on = None

ARCHIVE = "tutor_sessions_archive"
META = "sessions_refactor_meta"
LOCK_TIMEOUT = "10s"

INDEXES = {
    "idx_sessions_enrollment": "course_enrollment_id",
    "idx_sessions_date": "session_date",
    "idx_sessions_status": "status",
    "idx_sessions_featured": "is_featured",
    "idx_sessions_recurring": "is_recurring",
}
CHECKED = {
    "session_mode": C.SESSION_MODES,
    "tutor_attendance_status": C.ATTENDANCE_STATUSES,
    "student_attendance_status": C.ATTENDANCE_STATUSES,
    "priority_level": C.PRIORITY_LEVELS,
    "session_frequency": C.SESSION_FREQUENCIES,
    "status": C.SESSION_STATUSES,
}
# Legacy column -> (allowed values, value for what cannot be mapped).
NORMALISED = {
    "mode": (C.SESSION_MODES, C.DEFAULT_MODE),
    "status": (C.SESSION_STATUSES, C.DEFAULT_STATUS),
    "session_frequency": (C.SESSION_FREQUENCIES, C.DEFAULT_FREQUENCY),
}
# Columns that stay in sessions unchanged, so the archive does not keep them.
MOVED_UNCHANGED = (
    "session_date", "start_time", "end_time", "duration", "location", "is_recurring",
    "recurring_pattern", "notification_enabled", "alarm_enabled", "alarm_before_minutes",
    "is_featured", "created_at", "updated_at",
)
FOREIGN_KEYS = (
    # column, referred table, ON DELETE
    ("course_enrollment_id", "enrolled_students", "CASCADE"),
    ("whiteboard_id", "whiteboard_sessions", "SET NULL"),
    ("student_review_id", "reviews", "SET NULL"),
    ("tutor_review_id", "reviews", "SET NULL"),
    ("parent_review_id", "reviews", "SET NULL"),
)


def fk_name(column: str, referred: str) -> str:
    return f"fk_sessions_{column}_{referred}"


def sessions_columns(with_foreign_keys: bool) -> list[sa.Column]:
    fks = {col: sa.ForeignKey(f"{ref}.id", name=fk_name(col, ref), ondelete=rule)
           for col, ref, rule in FOREIGN_KEYS} if with_foreign_keys else {}

    def col(name, type_, *args, **kw):
        if name in fks:
            args = (fks[name], *args)
        return sa.Column(name, type_, *args, comment=COMMENTS[name], **kw)

    empty_list = sa.text("'[]'")
    return [
        col("id", sa.Integer, primary_key=True),
        col("course_enrollment_id", sa.Integer, nullable=True),
        col("topics", sa.JSON, server_default=empty_list),
        col("topics_covered", sa.JSON, server_default=empty_list),
        col("session_date", sa.Date, nullable=False),
        col("start_time", sa.Time, nullable=False),
        col("end_time", sa.Time, nullable=False),
        col("duration", sa.Integer),
        col("session_mode", sa.String(50), server_default=C.DEFAULT_MODE),
        col("location", sa.String(C.LOCATION_MAX)),
        col("whiteboard_id", sa.Integer),
        col("student_review_id", sa.Integer),
        col("tutor_review_id", sa.Integer),
        col("parent_review_id", sa.Integer),
        col("tutor_attendance_status", sa.String(20), server_default=C.DEFAULT_ATTENDANCE),
        col("student_attendance_status", sa.String(20), server_default=C.DEFAULT_ATTENDANCE),
        col("priority_level", sa.String(20), server_default=C.DEFAULT_PRIORITY),
        col("is_recurring", sa.Boolean, server_default=sa.false()),
        col("session_frequency", sa.String(50), server_default=C.DEFAULT_FREQUENCY),
        col("recurring_pattern", sa.JSON),
        col("notification_enabled", sa.Boolean, server_default=sa.false()),
        col("alarm_enabled", sa.Boolean, server_default=sa.false()),
        col("alarm_before_minutes", sa.Integer, server_default=str(C.DEFAULT_ALARM_MINUTES)),
        col("is_featured", sa.Boolean, server_default=sa.false()),
        col("status", sa.String(20), server_default=C.DEFAULT_STATUS),
        col("created_at", sa.DateTime, server_default=sa.func.current_timestamp()),
        col("updated_at", sa.DateTime, server_default=sa.func.current_timestamp()),
    ]


SESSION_COLUMN_NAMES = tuple(c.name for c in sessions_columns(False))


def normalised_sql(column: str, expr: str | None = None) -> str:
    """The new value of a legacy column: NULL stays NULL, folded allowed values are kept,
    anything else gets the column default (the original stays in the archive)."""
    allowed, fallback = NORMALISED[column]
    expr = expr or column
    folded, values = C.sql_normalised(expr), C.sql_in(allowed)
    # Clean values (the usual case) take the first branch and are never folded.
    return (f"CASE WHEN {expr} IS NULL THEN NULL WHEN {expr} IN ({values}) THEN {expr} "
            f"WHEN {folded} IN ({values}) THEN {folded} ELSE '{fallback}' END")


def attendance_sql(flag: str) -> str:
    return f"CASE WHEN {flag} THEN 'present' WHEN NOT {flag} THEN 'absent' END"


def json_array(pg: bool, *items: str) -> str:
    return f"{'json_build_array' if pg else 'json_array'}({', '.join(items)})"


def topics_sql(pg: bool) -> str:
    """Non-empty subject and topic, in that order, without duplicates (`subject_` and
    `topic_` are the trimmed values, computed once per row in `legacy_rows`)."""
    s, t = "ts.subject_", "ts.topic_"
    empty = "CAST('[]' AS json)" if pg else "'[]'"
    return (f"CASE WHEN {s} IS NOT NULL AND {t} IS NOT NULL AND {s} <> {t} "
            f"THEN {json_array(pg, s, t)} "
            f"WHEN {s} IS NOT NULL THEN {json_array(pg, s)} "
            f"WHEN {t} IS NOT NULL THEN {json_array(pg, t)} ELSE {empty} END")


def rated(prefix: str = "") -> str:
    return f"({prefix}student_rating IS NOT NULL OR {prefix}student_feedback IS NOT NULL)"


def legacy_rows(pg: bool) -> str:
    """The legacy table with the trimmed subject and topic computed once per row (on
    PostgreSQL `OFFSET 0` keeps the planner from inlining them back)."""
    return ("(SELECT t.*, NULLIF(TRIM(t.subject), '') AS subject_, NULLIF(TRIM(t.topic), '') AS topic_ "
            f"FROM tutor_sessions t{' OFFSET 0' if pg else ''}) ts")


def unmapped_sql(column: str, expr: str | None = None) -> str:
    """1 where the legacy value is set but fits no allowed value even folded."""
    allowed, _ = NORMALISED[column]
    expr, values = expr or column, C.sql_in(allowed)
    return (f"CASE WHEN {expr} IS NULL OR {expr} IN ({values}) "
            f"OR {C.sql_normalised(expr)} IN ({values}) THEN 0 ELSE 1 END")


def report_counts(bind) -> dict:
    """One pass over the legacy rows: what will be normalised, kept aside, or orphaned."""
    parts = ["COUNT(*) AS total"]
    for column, (allowed, _fallback) in NORMALISED.items():
        values = C.sql_in(allowed)
        parts.append(f"SUM(CASE WHEN ts.{column} IS NULL OR ts.{column} IN ({values}) THEN 0 "
                     f"WHEN {C.sql_normalised(f'ts.{column}')} IN ({values}) THEN 1 ELSE 0 END) "
                     f"AS {column}_normalised")
        parts.append(f"SUM({unmapped_sql(column, f'ts.{column}')}) AS {column}_unmapped")
    parts += [
        "SUM(CASE WHEN ts.enrollment_id IS NOT NULL AND e.id IS NULL THEN 1 ELSE 0 END) AS orphans",
        "SUM(CASE WHEN ts.enrollment_id IS NULL THEN 1 ELSE 0 END) AS without_enrollment",
        f"SUM(CASE WHEN {rated('ts.')} THEN 1 ELSE 0 END) AS reviews",
        f"SUM(CASE WHEN ts.student_rating IS NOT NULL AND ts.student_rating NOT BETWEEN "
        f"{C.RATING_MIN} AND {C.RATING_MAX} THEN 1 ELSE 0 END) AS rating_unmapped",
    ]
    sql = (f"SELECT {', '.join(parts)} FROM tutor_sessions ts "
           "LEFT JOIN enrolled_students e ON e.id = ts.enrollment_id")
    return {k: int(v or 0) for k, v in bind.execute(sa.text(sql)).mappings().one().items()}


def unmapped_samples(bind, columns: list[str]) -> dict[str, list[str]]:
    """Up to five of the values that fit nowhere, per column, in one pass."""
    if not columns:
        return {}
    picks = ", ".join(f"CASE WHEN {unmapped_sql(c)} = 1 THEN {c} END AS {c}" for c in columns)
    where = " OR ".join(f"{unmapped_sql(c)} = 1" for c in columns)
    rows = bind.execute(sa.text(f"SELECT DISTINCT {picks} FROM tutor_sessions WHERE {where} LIMIT 500"))
    samples: dict[str, list[str]] = {c: [] for c in columns}
    for row in rows:
        for column, value in zip(columns, row):
            if value is not None and value not in samples[column]:
                samples[column].append(value)
    return {c: sorted(v)[:5] for c, v in samples.items()}


def upgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    if pg:
        # Wait at most this long for a lock; on failure the transaction leaves all as it was.
        op.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
        op.execute("SET LOCAL maintenance_work_mem = '256MB'")  # index builds sort in memory

    counts = report_counts(bind)
    samples = unmapped_samples(bind, [c for c in NORMALISED if counts[f"{c}_unmapped"]])
    offset = bind.execute(sa.text("SELECT COALESCE(MAX(id), 0) FROM reviews")).scalar()

    op.create_table("sessions", *sessions_columns(with_foreign_keys=not pg),
                    *[sa.CheckConstraint(C.check_in(c, v), name=c) for c, v in CHECKED.items()],
                    comment="Tutoring sessions (refactored from tutor_sessions)")

    if pg:  # the primary key index is built once after the load, not row by row
        op.drop_constraint("pk_sessions", "sessions", type_="primary")

    # Ratings and feedback become reviews written by the student. On PostgreSQL the
    # reviewer foreign key is checked once for all rows afterwards, not row by row.
    if pg:
        op.drop_constraint("fk_reviews_reviewer_id_users", "reviews", type_="foreignkey")
    op.execute(
        "INSERT INTO reviews (id, reviewer_id, rating, comment, created_at) "
        f"SELECT {offset} + id, student_id, "
        f"CASE WHEN student_rating BETWEEN {C.RATING_MIN} AND {C.RATING_MAX} THEN student_rating END, "
        "student_feedback, COALESCE(updated_at, created_at, CURRENT_TIMESTAMP) "
        f"FROM tutor_sessions WHERE {rated()}"
    )
    if pg:
        op.create_foreign_key("fk_reviews_reviewer_id_users", "reviews", "users",
                              ["reviewer_id"], ["id"], ondelete="SET NULL")
    select = {
        "id": "ts.id",
        "course_enrollment_id": "e.id",
        "topics": topics_sql(pg),
        "topics_covered": "CAST('[]' AS json)" if pg else "'[]'",
        "session_mode": normalised_sql("mode", "ts.mode"),
        "whiteboard_id": "NULL",
        "student_review_id": f"CASE WHEN {rated('ts.')} THEN {offset} + ts.id END",
        "tutor_review_id": "NULL",
        "parent_review_id": "NULL",
        "tutor_attendance_status": attendance_sql("ts.tutor_attended"),
        "student_attendance_status": attendance_sql("ts.student_attended"),
        "priority_level": f"'{C.DEFAULT_PRIORITY}'",
        "session_frequency": normalised_sql("session_frequency", "ts.session_frequency"),
        "status": normalised_sql("status", "ts.status"),
    }
    columns = ", ".join(SESSION_COLUMN_NAMES)
    values = ", ".join(select.get(c, f"ts.{c}") for c in SESSION_COLUMN_NAMES)
    op.execute(f"INSERT INTO sessions ({columns}) SELECT {values} FROM {legacy_rows(pg)} "
               "LEFT JOIN enrolled_students e ON e.id = ts.enrollment_id")
    if pg:
        op.create_primary_key("pk_sessions", "sessions", ["id"])

    op.create_table(META, sa.Column("review_id_offset", sa.Integer, nullable=False),
                    comment="Sessions refactor: reviews made from legacy ratings have id offset + session id")
    op.execute(f"INSERT INTO {META} (review_id_offset) VALUES ({offset})")

    archive_legacy_table(pg)

    if pg:
        for column, referred, rule in FOREIGN_KEYS:
            op.create_foreign_key(fk_name(column, referred), "sessions", referred,
                                  [column], ["id"], ondelete=rule)
        for table in ("sessions", "reviews"):
            op.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                       f"COALESCE((SELECT MAX(id) FROM {table}), 1), "
                       f"(SELECT MAX(id) FROM {table}) IS NOT NULL)")
    for name, column in INDEXES.items():
        op.create_index(name, "sessions", [column])

    migrated = bind.execute(sa.text("SELECT COUNT(*) FROM sessions")).scalar()
    print_report(counts, samples, migrated)


def archive_legacy_table(pg: bool) -> None:
    """The legacy table becomes the archive: keyed by session id, it keeps every value
    that `sessions` no longer has, and the originals of the normalised columns."""
    op.rename_table("tutor_sessions", ARCHIVE)
    if pg:
        op.execute(f"ALTER TABLE {ARCHIVE} ALTER COLUMN id DROP DEFAULT")
        op.execute("DROP SEQUENCE IF EXISTS tutor_sessions_id_seq")
        op.execute(f"ALTER INDEX pk_tutor_sessions RENAME TO pk_{ARCHIVE}")
    op.execute(f"ALTER TABLE {ARCHIVE} RENAME COLUMN id TO session_id")
    with op.batch_alter_table(ARCHIVE, recreate="auto") as batch:
        for column in MOVED_UNCHANGED:
            batch.drop_column(column)
        if not pg:
            batch.create_foreign_key(f"fk_{ARCHIVE}_session_id_sessions", "sessions",
                                     ["session_id"], ["id"], ondelete="CASCADE")
    if pg:
        # Valid by construction; NOT VALID skips re-checking a million rows, while new
        # deletes still cascade.
        op.execute(f"ALTER TABLE {ARCHIVE} ADD CONSTRAINT fk_{ARCHIVE}_session_id_sessions "
                   "FOREIGN KEY (session_id) REFERENCES sessions (id) ON DELETE CASCADE NOT VALID")
        op.execute(f"COMMENT ON TABLE {ARCHIVE} IS 'Legacy tutor_sessions values that sessions "
                   "no longer holds, verbatim, keyed by session id (for audit and downgrade)'")


def print_report(counts: dict, samples: dict, migrated: int) -> None:
    total = counts["total"]
    ok = "[OK]" if migrated == total else "[FAIL]"
    lines = [
        "Sessions refactor report",
        f"{ok} Migrated records: {migrated}/{total}",
        "[OK] Normalised values: " + ", ".join(
            f"{c} {counts[f'{c}_normalised']}" for c in NORMALISED),
    ]
    unmapped = {c: counts[f"{c}_unmapped"] for c in NORMALISED}
    unmapped["student_rating"] = counts["rating_unmapped"]
    flag = "[WARN]" if any(unmapped.values()) else "[OK]"
    detail = ", ".join(f"{c} {n}" + (f" {samples[c]!r}" if samples.get(c) else "")
                       for c, n in unmapped.items())
    lines.append(f"{flag} Values outside the allowed sets (defaults used, originals archived): {detail}")
    lines.append(f"[OK] Reviews created from legacy ratings and feedback: {counts['reviews']}")
    lines.append(f"[OK] Archived legacy rows: {total} in {ARCHIVE} "
                 f"({len(DROPPED_COLUMNS)} dropped columns kept verbatim)")
    flag = "[WARN]" if counts["orphans"] else "[OK]"
    lines.append(f"{flag} Orphan enrollment ids: {counts['orphans']} (course_enrollment_id left NULL, "
                 f"original archived); rows without an enrollment id: {counts['without_enrollment']}")
    print("\n".join(lines), flush=True)


def legacy_select(pg: bool) -> dict[str, str]:
    """How each legacy column is rebuilt: archived rows get their archived values (the
    normalised ones only while the new value still is what the upgrade made of them);
    rows created after the upgrade get values derived from the new columns."""
    archived = "a.session_id IS NOT NULL"

    def kept_or(column: str, new: str, derived: str | None = None) -> str:
        """Archived value while the new column still holds what the upgrade made of it."""
        made = normalised_sql(column, f"a.{column}")
        return (f"CASE WHEN {archived} AND s.{new} IS NOT DISTINCT FROM ({made}) "
                f"THEN a.{column} ELSE {derived or 's.' + new} END")

    def attended(column: str, new: str) -> str:
        derived = (f"CASE WHEN s.{new} IN ('present', 'late') THEN {'true' if pg else '1'} "
                   f"WHEN s.{new} IN ('absent', 'excused') THEN {'false' if pg else '0'} END")
        return (f"CASE WHEN {archived} AND s.{new} IS NOT DISTINCT FROM ({attendance_sql('a.' + column)}) "
                f"THEN a.{column} ELSE {derived} END")

    def topic(index: int, size: int) -> str:
        item = f"s.topics->>{index}" if pg else f"json_extract(s.topics, '$[{index}]')"
        return f"CASE WHEN {archived} THEN a.{('subject', 'topic')[index]} ELSE substr({item}, 1, {size}) END"

    def archived_or(column: str, derived: str = "NULL") -> str:
        return f"CASE WHEN {archived} THEN a.{column} ELSE {derived} END"

    return {
        "id": "s.id",
        "enrollment_id": (f"CASE WHEN {archived} AND (s.course_enrollment_id IS NULL OR "
                          "s.course_enrollment_id = a.enrollment_id) THEN a.enrollment_id "
                          "ELSE s.course_enrollment_id END"),
        "tutor_id": archived_or("tutor_id", "e.tutor_id"),
        "student_id": archived_or("student_id", "e.student_id"),
        "subject": topic(0, 100),
        "topic": topic(1, 255),
        "mode": kept_or("mode", "session_mode"),
        "student_attended": attended("student_attended", "student_attendance_status"),
        "tutor_attended": attended("tutor_attended", "tutor_attendance_status"),
        "student_feedback": archived_or("student_feedback", "r.comment"),
        "student_rating": archived_or("student_rating", "r.rating"),
        "session_frequency": kept_or("session_frequency", "session_frequency"),
        "status": kept_or("status", "status"),
        **{c: archived_or(c) for c in ("objectives", "materials_used", "homework_assigned",
                                       "payment_status", "amount", "meeting_link")},
    }


def downgrade():
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    if pg:
        op.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
    op.create_table("tutor_sessions", *tutor_sessions_columns())
    select = legacy_select(pg)
    columns = ", ".join(LEGACY_COLUMN_NAMES)
    values = ", ".join(select.get(c, f"s.{c}") for c in LEGACY_COLUMN_NAMES)
    op.execute(
        f"INSERT INTO tutor_sessions ({columns}) SELECT {values} FROM sessions s "
        f"LEFT JOIN {ARCHIVE} a ON a.session_id = s.id "
        "LEFT JOIN enrolled_students e ON e.id = s.course_enrollment_id "
        "LEFT JOIN reviews r ON r.id = s.student_review_id"
    )
    if pg:
        op.execute("SELECT setval(pg_get_serial_sequence('tutor_sessions', 'id'), "
                   "COALESCE((SELECT MAX(id) FROM tutor_sessions), 1), "
                   "(SELECT MAX(id) FROM tutor_sessions) IS NOT NULL)")
        op.drop_constraint(f"fk_{ARCHIVE}_session_id_sessions", ARCHIVE, type_="foreignkey")
    # Dropping sessions first spares a SET NULL per deleted review.
    op.drop_table("sessions")
    op.execute(f"DELETE FROM reviews WHERE id IN (SELECT m.review_id_offset + a.session_id "
               f"FROM {ARCHIVE} a CROSS JOIN {META} m WHERE {rated('a.')})")
    op.drop_table(ARCHIVE)
    op.drop_table(META)
