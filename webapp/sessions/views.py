"""The tutor's workspace: the list of lessons, the session page (the plan and its lessons),
the plan's create and edit forms, featuring and deleting. A lesson's own pages and marks are
in `lesson_views`."""
from __future__ import annotations

from datetime import date, timedelta

from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import choices as C
from ..extensions import db
from ..formatting import day as day_text, hm, short_day
from ..lessons import bulk as bulk_marking, clashes, plans, recurrence as R
from ..lessons.access import DETAIL_OPTIONS, enrollments_of, get_lesson, get_session, series_of
from ..lessons.errors import Conflict, TooManyLessons
from ..lessons.listing import decode_key, encode_key, lesson_page, list_window
from ..lessons.marking import change_lesson
from ..models import Session, SessionSeries
from ..notifications.alarms import browser_alarms
from ..reports import imports
from ..translate import gettext as _, lazy_gettext as _l, ngettext
from ..web import is_htmx, safe_next, user_now, user_today
from . import workspace
from .forms import BULK_CHANGES, DeleteForm, FilterForm, SessionForm

bp = workspace(Blueprint("sessions", __name__, url_prefix="/sessions"))
TAB_LABELS = {"today": _l("Today"), "upcoming": _l("Upcoming"), "needs-marking": _l("Needs marking"),
              "past": _l("Past"), "all": _l("All")}
LESSONS_SHOWN = 12  # rows of lessons on a series' page




def load_session(session_id: int, **kw) -> Session:
    """The session, if the user may see it; 404 otherwise (unknown and not-yours alike)."""
    session = get_session(session_id, current_user, **kw)
    if session is None:
        abort(404)
    return session


@bp.get("")
def index():
    """The user's lessons: tabs, filters and pages; the results alone for htmx."""
    user = current_user._get_current_object()  # the proxy costs on every attribute read
    form = FilterForm.for_user(user, request.args, shown=not is_htmx())
    filters = form.filters()
    today, now = user_today(), user_now()
    window = list_window(request.args.get("tab"), filters, today)
    tab = window.tab
    cursor = decode_key(request.args.get("after"))
    status = 200
    try:
        page = lesson_page(user, window.start, window.end, filters, cursor, window.newest_first,
                           current_app.config["SESSIONS_PER_PAGE"], now if window.to_mark else None)
    except TooManyLessons as exc:
        page, status = None, 422
        form.date_to.errors = list(form.date_to.errors) + [str(exc)]
    args = {n: request.args.get(n) for n in FilterForm.NAMES if request.args.get(n)}
    template = "sessions/_results.html" if is_htmx() else "sessions/index.html"
    alarms = browser_alarms(page.lessons, user.timezone, request.script_root) if page and tab == "today" else []
    return render_template(template, form=form, page=page, tab=tab, tabs=TAB_LABELS, args=args, today=today,
                           cursor=cursor, encode_key=encode_key, alarms=alarms), status


@bp.get("/<int:session_id>")
def detail(session_id: int):
    """The plan (rule, end, place, reminders, people) and its lessons around today."""
    session = load_session(session_id, options=DETAIL_OPTIONS)
    series = series_of(session)
    today = user_today()
    page = lesson_page(current_user, today - timedelta(days=14) if R.is_series(session) else C.DATE_MIN,
                       today + timedelta(days=C.HORIZON_DAYS) if R.is_series(session) else C.DATE_MAX,
                       {"session_id": session.id}, size=LESSONS_SHOWN)
    return render_template("sessions/detail.html", s=session, series=series,
                           rule=R.describe(session, series) if R.is_series(session) else None,
                           lessons=page.lessons, more=page.next_cursor is not None, today=today)


def _form_page(form: SessionForm, session: Session | None, found=(), loose=(), changed=()):
    status = 200
    if request.method == "POST":
        status = 409 if changed else 422 if (form.errors or loose or found) else 200
    return render_template("sessions/form.html", form=form, s=session, clashes=found,
                           loose=loose, changed=changed), status


