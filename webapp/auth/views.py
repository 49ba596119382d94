from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from ..extensions import csrf, db, limiter
from ..models import User
from ..security import no_store
from ..translate import gettext as _
from ..web import safe_next
from . import logins
from .forms import LoginForm, LogoutForm

bp = Blueprint("auth", __name__)

# Verifying against a dummy hash when the email is unknown keeps both failures equally slow.
_DUMMY = User(email="", full_name="")
_DUMMY.set_password("not-a-real-password")


def start_page() -> str:
    """Each person's start page: the workspace's lessons for tutors and admins, their own
    lessons for students and parents."""
    return url_for("sessions.index") if current_user.has_workspace else url_for("people.index")


def next_page() -> str:
    """Where a login leads: the page asked for, else the user's start page."""
    return safe_next(request.args.get("next"), start_page())


@bp.get("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(start_page())


@bp.route("/login", methods=["GET", "POST"])
@csrf.exempt  # the form checks its own token, which expires (LoginForm.Meta) unlike the others
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"],
               error_message=lambda: _("Too many login attempts from your network. Wait a minute, then try again."))
def login():
    """Log in with email and password; repeated failures lock the account for a while."""
    if current_user.is_authenticated and request.method == "GET":
        return redirect(next_page())
    form = LoginForm()
    error, status, locked = None, 200, 0
    if form.validate_on_submit():
        email = form.email.data
        locked = logins.seconds_locked(email)
        if not locked:
            user = db.session.scalar(db.select(User).filter_by(email=email))
            if (user or _DUMMY).check_password(form.password.data) and user is not None:
                logins.forget_failures(email)
                logins.begin(user)
                return redirect(next_page())
            locked = logins.record_failure(email)
            error, status = _("Wrong email or password."), 401
        if locked:
            error, status = logins.wait_message(locked), 429
    elif form.errors:
        status = 400
        if "csrf_token" in form.errors:
            error = _("This login form has expired. Please log in again.")
    response = current_app.make_response((render_template("auth/login.html", form=form, error=error), status))
    if locked:
        response.headers["Retry-After"] = str(locked)
    return no_store(response)  # the form's CSRF token is good for an hour: no cache keeps it


@bp.post("/logout")
@login_required
def logout():
    """Log out (a POST with a CSRF token, so no other site can log anyone out): the login
    ends on the server, so a copy of the cookie is worthless afterwards."""
    if LogoutForm().validate_on_submit():
        logins.end(current_user._get_current_object())
        flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"), code=303)
