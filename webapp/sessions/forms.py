"""The workspace's forms: the plan (create and edit a session), the list's filters, a
lesson's move, the delete of a series, and the parsing of a lesson's marks.

WTForms parses the input into Python values; the rules between fields live in
`lessons.rules` (shared with the API) and are applied by `lessons.plans.check` and
`lessons.rules.validate_lesson`.
"""
from __future__ import annotations

from datetime import date
from typing import Any

from flask_babel import LazyString
from wtforms import (BooleanField, HiddenField, IntegerField, RadioField, SearchField, SelectField, SelectMultipleField,
                     StringField, TextAreaField, TimeField)
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from .. import choices as C
from ..fields import CalendarDateField
from ..form_i18n import Form
from ..translate import gettext as _, lazy_gettext as _l

TEXT_MAX = 20_000  # a textarea of topics: 50 topics of 200 characters, with room to spare
# Form fields that stand for one key of `recurring_pattern`.
PATTERN_FIELDS = {"days": "recurring_days", "months": "recurring_months",
                  "specific_dates": "recurring_specific_dates"}


def labelled(values, labels, first: tuple[str, str] | None = None) -> dict[str, str]:
    out = {first[0]: first[1]} if first else {}
    return out | {v: labels.get(v, v) if labels else v for v in values}


def _weekday_name(i: int) -> str:
    from ..formatting import weekdays

    return weekdays("wide")[i]


def _month_name(i: int) -> str:
    from ..formatting import month_names
    from ..i18n import reading

    return month_names(reading().language, "gregorian", "wide")[i]  # a series' months are Gregorian ones


# The weekdays and months of a series' pattern (values: C.WEEKDAYS, C.MONTHS, in English), named
# in the reader's language when shown (CLDR's names, as every date of the app).
WEEKDAY_LABELS = {day: LazyString(_weekday_name, i) for i, day in enumerate(C.WEEKDAYS)}
MONTH_LABELS = {month: LazyString(_month_name, i) for i, month in enumerate(C.MONTHS)}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class SessionForm(Form):
    course_enrollment_id = SelectField(_l("Student and course"), coerce=int,
                                       validators=[InputRequired(_l("Choose the student and course."))])
    topics = TextAreaField(_l("Topics"), validators=[Length(max=TEXT_MAX)],
                           description=_l("One topic per line."))
    session_date = CalendarDateField(_l("Date"), validators=[InputRequired(_l("Give the date."))])
    start_time = TimeField(_l("Start"), validators=[InputRequired(_l("Give the start time."))])
    end_time = TimeField(_l("End"), validators=[InputRequired(_l("Give the end time."))])
    duration = IntegerField(_l("Duration (minutes)"), validators=[Optional()],
                            description=_l("Leave empty: it follows from start and end."))
    session_mode = SelectField(_l("Mode"), choices=labelled(C.SESSION_MODES, C.MODE_LABELS),
                               default=C.DEFAULT_MODE)
    location = StringField(_l("Location"), validators=[Length(max=C.LOCATION_MAX)],
                           description=_l("Required for in-person and hybrid sessions."))
    session_frequency = SelectField(_l("Repeats"), default=C.DEFAULT_FREQUENCY,
                                    choices=labelled(C.SESSION_FREQUENCIES, C.FREQUENCY_LABELS))
    recurring_days = MultiCheckboxField(_l("On these weekdays"), choices=labelled(C.WEEKDAYS, WEEKDAY_LABELS))
    recurring_months = MultiCheckboxField(_l("Only in these months"), choices=labelled(C.MONTHS, MONTH_LABELS))
    recurring_specific_dates = TextAreaField(_l("Also on these dates"), validators=[Length(max=TEXT_MAX)],
                                             description=_l("One date per line, as YYYY-MM-DD."))
    # The end of a series (SessionSeries): a last date or a number of lessons; neither: open-ended.
    until_date = CalendarDateField(_l("Ends on"), validators=[Optional()],
                           description=_l("Leave empty for a series without an end."))
    occurrence_count = IntegerField(_l("Or after this many lessons"), validators=[Optional()])
    notification_enabled = BooleanField(_l("Send a notification"))
    alarm_enabled = BooleanField(_l("Ring an alarm"))
    alarm_before_minutes = IntegerField(_l("Alarm, minutes before"), validators=[Optional()],
                                        default=C.DEFAULT_ALARM_MINUTES,
                                        description=_l("%(min)d to %(max)d (one week).", min=C.ALARM_MINUTES_MIN,
                                                       max=C.ALARM_MINUTES_MAX))
    priority_level = SelectField(_l("Priority"), default=C.DEFAULT_PRIORITY,
                                 choices=labelled(C.PRIORITY_LEVELS, C.PRIORITY_LABELS))
    is_featured = BooleanField(_l("Featured"))
    version = HiddenField()
    save_anyway = BooleanField(_l("Save anyway: I know about the overlap"))
    # Edit of a series only: which of its lessons the change is for.
    scope = RadioField(_l("Apply the change to"), default="all",
                       choices={"all": _l("Every lesson to come"),
                                "following": _l("The lesson on the date below and every later one")})
    from_date = CalendarDateField(_l("From the lesson on"), validators=[Optional()])

    def set_enrollments(self, enrollments) -> None:
        self.course_enrollment_id.choices = {e.id: e.label for e in enrollments}

    PLAN = ("course_enrollment_id", "session_date", "start_time", "end_time", "duration", "session_mode",
            "location", "session_frequency", "notification_enabled", "alarm_enabled", "alarm_before_minutes",
            "priority_level", "is_featured")

    def values(self) -> dict[str, Any]:
        """The plan's parsed values by column name (marks are made on the lesson, not here)."""
        values: dict[str, Any] = {name: getattr(self, name).data for name in self.PLAN}
        values["topics"] = lines(self.topics.data)
        values["recurring_pattern"] = {
            "days": list(self.recurring_days.data or []),
            "months": list(self.recurring_months.data or []),
            "specific_dates": lines(self.recurring_specific_dates.data),
        }
        return values

    def fill(self, session) -> None:
        """Pre-fill from a saved session (GET of the edit page)."""
        # Duration stays empty (it follows from start and end), so that changing the times
        # never trips over the old duration.
        for name in self.PLAN:
            if name != "duration":
                getattr(self, name).data = getattr(session, name)
        self.topics.data = "\n".join(session.topics or [])
        pattern = session.recurring_pattern or {}
        self.recurring_days.data = pattern.get("days") or []
        self.recurring_months.data = pattern.get("months") or []
        self.recurring_specific_dates.data = "\n".join(pattern.get("specific_dates") or [])
        self.version.data = session.version

    def fill_series(self, series) -> None:
        """Pre-fill the end of a series (its SessionSeries row, if any)."""
        if series is not None:
            self.until_date.data = series.until_date
            self.occurrence_count.data = series.occurrence_count

    def add_errors(self, errors: dict[str, list[str]]) -> list[str]:
        """Put the rules' errors beside their fields; return those with no field here."""
        loose = []
        for name, messages in errors.items():
            if name == "recurring_pattern":
                # Weekdays and months are ticked here (only offered ones get through): what the
                # rules find wrong in the pattern is in the dates typed, when there are some.
                name = "recurring_specific_dates" if lines(self.recurring_specific_dates.data) else "recurring_days"
            field = getattr(self, name, None)
            if field is None:
                loose.extend(messages)
                continue
            field.errors = list(field.errors) + [m for m in messages if m not in field.errors]
        return loose


