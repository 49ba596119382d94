"""The settings forms. Field names are SPEC's (`name`, `timezone`); the allowed lead times
and kinds of message come from `choices`."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import choices as C
from ..sessions.forms import MultiCheckboxField


@lru_cache(maxsize=1)
def zone_choices() -> dict[str, str]:
    """Every IANA zone, Addis Ababa first, then the rest of Africa, then the world, by name."""
    names = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/")))
    first = [C.DEFAULT_TIMEZONE]
    africa = [z for z in names if z.startswith("Africa/") and z != C.DEFAULT_TIMEZONE]
    rest = [z for z in names if not z.startswith("Africa/")] + ["UTC"]
    return {z: z.replace("_", " ") for z in first + africa + rest}


class SettingsForm(FlaskForm):
    name = StringField("Your name", validators=[DataRequired("Give your name."), Length(max=C.NAME_MAX)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])
    timezone = SelectField("Time zone", choices=zone_choices,
                           description="Lesson times, reminders and “today” follow this zone.")
    email_notifications = BooleanField("Send me e-mails")
    reminder_leads = MultiCheckboxField("Reminders before each lesson", coerce=int,
                                        choices={m: C.LEAD_LABELS[m] for m in C.REMINDER_LEADS})
    notify_changes = BooleanField("When a lesson is moved or cancelled")
    notify_absence = BooleanField("When my child is marked absent (parents)")
    daily_digest = BooleanField("A daily list of my lessons still to mark (tutors)")

    PREFERENCES = ("email_notifications", "reminder_leads", "notify_changes", "notify_absence", "daily_digest")


class PasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Give your current password.")])
    new_password = PasswordField("New password", validators=[
        DataRequired("Choose a new password."),
        Length(min=C.PASSWORD_MIN, max=200, message=f"Use at least {C.PASSWORD_MIN} characters.")])
    confirm_password = PasswordField("New password again", validators=[
        DataRequired("Type the new password again."), EqualTo("new_password", "The two new passwords differ.")])
