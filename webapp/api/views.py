"""JSON API under /api: the tutor's sessions and their lessons, with the same rules as the forms."""
from __future__ import annotations

import hashlib
import json
from datetime import date, datetime, timedelta, timezone
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, request, url_for
from flask_login import current_user
from pydantic import ValidationError

from .. import choices as C
from ..extensions import csrf, db
from ..lessons import access, people, plans
from ..lessons.access import visible_sessions
from ..lessons.errors import Conflict, TooManyLessons
from ..lessons.listing import filter_sessions, lessons_in_window
from ..lessons.marking import change_lesson
from ..lessons.rules import validate_lesson
from ..models import Session
from ..web import tags_of
from . import auth
from .schemas import (READ_ONLY, LessonPatch, LessonQuery, ListQuery, ReviewIn, SessionCreate, SessionPatch,
                      error_messages, lesson_json, me_json, review_json, to_json)

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)  # checked below, for browser (cookie) requests only

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")
MAX_BODY = 1024 * 1024  # a session is a few KB; more is a mistake or an attack (413)
STALE = "The session changed since you read it: GET it again and retry."
STALE_LESSON = "The lesson changed since you read it: GET it again and retry."
UNVERSIONED = ("Send If-Match with the ETag of your GET (or, for PUT, the updated_at you read), "
               "so that a change made meanwhile is not overwritten.")
READERS = "Students and parents read their lessons here; they cannot change them."


@bp.before_request
def authenticate():
    """401 as JSON (never a redirect); CSRF for cookie-authenticated changes."""
    request.max_content_length = MAX_BODY
    if request.endpoint == "api.openapi":
        return None
    if not auth.authenticate():
        response = jsonify(error="unauthorized",
                           message="Log in, or send Authorization: Bearer <token>.")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    if request.method in UNSAFE and not auth.uses_bearer_token():
        csrf.protect()
    return None


@bp.after_request
def vary_on_credentials(response: Response) -> Response:
    """Answers depend on who asks: no shared cache may mix two users' answers."""
    response.vary.update(("Authorization", "Cookie"))
    return response


def etag(session: Session) -> str:
    """Strong ETag from the id and the row's version (`updated_at`), quoted."""
    version = f"{session.id}:{session.version}"
    return '"' + hashlib.sha256(version.encode()).hexdigest()[:32] + '"'


def if_match_fails(current: str) -> bool:
    """Whether If-Match names other versions than `current` (a quoted ETag; strong comparison)."""
    header = request.headers.get("If-Match")
    if header is None:
        return False
    tags = tags_of(header)
    return "*" not in tags and current not in tags


def not_modified(current: str) -> bool:
    return current in tags_of(request.headers.get("If-None-Match"))


def precondition(session: Session, given: dict | None = None, required: bool = False) -> None:
    """412 when If-Match names other versions than the current one (strong comparison), or
    when the body sends back an `updated_at` older than the session's. `required` (PUT and
    DELETE, which overwrite or remove everything): 428 when neither names a version."""
    if required and request.headers.get("If-Match") is None and (given or {}).get("updated_at") is None:
        abort(428, description=UNVERSIONED)
    if if_match_fails(etag(session)):
        abort(412, description=STALE)
    updated = (given or {}).get("updated_at")
    if updated is not None and _utc(updated) != session.updated_at:
        abort(412, description=STALE)


def json_body(model) -> tuple[Any, dict]:
    """The request body parsed by `model`: 415 when not sent as JSON, 400 when it is not
    JSON, 422 (as errors by field) when it does not fit."""
    if not request.is_json:
        abort(415, description="Send the body as JSON, with Content-Type: application/json.")
    raw = request.get_data(cache=False)
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        abort(400, description="The body is not valid JSON.")
    if not isinstance(document, dict):
        return None, {"body": ["Send a JSON object."]}
    try:
        # From the raw JSON, so strict mode takes JSON's own types (ISO strings for dates).
        return model.model_validate_json(raw), {}
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()):
            # Python's parser lets through what pydantic's does not (lone surrogates).
            abort(400, description="The body is not valid JSON (or not valid Unicode).")
        return None, error_messages(exc)