YES_NO = {"": _l("Any"), "true": _l("Yes"), "false": _l("No")}


class MoveLessonForm(Form):
    """Move one lesson to another date or time; the rest of its series stays."""

    date = CalendarDateField(_l("Date"), validators=[InputRequired(_l("Give the date."))])
    start_time = TimeField(_l("Start"), validators=[InputRequired(_l("Give the start time."))])
    end_time = TimeField(_l("End"), validators=[InputRequired(_l("Give the end time."))])
    version = HiddenField()
    move_anyway = BooleanField(_l("Move anyway: I know about the overlap"))


class DeleteForm(Form):
    """Delete a session, or (a series) one lesson, this one and the following, or all."""

    scope = RadioField(_l("What to delete"), default="series", validate_choice=True,
                       choices={"lesson": _l("Only this lesson (it shows as cancelled)"),
                                "following": _l("This lesson and every later one"),
                                "series": _l("The whole series")})
    from_date = CalendarDateField(_l("The lesson on"), validators=[Optional()])


# --- A lesson's marks: the lesson page's form and the rows' editors ------------------------
# They post any of LESSON_FIELDS by name (plus `topics_extra`, one topic per line, on the
# lesson page) and `fields`, which names what the form carries: a row's editor carries one
# control, and an unticked checkbox sends nothing.
MARK_FIELDS = ("status", "tutor_attendance_status", "student_attendance_status", "priority_level",
               "topics_covered", "note", "note_shared")


def lesson_marks(form) -> dict[str, Any]:
    """The marks a posted form (a werkzeug MultiDict) carries, as Python values; the rules
    (`validate_lesson`) judge them."""
    carried = [name for name in form.getlist("fields") if name in MARK_FIELDS] or \
        [name for name in MARK_FIELDS if name in form]
    out: dict[str, Any] = {}
    for name in carried:
        if name == "topics_covered":
            out[name] = form.getlist(name) + lines(form.get("topics_extra"))
        elif name.endswith("_attendance_status"):
            out[name] = (form.get(name) or "").strip() or None  # empty: not marked
        elif name == "note_shared":  # a checkbox: absent when not ticked
            out[name] = form.get(name) in ("1", "on", "true")
        else:
            out[name] = form.get(name, "")
    return out


