"""The tutor's workspace: the session list, detail, create/edit forms, delete and the
small inline endpoints (htmx, and plain form posts without JavaScript)."""
from __future__ import annotations

from datetime import date, timedelta
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from .. import recurrence as R
from ..calendar import services as series
from ..extensions import db
from ..models import Session, SessionOccurrence, SessionSeries
from . import lessons, services
from .forms import FilterForm, MoveLessonForm, SessionForm
from .overlap import overlapping_lessons
from .queries import (DEFAULT_TAB, DETAIL_OPTIONS, TABS, ListPage, enrollments_of, get_session_or_404,
                      list_page, students_of)

bp = Blueprint("sessions", __name__, url_prefix="/sessions")
CONTEXTS = ("row", "detail")  # which markup an inline answer re-renders
LESSONS_SHOWN = 12  # rows of lessons on a series' page


@bp.before_request
@login_required
def require_login():
    """Every page of the workspace needs a logged-in user."""


@bp.after_request
def vary_on_htmx(response: Response) -> Response:
    # The same URL answers a page or a fragment: caches must keep them apart.
    response.vary.add("HX-Request")
    return response


def is_htmx() -> bool:
    """An htmx request that wants a fragment (a history restore wants the whole page)."""
    return bool(request.htmx and not request.htmx.history_restore_request)


def safe_next(target: str | None, default: str) -> str:
    """Only local paths, never another site."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") \
                and not target.startswith("//") and "\\" not in target:
            return target
    return default


def today():
    return R.local_today(current_user.timezone)


def _page_number() -> int:
    raw = request.args.get("page", "1")
    return int(raw) if raw.isdigit() and len(raw) < 7 else 1


@bp.app_template_filter("day")
def format_day(value: date | None) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}" if value else ""


@bp.app_template_filter("hm")
def format_time(value) -> str:
    return value.strftime("%H:%M") if value else ""


@bp.app_template_filter("minutes")
def format_minutes(value: int | None) -> str:
    if not value:
        return ""
    hours, minutes = divmod(int(value), 60)
    return " ".join(part for part in (f"{hours} h" if hours else "", f"{minutes} min" if minutes else "") if part)


@bp.get("")
def index():
    """The tutor's sessions: tabs, filters and pages; the results alone for htmx."""
    form = FilterForm(request.args)
    form.set_students(db.session.execute(students_of(current_user)).all())
    filters = form.filters()
    tab = request.args.get("tab", DEFAULT_TAB)
    if tab not in dict(TABS):
        tab = DEFAULT_TAB
    if tab == "today":  # the day's lessons, of one-time sessions and of series alike
        lessons_today = series.lessons_on(current_user, today(), filters)
        page = ListPage(rows=lessons_today, total=len(lessons_today), page=1, per_page=max(1, len(lessons_today)))
    else:
        page = list_page(current_user, tab, filters, _page_number(),
                         current_app.config["SESSIONS_PER_PAGE"], today())
    # Lessons of series still to mark come in a table of their own (not paged with the rows).
    to_mark = series.lessons_to_mark(current_user, today(), filters) if tab == "needs-marking" else []
    args = {n: request.args.get(n) for n in FilterForm.NAMES if request.args.get(n)}
    template = "sessions/_results.html" if is_htmx() else "sessions/index.html"
    return render_template(template, form=form, page=page, tab=tab, tabs=TABS, args=args,
                           to_mark=to_mark, marking_window=series.MARKING_WINDOW_DAYS, today=today())


def _series_extras(session: Session):
    """The series' end and overrides, for its description and next dates (2 queries)."""
    if not R.is_series(session):
        return None, []
    series = db.session.get(SessionSeries, session.id)
    overrides = db.session.scalars(db.select(SessionOccurrence)
                                   .where(SessionOccurrence.session_id == session.id)).all()
    return series, overrides


@bp.get("/<int:session_id>")
def detail(session_id: int):
    """Every field of one session, its recurrence, reviews, student and parents."""
    session = get_session_or_404(session_id, current_user, options=DETAIL_OPTIONS)
    series, overrides = _series_extras(session)
    around = []  # a series' lessons of the last two weeks and the next five, as rows
    if R.is_series(session):
        around = R.occurrences_between([session], overrides, today() - timedelta(days=14),
                                       today() + timedelta(days=35), series={session.id: series},
                                       tz=current_user.timezone)[:LESSONS_SHOWN]
    return render_template(
        "sessions/detail.html", s=session,
        recurrence=R.describe(session, series) if R.is_series(session) else None,
        next_dates=R.next_dates(session, 5, after=today(), series=series, overrides=overrides),
        lessons=around, today=today())


def _form_page(form: SessionForm, session: Session | None, clashes=(), loose=(), changed=()):
    status = 200
    if request.method == "POST":
        status = 409 if changed else 422 if (form.errors or loose or clashes) else 200
    return render_template("sessions/form.html", form=form, s=session, clashes=clashes,
                           loose=loose, changed=changed), status


