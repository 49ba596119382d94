"""Soak: two app instances, one PostgreSQL, 20 clients doing mixed reads and inline changes.

Bounded: SOAK_SECONDS (default 20 here; `bench.http` and `bench.soak` run 60)."""
from __future__ import annotations

import asyncio
import os

import pytest

from bench import soak
from tests.conftest import require_backend

SECONDS = float(os.environ.get("SOAK_SECONDS", "20"))


@pytest.fixture(scope="module")
def cluster():
    require_backend("postgresql")  # a failure under CI=true, never a skip
    with soak.fresh_cluster("soak") as (url, servers):
        yield url, servers


@pytest.mark.slow
def test_soak_two_instances_no_5xx_no_lost_update(cluster):
    url, servers = cluster
    result = asyncio.run(soak.soak(url, servers, SECONDS, clients=20))
    assert soak.soak_problems(result) == [], result
    assert result["instances"] == 2 and result["sessions_written"] >= 20
    # Both kinds of traffic really happened, on both instances' share of the load.
    assert result["statuses"].get("200", 0) > 20 * 5
    assert result["writes_acknowledged"] >= 20
