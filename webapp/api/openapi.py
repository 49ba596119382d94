"""The OpenAPI 3.1 document, generated from the pydantic models that validate requests."""
from __future__ import annotations

from functools import cache

from .. import choices as C
from typing import Any

from pydantic.json_schema import models_json_schema

from .schemas import (LessonList, LessonOut, LessonPatch, LessonQuery, ListQuery, MeOut, Problem, ReviewIn,
                      ReviewOut, SessionCreate, SessionList,
                      SessionOut, SessionPatch, ValidationErrors)

REF = "#/components/schemas/{model}"


def _ref(name: str) -> dict:
    return {"$ref": REF.format(model=name)}


def _json(schema: dict, description: str, headers: dict | None = None) -> dict:
    response = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        response["headers"] = headers
    return response


def _problem(description: str) -> dict:
    return _json(_ref("Problem"), description)


def _without_null(schema: dict) -> dict:
    """Query parameters are never null: drop the null branch pydantic adds for Optional."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return {**rest, **options[0]}
    return {k: v for k, v in schema.items() if k != "default"} | ({"default": schema["default"]}
                                                                  if schema.get("default") is not None else {})


ETAG = {"ETag": {"description": "Version of the session; send it back in If-Match.",
                 "schema": {"type": "string"}}}
def _if_match(description: str, required: bool = False) -> dict:
    return {"name": "If-Match", "in": "header", "required": required, "description": description,
            "schema": {"type": "string"}}


IF_MATCH = _if_match("The ETag you read (strong comparison; `*` matches any). If the session changed since, "
                     "the answer is 412 and nothing changes. Optional for PATCH, which changes only the "
                     "fields it names: without it the change applies to whatever version is current.")
IF_MATCH_PUT = _if_match("The ETag you read (strong comparison; `*` matches any): 412 when the session changed "
                         "since. A PUT overwrites every field, so it must name the version it replaces: "
                         "If-Match, or the `updated_at` you read in the body; with neither the answer is 428 "
                         "and nothing changes.")
IF_MATCH_DELETE = _if_match("The ETag you read (strong comparison; `*` matches any): 412 when the session "
                            "changed since, 428 when the header is missing.", required=True)
UNVERSIONED = {"428": _problem("No version named (If-Match, or updated_at for PUT): a change made "
                               "meanwhile would be lost.")}
READERS = {"403": _problem("Students and parents may read, not write.")}
IF_NONE_MATCH = {"name": "If-None-Match", "in": "header", "required": False,
                 "description": "The ETag you hold: 304 without a body while it is still current.",
                 "schema": {"type": "string"}}
SESSION_ID = {"name": "session_id", "in": "path", "required": True,
              "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}}
ORIGINAL_DATE = {"name": "original_date", "in": "path", "required": True,
                 "description": "The date the session (its series rule) gives the lesson, even after a move; "
                                "between 1900-01-01 and 2200-12-31.",
                 "schema": {"type": "string", "format": "date", "pattern": r"^\d{4}-\d{2}-\d{2}$"}}
LESSON_ETAG = {"ETag": {"description": "Version of the lesson; send it back in If-Match.",
                        "schema": {"type": "string"}}}
COMMON_ERRORS = {
    "401": _json(_ref("Problem"), "Not logged in, or the Bearer token is unknown or revoked (a "
                                  "Bearer header is judged alone, even beside a login cookie).",
                 {"WWW-Authenticate": {"description": 'Bearer realm="api"', "required": True,
                                       "schema": {"type": "string"}}}),
}
NOT_FOUND = {"404": _problem("No such session, or not one of yours.")}
QUERY_ERRORS = {"400": _problem("A query parameter holds a NUL character, which no text here may contain.")}
LESSON_NOT_FOUND = {"404": _problem("No such session, not one of yours, or no lesson on that date.")}
BODY_ERRORS = {
    "400": _problem("The body is not valid JSON (or a browser request without its CSRF token)."),
    "413": _problem("The body is larger than 1 MiB."),
    "415": _problem("The body was not sent as application/json."),
    "422": _json(_ref("ValidationErrors"), "The values break a rule (by field name; unknown fields "
                                           "are named too); nothing changed."),
}


def _body(name: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": _ref(name)}}}


@cache
def document() -> dict[str, Any]:
    _, top = models_json_schema(
        [(SessionCreate, "validation"), (SessionPatch, "validation"), (SessionOut, "serialization"),
         (ReviewIn, "validation"), (ReviewOut, "serialization"), (MeOut, "serialization"),
         (SessionList, "serialization"), (LessonOut, "serialization"), (LessonList, "serialization"),
         (LessonPatch, "validation"), (ValidationErrors, "serialization"), (Problem, "serialization")],
        ref_template=REF,
    )
    schemas = top["$defs"]
    query = ListQuery.model_json_schema()["properties"]
    list_params = [{"name": name, "in": "query", "required": False, "schema": _without_null(schema)}
                   for name, schema in query.items()]
    lesson_params = [{"name": name, "in": "query", "required": False, "schema": _without_null(schema)}
                     for name, schema in LessonQuery.model_json_schema()["properties"].items()]
    lesson_ok = _json(_ref("LessonOut"), "The lesson.", LESSON_ETAG)
    session_ok = _json(_ref("SessionOut"), "The session.", ETAG)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Tutor sessions API",
            "version": "1.0.0",
            "description": "The tutor's sessions as JSON. A tutor sees and changes only sessions of "
                           "their own enrollments; an admin sees all; a student sees their own lessons and "
                           "a parent their children's, GET only, except their own review of a lesson. "
                           "A student's or parent's lesson carries the tutor's note only when it is shared. Dates and times are ISO 8601; "
                           "times are local to the tutor. Errors are JSON: 400 malformed, 401 "
                           "unauthenticated, 403 a write by a student or parent, 404 unknown or not yours, "
                           "412 stale If-Match, 428 a PUT or DELETE that names no version, 422 "
                           '{"errors": {"field": ["message"]}}. Bodies are strict JSON: unknown '
                           "fields, wrong types (\"5\" for 5, 1 for true) and impossible dates are 422. "
                           "Read-only fields (id, created_at, updated_at, is_recurring) may be sent "
                           "back as read and must then agree with the session. A course_enrollment_id "
                           "that is not one of your enrollments is 422 on that field (an admin may "
                           "use any). Unknown query parameters are 422 too.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer",
                               "description": "A personal token from /tokens or `flask create-token`."},
                "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "session",
                               "description": "The browser login; changes then need X-CSRFToken."},
            },
        },
        "security": [{"bearerAuth": []}, {"cookieAuth": []}],
        "paths": {
            "/api/sessions": {
                "get": {
                    "operationId": "listSessions", "summary": "List sessions",
                    "description": "Ordered by date, start time and id.",
                    "parameters": list_params,
                    "responses": {"200": _json(_ref("SessionList"), "A page of sessions."),
                                  "422": _json(_ref("ValidationErrors"), "A filter is not valid."),
                                  **QUERY_ERRORS, **COMMON_ERRORS},
                },
                "post": {
                    "operationId": "createSession", "summary": "Create a session",
                    "requestBody": _body("SessionCreate"),
                    "responses": {
                        "201": _json(_ref("SessionOut"), "Created.", {
                            **ETAG, "Location": {"description": "URL of the new session.",
                                                 "schema": {"type": "string"}}}),
                        **BODY_ERRORS, **COMMON_ERRORS, **READERS},
                },
            },
            "/api/sessions/{session_id}": {
                "parameters": [SESSION_ID],
                "get": {"operationId": "getSession", "summary": "Get a session",
                        "parameters": [IF_NONE_MATCH],
                        "responses": {"200": session_ok,
                                      "304": {"description": "Not modified since the ETag you have.",
                                              "headers": ETAG},
                                      **COMMON_ERRORS, **NOT_FOUND}},
                "put": {"operationId": "replaceSession", "summary": "Replace a session",
                        "description": "Every writable field; those left out take their defaults.",
                        "parameters": [IF_MATCH_PUT], "requestBody": _body("SessionCreate"),
                        "responses": {"200": session_ok, **BODY_ERRORS, **COMMON_ERRORS, **NOT_FOUND,
                                      **UNVERSIONED, **READERS,
                                      "412": _problem("The session changed since your If-Match.")}},
                "patch": {"operationId": "patchSession", "summary": "Change some fields",
                          "parameters": [IF_MATCH], "requestBody": _body("SessionPatch"),
                          "responses": {"200": session_ok, **BODY_ERRORS, **COMMON_ERRORS, **NOT_FOUND,
                                        **READERS,
                                        "412": _problem("The session changed since your If-Match.")}},
                "delete": {"operationId": "deleteSession", "summary": "Delete a session",
                           "parameters": [IF_MATCH_DELETE],
                           "responses": {"204": {"description": "Deleted."}, **UNVERSIONED, **READERS,
                                         "400": _problem("A browser request without its CSRF token."),
                                         **COMMON_ERRORS, **NOT_FOUND,
                                         "412": _problem("The session changed since your If-Match.")}},
            },
            "/api/lessons": {
                "get": {
                    "operationId": "listLessons", "summary": "List lessons in a window",
                    "description": "One item per lesson: one-time sessions and every date of every series "
                                   "whose (actual) date lies in [date_from, date_to], at most "
                                   f"{C.WINDOW_MAX_DAYS} days apart. Ordered by date, start time, session "
                                   "and original date.",
                    "parameters": lesson_params,
                    "responses": {"200": _json(_ref("LessonList"), "A page of lessons."),
                                  "422": _json(_ref("ValidationErrors"), "A filter or the window is not valid."),
                                  **QUERY_ERRORS, **COMMON_ERRORS},
                },
            },
            "/api/sessions/{session_id}/lessons/{original_date}": {
                "parameters": [SESSION_ID, ORIGINAL_DATE],
                "get": {"operationId": "getLesson", "summary": "Get a lesson",
                        "parameters": [IF_NONE_MATCH],
                        "responses": {"200": lesson_ok,
                                      "304": {"description": "Not modified since the ETag you have.",
                                              "headers": LESSON_ETAG},
                                      **COMMON_ERRORS, **LESSON_NOT_FOUND}},
                "patch": {"operationId": "patchLesson", "summary": "Mark or move a lesson",
                          "description": "Changes only this lesson (a series keeps its rule). An overlap with "
                                         "another lesson never refuses the change. A one-time session's "
                                         "lesson is keyed by its date: after a move its URL is the new date "
                                         "(Content-Location).",
                          "parameters": [IF_MATCH], "requestBody": _body("LessonPatch"),
                          "responses": {"200": lesson_ok, **BODY_ERRORS, **COMMON_ERRORS, **LESSON_NOT_FOUND,
                                        **READERS,
                                        "412": _problem("The lesson changed since your If-Match.")}},
            },
            "/api/sessions/{session_id}/lessons/{original_date}/review": {
                "parameters": [SESSION_ID, ORIGINAL_DATE],
                "put": {"operationId": "putReview", "summary": "Write your review of a lesson",
                        "description": "The caller's own review, as the lesson's student, a parent of the student or "
                                       "its tutor (the role decides which of the lesson's three review ids it "
                                       f"fills). Only once the lesson has begun; replaced by its author within "
                                       f"{C.REVIEW_EDIT_DAYS} days of writing it.",
                        "requestBody": _body("ReviewIn"),
                        "responses": {"201": _json(_ref("ReviewOut"), "Written."),
                                      "200": _json(_ref("ReviewOut"), "Replaced."),
                                      **BODY_ERRORS, **COMMON_ERRORS,
                                      "404": _problem("No such lesson, or not one of yours to review."),
                                      "412": _problem("The lesson changed while the review was saved; retry.")}},
            },
            "/api/me": {
                "get": {"operationId": "me", "summary": "Who you are",
                        "responses": {"200": _json(_ref("MeOut"), "The caller."), **COMMON_ERRORS}},
            },
            "/api/openapi.json": {
                "get": {"operationId": "openapi", "summary": "This document", "security": [],
                        "responses": {"200": {"description": "OpenAPI 3.1",
                                              "content": {"application/json": {"schema": {"type": "object"}}}}}},
            },
        },
    }
