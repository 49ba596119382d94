"""Benchmark of the sessions refactor (revision 0002) on generated legacy data.

    python -m bench.migration                      # PostgreSQL, 1,000,000 rows
    python -m bench.migration --backend sqlite     # SQLite, 100,000 rows
    python -m bench.migration --rows 200000

It makes a throw-away database at 0001_legacy, fills `tutor_sessions` set-based with dirty
legacy values (odd spellings of modes and statuses, orphan enrollments, ratings, Amharic
text), then in the same run times
  1. the baseline: `CREATE TABLE ... AS SELECT *` of the same table (a plain copy), and
  2. `flask db upgrade` to head, in a child process whose peak memory (max RSS) it reads.
It prints rows/s, the ratio to the baseline and the peak memory against the targets.
"""
from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from tests import dbs

ROOT = Path(__file__).resolve().parent.parent
TUTORS, STUDENTS, ENROLLMENTS = 200, 2000, 4000
TARGETS = {"seconds": 60.0, "ratio": 3.0, "peak_mb": 150.0}


def pick(expr: str, values: list[str]) -> str:
    """SQL choosing values[expr % len] (works on both backends)."""
    whens = " ".join(f"WHEN {i} THEN {v}" for i, v in enumerate(values))
    return f"CASE ({expr}) % {len(values)} {whens} END"


def legacy_insert_sql(pg: bool, rows: int) -> str:
    q = lambda s: "'" + s.replace("'", "''") + "'"  # noqa: E731
    if pg:
        source = f"FROM generate_series(1, {rows}) AS s(g)"
        day = "DATE '2025-01-01' + (g % 700)"
        start = "TIME '07:00' + (g % 12) * INTERVAL '1 hour'"
        end = "TIME '08:00' + (g % 12) * INTERVAL '1 hour' + (g % 2) * INTERVAL '30 minutes'"
        pattern = "CASE WHEN g % 4 = 0 THEN CAST('{\"days\": [\"Tuesday\", \"Thursday\"]}' AS json) END"
        now = "TIMESTAMP '2025-01-01 08:00' + (g % 700) * INTERVAL '1 day'"
        prefix = ""
    else:
        source = "FROM s"
        day = "date('2025-01-01', '+' || (g % 700) || ' days')"
        start = "time('07:00', '+' || (g % 12) || ' hours')"
        end = "time('08:00', '+' || (g % 12) || ' hours', '+' || ((g % 2) * 30) || ' minutes')"
        pattern = "CASE WHEN g % 4 = 0 THEN '{\"days\": [\"Tuesday\", \"Thursday\"]}' END"
        now = "datetime('2025-01-01 08:00', '+' || (g % 700) || ' days')"
        prefix = f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {rows}) "
    enrollment = f"(1 + g % {ENROLLMENTS})"
    columns = {
        "id": "g",
        "enrollment_id": f"CASE WHEN g % 1000 = 0 THEN 900000 + g WHEN g % 997 = 0 THEN NULL ELSE {enrollment} END",
        "tutor_id": f"1 + {enrollment} % {TUTORS}",
        "student_id": f"{TUTORS + 1} + {enrollment} % {STUDENTS}",
        "subject": pick("g", [q("Mathematics"), q("Physics"), q("Chemistry"), q("English"), q("ሂሳብ"), "NULL", q("")]),
        "topic": pick("g / 7", [q("Algebra"), q("Kinematics"), q("Mathematics"), "NULL", q("ሰዋስው"), q("Essays")]),
        "session_date": day,
        "start_time": start,
        "end_time": end,
        "duration": "60 + (g % 2) * 30",
        "mode": pick("g", [q("online"), q("In-Person"), q(" hybrid "), q("in_person"), q("online"), q("teleport"), "NULL"]),
        "location": pick("g", ["NULL", q("Bole library"), q("Home"), q("Kazanchis centre")]),
        "objectives": q("Revise the chapter and practise"),
        "materials_used": pick("g", [q("Workbook"), "NULL", q("Past papers")]),
        "homework_assigned": pick("g", [q("Exercises 1-10"), "NULL"]),
        "student_attended": pick("g", ["(1 = 1)", "(1 = 0)", "NULL"]),
        "tutor_attended": pick("g / 3", ["(1 = 1)", "(1 = 0)", "NULL"]),
        "student_feedback": pick("g", ["NULL", "NULL", q("Clear explanations"), q("በጣም ጥሩ")]),
        "student_rating": pick("g / 2", ["NULL", "5", "4", "3", "NULL", "7"]),
        "payment_status": pick("g", [q("paid"), q("pending"), q("refunded")]),
        "amount": "(g % 500) + 0.5",
        "meeting_link": pick("g", [q("https://meet.example.com/x"), "NULL"]),
        "session_frequency": pick("g", [q("one-time"), q("Weekly"), q("bi-weekly"), q("monthly"), q("fortnightly")]),
        "is_recurring": "(g % 4 = 0)",
        "recurring_pattern": pattern,
        "notification_enabled": "(g % 2 = 0)",
        "alarm_enabled": "(g % 3 = 0)",
        "alarm_before_minutes": "15",
        "is_featured": "(g % 50 = 0)",
        "status": pick("g", [q("completed"), q("scheduled"), q("Cancelled"), q("in-progress"), q("done"), q("COMPLETED ")]),
        "created_at": now,
        "updated_at": now,
    }
    return (f"{prefix}INSERT INTO tutor_sessions ({', '.join(columns)}) "
            f"SELECT {', '.join(columns.values())} {source}")


