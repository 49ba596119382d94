"""Small builders for test data, written through the models (the app's own path)."""
from __future__ import annotations

import functools
import itertools
from datetime import date, time

from werkzeug.security import generate_password_hash

from webapp.choices import duration_minutes
from webapp.choices import local_today
from webapp.extensions import db
from webapp.models import Enrollment, Session, User

_seq = itertools.count(1)
# A real hash (the app checks it as it checks any), made once per password: scrypt costs
# 0.17 s, and most tests make several users.
_hash_of = functools.cache(generate_password_hash)


def today() -> date:
    """The tutors' today (their default zone), the day the app calls today: not the
    machine's, which differs for hours around midnight."""
    return local_today()


def make_user(role: str = "tutor", email: str | None = None, name: str | None = None,
              password: str = "secret-pw", **kw) -> User:
    n = next(_seq)
    user = User(email=email or f"{role}{n}@example.com", full_name=name or f"{role.title()} {n}",
                role=role, **kw)
    user.password_hash = _hash_of(password)
    db.session.add(user)
    db.session.flush()
    return user


def make_enrollment(tutor: User, student: User | None = None, course: str = "Mathematics") -> Enrollment:
    enrollment = Enrollment(tutor=tutor, student=student or make_user("student"), course=course)
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def make_session(enrollment: Enrollment | None, day: date | None = None,
                 start: time = time(9, 0), end: time = time(10, 0), **kw) -> Session:
    session = Session(
        enrollment=enrollment, session_date=day or today(), start_time=start, end_time=end,
        duration=duration_minutes(start, end), topics=kw.pop("topics", ["Algebra"]), **kw,
    )
    db.session.add(session)
    db.session.flush()
    return session
