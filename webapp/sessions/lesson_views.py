"""One lesson, for both kinds (a one-time session's, a series'), under
/sessions/<id>/lessons/<original date>: its page, its marks (the page's form and the rows'
click-to-edit cells post to the same endpoint), and its move.

Answers: a row (`view=row`, the lists and the session page), the lesson's part of its page
(htmx), or without JavaScript a redirect back (saved) or the whole page (refused)."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..lessons import clashes, topics
from ..lessons.access import get_lesson
from ..lessons.errors import Conflict
from ..lessons.marking import change_lesson
from ..lessons.people import lesson_people, resolving
from ..lessons.recurrence import describe
from ..lessons.rules import validate_lesson
from ..translate import gettext as _, lazy_gettext as _l
from ..web import is_htmx, safe_next, user_now, user_today
from . import workspace
from .forms import MoveLessonForm, lesson_marks

bp = workspace(Blueprint("lessons", __name__, url_prefix="/sessions/<int:session_id>/lessons/<isodate:day>"),
               open_to_all=("lessons.show",))
EDITORS = ("status", "attendance", "priority", "topics")  # a row's cells that open a control
STALE = _l("Someone else changed this lesson since you loaded it. Here it is as saved now; "
           "make your change again if it is still needed.")




def load(session_id: int, day):
    found = get_lesson(session_id, day, current_user._get_current_object())
    if found is None:
        abort(404)
    return found


def render_page(lesson, series, status: int = 200, **context):
    """The lesson's page: for its tutor (and an admin) the marks and the move, for everyone
    who may see it the plan, the people's part (reviews, notices) and what was carried forward."""
    form = context.pop("move_form", None) or MoveLessonForm(
        formdata=None, date=lesson.date, start_time=lesson.start_time, end_time=lesson.end_time)
    form.version.data = lesson.version
    user = current_user._get_current_object()
    now = context.setdefault("now", user_now())
    before, carried = topics.carried_into(lesson, user) if user.has_workspace else (None, [])
    return render_template("lessons/show.html", lesson=lesson, s=lesson.session, rule=describe(lesson.session, series),
                           move_form=form, today=user_today(), carried=carried, carried_from=before,
                           **lesson_people(lesson, user, now), **context), status


@bp.get("")
def show(session_id: int, day):
    """The lesson: when, who, the plan, and its marks, note and move."""
    lesson, series = load(session_id, day)
    return render_page(lesson, series)


def _answer(lesson, series, status: int, view: str, **context):
    """The same lesson as the asking part of the page needs it (see the module's docstring).
    A fragment carries the lesson's version as its ETag too."""
    context.setdefault("now", user_now())
    etag = {"ETag": f'"{lesson.version}"'}
    if is_htmx() and view == "row":
        return render_template("lessons/_row.html", lesson=lesson, **context), status, etag
    if is_htmx():
        if status == 200 and context.get("saved"):
            return render_template("lessons/_saved.html", lesson=lesson, **context), status, etag
        html = render_template("lessons/_lesson.html", lesson=lesson, s=lesson.session, **context)
        return html, status, {"HX-Retarget": "#lesson", "HX-Reswap": "outerHTML", **etag}
    if context.get("saved"):
        flash(_("Saved."), "success")
        return redirect(safe_next(request.form.get("next"),
                                  url_for("lessons.show", session_id=lesson.session_id, day=lesson.original_date)),
                        code=303)
    return render_page(lesson, series, status, **context)


@bp.post("")
def mark(session_id: int, day):
    """Change the lesson's marks (status, attendance, priority, topics covered, note)."""
    lesson, series = load(session_id, day)
    view = "row" if request.form.get("view") == "row" else "page"
    if request.form.get("resolve") and lesson.disputed:  # "keep the attendance as marked"
        values, errors = {"confirmation": "resolved"}, {}
    else:
        values, errors = validate_lesson(lesson_marks(request.form), lesson)
        values = resolving(lesson, values)
    if errors:
        message = " ".join(m for ms in errors.values() for m in ms)
        editing = _editor_of(next(iter(errors)))
        return _answer(lesson, series, 422, view, errors=errors, message=message, message_kind="error",
                       editing=editing)
    if _needs_confirming(lesson, values):
        return _answer(lesson, series, 200, view, confirm=values, editing="status")
    try:
        saved = change_lesson(lesson, values, request.form.get("version", ""))
    except Conflict:
        lesson, series = load(session_id, day)
        return _answer(lesson, series, 409, view, message=STALE, message_kind="conflict")
    return _answer(saved, series, 200, view, saved=True)