def _save_form(form: SessionForm, session: Session | None):
    """Validate, check overlaps, save; or re-render with everything the tutor typed."""
    editing = session is not None
    if not form.validate_on_submit():
        return _form_page(form, session)
    base = plans.current_values(session) if editing else plans.new_session_values()
    cleaned, errors = plans.check(current_user, base | form.values(), session)
    end = {"until": form.until_date.data, "count": form.occurrence_count.data}
    if cleaned.get("is_recurring"):
        errors |= R.end_errors(cleaned.get("session_date"), end["until"], end["count"])
    loose = form.add_errors(errors)
    if errors:
        return _form_page(form, session, loose=loose)
    if editing and form.version.data != session.version:
        # Someone else saved in between: show what differs instead of overwriting it.
        changed = plans.differences(session, cleaned)
        form.version.data = session.version  # saving again now overwrites, on purpose
        if changed:
            return _form_page(form, session, changed=changed)
    if not form.save_anyway.data:
        enrollment = next(e for e in form.enrollments if e.id == cleaned["course_enrollment_id"])
        current = series_of(session) if editing else None
        planned = SessionSeries(until_date=end["until"], occurrence_count=end["count"],
                                exdates=list(current.exdates or []) if current else [])
        from_date = form.from_date.data if editing and form.scope.data == "following" else None
        found = clashes.for_plan(cleaned, planned, enrollment, user_today(), user_now(),
                                 current=session, current_series=current, from_date=from_date)
        if found:
            return _form_page(form, session, found=found)
    try:
        saved, errors = plans.save_plan(session, cleaned, end, user_today(), scope=form.scope.data,
                                        from_date=form.from_date.data)
    except Conflict:
        fresh = load_session(session.id, fresh=True)
        form.version.data = fresh.version
        return _form_page(form, fresh, changed=plans.differences(fresh, cleaned))
    if errors:
        errors["from_date"] = errors.pop("date", []) + errors.pop("__all__", []) + errors.pop("from_date", [])
        return _form_page(form, session, loose=form.add_errors({k: v for k, v in errors.items() if v}))
    if editing and saved.id != session.id:  # the series was split where the change starts
        flash(_("Saved for the lessons from %(date)s on; the earlier ones keep what they had.",
                date=day_text(saved.session_date)), "success")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("sessions.detail", session_id=saved.id), code=303)


