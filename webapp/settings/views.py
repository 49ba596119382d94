"""/settings: every user's own page (tutors, students, parents, admins alike)."""
from __future__ import annotations

from flask import Blueprint, Response, flash, g, redirect, render_template, request, url_for
from flask_babel import refresh
from flask_login import current_user
from werkzeug.datastructures import CombinedMultiDict, MultiDict

from ..auth import logins
from ..extensions import db
from ..i18n import reading
from ..security import no_store
from ..translate import gettext as _, ngettext
from ..web import require_login
from .forms import PasswordForm, SettingsForm

bp = Blueprint("settings", __name__, url_prefix="/settings")
bp.before_request(require_login)


def _page(form: SettingsForm, password: PasswordForm, status: int = 200) -> Response:
    return no_store(Response(render_template("settings/index.html", form=form, password=password), status))


@bp.get("")
def index():
    return _page(SettingsForm.of(current_user, reading()), PasswordForm(formdata=None))


@bp.post("")
def save():
    # A post without the reading fields (an older form, a script) keeps what the user has.
    now = {"language": reading().language, "calendar": current_user.calendar, "clock": current_user.clock}
    kept = MultiDict({name: value for name, value in now.items() if name not in request.form})
    form = SettingsForm(formdata=CombinedMultiDict([request.form, kept]))
    if not form.validate():
        return _page(form, PasswordForm(formdata=None), 422)
    current_user.full_name = form.name.data
    current_user.timezone = form.timezone.data
    for name in SettingsForm.READING:
        setattr(current_user, name, form[name].data)
    for name in SettingsForm.PREFERENCES:
        setattr(current_user, name, form[name].data)
    current_user.reminder_leads = sorted(set(form.reminder_leads.data or []), reverse=True)
    db.session.commit()
    g.pop("reading", None)  # the confirmation already speaks the language just chosen
    refresh()
    flash(_("Saved: your settings."))
    return redirect(url_for("settings.index"), 303)


@bp.post("/password")
def change_password():
    """A new password, with the current one; every other login of the user ends."""
    password = PasswordForm()
    valid = password.validate()
    if valid and not current_user.check_password(password.current_password.data):
        password.current_password.errors = [_("That is not your current password.")]
        valid = False
    if not valid:
        return _page(SettingsForm.of(current_user, reading(), formdata=None), password, 422)
    current_user.set_password(password.new_password.data)
    db.session.commit()
    ended = logins.end_others(current_user)
    flash(_("Saved: your new password.") + (" " + ngettext("%(num)d other login ended.", "%(num)d other logins ended.",
                                                          ended) if ended else ""))
    return redirect(url_for("settings.index"), 303)
