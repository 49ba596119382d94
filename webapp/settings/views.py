"""/settings: every user's own page (tutors, students, parents, admins alike)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for
from flask_login import current_user

from ..auth import logins
from ..extensions import db
from ..security import no_store
from ..web import require_login
from .forms import PasswordForm, SettingsForm

bp = Blueprint("settings", __name__, url_prefix="/settings")
bp.before_request(require_login)


def _page(form: SettingsForm, password: PasswordForm, status: int = 200) -> Response:
    return no_store(Response(render_template("settings/index.html", form=form, password=password), status))


@bp.get("")
def index():
    form = SettingsForm(data={"name": current_user.full_name, "timezone": current_user.timezone,
                              **{n: getattr(current_user, n) for n in SettingsForm.PREFERENCES}})
    return _page(form, PasswordForm(formdata=None))


@bp.post("")
def save():
    form = SettingsForm()
    if not form.validate():
        return _page(form, PasswordForm(formdata=None), 422)
    current_user.full_name = form.name.data
    current_user.timezone = form.timezone.data
    for name in SettingsForm.PREFERENCES:
        setattr(current_user, name, form[name].data)
    current_user.reminder_leads = sorted(set(form.reminder_leads.data or []), reverse=True)
    db.session.commit()
    flash("Saved: your settings.")
    return redirect(url_for("settings.index"), 303)


@bp.post("/password")
def change_password():
    """A new password, with the current one; every other login of the user ends."""
    password = PasswordForm()
    valid = password.validate()
    if valid and not current_user.check_password(password.current_password.data):
        password.current_password.errors = ["That is not your current password."]
        valid = False
    if not valid:
        form = SettingsForm(formdata=None, data={"name": current_user.full_name, "timezone": current_user.timezone,
                                                 **{n: getattr(current_user, n) for n in SettingsForm.PREFERENCES}})
        return _page(form, password, 422)
    current_user.set_password(password.new_password.data)
    db.session.commit()
    ended = logins.end_others(current_user)
    flash("Saved: your new password." + (f" {ended} other login{'s' if ended != 1 else ''} ended." if ended else ""))
    return redirect(url_for("settings.index"), 303)
