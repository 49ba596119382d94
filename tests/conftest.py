"""Fixtures: the app on each backend (schema built by the real migrations), clients and
an `auth` helper. Every test that takes `app` runs on SQLite and on PostgreSQL."""
from __future__ import annotations

import logging
import os
import re

import pytest
import sqlalchemy as sa
from flask import g, has_app_context
from flask.testing import FlaskClient

from tests import dbs
from webapp import create_app
from webapp.extensions import db

IN_CI = os.environ.get("CI", "").lower() == "true"
_pg_problem: list[str | None] = []


def require_backend(backend: str) -> None:
    """Skip (locally) or fail (in CI) when the backend is not there."""
    if backend != "postgresql":
        return
    if not _pg_problem:
        _pg_problem.append(dbs.postgres_problem())
    if _pg_problem[0]:
        if IN_CI:
            pytest.fail("CI=true and " + _pg_problem[0], pytrace=False)
        pytest.skip(_pg_problem[0])


def compile_translations() -> None:
    """The Amharic catalogue compiled, as `make install` does, when its .mo is missing or
    older than its .po (a test run straight from pytest after editing the .po)."""
    from pathlib import Path

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po = Path(__file__).resolve().parent.parent / "webapp" / "translations" / "am" / "LC_MESSAGES" / "messages.po"
    mo = po.with_suffix(".mo")
    if po.exists() and (not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime):
        with po.open("rb") as source:
            catalog = read_po(source, locale="am")
        with mo.open("wb") as target:
            write_mo(target, catalog)


compile_translations()


def make_app(url: str, **overrides):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "TRUSTED_HOSTS": ["localhost", "127.0.0.1", "::1"],
        "BASE_URL": "",
        "RATELIMIT_STORAGE_URI": "memory://",
    }
    config.update(overrides)
    return create_app(config)


def upgrade(app, revision: str = "head") -> None:
    from flask_migrate import upgrade as alembic_upgrade

    with app.app_context():
        alembic_upgrade(revision=revision)
        db.engine.dispose()


class ErrorLog(logging.Handler):
    """Keeps every record logged at ERROR or above (a traceback in the server log)."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


_error_log = ErrorLog()
logging.getLogger().addHandler(_error_log)


@pytest.fixture(autouse=True)
def no_logged_errors():
    """The server log shows no traceback during the whole suite: a test during which anything
    (the app, a live server's thread, werkzeug) logs an error fails with that record."""
    _error_log.records.clear()
    yield
    records, _error_log.records[:] = list(_error_log.records), []
    if records:
        formatter = logging.Formatter("%(name)s: %(message)s")
        details = "\n".join(formatter.format(r) + ("\n" + formatter.formatException(r.exc_info) if r.exc_info else "")
                            for r in records)
        pytest.fail("errors were logged during this test:\n" + details, pytrace=False)


@pytest.fixture(scope="session", params=dbs.BACKENDS)
def database_url(request):
    """A database per backend for the whole run, at the head revision."""
    require_backend(request.param)
    with dbs.temporary_database(request.param, "app") as url:
        upgrade(make_app(url))
        yield url


@pytest.fixture
def backend(database_url) -> str:
    return sa.make_url(database_url).get_backend_name()


class FreshRequestClient(FlaskClient):
    """Tests hold an app context (for db.session) while the client makes requests, and
    Flask then reuses it, so `g` would carry one request's logged-in user into the next.
    Each request here starts with an empty `g`, as it does in production."""

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture
def app(database_url):
    app = make_app(database_url)
    app.test_client_class = FreshRequestClient
    with app.app_context():
        yield app
        db.session.remove()
        clear_tables()
        db.engine.dispose()


@pytest.fixture
def other_app(database_url):
    """More apps on the test's database (other settings, other processes); their engines are
    closed at the end, so no connection outlives the test."""
    made = []

    def make(**overrides):
        made.append(make_app(database_url, **overrides))
        made[-1].test_client_class = FreshRequestClient
        return made[-1]

    yield make
    for extra in made:
        with extra.app_context():
            db.engine.dispose()


def clear_tables() -> None:
    """Empty every table (the schema stays), so each test starts from nothing."""
    tables = [t for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(tables):
                conn.execute(table.delete())


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Auth:
    def __init__(self, client):
        self.client = client

    def login(self, email: str = "tutor@example.com", password: str = "secret-pw"):
        page = self.client.get("/login")
        return self.client.post(
            "/login",
            data={"email": email, "password": password, "csrf_token": csrf_from(page.text)},
        )

    def csrf(self, path: str = "/sessions") -> str:
        """A valid CSRF token for the logged-in client, read off a page as a browser would."""
        return csrf_from(self.client.get(path).text)

    def logout(self):
        return self.client.post("/logout", data={"csrf_token": self.csrf()})


@pytest.fixture
def auth(client):
    return Auth(client)
