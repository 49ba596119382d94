"""The lessons as CSV (`/lessons.csv`, the list's filters), and the reports."""
from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_login import current_user

from ..extensions import db
from ..lessons import recurrence as R
from ..lessons.access import enrollments_of, student_choices
from ..lessons.errors import TooManyLessons
from ..lessons.listing import lessons_in_window, list_window
from ..sessions.forms import FilterForm
from ..web import require_login, user_now, user_today
from . import charts, export
from .figures import ensure_range, figures_of, period_dates, with_reviews
from .forms import ReportForm

bp = Blueprint("reports", __name__)
REPORT_BUDGET = 100_000  # lessons a report may expand: five years of a busy tutor's
bp.before_request(require_login)


def filtered_lessons(user, args) -> tuple[list, FilterForm]:
    """The lessons the list shows for these query parameters (tab, dates, filters), all of
    them, unpaged; raises TooManyLessons for a window too wide to expand."""
    form = FilterForm.for_user(user, args, shown=False)
    filters = form.filters()
    window = list_window(args.get("tab"), filters, user_today())
    lessons = lessons_in_window(user, window.start, window.end, filters,
                                now=user_now() if window.to_mark else None, with_tutor=True)
    return (lessons[::-1] if window.newest_first else lessons), form


@bp.get("/lessons.csv")
def lessons_csv():
    """One line per lesson of the list with these filters (SPEC "Lessons")."""
    user = current_user._get_current_object()
    try:
        lessons, _form = filtered_lessons(user, request.args)
    except TooManyLessons as exc:
        abort(422, description=str(exc))
    response = Response(stream_with_context(export.chunks(lessons, not user.has_workspace)),
                        content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f'attachment; filename="lessons-{user_today().isoformat()}.csv"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/reports")
def index():
    """A period's figures (this week, this month, last month or chosen dates), for one
    student or course or all: the tutor's own, a student's or parent's for their lessons."""
    user = current_user._get_current_object()
    form = ReportForm(request.args)
    form.set_scope(student_choices(user), db.session.scalars(enrollments_of(user)).all())
    form.validate()
    today, now = user_today(), user_now()
    start, end = period_dates(form.period.data, today) or period_dates("this-month", today)
    if form.date_from.data or form.date_to.data or form.period.data == "range":
        start = form.date_from.data or start
        end = form.date_to.data or end
        form.period.data = "range"
    problem = ensure_range(start, end)
    if problem:
        form.date_to.errors = list(form.date_to.errors) + [problem]
        return render_template("reports/index.html", form=form, figures=None, start=start, end=end), 422
    form.date_from.data, form.date_to.data = start, end
    filters = {name: int(getattr(form, name).data) for name in ("student_id", "course_enrollment_id")
               if getattr(form, name).data and not getattr(form, name).errors}
    try:
        lessons = lessons_in_window(user, start, end, filters, budget=R.Budget(REPORT_BUDGET))
    except TooManyLessons as exc:
        form.date_to.errors = list(form.date_to.errors) + [str(exc)]
        return render_template("reports/index.html", form=form, figures=None, start=start, end=end), 422
    figures = with_reviews(figures_of(lessons, start, end, now), lessons)
    return render_template("reports/index.html", form=form, figures=figures, start=start, end=end,
                           hours_chart=charts.hours_taught(figures), attendance_chart=charts.attendance(figures),
                           csv_args={"date_from": start.isoformat(), "date_to": end.isoformat(), **filters})
