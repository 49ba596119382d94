"""Benchmark-only routes and instrumentation, registered only when BENCHMARK_BASELINE is on.

The baselines answer through the same app (same middleware: CSRF, sessions, security
headers, error handlers) as the real routes, so `bench.http` can report each route's
throughput as a fraction of "the fastest thing Flask does here":

- GET  /baseline/fortunes: TechEmpower's Fortunes: one SELECT of 12 rows through
  SQLAlchemy, one fortune added in memory, sorted, rendered (escaped) by Jinja.
- GET  /baseline/rows/<tutor_id>: the tutor's next 50 one-time lessons from one query (the
  session, its enrollment and student joined), as a plain Jinja table with the list's columns
  as text: the same rows as `/sessions?is_recurring=false`, without the app's paging,
  filters, login or click-to-edit markup.
- POST /baseline/update/<id>: read one session by primary key, move its status one step,
  commit, render a one-row fragment: the database work of an inline change without the
  login, ownership check, validation or the real row template.

Every answer also carries `X-Query-Count`, the SQL statements the request sent.
Never enabled in production: the factory registers this blueprint only under the flag.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, g, has_app_context, render_template
from sqlalchemy import event
from sqlalchemy.engine import Engine

from . import choices as C
from .extensions import db
from .models import Enrollment, Session, User

bp = Blueprint("baseline", __name__, url_prefix="/baseline")

# Kept out of db.metadata: the table exists only in benchmark databases, never in migrations.
fortune_metadata = sa.MetaData()
fortune = sa.Table(
    "bench_fortune", fortune_metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("message", sa.String(2048), nullable=False),
)

# TechEmpower's twelve rows (markup and non-ASCII on purpose: escaping and encoding cost).
FORTUNES = (
    "fortune: No such file or directory",
    "A computer scientist is someone who fixes things that aren't broken.",
    "After enough decimal places, nobody gives a damn.",
    "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1",
    "A computer program does what you tell it to do, not what you want it to do.",
    "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen",
    "Any program that runs right is obsolete.",
    "A list is only as strong as its weakest link. — Donald Knuth",
    "Feature: A bug with seniority.",
    "Computers make very fast, very accurate mistakes.",
    '<script>alert("This should not be displayed in a browser alert box.");</script>',
    "フレームワークのベンチマーク",
)
EXTRA_FORTUNE = "Additional fortune added at request time."


def create_fortunes(connection: sa.Connection) -> None:
    """Create and fill the Fortunes table (idempotent)."""
    fortune_metadata.create_all(connection)
    connection.execute(fortune.delete())
    connection.execute(fortune.insert(), [{"id": i, "message": m} for i, m in enumerate(FORTUNES, 1)])


def drop_fortunes(connection: sa.Connection) -> None:
    fortune_metadata.drop_all(connection)


@bp.get("/fortunes")
def fortunes():
    """Fortunes: twelve rows from the database plus one, sorted, as an HTML table."""
    rows = [(r.id, r.message) for r in db.session.execute(sa.select(fortune.c.id, fortune.c.message))]
    rows.append((0, EXTRA_FORTUNE))
    rows.sort(key=lambda row: row[1])
    return render_template("baseline/fortunes.html", fortunes=rows)


@bp.get("/rows/<int:tutor_id>")
def rows(tutor_id: int):
    """The plain table of the same rows as the list of one-time lessons to come."""
    today = C.local_today()
    found = db.session.execute(
        sa.select(Session.session_date, Session.start_time, Session.end_time, Session.topics, Session.session_mode,
                  Session.status, Session.tutor_attendance_status, Session.student_attendance_status,
                  Session.priority_level, User.full_name, Enrollment.course)
        .join(Enrollment, Enrollment.id == Session.course_enrollment_id).join(User, User.id == Enrollment.student_id)
        .where(Enrollment.tutor_id == tutor_id, Session.session_date >= today, sa.not_(Session.is_recurring))
        .order_by(Session.session_date, Session.start_time, Session.id).limit(50)).all()
    return render_template("baseline/rows.html", rows=found)


@bp.post("/update/<int:session_id>")
def update(session_id: int):
    """Read one session, move its status one step along the allowed path, render a row."""
    session = db.session.get(Session, session_id)
    if session is None:
        abort(404)
    session.status = C.next_status(session.status)
    db.session.commit()
    return render_template("baseline/_row.html", session=session)


# --- query counting -------------------------------------------------------------------

def _count_statement(conn, cursor, statement, parameters, context, executemany) -> None:
    if has_app_context() and current_app.config.get("BENCHMARK_BASELINE"):
        g.bench_queries = g.get("bench_queries", 0) + 1


@bp.after_app_request
def add_query_count(response):
    response.headers["X-Query-Count"] = str(g.get("bench_queries", 0))
    return response


@bp.record_once
def listen_once(_state) -> None:
    # A listener on the Engine class sees every engine; it counts only inside an app
    # context of an app with the flag on (`g` lives as long as one request there).
    if not event.contains(Engine, "before_cursor_execute", _count_statement):
        event.listen(Engine, "before_cursor_execute", _count_statement)
