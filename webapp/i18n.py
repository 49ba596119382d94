"""Which language, calendar and clock a request is read in, for Flask-Babel and the filters.

A logged-in user's own choice (/settings) wins; a user who has not chosen a language (and
every visitor before logging in) gets the best match of the browser's Accept-Language among
the app's languages, else English. Calendar and clock default to Gregorian and 24 hours.
The catalogues live in webapp/translations (`make translations` extracts, updates and
compiles them).
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator, NamedTuple

from flask import g, has_request_context, request
from flask_login import current_user

from . import choices as C


class Reading(NamedTuple):
    """How the current request is read: one tuple, cheap to use as part of a cache key."""
    language: str
    calendar: str
    clock: str


DEFAULT = Reading(C.DEFAULT_LANGUAGE, C.DEFAULT_CALENDAR, C.DEFAULT_CLOCK)


def browser_language() -> str:
    if not has_request_context():
        return C.DEFAULT_LANGUAGE
    return request.accept_languages.best_match(C.LANGUAGES) or C.DEFAULT_LANGUAGE


def reading() -> Reading:
    """The current request's reading (computed once a request)."""
    if not has_request_context():
        return DEFAULT
    found = g.__dict__.get("reading")
    if found is None:
        user = current_user._get_current_object() if current_user else None
        if user is not None and user.is_authenticated:
            found = Reading(user.language or browser_language(), user.calendar or C.DEFAULT_CALENDAR,
                            user.clock or C.DEFAULT_CLOCK)
        else:
            found = Reading(browser_language(), C.DEFAULT_CALENDAR, C.DEFAULT_CLOCK)
        g.reading = found
    return found


def reading_of(user) -> Reading:
    """How `user` reads what is sent to them outside a request (e-mails, the feed)."""
    return Reading(getattr(user, "language", None) or C.DEFAULT_LANGUAGE,
                   getattr(user, "calendar", None) or C.DEFAULT_CALENDAR,
                   getattr(user, "clock", None) or C.DEFAULT_CLOCK)


def locale_selector() -> str:
    forced = g.get("forced_language") if has_request_context() else None
    return forced or reading().language



@contextmanager
def as_reader(user) -> Iterator[None]:
    """Render what is sent to `user` (an e-mail, their calendar feed) in their language,
    calendar and clock, whoever's request or worker it runs in (needs a request context:
    the worker's `notifications.messages.links()` makes one)."""
    from flask_babel import force_locale

    r = reading_of(user)
    before = g.get("reading")
    g.reading = r
    try:
        with force_locale(r.language):
            yield
    finally:
        if before is None:
            g.pop("reading", None)
        else:
            g.reading = before
