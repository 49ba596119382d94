"""The settings forms. Field names are SPEC's (`name`, `timezone`, `language`, `calendar`,
`clock`); the allowed values, lead times and kinds of message come from `choices`."""
from __future__ import annotations

from functools import lru_cache
from zoneinfo import available_timezones

from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from .. import choices as C
from ..form_i18n import Form
from ..sessions.forms import MultiCheckboxField
from ..translate import lazy_gettext as _l


@lru_cache(maxsize=1)
def zone_choices() -> dict[str, str]:
    """Every IANA zone, Addis Ababa first, then the rest of Africa, then the world, by name."""
    names = sorted(z for z in available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/")))
    first = [C.DEFAULT_TIMEZONE]
    africa = [z for z in names if z.startswith("Africa/") and z != C.DEFAULT_TIMEZONE]
    rest = [z for z in names if not z.startswith("Africa/")] + ["UTC"]
    return {z: z.replace("_", " ") for z in first + africa + rest}


# Each language by its own name: a reader finds theirs whatever the page's language is.
LANGUAGE_NAMES = {"en": "English", "am": "አማርኛ"}
CALENDAR_LABELS = {"gregorian": _l("Gregorian (2 December 2026)"),
                   "ethiopian": _l("Ethiopian (23 Hidar 2019, 13 months)")}
CLOCK_LABELS = {"24h": _l("24-hour (14:30)"), "12h": _l("12-hour (2:30 pm)"),
                "ethiopian": _l("Ethiopian (8:30 in the afternoon: hours from 6 in the morning and evening)")}


class SettingsForm(Form):
    name = StringField(_l("Your name"), validators=[DataRequired(_l("Give your name.")), Length(max=C.NAME_MAX)],
                       filters=[lambda v: v.strip() if isinstance(v, str) else v])
    timezone = SelectField(_l("Time zone"), choices=zone_choices,
                           description=_l("Lesson times, reminders and “today” follow this zone."))
    language = SelectField(_l("Language"), choices={c: LANGUAGE_NAMES[c] for c in C.LANGUAGES})
    calendar = SelectField(_l("Calendar"), choices={c: CALENDAR_LABELS[c] for c in C.CALENDARS},
                           description=_l("Every date the app shows, and the dates you type, follow it."))
    clock = SelectField(_l("Clock"), choices={c: CLOCK_LABELS[c] for c in C.CLOCKS})
    email_notifications = BooleanField(_l("Send me e-mails"))
    reminder_leads = MultiCheckboxField(_l("Reminders before each lesson"), coerce=int,
                                        choices={m: C.LEAD_LABELS[m] for m in C.REMINDER_LEADS})
    notify_changes = BooleanField(_l("When a lesson is moved or cancelled"))
    notify_absence = BooleanField(_l("When my child is marked absent (parents)"))
    daily_digest = BooleanField(_l("A daily list of my lessons still to mark (tutors)"))

    READING = ("language", "calendar", "clock")
    PREFERENCES = ("email_notifications", "reminder_leads", "notify_changes", "notify_absence", "daily_digest")

    @classmethod
    def of(cls, user, reading, **kw) -> "SettingsForm":
        """The form filled with what `user` has now (`reading`: the language shown now)."""
        return cls(data={"name": user.full_name, "timezone": user.timezone, "language": reading.language,
                         "calendar": user.calendar, "clock": user.clock,
                         **{n: getattr(user, n) for n in cls.PREFERENCES}}, **kw)


class PasswordForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired(_l("Give your current password."))])
    new_password = PasswordField(_l("New password"), validators=[
        DataRequired(_l("Choose a new password.")),
        Length(min=C.PASSWORD_MIN, max=200, message=_l("Use at least %(num)d characters.", num=C.PASSWORD_MIN))])
    confirm_password = PasswordField(_l("New password again"), validators=[
        DataRequired(_l("Type the new password again.")), EqualTo("new_password", _l("The two new passwords differ."))])