def unprocessable(errors: dict) -> Response:
    response = jsonify(errors=errors)
    response.status_code = 422
    return response


def session_response(session: Session, status: int = 200) -> Response:
    response = jsonify(to_json(session))
    response.status_code = status
    response.set_etag(etag(session).strip('"'))
    return response


def _utc(value: datetime) -> datetime | None:
    """Naive UTC, as stored; a time without an offset is taken as UTC. None when the offset
    moves it out of the years a datetime holds (0001-01-01T00:00+01:00): no version is that."""
    try:
        return value.astimezone(timezone.utc).replace(tzinfo=None) if value.tzinfo else value
    except OverflowError:
        return None


def read_only_errors(given: dict, session: Session | None) -> dict[str, list[str]]:
    """Read-only fields sent back must agree with the session (see SessionFields)."""
    errors: dict[str, list[str]] = {}
    if session is None:
        for name in ("id", "created_at", "updated_at"):
            if given.get(name) is not None:
                errors[name] = ["Read-only: a new session gets it from the server; leave it out."]
        return errors
    if given.get("id") is not None and given["id"] != session.id:
        errors["id"] = [f"Read-only: this is session {session.id}."]
    created = given.get("created_at")
    if created is not None and _utc(created) != session.created_at:
        errors["created_at"] = ["Read-only: it cannot change."]
    return errors  # an updated_at sent back is a version: precondition() judges it


def is_recurring_error(given: dict, frequency: str | None) -> dict[str, list[str]]:
    sent = given.get("is_recurring")
    if sent is None or sent == C.is_recurring_frequency(frequency):
        return {}
    return {"is_recurring": [f"Follows session_frequency: a {frequency} session has is_recurring "
                             f"{str(not sent).lower()}."]}


@bp.get("/sessions")
def list_sessions():
    """The sessions the caller may see, filtered and paged, in date and start-time order."""
    try:
        query = ListQuery.model_validate(request.args.to_dict())
    except ValidationError as exc:
        return unprocessable(error_messages(exc, what="parameter"))
    # The filters the list page shares (same names, same meaning), on the session rows.
    select = filter_sessions(visible_sessions(current_user), query.model_dump(exclude_none=True))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        select.with_only_columns(Session.id).order_by(None).subquery()))
    rows = db.session.scalars(select.order_by(Session.session_date, Session.start_time, Session.id)
                              .limit(query.per_page).offset((query.page - 1) * query.per_page)).all()
    return jsonify(items=[to_json(s) for s in rows], total=total, page=query.page,
                   per_page=query.per_page)


@bp.get("/sessions/<int:session_id>")
def get_session(session_id: int):
    """One session, with its ETag (304 when If-None-Match already names it)."""
    session = load(session_id)
    if not_modified(etag(session)):
        response = Response(status=304)
        response.set_etag(etag(session).strip('"'))
        return response
    return session_response(session)


@bp.post("/sessions")
def create_session():
    """Create a session in one of the caller's enrollments: 201 with its Location."""
    refuse_readers()
    data, errors = json_body(SessionCreate)
    if errors:
        return unprocessable(errors)
    given = dump(data, whole=True)
    errors = read_only_errors(given, None) | is_recurring_error(given, given["session_frequency"])
    values = plans.new_session_values() | without_read_only(given)
    cleaned, rule_errors = plans.check(current_user, values)
    if errors or rule_errors:
        return unprocessable(rule_errors | errors)
    session = save(Session(), cleaned)
    response = session_response(session, 201)
    response.headers["Location"] = url_for("api.get_session", session_id=session.id)
    return response


