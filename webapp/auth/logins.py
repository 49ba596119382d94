"""Logins kept on the server, and the brake on guessing passwords.

A login is a row of `login_sessions`; the session cookie carries only its token (Flask-Login's
user id is that token), so logging out deletes the row and a copy of the old cookie is
worthless, and a password change ends every other login of the user.

Failed logins are counted per email in `login_attempts` (in the database, so every app
instance sees them): from the LOCK_AFTER-th failure in a row the account is locked for
FIRST_LOCK, doubling with each further failure up to MAX_LOCK; during a lock even the right
password is refused (429 with Retry-After). Unknown emails are counted alike, so the answers
do not tell which accounts exist. Per client, Flask-Limiter caps the login posts (LOGIN_RATE_LIMIT).
"""
from __future__ import annotations

import math
from datetime import datetime, timedelta
from functools import lru_cache

import sqlalchemy as sa
from flask import session
from flask_login import login_user, logout_user

from ..extensions import PREPARED, db, upsert
from ..models import LoginAttempts, LoginSession, User, utcnow
from ..translate import ngettext

LIFETIME = timedelta(days=30)  # a login not ended by hand ends by itself
LOCK_AFTER = 5
FIRST_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(minutes=15)
FORGET_AFTER = timedelta(hours=1)  # failures further apart than this start the count again


# --- Logins -------------------------------------------------------------------------------


def begin(user: User) -> None:
    """Log `user` in on a fresh session: nothing of the anonymous one (its CSRF secret
    included) is carried into the login."""
    session.clear()
    now = utcnow()
    db.session.execute(sa.delete(LoginSession).where(LoginSession.user_id == user.id,
                                                     LoginSession.created_at < now - LIFETIME))
    row, plain = LoginSession.start(user.id)
    row.created_at = now
    db.session.add(row)
    db.session.commit()
    user.login_token = plain
    login_user(user)


def user_for(token: str) -> User | None:
    """The user of a live login (one query), for Flask-Login's user loader."""
    if not token or len(token) > 100:
        return None
    user = db.session.scalar(_login_statement(), {"token_hash": LoginSession.hash(token),
                                                  "since": utcnow() - LIFETIME})
    if user is not None:
        user.login_token = token
    return user


@lru_cache(maxsize=1)
def _login_statement() -> sa.Select:
    """Every request's first statement: built once, prepared once per connection."""
    return (sa.select(User).join(LoginSession, LoginSession.user_id == User.id)
            .where(LoginSession.token_hash == sa.bindparam("token_hash"),
                   LoginSession.created_at >= sa.bindparam("since"))
            .execution_options(**PREPARED))


def end(user: User) -> None:
    """Log out: the login is deleted on the server, then the cookie forgets it."""
    if user.login_token:
        db.session.execute(sa.delete(LoginSession).where(LoginSession.token_hash == LoginSession.hash(user.login_token)))
        db.session.commit()
    logout_user()
    session.clear()


def end_others(user: User) -> int:
    """End every login of `user` but the current one (after a password change); how many."""
    query = sa.delete(LoginSession).where(LoginSession.user_id == user.id)
    if user.login_token:
        query = query.where(LoginSession.token_hash != LoginSession.hash(user.login_token))
    ended = db.session.execute(query).rowcount
    db.session.commit()
    return ended


# --- Failed logins ------------------------------------------------------------------------


def seconds_locked(email: str, now: datetime | None = None) -> int:
    """How long logins to `email` are still refused (0: not locked)."""
    now = now or utcnow()
    until = db.session.scalar(sa.select(LoginAttempts.locked_until).where(LoginAttempts.email == email))
    return _seconds(until, now)


def record_failure(email: str, now: datetime | None = None) -> int:
    """Count a failed login for `email` (atomically: concurrent failures all count) and lock
    it when it is time; the seconds it is now locked for."""
    now = now or utcnow()
    table = LoginAttempts.__table__
    fresh = table.c.last_failure_at < now - FORGET_AFTER
    statement = upsert(table).values(email=email, failures=1, last_failure_at=now)
    statement = statement.on_conflict_do_update(index_elements=["email"], set_={
        "failures": sa.case((fresh, 1), else_=table.c.failures + 1), "last_failure_at": now,
    }).returning(table.c.failures)
    failures = db.session.execute(statement).scalar_one()
    until = None
    if failures >= LOCK_AFTER:
        until = now + min(FIRST_LOCK * 2 ** min(failures - LOCK_AFTER, 10), MAX_LOCK)
        db.session.execute(sa.update(table).where(table.c.email == email).values(locked_until=until))
    db.session.commit()
    return _seconds(until, now)


def forget_failures(email: str) -> None:
    db.session.execute(sa.delete(LoginAttempts).where(LoginAttempts.email == email))
    db.session.commit()


def _seconds(until: datetime | None, now: datetime) -> int:
    return max(0, math.ceil((until - now).total_seconds())) if until else 0


def wait_message(seconds: int) -> str:
    if seconds < 120:
        return ngettext("Too many failed logins for this account. Try again in %(num)d second.",
                        "Too many failed logins for this account. Try again in %(num)d seconds.", seconds)
    return ngettext("Too many failed logins for this account. Try again in %(num)d minute.",
                    "Too many failed logins for this account. Try again in %(num)d minutes.", math.ceil(seconds / 60))
