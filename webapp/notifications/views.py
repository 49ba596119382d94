"""The outbox page (the embedded default, no mail server: the messages are read here) and
the unsubscribe links of every message, which work without logging in."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user, login_required

from .. import choices as C
from ..extensions import csrf, db
from ..models import Notification, User
from ..security import no_store
from .messages import read_unsubscribe_token

bp = Blueprint("notifications", __name__)
PAGE = 50
UNSUBSCRIBE = {"reminder": {"reminder_leads": []}, "changes": {"notify_changes": False},
               "absence": {"notify_absence": False}, "digest": {"daily_digest": False}}


def _outbox_on() -> None:
    """Only without a mail server: then the outbox is where messages are read."""
    if current_app.config["MAIL_SERVER"]:
        abort(404)


def _mine():
    query = sa.select(Notification).where(Notification.state != "void")
    if not current_user.is_admin:
        query = query.where(Notification.recipient_id == current_user.id)
    return query


@bp.get("/outbox")
@login_required
def outbox():
    """The messages written for you (an admin: for everyone), newest first."""
    _outbox_on()
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    rows = db.session.scalars(_mine().order_by(Notification.id.desc()).offset((page - 1) * PAGE).limit(PAGE + 1)).all()
    return no_store(Response(render_template("notifications/outbox.html", rows=rows[:PAGE], page=page,
                                             more=len(rows) > PAGE)))


@bp.get("/outbox/<int:notification_id>")
@login_required
def message(notification_id: int):
    _outbox_on()
    row = db.session.scalar(_mine().where(Notification.id == notification_id))
    if row is None:
        abort(404)
    return no_store(Response(render_template("notifications/message.html", row=row)))


@bp.get("/outbox/<int:notification_id>.html")
@login_required
def message_html(notification_id: int):
    """The message's HTML part as a mail app would show it, sandboxed (no script, no form)."""
    _outbox_on()
    row = db.session.scalar(_mine().where(Notification.id == notification_id))
    if row is None:
        abort(404)
    response = no_store(Response(row.body_html, content_type="text/html; charset=utf-8"))
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'; style-src 'unsafe-inline'"
    return response


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # checked below, except for a mail app's RFC 8058 one-click POST
def unsubscribe(token: str):
    """GET asks (mail scanners follow links); POST turns this kind of message off."""
    if request.method == "POST" and request.form.get("List-Unsubscribe") != "One-Click":
        csrf.protect()
    found = read_unsubscribe_token(token)
    user = db.session.get(User, found[0]) if found else None
    if user is None:
        abort(404)
    subscription = found[1]
    if request.method == "POST":
        for name, value in UNSUBSCRIBE[subscription].items():
            setattr(user, name, value)
        db.session.commit()
        return no_store(Response(render_template("notifications/unsubscribe.html", user=user, done=True,
                                                 label=C.SUBSCRIPTIONS[subscription], token=token)))
    return no_store(Response(render_template("notifications/unsubscribe.html", user=user, done=False,
                                             label=C.SUBSCRIPTIONS[subscription], token=token)))
