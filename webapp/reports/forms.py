"""The reports' period and scope, read from the query string (a GET form: no CSRF)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import DateField, SelectField
from wtforms.validators import Optional

from .figures import PERIODS


class ReportForm(FlaskForm):
    class Meta:
        csrf = False

    period = SelectField("Period", choices={**PERIODS, "range": "Chosen dates"}, validators=[Optional()])
    date_from = DateField("From", validators=[Optional()])
    date_to = DateField("To", validators=[Optional()])
    student_id = SelectField("Student", validators=[Optional()])
    course_enrollment_id = SelectField("Course", validators=[Optional()])

    def set_scope(self, students, enrollments) -> None:
        self.student_id.choices = {"": "All students"} | {str(i): name for i, name in students}
        self.course_enrollment_id.choices = {"": "All courses"} | {
            str(e.id): f"{e.course} — {e.student.full_name}" for e in enrollments}
