"""Pages of a lesson's people (webapp/lessons/people.py): a student's or parent's lessons,
what each of them writes on a lesson's page (reviews, "we can't come", confirmations), and
the admin's overview of reviews per tutor.

The lesson page itself is `lessons.show` (one URL for everyone who may see the lesson);
these endpoints answer its "people" part: for htmx that part again, without JavaScript a
redirect back with a message, or the page with the form's errors (422)."""
from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import choices as C
from ..extensions import db
from ..lessons.access import get_lesson
from ..lessons.errors import Conflict
from ..lessons.listing import decode_key, encode_key, lesson_page
from ..lessons.people import (Refused, check_review, children_of, confirm_attendance, lesson_people, role_in,
                              send_absence_notice, with_tutors, withdraw_absence_notice, write_review)
from ..sessions.lesson_views import render_page
from ..translate import gettext as _, lazy_gettext as _l
from ..web import is_htmx, require_login, user_now, user_today
from . import figures

bp = Blueprint("people", __name__)
bp.before_request(require_login)
LESSON = "/sessions/<int:session_id>/lessons/<isodate:day>"
PER_PAGE = 10
CHANGED = _l("This lesson changed meanwhile; here it is as it is now. Please try again.")


@bp.get("/my")
def index():
    """A student's or parent's lessons: what is next, the lessons to come, the past ones."""
    user = current_user._get_current_object()
    if user.has_workspace:
        return redirect(url_for("sessions.index"))
    children = children_of(user) if user.role == "parent" else []
    child = None
    filters: dict = {}
    if children:
        wanted = request.args.get("student", type=int)
        child = next((c for c in children if c.id == wanted), children[0])
        filters["student_id"] = child.id
    today = user_today()
    upcoming = lesson_page(user, today, today + timedelta(days=C.HORIZON_DAYS), filters,
                           decode_key(request.args.get("next_after")), size=PER_PAGE)
    past = lesson_page(user, C.DATE_MIN, today - timedelta(days=1), filters,
                       decode_key(request.args.get("past_after")), descending=True, size=PER_PAGE)
    with_tutors(upcoming.lessons + past.lessons)
    now = user_now()
    upcoming_lessons = [l for l in upcoming.lessons if not l.has_ended(now)]
    ended_today = [l for l in upcoming.lessons if l.has_ended(now)]
    next_lesson = next((l for l in upcoming_lessons if not l.cancelled), None)
    return render_template("people/index.html", children=children, child=child, next_lesson=next_lesson,
                           upcoming=upcoming_lessons, past=ended_today[::-1] + past.lessons,
                           upcoming_more=upcoming.next_cursor and encode_key(upcoming.next_cursor),
                           past_more=past.next_cursor and encode_key(past.next_cursor), now=now)


@bp.get("/admin")
def admin():
    """Every tutor's lessons and reviews at a glance (admins only)."""
    if not current_user.is_admin:
        abort(404)
    return render_template("people/admin.html", rows=figures.reviews_per_tutor())


def _load(session_id: int, day):
    found = get_lesson(session_id, day, current_user._get_current_object())
    if found is None:
        abort(404)
    lesson, series = found
    role = role_in(lesson, current_user)
    if role is None:  # an admin sees the lesson but is not one of its people
        abort(403, description=_("Only the lesson's student, parents and tutor write here."))
    return lesson, series, role


def _answer(session_id: int, day, message: str, status: int = 200, errors: dict | None = None):
    """The lesson's people part again (htmx), or back to the page (saved) / the page (refused)."""
    db.session.rollback()  # whatever a refused change left: re-read the lesson as saved
    lesson, series, _role = _load(session_id, day)
    kind = "success" if status == 200 else "error"
    if is_htmx():
        return render_template("lessons/_people.html", lesson=lesson, people_message=message, people_kind=kind,
                               review_errors=errors or {}, form=request.form if status != 200 else {},
                               **lesson_people(lesson, current_user, user_now())), status
    if status == 200:
        flash(str(message), "success")
        return redirect(url_for("lessons.show", session_id=session_id, day=day) + "#people", code=303)
    return render_page(lesson, series, status, people_message=message, people_kind=kind,
                       review_errors=errors or {}, form=request.form)


@bp.post(LESSON + "/review")
def review(session_id: int, day):
    """The caller's review of the lesson (written or replaced)."""
    lesson, _series, role = _load(session_id, day)
    values, errors = check_review(request.form.get("rating"), request.form.get("comment"))
    if errors:
        return _answer(session_id, day, " ".join(m for ms in errors.values() for m in ms), 422, errors)
    try:
        _review, created = write_review(lesson, current_user, role, values["rating"], values["comment"], user_now())
    except Refused as exc:
        return _answer(session_id, day, exc.message, 422, {exc.field: [exc.message]})
    except Conflict:
        return _answer(session_id, day, CHANGED, 409)
    return _answer(session_id, day, _("Thank you, your review is saved.") if created else _("Your review is updated."))


@bp.post(LESSON + "/notice")
def notice(session_id: int, day):
    """"We can't come" (or taking it back), from the student or a parent."""
    lesson, _series, role = _load(session_id, day)
    if role == "tutor":
        abort(403, description=_("The tutor cancels or marks the lesson instead."))
    try:
        if request.form.get("withdraw"):
            withdraw_absence_notice(lesson, user_now())
            message = _("Your notice is withdrawn: the tutor expects you.")
        else:
            send_absence_notice(lesson, current_user, request.form.get("reason"), user_now())
            message = _("The tutor knows you can't come.")
    except Refused as exc:
        return _answer(session_id, day, exc.message, 422)
    except Conflict:
        return _answer(session_id, day, CHANGED, 409)
    return _answer(session_id, day, message)


@bp.post(LESSON + "/confirmation")
def confirmation(session_id: int, day):
    """The student's or a parent's word on the attendance the tutor marked."""
    lesson, _series, role = _load(session_id, day)
    if role == "tutor":
        abort(403, description=_("The tutor marks the attendance on the lesson's form."))
    answer = request.form.get("answer")
    if answer not in ("confirmed", "disputed"):
        return _answer(session_id, day, _("Say whether the attendance is right or not."), 422)
    try:
        confirm_attendance(lesson, current_user, answer == "confirmed", request.form.get("what_happened"), user_now())
    except Refused as exc:
        return _answer(session_id, day, exc.message, 422)
    except Conflict:
        return _answer(session_id, day, CHANGED, 409)
    return _answer(session_id, day, _("Thank you for confirming.") if answer == "confirmed"
                   else _("The tutor will look at the attendance again."))
