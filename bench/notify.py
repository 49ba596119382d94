"""Benchmark of the notification worker: 10,000 lessons due in one window, 4 workers.

    python -m bench.notify                        # PostgreSQL
    python -m bench.notify --backend sqlite --lessons 2000 --workers 2

It makes a throw-away database at head and inserts (set-based) 100 tutors, their students
and N one-time lessons with notification_enabled, all starting within the next hours (one
reminder each: to the student; the tutors' e-mail is off). A real SMTP server (aiosmtpd, in
a process of its own) takes the mail. Then it times:
- the planning pass (the reminders due, rendered and written to the outbox);
- delivery by W worker processes started at the same moment (`Worker.run_once`);
- a plain loop that sends the same messages over one SMTP connection, with no database.
It prints messages per second of both, their ratio, and the duplicates the server saw
(the number of deliveries beyond one per message: it must be 0).
"""
from __future__ import annotations

import argparse
import multiprocessing
import sys
import time as clock
from collections import Counter
from datetime import datetime, time, timedelta, timezone

import sqlalchemy as sa

from tests import dbs

ZONE = "Africa/Addis_Ababa"


def smtp_server(port_queue, stop, keys_out) -> None:
    from tests.mailbox import Mailbox

    with Mailbox() as box:
        port_queue.put(box.port)
        stop.wait()
        keys_out.put(box.keys())


def build(db, lessons: int, now: datetime) -> None:
    from webapp.choices import zone
    from webapp.models import Enrollment, Session, User

    tutors = [{"email": f"tutor{i}@bench.example.com", "full_name": f"Tutor {i}", "role": "tutor",
               "timezone": ZONE, "email_notifications": False} for i in range(100)]
    students = [{"email": f"student{i}@bench.example.com", "full_name": f"Student {i}", "role": "student",
                 "timezone": ZONE} for i in range(1000)]
    db.session.execute(sa.insert(User), tutors + students)
    tutor_ids = db.session.scalars(sa.select(User.id).where(User.role == "tutor").order_by(User.id)).all()
    student_ids = db.session.scalars(sa.select(User.id).where(User.role == "student").order_by(User.id)).all()
    db.session.execute(sa.insert(Enrollment), [{"tutor_id": tutor_ids[i % 100], "student_id": s, "course": "Maths"}
                                               for i, s in enumerate(student_ids)])
    enrollments = db.session.scalars(sa.select(Enrollment.id).order_by(Enrollment.id)).all()
    local = now.replace(tzinfo=timezone.utc).astimezone(zone(ZONE)).replace(tzinfo=None)
    rows = []
    for i in range(lessons):
        starts = (local + timedelta(hours=2, minutes=i % 600)).replace(second=0, microsecond=0)
        if starts.time() >= time(23, 0):  # every lesson ends on its own day
            starts = starts.replace(hour=22)
        rows.append({"course_enrollment_id": enrollments[i % len(enrollments)], "topics": ["Algebra"],
                     "topics_covered": [], "session_date": starts.date(), "start_time": starts.time(),
                     "end_time": (starts + timedelta(minutes=30)).time(), "duration": 30,
                     "session_mode": "online", "notification_enabled": True, "status": "scheduled"})
    db.session.execute(sa.insert(Session), rows)
    db.session.commit()


def worker(url: str, now: datetime, start, results) -> None:
    from tests.conftest import make_app
    from webapp.extensions import db
    from webapp.notifications.worker import Worker

    app = make_app(url, MAIL_SERVER="127.0.0.1", MAIL_PORT=PORT.value, SQLALCHEMY_ENGINE_OPTIONS={})
    with app.app_context():
        start.wait()
        tally = Worker().run_once(now)
        results.put((tally.sent, tally.retried))
        db.engine.dispose()


PORT = multiprocessing.Value("i", 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=dbs.BACKENDS, default="postgresql")
    parser.add_argument("--lessons", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args(argv)
    if args.backend == "postgresql" and dbs.postgres_problem():
        print(dbs.postgres_problem(), file=sys.stderr)
        return 2

    from tests.conftest import make_app, upgrade
    from webapp.extensions import db, mail
    from webapp.models import Notification, utcnow
    from webapp.notifications import reminders
    from webapp.notifications.worker import _message

    ctx = multiprocessing.get_context("fork")
    now = utcnow()
    with dbs.temporary_database(args.backend, "bench_notify") as url:
        app = make_app(url)
        upgrade(app)
        with app.app_context():
            build(db, args.lessons, now)
            t0 = clock.perf_counter()
            planned = reminders.plan(now)
            plan_s = clock.perf_counter() - t0
            db.engine.dispose()
        print(f"{args.backend}: {args.lessons} lessons due; planning pass {plan_s:.2f} s "
              f"({planned / plan_s:.0f} reminders/s written)")

        ports, stop, keys_out = ctx.Queue(), ctx.Event(), ctx.Queue()
        server = ctx.Process(target=smtp_server, args=(ports, stop, keys_out))
        server.start()
        PORT.value = ports.get(timeout=30)
        start, results = ctx.Barrier(args.workers + 1), ctx.Queue()
        procs = [ctx.Process(target=worker, args=(url, now, start, results)) for _ in range(args.workers)]
        for proc in procs:
            proc.start()
        start.wait()
        t0 = clock.perf_counter()
        for proc in procs:
            proc.join()
        workers_s = clock.perf_counter() - t0
        sent = sum(results.get()[0] for _ in procs)
        stop.set()
        keys = keys_out.get(timeout=60)
        server.join()
        copies = Counter(keys)
        duplicates = sum(n - 1 for n in copies.values())

        # The plain loop: the same messages, one connection, no database in between.
        app = make_app(url, MAIL_SERVER="127.0.0.1")
        with app.app_context():
            rows = db.session.execute(sa.select(*Notification.__table__.c)).all()
            ports, stop, keys_out = ctx.Queue(), ctx.Event(), ctx.Queue()
            server = ctx.Process(target=smtp_server, args=(ports, stop, keys_out))
            server.start()
            app.config["MAIL_PORT"] = ports.get(timeout=30)
            mail.init_app(app)
            with app.test_request_context(base_url="http://localhost:5000"):
                t0 = clock.perf_counter()
                connection = mail.get_connection()
                connection.open()
                for row in rows:
                    _message(row, connection).send()
                connection.close()
                loop_s = clock.perf_counter() - t0
            stop.set()
            loop_keys = keys_out.get(timeout=60)
            server.join()
            states = Counter(db.session.scalars(sa.select(Notification.state)))
            db.session.remove()
            db.engine.dispose()

    workers_rate, loop_rate = sent / workers_s, len(loop_keys) / loop_s
    print(f"{'':<34} {'messages':>9} {'seconds':>8} {'msg/s':>8}")
    print(f"{f'{args.workers} workers (outbox, claims, marks)':<34} {sent:>9} {workers_s:>8.2f} {workers_rate:>8.0f}")
    print(f"{'plain loop (one connection)':<34} {len(loop_keys):>9} {loop_s:>8.2f} {loop_rate:>8.0f}")
    print(f"ratio workers / loop: {workers_rate / loop_rate:.2f}")
    print(f"delivered by the workers: {len(copies)} distinct of {len(rows)} messages; duplicates: {duplicates}; "
          f"outbox states: {dict(states)}")
    return 0 if duplicates == 0 and len(copies) == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
