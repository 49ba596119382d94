"""Calendar views (month, week), the tutor's secret iCal feed, and the page to manage it."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import choices as C
from ..extensions import db
from ..lessons.errors import TooManyLessons
from ..lessons.listing import lessons_in_window
from ..models import CalendarFeed
from ..web import is_htmx
from . import grid
from .ical import feed_for

bp = Blueprint("calendar", __name__, url_prefix="/calendar")
PUBLIC_ENDPOINTS = ("calendar.feed",)  # the feed is read by calendar apps: its token is the key


@bp.before_request
def require_login():
    """Every calendar page needs a logged-in user; the feed needs only its token."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return login_required(lambda: None)()


def _day() -> date:
    """The day asked for with ?date=YYYY-MM-DD; today (the user's) when missing, bad or
    outside the app's range of dates (the pages around it would leave it)."""
    try:
        day = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        return grid.today_for(current_user)
    if C.date_error(day - timedelta(days=42)) or C.date_error(day + timedelta(days=42)):
        return grid.today_for(current_user)
    return day


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
    return _render("month", grid.month_page(_day(), grid.today_for(current_user)))


@bp.get("/week")
def week():
    """The week (Monday to Sunday) around ?date=; a day list on a phone."""
    return _render("week", grid.week_page(_day(), grid.today_for(current_user)))


@bp.get("/<token>.ics")
def feed(token: str):
    """The tutor's sessions as iCalendar; an unknown or replaced token is a 404."""
    row = db.session.scalar(db.select(CalendarFeed).filter_by(token=token))
    if row is None:
        abort(404)
    body = feed_for(row.user)
    response = Response(body, content_type="text/calendar; charset=utf-8")
    response.headers["Content-Disposition"] = 'inline; filename="tutor-sessions.ics"'
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


@bp.get("/feed")
def feed_settings():
    """Where the tutor finds (and can replace or turn off) their feed URL."""
    row = db.session.scalar(db.select(CalendarFeed).filter_by(user_id=current_user.id))
    url = url_for("calendar.feed", token=row.token, _external=True) if row else None
    return render_template("calendar/feed.html", url=url)


@bp.post("/feed")
def regenerate_feed():
    """A new secret URL; the old one stops working at once."""
    issue_feed(current_user)
    db.session.commit()
    flash("Saved: your calendar has a new secret address. Subscriptions to the old one stop updating.")
    return redirect(url_for("calendar.feed_settings"), 303)


@bp.post("/feed/revoke")
def revoke_feed():
    """Turn the feed off: its URL answers 404 from now on."""
    db.session.execute(db.delete(CalendarFeed).filter_by(user_id=current_user.id))
    db.session.commit()
    flash("Deleted: your calendar feed is off.")
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
