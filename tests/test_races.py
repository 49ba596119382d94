"""Races through two app instances on one PostgreSQL: 50 concurrent changes of one session
that all start from the same version; exactly one wins, the others are told."""
from __future__ import annotations

import asyncio

import pytest

from bench import soak
from tests.conftest import require_backend
from webapp import choices as C


@pytest.fixture(scope="module")
def cluster():
    require_backend("postgresql")  # a failure under CI=true, never a skip
    with soak.fresh_cluster("races") as (url, servers):
        yield url, servers


def session_of(url: str, tutor_id: int) -> dict:
    return soak.own_sessions(url, tutor_id, 1)[0]


def test_fifty_patches_with_one_etag_one_wins_the_rest_412(cluster):
    url, servers = cluster
    row = session_of(url, 1)
    result = asyncio.run(soak.race_patch(url, servers, 1, row["id"]))
    assert result["read_status"] == 200 and result["etag"]
    assert soak.race_problems("patch", result) == [], result
    assert result["statuses"] == {200: 1, 412: 49}


def test_fifty_inline_status_changes_one_version_one_change_rest_409(cluster):
    url, servers = cluster
    row = session_of(url, 2)
    new = C.next_status(row["status"])
    result = asyncio.run(soak.race_inline(url, servers, 2, row["id"], "status", new))
    assert soak.race_problems("status", result) == [], result
    assert result["statuses"] == {200: 1, 409: 49}
    assert result["before"] == row["status"] and result["after"] == new


@pytest.mark.parametrize("field", ["tutor_attendance_status", "student_attendance_status"])
def test_fifty_inline_attendance_changes_one_version_one_change_rest_409(cluster, field):
    url, servers = cluster
    tutor_id = 3 if field.startswith("tutor") else 4
    row = session_of(url, tutor_id)
    value = next(v for v in C.ATTENDANCE_STATUSES if v != row[field])
    result = asyncio.run(soak.race_inline(url, servers, tutor_id, row["id"], field, value))
    assert soak.race_problems("attendance", result) == [], result
    assert result["statuses"] == {200: 1, 409: 49}
    assert result["after"] == value
