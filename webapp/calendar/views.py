"""Calendar views (month, week), the tutor's secret iCal feed, and the page to manage it."""
from __future__ import annotations

from datetime import date, timedelta, timezone

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import choices as C
from ..extensions import db
from ..i18n import as_reader, reading, reading_of
from ..lessons.errors import TooManyLessons
from ..lessons.listing import lessons_in_window
from ..models import CalendarFeed
from ..security import no_store
from ..translate import gettext as _
from ..web import external_url, is_htmx, require_login
from . import grid
from .ical import feed_for, feed_version

bp = Blueprint("calendar", __name__, url_prefix="/calendar")
PUBLIC_ENDPOINTS = ("calendar.feed",)  # the feed is read by calendar apps: its token is the key


@bp.before_request
def login_first():
    """Every person has a calendar of their own lessons; the feed needs only its token."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return require_login()


EDGE = timedelta(days=42)  # a month page and its links reach this far around its day


def _day() -> date:
    """The day asked for with ?date=YYYY-MM-DD; today (the user's) when missing, and today
    with a message saying why when it is not a date or lies outside the app's range of dates
    (or so near an end that the page around it would leave the range)."""
    given = request.args.get("date", "")
    try:
        day = date.fromisoformat(given) if given else None
    except ValueError:
        day, problem = None, _("“%(given)s” is not a date (YYYY-MM-DD); here is today.", given=given[:20])
    else:
        inside = day is not None and C.DATE_MIN + EDGE <= day <= C.DATE_MAX - EDGE
        problem = None if day is None or inside else \
            _("The calendar shows %(first)d to %(last)d; here is today.", first=C.DATE_MIN.year, last=C.DATE_MAX.year)
        day = day if inside else None
    if problem and not is_htmx():
        flash(problem, "error")
    return day or grid.today_for(current_user)


def _render(view: str, page) -> Response:
    try:
        page.fill(lessons_in_window(current_user, page.first, page.last))
    except TooManyLessons as exc:
        abort(422, description=str(exc))
    template = f"calendar/_{view}.html" if is_htmx() else f"calendar/{view}.html"
    response = Response(render_template(template, page=page, view=view))
    response.vary.add("HX-Request")
    return response


@bp.get("")
def month():
    """The month around ?date=, every lesson in its day."""
    return _render("month", grid.month_page(_day(), grid.today_for(current_user), reading()))


@bp.get("/week")
def week():
    """The week (Monday to Sunday) around ?date=; a day list on a phone."""
    return _render("week", grid.week_page(_day(), grid.today_for(current_user), reading()))


@bp.get("/<token>.ics")
def feed(token: str):
    """The tutor's sessions as iCalendar; an unknown or replaced token is a 404."""
    row = db.session.scalar(db.select(CalendarFeed).filter_by(token=token))
    if row is None:
        abort(404)
    tag, changed = feed_version(row.user)
    tag = "-".join((tag, *reading_of(row.user)))  # summaries in the tutor's language, dates in their calendar
    response = Response(content_type="text/calendar; charset=utf-8")
    response.set_etag(tag)
    if changed is not None:
        response.last_modified = changed.replace(tzinfo=timezone.utc)
    response.headers["Cache-Control"] = "private, max-age=300"
    if request.if_none_match.contains(tag) or (not request.if_none_match and changed is not None
                                               and request.if_modified_since is not None
                                               and request.if_modified_since >= changed.replace(
                                                   tzinfo=timezone.utc, microsecond=0)):
        response.status_code = 304  # the calendar app has this version: nothing is built
        return response
    key = (token, tag)
    body = _built.get(key)
    if body is None:
        with as_reader(row.user):
            body = _built[key] = feed_for(row.user)
        while len(_built) > FEEDS_KEPT:
            _built.pop(next(iter(_built)))
    response.set_data(body)
    response.headers["Content-Disposition"] = 'inline; filename="tutor-sessions.ics"'
    return response


# The last feeds built, by token and version: a feed that has not changed since is served as it was.
FEEDS_KEPT = 64
_built: dict[tuple[str, str], bytes] = {}


@bp.get("/feed")
def feed_settings():
    """Where the tutor finds (and can replace or turn off) their feed URL."""
    row = db.session.scalar(db.select(CalendarFeed).filter_by(user_id=current_user.id))
    url = external_url("calendar.feed", token=row.token) if row else None
    return no_store(Response(render_template("calendar/feed.html", url=url)))


@bp.post("/feed")
def regenerate_feed():
    """A new secret URL; the old one stops working at once."""
    issue_feed(current_user)
    db.session.commit()
    flash(_("Saved: your calendar has a new secret address. Subscriptions to the old one stop updating."))
    return redirect(url_for("calendar.feed_settings"), 303)


@bp.post("/feed/revoke")
def revoke_feed():
    """Turn the feed off: its URL answers 404 from now on."""
    db.session.execute(db.delete(CalendarFeed).filter_by(user_id=current_user.id))
    db.session.commit()
    flash(_("Deleted: your calendar feed is off."))
    return redirect(url_for("calendar.feed_settings"), 303)


def issue_feed(user) -> CalendarFeed:
    """A fresh token for `user`'s feed, replacing (and so revoking) any earlier one."""
    row = db.session.scalar(db.select(CalendarFeed).filter_by(user_id=user.id))
    if row is None:
        row = CalendarFeed(user_id=user.id, token=CalendarFeed.new_token())
        db.session.add(row)
    else:
        row.token = CalendarFeed.new_token()
    db.session.flush()
    return row


def feed_path(user) -> str:
    """Path of `user`'s feed (made on first use); for `flask calendar-url`."""
    row = db.session.scalar(db.select(CalendarFeed).filter_by(user_id=user.id)) or issue_feed(user)
    db.session.commit()
    return f"{bp.url_prefix}/{row.token}.ics"


@bp.record_once
def _register_feed_path(state) -> None:
    state.app.extensions["calendar_feed_path"] = feed_path
