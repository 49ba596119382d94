from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..extensions import db
from ..models import User
from .forms import LoginForm, LogoutForm

bp = Blueprint("auth", __name__)

# Verifying against a dummy hash when the email is unknown keeps both failures equally slow.
_DUMMY = User(email="", full_name="")
_DUMMY.set_password("not-a-real-password")


def safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would hand a login to another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return url_for("sessions.index")


@bp.get("/")
def home():
    """Send visitors to their sessions (or to the login first)."""
    return redirect(url_for("sessions.index"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Log a tutor in with email and password."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        user = db.session.scalar(db.select(User).filter_by(email=form.email.data))
        if (user or _DUMMY).check_password(form.password.data) and user is not None:
            login_user(user)
            return redirect(safe_next(request.args.get("next")))
        error = "Wrong email or password."
    status = 401 if error else (400 if form.errors else 200)
    return render_template("auth/login.html", form=form, error=error), status


@bp.post("/logout")
@login_required
def logout():
    """Log out (a POST with a CSRF token, so no other site can log a tutor out)."""
    if LogoutForm().validate_on_submit():
        logout_user()
        flash("You are logged out.", "info")
    return redirect(url_for("auth.login"), code=303)
