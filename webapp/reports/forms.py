"""The reports' period and scope, read from the query string (a GET form: no CSRF)."""
from __future__ import annotations

from wtforms import SelectField
from wtforms.validators import Optional

from ..fields import CalendarDateField
from ..form_i18n import Form
from ..translate import gettext as _, lazy_gettext as _l
from .figures import PERIODS


class ReportForm(Form):
    class Meta:
        csrf = False

    period = SelectField(_l("Period"), choices={**PERIODS, "range": _l("Chosen dates")}, validators=[Optional()])
    date_from = CalendarDateField(_l("From"), validators=[Optional()])
    date_to = CalendarDateField(_l("To"), validators=[Optional()])
    student_id = SelectField(_l("Student"), validators=[Optional()])
    course_enrollment_id = SelectField(_l("Course"), validators=[Optional()])

    def set_scope(self, students, enrollments) -> None:
        self.student_id.choices = {"": _("All students")} | {str(i): name for i, name in students}
        self.course_enrollment_id.choices = {"": _("All courses")} | {
            str(e.id): f"{e.course} — {e.student.full_name}" for e in enrollments}