def _save_form(form: SessionForm, session: Session | None):
    """Validate, check overlaps, save; or re-render with everything the tutor typed."""
    editing = session is not None
    if not form.validate_on_submit():
        return _form_page(form, session)
    values = form.values(editing)
    cleaned, errors = services.check(current_user, values, session)
    series_end = {"until": form.until_date.data, "count": form.occurrence_count.data}
    if cleaned.get("is_recurring"):
        errors |= R.end_errors(cleaned.get("session_date"), series_end["until"], series_end["count"])
    loose = form.add_errors(errors)
    if errors:
        return _form_page(form, session, loose=loose)
    changed = []
    if editing and form.version.data != session.version:
        # Someone else saved in between: show what differs instead of overwriting it.
        changed = services.differences(session, cleaned)
        form.version.data = session.version  # saving again now overwrites, on purpose
        if changed:
            return _form_page(form, session, changed=changed)
    enrollment = next(e for e in form.enrollments if e.id == cleaned["course_enrollment_id"])
    if not form.save_anyway.data:
        current = series.series_of(session) if editing else None
        planned = SessionSeries(until_date=series_end["until"], occurrence_count=series_end["count"],
                                exdates=list(current.exdates or []) if current else [])
        clashes = overlapping_lessons(cleaned, enrollment, session.id if editing else None, planned)
        if clashes:
            return _form_page(form, session, clashes=clashes)
    try:
        saved, errors = series.save_session(session, cleaned, series_end, scope=form.scope.data,
                                            from_date=form.from_date.data)
    except services.Conflict:
        fresh = get_session_or_404(session.id, current_user, fresh=True)
        form.version.data = fresh.version
        return _form_page(form, fresh, changed=services.differences(fresh, cleaned))
    if errors:
        errors["from_date"] = errors.pop("date", []) + errors.pop("__all__", [])
        return _form_page(form, session, loose=form.add_errors({k: v for k, v in errors.items() if v}))
    if editing and saved.id != session.id:  # the series was split where the change starts
        flash(f"Session saved for the lessons from {format_day(saved.session_date)} on; "
              "the earlier ones keep what they had.", "success")
    else:
        flash("Session saved.", "success")
    return redirect(url_for("sessions.detail", session_id=saved.id), code=303)