def _bool(value):
    return {"true": True, "false": False}.get(value)


class FilterForm(Form):
    """The list's filters: a GET form (no CSRF), names as the API's query parameters."""

    class Meta:
        csrf = False

    q = SearchField(_l("Topic contains"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=labelled(C.SESSION_STATUSES, C.STATUS_LABELS, ("", _l("Any status"))), validators=[Optional()])
    session_mode = SelectField(_l("Mode"), choices=labelled(C.SESSION_MODES, C.MODE_LABELS, ("", _l("Any mode"))), validators=[Optional()])
    priority_level = SelectField(_l("Priority"), choices=labelled(C.PRIORITY_LEVELS, C.PRIORITY_LABELS, ("", _l("Any priority"))), validators=[Optional()])
    student_id = SelectField(_l("Student"), choices={"": _l("All students")}, validators=[Optional()])
    tutor_id = SelectField(_l("Tutor"), choices={"": _l("All tutors")}, validators=[Optional()])  # an admin's list
    date_from = CalendarDateField(_l("From"), validators=[Optional()])
    date_to = CalendarDateField(_l("To"), validators=[Optional()])
    is_featured = SelectField(_l("Featured"), choices=YES_NO, validators=[Optional()])
    is_recurring = SelectField(_l("Recurring"), choices=YES_NO, validators=[Optional()])

    # "Every lesson of this series", from the session page: kept through tabs and pages.
    session_id = IntegerField(widget=HiddenInput(), validators=[Optional(), NumberRange(1, 2**31 - 1)])

    NAMES = ("q", "status", "session_mode", "priority_level", "student_id", "tutor_id", "date_from", "date_to",
             "is_featured", "is_recurring", "session_id")

    @classmethod
    def for_user(cls, user, args, shown: bool = True) -> "FilterForm":
        """The list's filters from `args`, with the students (and for an admin the tutors) the
        user may choose from: the list page, its CSV and the command share it. Not `shown`
        (the list's results alone, the CSV), the choices are looked up only to check a
        student (a tutor) asked for."""
        import sqlalchemy as sa

        from ..extensions import db
        from ..lessons.access import student_choices
        from ..models import User

        form = cls(args)
        if shown or args.get("student_id"):
            form.set_students(student_choices(user))
        if user.is_admin and (shown or args.get("tutor_id")):
            form.set_tutors(db.session.execute(sa.select(User.id, User.full_name).where(User.role == "tutor")
                                               .order_by(User.full_name, User.id)).all())
        return form

    def set_students(self, students) -> None:
        self.student_id.choices = {"": _("All students")} | {str(i): name for i, name in students}

    def set_tutors(self, tutors) -> None:
        self.tutor_id.choices = {"": _("All tutors")} | {str(i): name for i, name in tutors}

    def filters(self) -> dict[str, Any]:
        """The valid filters, parsed; a field with an error is left out (and says why)."""
        self.validate()
        out: dict[str, Any] = {}
        for name in self.NAMES:
            field = getattr(self, name)
            if field.errors or not field.data:
                continue
            value = field.data
            if name in ("is_featured", "is_recurring"):
                value = _bool(value)
            elif name in ("student_id", "tutor_id"):
                value = int(value)
            elif name == "q":
                value = value.strip()
            if value is not None and value != "":
                out[name] = value
        for name in ("date_from", "date_to"):
            if name in out and (problem := C.date_error(out[name])):
                getattr(self, name).errors = list(getattr(self, name).errors) + [problem]
                out.pop(name)
        if isinstance(out.get("date_from"), date) and isinstance(out.get("date_to"), date) \
                and out["date_to"] < out["date_from"]:
            self.date_to.errors = list(self.date_to.errors) + [_("The end is before the start.")]
            out.pop("date_to")
        return out

    def active(self) -> bool:
        return any(getattr(self, n).raw_data and getattr(self, n).raw_data[0] for n in self.NAMES)


# What the lists' bulk form may set on the lessons ticked (one value each time).
BULK_CHANGES = {
    **{f"status={v}": _l("Status: %(value)s", value=C.STATUS_LABELS[v]) for v in C.SESSION_STATUSES},
    **{f"student_attendance_status={v}": _l("Student: %(value)s", value=C.ATTENDANCE_LABELS[v])
       for v in C.ATTENDANCE_STATUSES},
    **{f"tutor_attendance_status={v}": _l("Tutor: %(value)s", value=C.ATTENDANCE_LABELS[v])
       for v in C.ATTENDANCE_STATUSES},
    **{f"priority_level={v}": _l("Priority: %(value)s", value=C.PRIORITY_LABELS[v]) for v in C.PRIORITY_LEVELS},
    "everyone-present": _l("Everyone present"),
}