def _needs_confirming(lesson, values) -> bool:
    """Marking a lesson completed before it has begun asks first (a mis-click, most likely)."""
    return (values.get("status") == "completed" and lesson.status != "completed"
            and not lesson.has_begun(user_now()) and request.form.get("confirm") != "1")


def _editor_of(field: str) -> str | None:
    return {"status": "status", "priority_level": "priority", "topics_covered": "topics",
            "tutor_attendance_status": "attendance", "student_attendance_status": "attendance"}.get(field)


@bp.get("/edit/<field>")
def editor(session_id: int, day, field: str):
    """A row's cell opened for change (htmx); without JavaScript, the lesson's page."""
    if field not in EDITORS:
        abort(404)
    lesson, _series = load(session_id, day)
    if not is_htmx():
        return redirect(url_for("lessons.show", session_id=session_id, day=day) + f"#{field}", code=303)
    return render_template("lessons/_row.html", lesson=lesson, editing=field, now=user_now()), 200, \
        {"ETag": f'"{lesson.version}"'}


@bp.get("/row")
def row(session_id: int, day):
    """The lesson's row as it is (an editor's Cancel)."""
    lesson, _series = load(session_id, day)
    if not is_htmx():
        return redirect(url_for("lessons.show", session_id=session_id, day=day), code=303)
    return render_template("lessons/_row.html", lesson=lesson, now=user_now())


@bp.post("/move")
def move(session_id: int, day):
    """Move the lesson to another date or time (a series keeps its rule); overlaps warn first."""
    lesson, series = load(session_id, day)
    form = MoveLessonForm()
    if not form.validate_on_submit():
        return render_page(lesson, series, 422, move_form=form)
    values, errors = validate_lesson({"date": form.date.data, "start_time": form.start_time.data,
                                      "end_time": form.end_time.data}, lesson)
    for name, messages in errors.items():
        getattr(form, name).errors = list(getattr(form, name).errors) + messages
    if errors:
        return render_page(lesson, series, 422, move_form=form)
    if not form.move_anyway.data:
        found = clashes.for_move(lesson, values["date"], values["start_time"], values["end_time"], user_now())
        if found:
            return render_page(lesson, series, 422, move_form=form, clashes=found)
    try:
        saved = change_lesson(lesson, values, form.version.data or "")
    except Conflict:
        lesson, series = load(session_id, day)
        return render_page(lesson, series, 409, move_form=form, message=STALE, message_kind="conflict")
    flash(_("Saved."), "success")
    return redirect(url_for("lessons.show", session_id=session_id, day=saved.original_date), code=303)


@bp.post("/topics")
def carry(session_id: int, day):
    """Accept or drop a topic carried forward from the lesson before (not covered there)."""
    lesson, series = load(session_id, day)
    _before, offered = topics.carried_into(lesson, current_user._get_current_object())
    topic, choice = request.form.get("topic", ""), request.form.get("carry")
    if topic not in offered or choice not in ("accept", "drop"):
        return render_page(lesson, series, 422, message=_("That topic is not offered for this lesson (any more)."),
                           message_kind="error")
    try:
        (topics.accept if choice == "accept" else topics.drop)(lesson, topic, request.form.get("version", ""))
    except Conflict:
        lesson, series = load(session_id, day)
        return render_page(lesson, series, 409, message=STALE, message_kind="conflict")
    flash(_("“%(topic)s” is planned for this lesson.", topic=topic) if choice == "accept"
          else _("“%(topic)s” is dropped.", topic=topic), "success")
    return redirect(url_for("lessons.show", session_id=session_id, day=day) + "#plan-title", code=303)
