"""Small request helpers every blueprint shares: the htmx decision, safe redirects, and the
user's own today and now."""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import request
from markupsafe import Markup
from flask_login import current_user

from . import choices as C


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