def _session_form() -> SessionForm:
    form = SessionForm()
    form.enrollments = db.session.scalars(enrollments_of(current_user)).all()
    form.set_enrollments(form.enrollments)
    return form


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Plan a new session or series (its lessons start unmarked)."""
    form = _session_form()
    if request.method == "GET":
        try:  # "plan one on this day" links from the calendar
            day = date.fromisoformat(request.args.get("date", ""))
            form.session_date.data = None if C.date_error(day) else day
        except ValueError:
            pass
    return _save_form(form, None)


@bp.route("/<int:session_id>/edit", methods=["GET", "POST"])
def edit(session_id: int):
    """Change the plan; the version it started from guards against lost updates."""
    session = load_session(session_id)
    form = _session_form()
    if request.method == "GET":
        form.fill(session)
        form.fill_series(series_of(session))
        try:  # "change this and the following lessons" from a lesson's page
            form.from_date.data = date.fromisoformat(request.args.get("from", ""))
            form.scope.data = "following"
        except ValueError:
            pass
    return _save_form(form, session)


@bp.post("/<int:session_id>/feature")
def feature(session_id: int):
    """Feature or unfeature the session (a plain form: every label on the next page is current)."""
    session = load_session(session_id)
    session.is_featured = request.form.get("is_featured") in ("1", "true", "on")
    try:
        plans.commit()
    except Conflict:
        flash(_("This session changed meanwhile; here it is as saved now."), "error")
    else:
        flash(_("Saved."), "success")
    return redirect(url_for("sessions.detail", session_id=session_id), code=303)


@bp.route("/<int:session_id>/delete", methods=["GET", "POST"])
def delete(session_id: int):
    """Confirm (GET) and delete (POST): a session, or of a series one lesson (cancelled), this
    lesson and the following ones, or the whole series; it says how many lessons go."""
    session = load_session(session_id)
    series = series_of(session)
    form = DeleteForm()
    today = user_today()
    if request.method == "GET":
        try:
            form.from_date.data = date.fromisoformat(request.args.get("from", ""))
        except ValueError:
            form.from_date.data = None
    day = form.from_date.data
    if R.is_series(session) and (day is None or not R.is_lesson_date(session, series, day)):
        day = plans.next_lesson_date(session, series, today) or session.session_date
        form.from_date.data = day
    counts = plans.lesson_counts(session, series, day) if R.is_series(session) else None
    if request.method == "GET" or not form.validate_on_submit():
        return render_template("sessions/delete.html", s=session, form=form, day=day, counts=counts), \
            200 if request.method == "GET" else 422
    scope = form.scope.data if R.is_series(session) else "series"
    try:
        if scope == "lesson":  # the lesson stays, as cancelled
            lesson, _series = get_lesson(session_id, day, current_user)
            change_lesson(lesson, {"status": "cancelled"}, None)
            flash(_("Saved."), "success")
            return _after_delete(url_for("lessons.show", session_id=session_id, day=day))
        if scope == "following":
            plans.end_series_before(session, day)
            flash(_("Deleted."), "success")
            return _after_delete(url_for("sessions.detail", session_id=session_id)
                                 if day > session.session_date else url_for("sessions.index"))
        plans.delete_session(session)
    except Conflict:
        flash(_("This session changed while you were deleting it. Check it, then delete it again."), "error")
        return _after_delete(url_for("sessions.detail", session_id=session_id))
    flash(_("Deleted."), "success")
    return _after_delete(url_for("sessions.index"))


def _after_delete(target: str) -> Response:
    if is_htmx():  # htmx follows redirects inside the XHR; ask it for a real navigation instead
        return Response(status=200, headers={"HX-Redirect": target})
    return redirect(target, code=303)


# --- Many lessons at once -----------------------------------------------------------------

def _bulk_values(change: str | None) -> dict | None:
    if change == "everyone-present":
        return {"tutor_attendance_status": "present", "student_attendance_status": "present"}
    if change not in BULK_CHANGES:
        return None
    name, value = change.split("=", 1)
    return {name: value}


def _summary(outcome) -> list[tuple[str, str]]:
    def names(lessons):
        shown = ", ".join(f"{short_day(l.date)} {hm(l.start_time)} {l.session.enrollment.student.full_name}"
                          for l in lessons[:5])
        return _("%(lessons)s and %(num)d more", lessons=shown, num=len(lessons) - 5) if len(lessons) > 5 else shown

    changed, unchanged = len(outcome.changed), len(outcome.unchanged)
    out = [("info", ngettext("Saved: %(num)d lesson changed, %(same)d already so.",
                             "Saved: %(num)d lessons changed, %(same)d already so.", changed, same=unchanged)
            if unchanged else ngettext("Saved: %(num)d lesson changed.", "Saved: %(num)d lessons changed.", changed))]
    if outcome.stale:
        out.append(("error", _("Skipped, changed by someone meanwhile (open them to see): %(lessons)s.",
                               lessons=names(outcome.stale))))
    for lesson, why in outcome.refused[:5]:
        out.append(("error", _("Not changed: %(lesson)s: %(why)s", lesson=names([lesson]), why=why)))
    if len(outcome.refused) > 5:
        out.append(("error", ngettext("%(num)d more not changed, for the same reasons.",
                                      "%(num)d more not changed, for the same reasons.", len(outcome.refused) - 5)))
    if outcome.missing:
        out.append(("error", ngettext("%(num)d lesson no longer exist.", "%(num)d lessons no longer exist.",
                                      outcome.missing)))
    return out


@bp.post("/bulk")
def bulk():
    """Set one value on the lessons ticked in a list (or all of its page), in one request."""
    back = safe_next(request.form.get("next"), url_for("sessions.index"))
    values = _bulk_values(request.form.get("change"))
    raw = (request.form.get("page_lessons") or "").split() if request.form.get("whole_page") \
        else request.form.getlist("lesson")
    parsed = [p for p in (bulk_marking.parse_key(r) for r in raw[:bulk_marking.MAX_LESSONS]) if p is not None]
    if values is None or not parsed:
        flash(_("Choose the lessons and what to set.") if values is not None or parsed else
              _("Choose what to set, and the lessons."), "error")
        return redirect(back, 303)
    outcome = bulk_marking.mark_keys(current_user, parsed, values, user_now())
    for category, message in _summary(outcome):
        flash(message, category)
    return redirect(back, 303)


# --- Planned sessions from a CSV file -------------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
def import_csv():
    """Upload, preview (every row's errors), then save all or nothing."""
    if request.method == "GET":
        return render_template("sessions/import.html", upload=None, text=None)
    confirmed = request.form.get("confirm") == "1"
    if confirmed:
        text = request.form.get("data") or ""
    else:
        file = request.files.get("file")
        data = file.read() if file else b""
        text = imports.decode(data) if data else None
        if not data:
            return render_template("sessions/import.html", upload=imports.Upload(problem=_("Choose a CSV file.")),
                                   text=None), 422
        if text is None:
            return render_template("sessions/import.html", upload=imports.Upload(
                problem=_("The file is not UTF-8 text. Save it as “CSV UTF-8” and upload it again.")), text=None), 422
    upload = imports.read(current_user, text)
    if not upload.ok:
        return render_template("sessions/import.html", upload=upload, text=None), 422
    if not confirmed:
        return render_template("sessions/import.html", upload=upload, text=text)
    made = imports.save(upload)
    flash(ngettext("Saved: %(num)d session imported.", "Saved: %(num)d sessions imported.", len(made)))
    return redirect(url_for("sessions.index", tab="upcoming"), 303)
