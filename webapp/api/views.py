"""JSON API under /api: the tutor's sessions, with the same rules as the forms."""
from __future__ import annotations

import hashlib
import json

import sqlalchemy as sa
from flask import Blueprint, Response, abort, jsonify, request, url_for
from flask_login import current_user
from pydantic import ValidationError

from ..extensions import csrf, db
from ..models import Enrollment, Session
from ..sessions import services
from ..sessions.queries import get_session_or_404, ordered, visible_sessions
from . import auth
from .schemas import ListQuery, SessionCreate, SessionPatch, error_messages, to_json

bp = Blueprint("api", __name__, url_prefix="/api")
csrf.exempt(bp)  # checked below, for browser (cookie) requests only

UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@bp.before_request
def authenticate():
    """401 as JSON (never a redirect); CSRF for cookie-authenticated changes."""
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


def etag(session: Session) -> str:
    version = f"{session.id}:{session.updated_at.isoformat() if session.updated_at else ''}"
    return '"' + hashlib.sha256(version.encode()).hexdigest()[:32] + '"'


def precondition(session: Session) -> None:
    """412 when If-Match names another version than the current one."""
    if_match = request.headers.get("If-Match")
    if if_match is None:
        return
    tags = {tag.strip() for tag in if_match.split(",")}
    if "*" not in tags and etag(session) not in tags and ("W/" + etag(session)) not in tags:
        abort(412, description="The session changed since you read it: GET it again and retry.")


def json_body(model):
    """The request body parsed by `model`: 400 when it is not JSON, 422 when it does not fit."""
    raw = request.get_data(cache=False)
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        abort(400, description="The body is not valid JSON.")
    if not isinstance(document, dict):
        return None, {"body": ["Send a JSON object."]}
    try:
        return model.model_validate(document), {}
    except ValidationError as exc:
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


@bp.get("/sessions")
def list_sessions():
    """The sessions the caller may see, filtered and paged, in date and start-time order."""
    try:
        query = ListQuery.model_validate(request.args.to_dict())
    except ValidationError as exc:
        return unprocessable(error_messages(exc))
    select = visible_sessions(current_user)
    for name in ("status", "session_mode", "priority_level", "course_enrollment_id",
                 "is_featured", "is_recurring"):
        value = getattr(query, name)
        if value is not None:
            select = select.where(getattr(Session, name) == value)
    if query.date_from:
        select = select.where(Session.session_date >= query.date_from)
    if query.date_to:
        select = select.where(Session.session_date <= query.date_to)
    if query.tutor_id:
        select = select.where(Enrollment.tutor_id == query.tutor_id)
    if query.student_id:
        select = select.where(Enrollment.student_id == query.student_id)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(
        select.with_only_columns(Session.id).order_by(None).subquery()))
    rows = db.session.scalars(ordered(select).limit(query.per_page)
                              .offset((query.page - 1) * query.per_page)).all()
    response = jsonify(items=[to_json(s) for s in rows], total=total, page=query.page,
                       per_page=query.per_page)
    response.vary.add("Authorization")
    return response


@bp.get("/sessions/<int:session_id>")
def get_session(session_id: int):
    """One session, with its ETag."""
    return session_response(get_session_or_404(session_id, current_user))


@bp.post("/sessions")
def create_session():
    """Create a session in one of the caller's enrollments: 201 with its Location."""
    data, errors = json_body(SessionCreate)
    if errors:
        return unprocessable(errors)
    values = services.new_session_values() | data.model_dump(mode="python")
    cleaned, errors = services.check(current_user, values)
    if errors:
        return unprocessable(errors)
    session = services.save(Session(), cleaned)
    response = session_response(session, 201)
    response.headers["Location"] = url_for("api.get_session", session_id=session.id)
    return response


@bp.put("/sessions/<int:session_id>")
def replace_session(session_id: int):
    """Replace every writable field (fields left out take their defaults)."""
    return change(session_id, SessionCreate, whole=True)


@bp.patch("/sessions/<int:session_id>")
def patch_session(session_id: int):
    """Change only the fields given."""
    return change(session_id, SessionPatch, whole=False)


def change(session_id: int, model, whole: bool):
    session = get_session_or_404(session_id, current_user)
    precondition(session)
    data, errors = json_body(model)
    if errors:
        return unprocessable(errors)
    given = data.model_dump(mode="python", exclude_unset=not whole)
    base = services.new_session_values() if whole else services.current_values(session)
    if not whole and ({"start_time", "end_time"} & set(given)) and "duration" not in given:
        base["duration"] = None  # recomputed from the new times
    cleaned, errors = services.check(current_user, base | given, current=session)
    if errors:
        return unprocessable(errors)
    try:
        services.save(session, cleaned)
    except services.Conflict:
        abort(412, description="The session changed while you saved: GET it again and retry.")
    return session_response(session)


@bp.delete("/sessions/<int:session_id>")
def delete_session(session_id: int):
    """Delete a session (204)."""
    session = get_session_or_404(session_id, current_user)
    precondition(session)
    try:
        services.delete(session)
    except services.Conflict:
        abort(412, description="The session changed while you deleted it: GET it again and retry.")
    return Response(status=204)


@bp.get("/openapi.json")
def openapi():
    """The OpenAPI 3.1 document, generated from the schemas above."""
    from .openapi import document

    return jsonify(document())