@bp.put("/sessions/<int:session_id>")
def replace_session(session_id: int):
    """Replace every writable field (fields left out take their defaults)."""
    return change(session_id, SessionCreate, whole=True)


@bp.patch("/sessions/<int:session_id>")
def patch_session(session_id: int):
    """Change only the fields given, then check the whole session."""
    return change(session_id, SessionPatch, whole=False)


def change(session_id: int, model, whole: bool) -> Response:
    session = load(session_id)
    # A body that breaks a rule is refused as such (422), whatever version it names; only a
    # valid change is then held against the version (412).
    data, errors = json_body(model)
    if errors:
        return unprocessable(errors)
    given = dump(data, whole)
    errors = read_only_errors(given, session)
    base = plans.new_session_values() if whole else plans.current_values(session)
    if not whole and ({"start_time", "end_time"} & set(given)) and "duration" not in given:
        base["duration"] = None  # recomputed from the new times
    values = base | without_read_only(given)
    errors |= is_recurring_error(given, values["session_frequency"])
    cleaned, rule_errors = plans.check(current_user, values, current=session)
    if errors or rule_errors:
        return unprocessable(rule_errors | errors)
    precondition(session, given, required=whole)
    save(session, cleaned)
    return session_response(session)


@bp.delete("/sessions/<int:session_id>")
def delete_session(session_id: int):
    """Delete a session (204)."""
    session = load(session_id)
    precondition(session, required=True)
    try:
        plans.delete_session(session)
    except Conflict:
        abort(412, description=STALE)
    return Response(status=204)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document, generated from the schemas above."""
    from .openapi import document

    return jsonify(document())


def save(session: Session, cleaned: dict[str, Any]) -> Session:
    """Write, or answer why not: 412 when someone saved in between, 422 when a record the
    session refers to was deleted in between (the checks above saw it still there)."""
    try:
        return plans.save_row(session, cleaned)
    except Conflict:
        abort(412, description=STALE)
    except sa.exc.IntegrityError:
        db.session.rollback()
        abort(unprocessable({"body": ["A record this session refers to was just deleted; "
                                      "check the ids and try again."]}))


def load(session_id: int) -> Session:
    """The ownership check (404 when unknown or not the caller's); ids beyond the column's
    range cannot exist, and some drivers refuse to even send them."""
    session = access.get_session(session_id, current_user)
    if session is None:
        abort(404, description="No such session, or not one of yours.")
    refuse_readers()
    return session


def refuse_readers() -> None:
    """Writes are for tutors and admins: a student or parent who may see the session gets 403
    (one who may not got 404 before this)."""
    if request.method in UNSAFE and not current_user.has_workspace:
        abort(403, description=READERS)


# --- Lessons ------------------------------------------------------------------------------


def lesson_etag(lesson) -> str:
    return f'"{lesson.version}"'


def lesson_response(lesson, status: int = 200) -> Response:
    response = jsonify(lesson_json(lesson, not current_user.has_workspace))
    response.status_code = status
    response.set_etag(lesson.version)
    return response


@bp.get("/lessons")
def list_lessons():
    """The lessons in a window (one-time sessions and every date of every series), filtered
    and paged, in date and start-time order."""
    try:
        query = LessonQuery.model_validate(request.args.to_dict())
    except ValidationError as exc:
        return unprocessable(error_messages(exc, what="parameter"))
    today = C.local_today(current_user.timezone)
    start = query.date_from or today
    end = query.date_to or start + timedelta(days=30)
    errors: dict[str, list[str]] = {}
    for name, value in (("date_from", start), ("date_to", end)):
        if problem := C.date_error(value):
            errors[name] = [problem]
    if not errors and end < start:
        errors["date_to"] = ["date_to is before date_from."]
    elif not errors and (end - start).days > C.WINDOW_MAX_DAYS:
        errors["date_to"] = [f"At most {C.WINDOW_MAX_DAYS} days after date_from."]
    if errors:
        return unprocessable(errors)
    filters = query.model_dump(exclude_none=True, exclude={"date_from", "date_to", "page", "per_page"})
    try:
        lessons = lessons_in_window(current_user, start, end, filters)
    except TooManyLessons as exc:
        return unprocessable({"date_to": [str(exc)]})
    first = (query.page - 1) * query.per_page
    reader = not current_user.has_workspace
    return jsonify(items=[lesson_json(l, reader) for l in lessons[first:first + query.per_page]], total=len(lessons),
                   page=query.page, per_page=query.per_page)


def load_lesson(session_id: int, day: date):
    found = access.get_lesson(session_id, day, current_user)
    if found is None:
        abort(404, description="No such lesson, or not one of yours.")
    refuse_readers()
    return found[0]


@bp.get("/sessions/<int:session_id>/lessons/<isodate:day>")
def get_lesson_view(session_id: int, day: date):
    """One lesson, with its ETag (304 when If-None-Match already names it)."""
    lesson = load_lesson(session_id, day)
    if not_modified(lesson_etag(lesson)):
        response = Response(status=304)
        response.set_etag(lesson.version)
        return response
    return lesson_response(lesson)


@bp.patch("/sessions/<int:session_id>/lessons/<isodate:day>")
def patch_lesson(session_id: int, day: date):
    """Change a lesson's own values or move it; an overlap never refuses it."""
    lesson = load_lesson(session_id, day)
    data, errors = json_body(LessonPatch)
    if errors:
        return unprocessable(errors)
    values, errors = validate_lesson(data.model_dump(mode="python", exclude_unset=True), lesson)
    if errors:
        return unprocessable(errors)
    if if_match_fails(lesson_etag(lesson)):
        abort(412, description=STALE_LESSON)
    try:
        saved = change_lesson(lesson, values, None if request.headers.get("If-Match") is None else lesson.version)
    except Conflict:
        abort(412, description=STALE_LESSON)
    response = lesson_response(saved)
    if saved.original_date != lesson.original_date:  # a one-time session's lesson keys by its date
        response.headers["Content-Location"] = url_for("api.get_lesson_view", session_id=session_id,
                                                       day=saved.original_date)
    return response


@bp.put("/sessions/<int:session_id>/lessons/<isodate:day>/review")
def put_review(session_id: int, day: date):
    """The caller's own review of the lesson, as its student, a parent or its tutor: 201 the
    first time, 200 when it replaces it; 422 before the lesson has begun; 404 to anyone else."""
    found = access.get_lesson(session_id, day, current_user)
    role = people.role_in(found[0], current_user) if found else None
    if role is None:
        abort(404, description="No such lesson, or not one you can review.")
    data, errors = json_body(ReviewIn)
    if errors:
        return unprocessable(errors)
    values, errors = people.check_review(data.rating, data.comment)
    if errors:
        return unprocessable(errors)
    now = C.local_now(current_user.timezone)
    try:
        review, created = people.write_review(found[0], current_user, role, values["rating"], values["comment"], now)
    except people.Refused as exc:
        return unprocessable({exc.field: [exc.message]})
    except Conflict:
        abort(412, description=STALE_LESSON)
    response = jsonify(review_json(review, role))
    response.status_code = 201 if created else 200
    return response


@bp.get("/me")
def me():
    """The caller: id, email, role, name, time zone."""
    return jsonify(me_json(current_user))


def dump(data, whole: bool) -> dict[str, Any]:
    """The given fields as Python values; the pattern stays in its JSON form, which is what
    the shared rules read (they also serve the forms)."""
    given = data.model_dump(mode="python", exclude_unset=not whole)
    if given.get("recurring_pattern") is not None:
        given["recurring_pattern"] = data.recurring_pattern.model_dump(mode="json")
    return given


def without_read_only(given: dict) -> dict:
    return {k: v for k, v in given.items() if k not in READ_ONLY}
