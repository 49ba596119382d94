"""Small request helpers every blueprint shares: the htmx decision, safe redirects, and the
user's own today and now."""
from __future__ import annotations

import re
from datetime import date, datetime
from urllib.parse import urlencode, urlsplit

from flask import abort, current_app, has_request_context, request, url_for
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import iter_multi_items

from . import assets, choices as C
from .translate import gettext as _


def is_htmx() -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return bool(request.headers.get("HX-Request") == "true"
                and request.headers.get("HX-History-Restore-Request") != "true")


def safe_next(target: str | None, default: str) -> str:
    """Only local paths, never another site (an open redirect would hand a page to it), and
    never a header split by CR or LF."""
    if target and target.isprintable():
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return default


def N_(text: str) -> str:
    """Marks `text` for the catalogue, as it is: it is translated where it is shown (`_(text)`)."""
    return text


READERS_MESSAGE = N_("This page belongs to the tutors' workspace, and your account has no access to it. "
                     "Your own pages are on your start page.")


def require_login():
    """Before the pages every person has (their lessons, a lesson's page, the calendar)."""
    from .extensions import login_manager

    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    return None


def require_workspace():
    """Before every page of the tutors' workspace (lists, forms, marking, tokens): a login,
    and a tutor's or an admin's at that; students and parents get 403."""
    if not current_user.is_authenticated:
        return require_login()
    if not current_user.has_workspace:
        abort(403, description=_(READERS_MESSAGE))
    return None


def external_url(endpoint: str, **values) -> str:
    """An absolute URL for use outside the app (the feed, e-mails): on BASE_URL when it is
    set, else on the request's own host (which TRUSTED_HOSTS has vetted)."""
    base = current_app.config["BASE_URL"]
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


NUL_MESSAGE = N_("The request holds a NUL character (\\0), which no text here may contain.")


def refuse_nul_characters() -> None:
    """Before every request: a NUL in the path, the query or a form field is refused (400).
    No page or lesson has one, and PostgreSQL cannot store or even compare text holding it."""
    if "\0" in request.path or any("\0" in key or "\0" in value for key, value in request.args.items(multi=True)):
        abort(400, description=_(NUL_MESSAGE))
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        if any("\0" in key or "\0" in value for key, value in request.form.items(multi=True)):
            abort(400, description=_(NUL_MESSAGE))


def user_today() -> date:
    return C.local_today(current_user.timezone)


def user_now() -> datetime:
    """Now, on the user's wall clock (naive, like lesson dates and times)."""
    return C.local_now(current_user.timezone)


def lesson_url(session_id: int, day: date, action: str = "", root: str | None = None) -> str:
    """The lesson's page (and its actions), `lessons.show` built by hand: a list draws fifty
    of them, and url_for costs more than the rest of a row (tests check both agree).
    `root`: the application's root path, read once for a whole table."""
    root = request.script_root if root is None else root
    # Markup: built from an id and a date only, so the templates need not escape it again.
    return Markup(f"{root}/sessions/{session_id}/lessons/{day.isoformat()}" + (f"/{action}" if action else ""))


def script_root() -> str:
    return request.script_root


def template_url_for(endpoint: str, **values) -> str:
    """The templates' url_for. A page draws a score of links and each build walks the URL
    map, so the path of an endpoint without path arguments (the menu, the list and its tabs
    and pages) and of each static file is built once per application root and kept; the
    values are appended as the query string, as werkzeug writes it. Anything else as Flask
    builds it: path arguments, `_external` and the like, relative or unknown endpoints, no
    request, URL defaults other than the static files' fingerprint, and static files in
    debug or test mode or missing (their fingerprint may change, see `assets`)."""
    if not has_request_context() or endpoint.startswith(".") or any(name.startswith("_") for name in values):
        return url_for(endpoint, **values)
    app = current_app
    static = endpoint == "static" and list(values) == ["filename"]
    key = (endpoint, values["filename"] if static else None, request.script_root)
    kept = app.extensions.setdefault("fixed_urls", {})
    path = kept.get(key)
    if path is None:
        if not _keeps(app, endpoint, values, static):
            return url_for(endpoint, **values)
        if len(kept) >= FIXED_URLS_KEPT:  # the roots come from a proxy's headers: a bound
            kept.clear()
        path = kept[key] = url_for(endpoint, **values) if static else url_for(endpoint)
    if static or not values:
        return path
    query = urlencode([item for item in iter_multi_items(values) if item[1] is not None], safe=QUERY_SAFE)
    return f"{path}?{query}" if query else path


def _keeps(app, endpoint: str, values: dict, static: bool) -> bool:
    """May the path of this endpoint (this static file) be built once and kept?"""
    defaults = app.url_default_functions
    if any(functions not in ([], [assets.add_version]) for functions in defaults.values()) \
            or set(defaults) - {None}:
        return False
    if static:
        return not (app.debug or app.testing) and assets.version(values["filename"]) is not None
    try:
        rules = list(app.url_map.iter_rules(endpoint))
    except KeyError:  # unknown: url_for says so
        return False
    return len(rules) == 1 and not rules[0].arguments


FIXED_URLS_KEPT = 2_000
QUERY_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unescaped in a query string


# Flask-Compress marks a compressed answer's strong ETag with its coding ("…:gzip"), as a
# different representation should be; a client sends it back as it got it. The version it
# names is the same: the coding is dropped before comparing.
CODED = re.compile(r':(?:gzip|br|deflate|zstd)"$')


def tags_of(header: str | None) -> set[str]:
    """The entity tags of an If-Match or If-None-Match header, quoted, without a coding."""
    return {CODED.sub('"', tag.strip()) for tag in (header or "").split(",") if tag.strip()}
