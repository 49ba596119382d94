"""The outbox table's operations, each one set-based SQL statement.

- `enqueue`: INSERT … ON CONFLICT (key) DO NOTHING: a message written twice (two workers'
  reminder passes, a retried request) is one row;
- `claim`: the worker takes a batch of due rows: `UPDATE … WHERE id IN (SELECT … FOR UPDATE
  SKIP LOCKED) RETURNING` on PostgreSQL; on SQLite the same UPDATE inside `BEGIN IMMEDIATE`,
  which one writer at a time may run. A claim lapses (`claimed_until`) so that the rows of a
  worker that died are delivered by another;
- `delivered`, `kept`, `retry_later`, `give_up`, `release`: the outcomes, each only for
  the claiming worker's own rows.
"""
from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any, Iterator

import sqlalchemy as sa

from ..extensions import db, upsert
from ..models import Notification, utcnow
from .messages import Draft

N = Notification.__table__.c
RETRY_FIRST = 60  # seconds before the first retry (SPEC: within 2 minutes)
RETRY_MAX = 3600


def backoff(attempts: int) -> timedelta:
    """60 s, 2 min, 4 min, … at most an hour."""
    return timedelta(seconds=min(RETRY_FIRST * 2 ** max(attempts - 1, 0), RETRY_MAX))


def enqueue(drafts: list[Draft], conn: Any = None, state: str = "pending", now: datetime | None = None) -> None:
    """Write the drafts as rows due `now` (default: now), in the caller's transaction
    (`conn`, else the ORM session's: a notice commits with the change that makes it due)."""
    if not drafts:
        return
    now = now or utcnow()
    rows = [{**d.row(), "state": state, "attempts": 0, "next_attempt_at": now, "created_at": now} for d in drafts]
    statement = upsert(Notification.__table__, conn).on_conflict_do_nothing(index_elements=["key"])
    (conn if conn is not None else db.session).execute(statement, rows)


def existing_keys(keys: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(keys), 500):
        found.update(db.session.scalars(sa.select(N.key).where(N.key.in_(keys[start:start + 500]))))
    return found


@contextmanager
def writing() -> Iterator[sa.Connection]:
    """A connection in a write transaction of its own: on SQLite `BEGIN IMMEDIATE`, so that
    concurrent workers queue for the write lock instead of failing on it."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        yield conn
        conn.commit()


def claim(worker: str, limit: int, lease: timedelta, now: datetime | None = None) -> list[sa.Row]:
    """Take up to `limit` due rows for `worker`: pending ones whose time has come, and those
    whose claim has lapsed."""
    now = now or utcnow()
    due = sa.or_(sa.and_(N.state == "pending", N.next_attempt_at <= now),
                 sa.and_(N.state == "sending", N.claimed_until < now))
    ids = (sa.select(N.id).where(due).order_by(N.next_attempt_at, N.id).limit(limit)
           .with_for_update(skip_locked=True))
    statement = (sa.update(Notification.__table__).where(N.id.in_(ids.scalar_subquery()))
                 .values(state="sending", claimed_by=worker, claimed_until=now + lease, attempts=N.attempts + 1)
                 .returning(*Notification.__table__.c))
    with writing() as conn:
        return sorted(conn.execute(statement).all(), key=lambda row: (row.next_attempt_at, row.id))


def _finish(ids: list[int], worker: str, **values: Any) -> int:
    if not ids:
        return 0
    with writing() as conn:
        done = conn.execute(sa.update(Notification.__table__)
                            .where(N.id.in_(ids), N.claimed_by == worker, N.state == "sending")
                            .values(claimed_by=None, claimed_until=None, **values))
        return done.rowcount


def delivered(ids: list[int], worker: str) -> int:
    return _finish(ids, worker, state="sent", sent_at=utcnow(), last_error=None)


def kept(ids: list[int], worker: str) -> int:
    """No mail server (the embedded default): the message stays in the outbox, to be read there."""
    return _finish(ids, worker, state="kept")


def retry_later(row: sa.Row, worker: str, error: str, now: datetime | None = None) -> int:
    return _finish([row.id], worker, state="pending", next_attempt_at=(now or utcnow()) + backoff(row.attempts),
                   last_error=error[:500])


def give_up(row: sa.Row, worker: str, error: str) -> int:
    """A permanent refusal, after every attempt: kept as failed, with why (the outbox shows it)."""
    return _finish([row.id], worker, state="failed", last_error=error[:500])


def release(worker: str) -> int:
    """Give back what `worker` claimed and did not deliver (on SIGTERM): due again now."""
    with writing() as conn:
        done = conn.execute(sa.update(Notification.__table__)
                            .where(N.claimed_by == worker, N.state == "sending")
                            .values(state="pending", claimed_by=None, claimed_until=None,
                                    attempts=sa.case((N.attempts > 0, N.attempts - 1), else_=0)))
        return done.rowcount


def void_reminders(session_id: int, original_date: Any) -> None:
    """A lesson moved or cancelled: its reminders not yet sent no longer hold (a moved lesson
    gets new ones at its new time). In the caller's transaction."""
    db.session.execute(sa.update(Notification.__table__).where(
        N.session_id == session_id, N.lesson_date == original_date, N.kind == "reminder",
        N.state == "pending").values(state="void"))
