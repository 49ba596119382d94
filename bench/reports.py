"""Benchmark of the reports: a tutor with five years of weekly lessons for 25 students.

    python -m bench.reports                       # PostgreSQL
    python -m bench.reports --backend sqlite --repeat 10

It makes a throw-away database at head with one tutor, 25 students and a weekly series each
that began five years ago (about 6,500 lessons), every past lesson marked in a record of its
own (completed or cancelled, attendance present, late, absent or excused). Then, logged in
as the tutor through the test client, it times the reports page for this month, last month
and the whole five years (p50 and p95 over the repeats, SQL statements per request), and
computes the same totals with a plain SQL baseline in the same run: one GROUP BY over the
records. It prints both and checks that they agree.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time as clock
from datetime import date, time, timedelta

import sqlalchemy as sa

from tests import dbs
from tests.querycount import count_queries

from .data import one_tutor

STUDENTS = 25
STATUSES = ("present", "present", "present", "late", "absent", "excused", "present", "present")


def build(db, today: date) -> int:
    from webapp.lessons import recurrence as R
    from webapp.models import LessonRecord, Session, SessionSeries

    first = today - timedelta(days=5 * 365)
    enrollments = one_tutor(db, STUDENTS, "Africa/Addis_Ababa")
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
    rows = []
    for i, enrollment in enumerate(enrollments):
        start = first + timedelta(days=(i % 6 - first.weekday()) % 7)
        rows.append({"course_enrollment_id": enrollment, "topics": ["Algebra", f"Unit {i}"], "topics_covered": [],
                     "session_date": start, "start_time": time(8 + i % 10), "end_time": time(9 + i % 10),
                     "duration": 60, "session_mode": "online", "is_recurring": True, "session_frequency": "weekly",
                     "recurring_pattern": {"days": [days[i % 6]], "months": [], "specific_dates": []},
                     "status": "scheduled"})
    db.session.execute(sa.insert(Session), rows)
    sessions = db.session.scalars(sa.select(Session).order_by(Session.id)).all()
    db.session.execute(sa.insert(SessionSeries), [{"session_id": s.id, "until_date": today + timedelta(days=60),
                                                   "exdates": []} for s in sessions])
    db.session.flush()
    records, n = [], 0
    for s in sessions:
        for day in R.dates_between(s, None, s.session_date, today - timedelta(days=1), R.Budget(10_000)):
            n += 1
            cancelled = n % 20 == 0
            records.append({"session_id": s.id, "original_date": day, "version": 1,
                            "status": "cancelled" if cancelled else "completed",
                            "tutor_attendance_status": None if cancelled else "present",
                            "student_attendance_status": None if cancelled else STATUSES[n % len(STATUSES)],
                            "topics_covered": ["Algebra"] if n % 3 else []})
    db.session.execute(sa.insert(LessonRecord), records)
    for s in sessions:
        from webapp.lessons.plans import refresh_last_date

        refresh_last_date(s)
    db.session.commit()
    return len(records)


def baseline(db, start: date, end: date) -> dict:
    """The period's totals in plain SQL: one GROUP BY over the marked records."""
    from webapp.models import LessonRecord, Session

    O, S = LessonRecord.__table__.c, Session.__table__.c
    day = sa.func.coalesce(O.new_date, O.original_date)
    rows = db.session.execute(sa.select(O.status, O.student_attendance_status, sa.func.count(), sa.func.sum(S.duration))
                              .join(Session.__table__, S.id == O.session_id).where(day.between(start, end))
                              .group_by(O.status, O.student_attendance_status)).all()
    out = {"held": 0, "minutes": 0, "cancelled": 0, "student": {}}
    for status, attendance, count, minutes in rows:
        if status == "completed":
            out["held"] += count
            out["minutes"] += minutes or 0
        if status == "cancelled":
            out["cancelled"] += count
        elif attendance:
            out["student"][attendance] = out["student"].get(attendance, 0) + count
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=dbs.BACKENDS, default="postgresql")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args(argv)
    if args.backend == "postgresql" and dbs.postgres_problem():
        print(dbs.postgres_problem(), file=sys.stderr)
        return 2

    from tests.conftest import csrf_from, make_app, upgrade
    from webapp import choices as C
    from webapp.extensions import db
    from webapp.lessons.listing import lessons_in_window
    from webapp.models import User
    from webapp.reports.figures import figures_of, period_dates

    today = C.local_today()
    failures = 0
    with dbs.temporary_database(args.backend, "bench_reports") as url:
        app = make_app(url)
        upgrade(app)
        with app.app_context():
            t0 = clock.perf_counter()
            marked = build(db, today)
            print(f"{args.backend}: {STUDENTS} weekly series over five years, {marked} lessons marked "
                  f"(built in {clock.perf_counter() - t0:.1f} s)")
            client = app.test_client()
            client.post("/login", data={"email": "bench-tutor@example.com", "password": "bench-pw",
                                        "csrf_token": csrf_from(client.get("/login").text)})
            tutor = db.session.scalar(sa.select(User).filter_by(email="bench-tutor@example.com"))
            periods = {"this month": period_dates("this-month", today), "last month": period_dates("last-month", today),
                       "five years": (today - timedelta(days=5 * 365), today - timedelta(days=1))}
            print(f"{'period':<12} {'lessons':>8} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} "
                  f"{'SQL baseline ms':>16}  figures agree")
            for label, (start, end) in periods.items():
                path = f"/reports?date_from={start}&date_to={end}"
                assert client.get(path).status_code == 200  # warm up
                times = []
                for _ in range(args.repeat):
                    with count_queries(db.engine) as counter:
                        t0 = clock.perf_counter()
                        answer = client.get(path)
                        times.append((clock.perf_counter() - t0) * 1000)
                    assert answer.status_code == 200
                t0 = clock.perf_counter()
                plain = baseline(db, start, end)
                plain_ms = (clock.perf_counter() - t0) * 1000
                lessons = lessons_in_window(tutor, start, end)
                f = figures_of(lessons, start, end, C.local_now())
                agree = (f.held, f.minutes, f.cancelled, dict(f.student_attendance)) == (
                    plain["held"], plain["minutes"], plain["cancelled"], plain["student"])
                failures += not agree
                p95 = statistics.quantiles(times, n=20)[-1] if len(times) >= 2 else times[0]
                print(f"{label:<12} {f.lessons:>8} {statistics.median(times):>8.1f} {p95:>8.1f} {counter.count:>8} "
                      f"{plain_ms:>16.1f}  {'yes' if agree else 'NO'}")
                if label == "this month":
                    print(f"{'':<12} target: p95 ≤ 300 ms: {'met' if p95 <= 300 else 'MISSED'}")
            db.session.remove()
            db.engine.dispose()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
