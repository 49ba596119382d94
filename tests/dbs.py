"""Throw-away databases for tests and benchmarks: each gets a unique name and is dropped.

PostgreSQL is the server at PG_ADMIN_URL (default: the local cluster, trust auth). Locally
a missing server skips its tests with the reason; under CI=true it fails them.
"""
from __future__ import annotations

import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

PG_ADMIN_URL = os.environ.get("PG_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


def postgres_problem() -> str | None:
    """Why PostgreSQL cannot be used, or None when it answers."""
    try:
        engine = sa.create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means "not usable"
        return f"PostgreSQL at {PG_ADMIN_URL} does not answer: {exc.__class__.__name__}: {exc}"
    return None


def _pg_admin(sql: str) -> None:
    engine = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(sql))
    engine.dispose()


@contextmanager
def temporary_database(backend: str, label: str = "t"):
    """Yield the SQLAlchemy URL of a new, empty database; drop it afterwards."""
    name = f"ts_{label}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix=name) as folder:
            yield "sqlite:///" + str(Path(folder) / "db.sqlite")
        return
    if backend != "postgresql":
        raise ValueError(backend)
    _pg_admin(f'CREATE DATABASE "{name}"')
    try:
        yield sa.make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