def _session_form(session: Session | None = None) -> SessionForm:
    form = SessionForm()
    form.enrollments = db.session.scalars(enrollments_of(current_user)).all()
    form.set_enrollments(form.enrollments)
    if session is None:  # a new session starts unmarked, with nothing covered yet
        for name in ("tutor_attendance_status", "student_attendance_status", "topics_covered"):
            delattr(form, name)
    return form


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Plan a new session (attendance starts unmarked)."""
    form = _session_form()
    if request.method == "GET":
        try:  # "plan one on this day" links from the calendar
            form.session_date.data = date.fromisoformat(request.args.get("date", ""))
        except ValueError:
            pass
    return _save_form(form, None)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
def edit(session_id: int):
    """Change a session; the version it started from guards against lost updates."""
    session = get_session_or_404(session_id, current_user)
    form = _session_form(session)
    if request.method == "GET":
        form.fill(session)
        form.fill_series(series.series_of(session))
        try:  # "change this and the following lessons" from a lesson's page
            form.from_date.data = date.fromisoformat(request.args.get("from", ""))
            form.scope.data = "following"
        except ValueError:
            pass
    return _save_form(form, session)


@bp.route("/<int:session_id>/delete", methods=["GET", "POST"])
def delete(session_id: int):
    """Confirm (GET) and delete (POST) a session; then back to the list."""
    session = get_session_or_404(session_id, current_user)
    if request.method == "GET":
        return render_template("sessions/delete.html", s=session)
    try:
        services.delete(session)
    except services.Conflict:
        # Changed by someone else in between: let the tutor see it before deleting it.
        flash("This session changed while you were deleting it. Check it, then delete it again.", "error")
        target = url_for("sessions.detail", session_id=session_id)
        if is_htmx():
            return Response(status=200, headers={"HX-Redirect": target})
        return redirect(target, code=303)
    flash("Session deleted.", "success")
    if is_htmx():
        # htmx follows redirects inside the XHR; ask it for a real navigation instead.
        response = Response(status=200)
        response.headers["HX-Redirect"] = url_for("sessions.index")
        return response
    return redirect(url_for("sessions.index"), code=303)


def _inline(session_id: int, kind: str):
    session = get_session_or_404(session_id, current_user)
    name, value, error = services.parse_inline(kind, request.form)
    outcome = services.mark(session, name, value, request.form.get("version"), error)
    if outcome.reload:
        # The write itself found a newer row: read it again to show what is saved now.
        session = get_session_or_404(session_id, current_user, fresh=True)
    context = request.form.get("context")
    if is_htmx():
        template = "sessions/_marking.html" if context == "detail" else "sessions/_row.html"
        return render_template(template, s=session, message=outcome.message,
                               message_kind="conflict" if outcome.code == 409 else "error",
                               today=today(), next_url=request.form.get("next")), outcome.code
    if outcome.ok:
        flash("Saved.", "success")
    else:
        flash(outcome.message, "error")
    return redirect(safe_next(request.form.get("next"),
                              url_for("sessions.detail", session_id=session.id)), code=303)


@bp.post("/<int:session_id>/status")
def update_status(session_id: int):
    """Change the status, following the allowed transitions."""
    return _inline(session_id, "status")


@bp.post("/<int:session_id>/attendance")
def update_attendance(session_id: int):
    """Mark the tutor's or the student's attendance (empty: not marked)."""
    return _inline(session_id, "attendance")


@bp.post("/<int:session_id>/priority")
def update_priority(session_id: int):
    """Change the priority."""
    return _inline(session_id, "priority")


@bp.post("/<int:session_id>/featured")
def update_featured(session_id: int):
    """Feature or unfeature the session."""
    return _inline(session_id, "featured")


@bp.post("/<int:session_id>/topics-covered")
def update_topics_covered(session_id: int):
    """Tick the planned topics that were covered."""
    return _inline(session_id, "topics-covered")


# --- One lesson of a series ---------------------------------------------------------------


def _lesson(session_id: int, day: str):
    """The series (ownership first: another tutor's is a 404 like an unknown one) and its
    lesson on that original date."""
    session = get_session_or_404(session_id, current_user)
    return session, lessons.get_lesson_or_404(session, lessons.parse_day(day))


def _lesson_page(session: Session, lesson, form: MoveLessonForm | None = None, message=None,
                 message_kind=None, status: int = 200):
    version = lesson.version
    if form is None:
        form = MoveLessonForm(formdata=None, new_date=lesson.date, new_start_time=lesson.start_time,
                              new_end_time=lesson.end_time)
    form.version.data = version
    return render_template("sessions/lesson.html", s=session, lesson=lesson, version=version, form=form,
                           message=message, message_kind=message_kind, today=today()), status


@bp.get("/<int:session_id>/lessons/<day>")
def lesson(session_id: int, day: str):
    """One lesson of a series: mark it, cancel or move it, without touching the others."""
    session, found = _lesson(session_id, day)
    return _lesson_page(session, found)


def _mark_lesson(session_id: int, day: str, kind: str):
    session, found = _lesson(session_id, day)
    name, value, error = lessons.parse(kind, request.form)
    outcome = lessons.mark(session, found.original_date, name, value, request.form.get("version"), error)
    found = lessons.get_lesson_or_404(session, found.original_date)  # as saved now
    kind_of_message = "conflict" if outcome.code == 409 else "error"
    if is_htmx():  # the list's row (context "lesson-row") or the lesson page's widget
        template = "sessions/_lesson_row.html" if request.form.get("context", "").startswith("lesson-row") \
            else "sessions/_lesson_marking.html"
        return render_template(template, s=session, lesson=found,
                               version=found.version, message=outcome.message, message_kind=kind_of_message,
                               next_url=request.form.get("next")), outcome.code
    if outcome.ok:
        flash("Saved.", "success")
    else:
        flash(outcome.message, "error")
    return redirect(safe_next(request.form.get("next"),
                              url_for("sessions.lesson", session_id=session_id, day=day)), code=303)


@bp.post("/<int:session_id>/lessons/<day>/status")
def update_lesson_status(session_id: int, day: str):
    """Change one lesson's status (cancel it, reinstate it, ...), by the same transitions."""
    return _mark_lesson(session_id, day, "status")


@bp.post("/<int:session_id>/lessons/<day>/attendance")
def update_lesson_attendance(session_id: int, day: str):
    """Mark the tutor's or the student's attendance at one lesson."""
    return _mark_lesson(session_id, day, "attendance")


@bp.post("/<int:session_id>/lessons/<day>/topics-covered")
def update_lesson_topics_covered(session_id: int, day: str):
    """Tick the planned topics covered in one lesson."""
    return _mark_lesson(session_id, day, "topics-covered")


@bp.post("/<int:session_id>/lessons/<day>/note")
def update_lesson_note(session_id: int, day: str):
    """The tutor's note on one lesson."""
    return _mark_lesson(session_id, day, "note")


@bp.post("/<int:session_id>/lessons/<day>/move")
def move_lesson(session_id: int, day: str):
    """Move one lesson to another date or time; the series keeps its rule."""
    session, found = _lesson(session_id, day)
    form = MoveLessonForm()
    if not form.validate_on_submit():
        return _lesson_page(session, found, form, status=422)
    outcome, errors = lessons.move(session, found.original_date, form.version.data, form.new_date.data,
                                   form.new_start_time.data, form.new_end_time.data)
    if not outcome.ok:
        found = lessons.get_lesson_or_404(session, found.original_date)  # as saved now
        for name, messages in errors.items():
            getattr(form, name, form.new_date).errors = list(messages)
        message = outcome.message if outcome.code == 409 else None
        return _lesson_page(session, found, form, message=message, message_kind="conflict", status=outcome.code)
    flash("Lesson moved.", "success")
    return redirect(url_for("sessions.lesson", session_id=session_id, day=day), code=303)
