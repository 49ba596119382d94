"""Error pages for the browser; the API answers JSON for its own URLs."""
import math
import time

from flask import Flask, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if wants_json():
            return jsonify(error="csrf", message=error.description), 400
        return render_template("error.html", code=400,
                               message="Your form expired or was not sent from this site. "
                                       "Go back, reload the page and try again."), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # The Host header is not one of TRUSTED_HOSTS: no page (nor URL) is built from it.
        return "Bad request: this host name is not served here.", 400, {"Content-Type": "text/plain; charset=utf-8"}

    @app.errorhandler(RateLimitExceeded)
    def rate_limited(error: RateLimitExceeded):
        from .extensions import limiter

        response, status = http_error(error)
        current = limiter.current_limit
        wait = math.ceil(current.reset_at - time.time()) if current else 60
        response.headers["Retry-After"] = str(max(wait, 1))
        return response, status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if wants_json():
            response = jsonify(error=error.name.lower().replace(" ", "_"), message=error.description)
        else:
            response = app.make_response(render_template("error.html", code=error.code, message=error.description))
        # Keep what the error says beyond its page: the Allow of a 405, the Retry-After of a 429.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, error.code
