"""Tutor sessions: a Flask app in which tutors plan, run and record their sessions."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

from . import config

ROOT = Path(__file__).resolve().parent.parent


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.from_mapping(config.defaults(app.instance_path))
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.update(test_config)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = config.secret_key(app.instance_path)
    app.config["SQLALCHEMY_DATABASE_URI"] = config.normalise_database_url(
        app.config["SQLALCHEMY_DATABASE_URI"]
    )

    if app.config["PROXY_FIX"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_prefix=hops)
    register_extensions(app)
    register_converters(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_security_headers(app)
    register_template_helpers(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import models  # noqa: F401  (the tables must be known to Flask-Migrate)
    from . import assets
    from .extensions import babel, compress, csrf, db, end_reads, htmx, limiter, login_manager, mail, migrate
    from .i18n import locale_selector
    from .lessons.events import lesson_changed
    from .notifications.notices import on_lesson_changed
    from .translate import template_gettext, template_ngettext

    db.init_app(app)
    app.teardown_appcontext(end_reads)  # runs before Flask-SQLAlchemy's (teardowns run last first)
    compress.init_app(app)  # the first after_request, so the last to run: it compresses the final answer
    assets.init_app(app)  # fingerprinted static URLs, their year-long cache, /favicon.ico
    limiter.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    htmx.init_app(app)
    mail.init_app(app)
    babel.init_app(app, locale_selector=locale_selector,
                   default_translation_directories=str(ROOT / "webapp" / "translations"))
    # The templates' _(), gettext() and ngettext(): the same catalogue, found once a request,
    # called without Jinja's wrappers (translate.py).
    app.jinja_env.globals.update(_=template_gettext, gettext=template_gettext, ngettext=template_ngettext)
    lesson_changed.connect(on_lesson_changed)  # notices go out with the changes that make them
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    from .translate import lazy_gettext as _l
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(token: str):
        from .auth.logins import user_for

        return user_for(token)


def register_converters(app: Flask) -> None:
    from .converters import IsoDateConverter

    app.url_map.converters["isodate"] = IsoDateConverter


def register_blueprints(app: Flask) -> None:
    from .api.views import bp as api_bp
    from .auth.views import bp as auth_bp
    from .calendar.views import bp as calendar_bp
    from .notifications.views import bp as notifications_bp
    from .offline import bp as offline_bp
    from .people.views import bp as people_bp
    from .reports.views import bp as reports_bp
    from .sessions.lesson_views import bp as lessons_bp
    from .sessions.views import bp as sessions_bp
    from .settings.views import bp as settings_bp
    from .tokens.views import bp as tokens_bp

    for blueprint in (auth_bp, sessions_bp, lessons_bp, api_bp, tokens_bp, calendar_bp, people_bp,
                      notifications_bp, settings_bp, reports_bp):
        app.register_blueprint(blueprint)
    app.register_blueprint(offline_bp)  # /sw.js: the service worker, at the root of the app
    if app.config["BENCHMARK_BASELINE"]:  # only for bench/: never in production
        from .baseline import bp as baseline_bp

        app.register_blueprint(baseline_bp)


def register_errorhandlers(app: Flask) -> None:
    from .errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from .commands import register

    register(app)


def register_security_headers(app: Flask) -> None:
    from .security import add_security_headers
    from .web import refuse_nul_characters

    app.before_request(refuse_nul_characters)
    app.after_request(add_security_headers)


def register_template_helpers(app: Flask) -> None:
    from . import choices
    from .formatting import FILTERS, weekdays
    from .i18n import reading
    from .markup import Choices, lesson_rows, option_tags
    from .offline import script_messages
    from .sessions.forms import BULK_CHANGES
    from .web import lesson_url, script_root, template_url_for

    app.jinja_env.filters.update(FILTERS)
    app.jinja_env.globals.update(
        choices=choices,
        option_tags=option_tags,
        lesson_rows=lesson_rows,
        script_messages=script_messages,
        weekdays=weekdays,
        reading=reading,
        bulk_changes=Choices(BULK_CHANGES),
        lesson_url=lesson_url,
        script_root=script_root,
        url_for=template_url_for,
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
