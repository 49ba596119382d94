"""Benchmark of the calendar: a tutor with 200 series over a year.

    python -m bench.calendar                      # PostgreSQL
    python -m bench.calendar --backend sqlite
    python -m bench.calendar --series 400 --repeat 10

It makes a throw-away database at head, inserts (set-based: one multi-row INSERT per
table) a tutor, 20 students and their enrollments, N weekly / bi-weekly / monthly series
running over a year with a record of their own on every tenth lesson, then times, through
the test client and logged in as that tutor, rendering the month view (full page and htmx
partial), the week view and the iCal feed. It prints the median and worst times, the
number of SQL statements of each request and the size of the answers.
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

FIRST = date(2026, 1, 5)
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")


def build(db, series: int) -> tuple[str, int]:
    """Insert the tutor's data set-based; returns the tutor's email and the lesson count."""
    from webapp.lessons import recurrence as R
    from webapp.models import LessonRecord, Session, SessionSeries

    enrollments = one_tutor(db, 20, "Europe/London")
    frequencies = ("weekly", "weekly", "bi-weekly", "monthly")
    rows = []
    for i in range(series):
        first = FIRST + timedelta(days=i % 6)
        start = time(8 + i % 11, 30 * (i % 2))
        rows.append({
            "course_enrollment_id": enrollments[i % len(enrollments)], "topics": ["Algebra", "Geometry"],
            "topics_covered": [], "session_date": first, "start_time": start,
            "end_time": time(start.hour + 1, start.minute), "duration": 60,
            "session_mode": "online", "is_recurring": True, "session_frequency": frequencies[i % 4],
            "recurring_pattern": {"days": [DAYS[i % 6], DAYS[(i + 2) % 6]] if i % 4 != 3 else [],
                                  "months": [], "specific_dates": []},
            "alarm_enabled": i % 2 == 0, "alarm_before_minutes": 15, "status": "scheduled",
        })
    db.session.execute(sa.insert(Session), rows)
    sessions = db.session.scalars(sa.select(Session).order_by(Session.id)).all()
    until = date(2026, 12, 31)
    db.session.execute(sa.insert(SessionSeries), [{"session_id": s.id, "until_date": until, "exdates": []}
                                                  for s in sessions])
    overrides, lessons = [], 0
    for s in sessions:
        dates = R.dates_between(s, None, s.session_date, until, R.Budget())
        lessons += len(dates)
        for n, d in enumerate(dates):
            if n % 10 == 5:
                overrides.append({"session_id": s.id, "original_date": d, "status": "completed",
                                  "student_attendance_status": "present",
                                  "topics_covered": ["Algebra"], "note": "Done"})
            elif n % 10 == 7:
                overrides.append({"session_id": s.id, "original_date": d, "status": "cancelled"})
    db.session.execute(sa.insert(LessonRecord), overrides)
    db.session.commit()
    return "bench-tutor@example.com", lessons


def timed(client, db, path: str, repeat: int, headers=None, status: int = 200,
          before=lambda: None) -> tuple[list[float], int, int]:
    times = []
    for _ in range(repeat):
        before()
        with count_queries(db.engine) as counter:
            t0 = clock.perf_counter()
            response = client.get(path, headers=headers or {})
            times.append(clock.perf_counter() - t0)
        assert response.status_code == status, (path, response.status_code)
    return times, counter.count, len(response.data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=dbs.BACKENDS, default="postgresql")
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    from tests.conftest import csrf_from, make_app, upgrade
    from webapp.calendar import views as calendar_views
    from webapp.calendar.views import feed_path
    from webapp.extensions import db
    from webapp.models import User

    if args.backend == "postgresql" and dbs.postgres_problem():
        print(dbs.postgres_problem(), file=sys.stderr)
        return 2
    with dbs.temporary_database(args.backend, "bench_cal") as url:
        app = make_app(url)
        upgrade(app)
        with app.app_context():
            t0 = clock.perf_counter()
            email, lessons = build(db, args.series)
            print(f"{args.backend}: {args.series} series, {lessons} lessons in 2026 "
                  f"(built in {clock.perf_counter() - t0:.2f} s)")
            feed = feed_path(db.session.scalar(sa.select(User).filter_by(email=email)))
            client = app.test_client()
            client.post("/login", data={"email": email, "password": "bench-pw",
                                        "csrf_token": csrf_from(client.get("/login").text)})
            etag = client.get(feed).headers["ETag"]
            forget = calendar_views._built.clear
            checks = [("month view (page)", "/calendar?date=2026-03-10", None, 200, lambda: None),
                      ("month view (htmx)", "/calendar?date=2026-03-10", {"HX-Request": "true"}, 200, lambda: None),
                      ("week view (page)", "/calendar/week?date=2026-03-10", None, 200, lambda: None),
                      ("iCal feed, built", feed, None, 200, forget),
                      ("iCal feed, kept", feed, None, 200, lambda: None),
                      ("iCal feed, 304", feed, {"If-None-Match": etag}, 304, lambda: None)]
            print(f"{'request':<20} {'median':>9} {'worst':>9} {'queries':>8} {'bytes':>9}")
            for label, path, headers, status, before in checks:
                client.get(path, headers=headers or {})  # warm up (templates compiled)
                times, queries, size = timed(client, db, path, args.repeat, headers, status, before)
                print(f"{label:<20} {statistics.median(times) * 1000:>7.1f}ms {max(times) * 1000:>7.1f}ms "
                      f"{queries:>8} {size:>9}")
            db.session.remove()
            db.engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
