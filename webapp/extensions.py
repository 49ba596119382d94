"""Extension objects, created once and bound to the app in `create_app`."""
import sqlite3

from flask import g, has_app_context
from flask_babel import Babel
from flask_compress import Compress
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_mailman import Mail
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


# Objects stay readable after commit: re-rendering a row after a change costs no reload.
db = SQLAlchemy(model_class=Base, session_options={"expire_on_commit": False})
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()
babel = Babel()  # translations (webapp/i18n.py picks the locale)
mail = Mail()  # SMTP for the notification worker (MAIL_* settings)
compress = Compress()  # brotli or gzip answers (COMPRESS_* settings in config.py)
# Per-client limits on the routes that ask for them (the login); storage from
# RATELIMIT_STORAGE_URI (memory:// by default, redis://… to share it between processes).
limiter = Limiter(key_func=get_remote_address)


def upsert(table, bind=None):
    """INSERT … with ON CONFLICT for the database in use (`bind`: a connection, else the
    ORM session's): PostgreSQL's and SQLite's dialects both have it, the generic one not."""
    name = (bind if bind is not None else db.session.get_bind()).dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(table)


# Execution option of the statements that look one thing up by its key (a login, a lesson):
# `select(...).execution_options(**PREPARED)`. See `_per_connection_settings`.
PREPARED = {"prepared": True}


@event.listens_for(Engine, "connect")
def _per_connection_settings(dbapi_connection, _record):
    """SQLite ignores foreign keys unless asked on every connection (CASCADE would lie).

    PostgreSQL: a statement marked PREPARED is prepared once per connection and, after a few
    runs, planned once for any key (a generic plan): planning a lesson's lookup cost more than
    running it (0.5 ms against 0.06 ms). Every other statement is sent unprepared and planned
    for its own parameters: the lists' windows of dates and cursors, planned once for any
    dates, become sequential scans (measured: 15 ms against 2 ms for a page of lessons). So
    psycopg's own preparing (after a statement's fifth run) is off."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        dbapi_connection.prepare_threshold = 2**31  # never by count; None would forbid `prepare=True`


@event.listens_for(Engine, "do_execute")
def _execute_prepared(cursor, statement, parameters, context):
    if context.execution_options.get("prepared") and type(cursor).__module__.startswith("psycopg"):
        cursor.execute(statement, parameters, prepare=True)
        return True
    return None


@event.listens_for(Engine, "before_cursor_execute")
def _note_writes(conn, cursor, statement, parameters, context, executemany):
    if has_app_context() and statement.lstrip()[:6].upper() != "SELECT":
        g.db_wrote = True


def end_reads(exc: BaseException | None) -> None:
    """At the end of a request that only read, end its transaction with COMMIT rather than
    the pool's ROLLBACK: psycopg forgets every prepared statement on a rollback (it cannot
    know what the rollback undid), a commit keeps them for the connection's next request.
    Anything else (an error, a write not committed) still ends in the rollback."""
    if exc is None and not g.get("db_wrote") and db.session.registry.has():
        session = db.session()
        if session.in_transaction() and not (session.new or session.dirty or session.deleted):
            session.commit()
