"""Small request helpers every blueprint shares: the htmx decision, safe redirects, and the
user's own today and now."""
from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlsplit

from flask import request
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