def prepare(url: str, rows: int) -> None:
    """0001_legacy, users and enrollments, then `rows` legacy sessions."""
    env = dict(os.environ, DATABASE_URL=url)
    subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "db", "upgrade", "0001_legacy"],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    engine = sa.create_engine(url)
    pg = engine.dialect.name == "postgresql"
    series = (lambda n: f"generate_series(1, {n}) AS s(g)") if pg else None
    with engine.begin() as conn:
        if pg:
            conn.execute(sa.text(
                f"INSERT INTO users (id, email, full_name, role) SELECT g, 'user' || g || '@example.com', "
                f"'User ' || g, CASE WHEN g <= {TUTORS} THEN 'tutor' ELSE 'student' END "
                f"FROM {series(TUTORS + STUDENTS)}"))
            conn.execute(sa.text(
                f"INSERT INTO enrolled_students (id, tutor_id, student_id, course) SELECT g, 1 + g % {TUTORS}, "
                f"{TUTORS + 1} + g % {STUDENTS}, 'Course ' || (g % 5) FROM {series(ENROLLMENTS)}"))
        else:
            conn.execute(sa.text(
                f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {TUTORS + STUDENTS}) "
                f"INSERT INTO users (id, email, full_name, role) SELECT g, 'user' || g || '@example.com', "
                f"'User ' || g, CASE WHEN g <= {TUTORS} THEN 'tutor' ELSE 'student' END FROM s"))
            conn.execute(sa.text(
                f"WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < {ENROLLMENTS}) "
                f"INSERT INTO enrolled_students (id, tutor_id, student_id, course) SELECT g, 1 + g % {TUTORS}, "
                f"{TUTORS + 1} + g % {STUDENTS}, 'Course ' || (g % 5) FROM s"))
        conn.execute(sa.text(legacy_insert_sql(pg, rows)))
        if pg:
            conn.execute(sa.text("ANALYZE"))
    engine.dispose()


def time_baseline(url: str) -> float:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        started = time.perf_counter()
        conn.execute(sa.text("CREATE TABLE baseline_copy AS SELECT * FROM tutor_sessions"))
        elapsed = time.perf_counter() - started
        conn.execute(sa.text("DROP TABLE baseline_copy"))
    engine.dispose()
    return elapsed


def time_upgrade(url: str) -> tuple[float, float, str]:
    """`flask db upgrade` in a child process: seconds, its peak RSS in MB, its report."""
    env = dict(os.environ, DATABASE_URL=url)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "flask", "--app", "webapp", "db", "upgrade"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"upgrade failed:\n{done.stdout}\n{done.stderr}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kb <= before:  # ru_maxrss of children is the largest child so far
        peak_kb = before
    report = "\n".join(line for line in done.stdout.splitlines() if line.startswith("["))
    return elapsed, peak_kb / 1024, report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=dbs.BACKENDS, default="postgresql")
    parser.add_argument("--rows", type=int, help="legacy rows (default: 1,000,000 on PostgreSQL, 100,000 on SQLite)")
    args = parser.parse_args(argv)
    rows = args.rows or (1_000_000 if args.backend == "postgresql" else 100_000)
    if args.backend == "postgresql" and (problem := dbs.postgres_problem()):
        sys.exit(problem)
    with dbs.temporary_database(args.backend, "benchmig") as url:
        print(f"Generating {rows:,} legacy rows on {args.backend} ...", flush=True)
        started = time.perf_counter()
        prepare(url, rows)
        print(f"  generated in {time.perf_counter() - started:.1f} s", flush=True)
        baseline = time_baseline(url)
        seconds, peak_mb, report = time_upgrade(url)
    ratio = seconds / baseline
    print(report)
    print()
    print(f"{'backend':<22}{args.backend}")
    print(f"{'rows':<22}{rows:,}")
    print(f"{'baseline copy':<22}{baseline:8.2f} s   ({rows / baseline:,.0f} rows/s)")
    print(f"{'db upgrade to head':<22}{seconds:8.2f} s   ({rows / seconds:,.0f} rows/s)")
    print(f"{'ratio to baseline':<22}{ratio:8.2f} x")
    print(f"{'peak memory':<22}{peak_mb:8.1f} MB (migrating process, max RSS)")
    if args.backend == "postgresql" and rows >= 1_000_000:
        checks = [("time <= 60 s", seconds <= TARGETS["seconds"]),
                  ("ratio <= 3x", ratio <= TARGETS["ratio"]),
                  ("peak memory <= 150 MB", peak_mb <= TARGETS["peak_mb"])]
        for name, ok in checks:
            print(f"{'PASS' if ok else 'MISS'}  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
