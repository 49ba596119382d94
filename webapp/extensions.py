"""Extension objects, created once and bound to the app in `create_app`."""
import sqlite3

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
mail = Mail()  # SMTP for the notification worker (MAIL_* settings)
# Per-client limits on the routes that ask for them (the login); storage from
# RATELIMIT_STORAGE_URI (memory:// by default, redis://… to share it between processes).
limiter = Limiter(key_func=get_remote_address)


def upsert(table, bind=None):
    """INSERT … with ON CONFLICT for the database in use (`bind`: a connection, else the
    ORM session's): PostgreSQL's and SQLite's dialects both have it, the generic one not."""
    name = (bind if bind is not None else db.session.get_bind()).dialect.name
    return (postgresql if name == "postgresql" else sqlite).insert(table)


@event.listens_for(Engine, "connect")
def _per_connection_settings(dbapi_connection, _record):
    """SQLite ignores foreign keys unless asked on every connection (CASCADE would lie).

    PostgreSQL: psycopg prepares a statement after its fifth run, and PostgreSQL may then
    plan it once for any parameters (a generic plan). For the lists' windows of dates and
    cursors that plan is a sequential scan, several times slower than the plan made for the
    actual dates (measured: 15 ms against 2 ms for a page of lessons), so every statement is
    planned for its own parameters."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET plan_cache_mode = force_custom_plan")
        dbapi_connection.commit()
