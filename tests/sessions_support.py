"""Shared data and helpers for the workspace tests (tests/test_sessions_*.py)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest

from tests.conftest import csrf_from
from tests.factories import make_enrollment, make_session, make_user, today
from webapp.extensions import db
from webapp.models import Enrollment, Session, User


@dataclass
class World:
    tutor: User
    other_tutor: User
    enrollment: Enrollment
    other_enrollment: Enrollment
    mine: Session
    theirs: Session


@pytest.fixture
def world(app) -> World:
    tutor = make_user(email="tutor@example.com", name="Abebe Kebede")
    other = make_user(email="other@example.com", name="Meron Tadesse")
    student = make_user("student", name="Selam Girma")
    parent = make_user("parent", name="Girma Wolde")
    student.parents.append(parent)
    enrollment = make_enrollment(tutor, student, course="Mathematics")
    other_enrollment = make_enrollment(other, course="Physics")
    mine = make_session(enrollment, today(), time(9), time(10), topics=["Algebra", "Geometry"],
                        session_mode="online")
    theirs = make_session(other_enrollment, today(), time(9), time(10), topics=["Waves"])
    db.session.commit()
    return World(tutor, other, enrollment, other_enrollment, mine, theirs)


@pytest.fixture
def logged_in(client, auth, world):
    assert auth.login().status_code == 302
    return client


def token(client, path: str = "/sessions") -> str:
    return csrf_from(client.get(path).text)


def htmx(token_value: str) -> dict:
    return {"HX-Request": "true", "X-CSRFToken": token_value}


def row_keys(html: str) -> list[tuple[int, date]]:
    """(session id, original date) of each lesson row, in page order."""
    return [(int(sid), date(int(d[:4]), int(d[4:6]), int(d[6:])))
            for sid, d in re.findall(r'<tr id="l(\d+)-(\d{8})"', html)]


def row_ids(html: str) -> list[int]:
    """The session id of each lesson row, in page order."""
    return [sid for sid, _ in row_keys(html)]


def lesson_url(session_id: int, day: date, action: str = "") -> str:
    return f"/sessions/{session_id}/lessons/{day.isoformat()}" + (f"/{action}" if action else "")


def version_in(html: str) -> str:
    match = re.search(r'name="version"[^>]*value="([^"]+)"', html)
    assert match, "no version field in the answer"
    return match.group(1)


def reload(session: Session) -> Session:
    db.session.expire_all()
    return db.session.get(Session, session.id)


def many_sessions(enrollment: Enrollment, n: int, start: date | None = None) -> list[Session]:
    first = start or today()
    rows = [make_session(enrollment, first + timedelta(days=i), time(8 + i % 8), time(9 + i % 8),
                         topics=["Topic A", "Topic B"]) for i in range(n)]
    db.session.commit()
    return rows
