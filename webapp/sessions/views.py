from flask import Blueprint, render_template
from flask_login import login_required, current_user

from ..extensions import db
from .queries import ordered, visible_sessions

bp = Blueprint("sessions", __name__, url_prefix="/sessions")


@bp.before_request
@login_required
def require_login():
    """Every page of the workspace needs a logged-in user."""


@bp.get("")
def index():
    """The tutor's sessions, by date and start time."""
    rows = db.session.scalars(ordered(visible_sessions(current_user))).all()
    return render_template("sessions/index.html", sessions=rows)
