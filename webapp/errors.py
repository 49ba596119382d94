"""Error pages for the browser; the API answers JSON for its own URLs."""
import math
import time

from flask import Flask, jsonify, render_template, request
from flask_limiter import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError

from .translate import gettext as _, lazy_gettext as _l


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/api"


# Werkzeug's own descriptions of the errors a browser meets, in the reader's language (the
# English as Werkzeug writes it); an error raised with a description of its own shows that.
DEFAULT_MESSAGES = {
    400: _l("The browser (or proxy) sent a request that this server could not understand."),
    403: _l("You don't have the permission to access the requested resource. It is either read-protected or "
            "not readable by the server."),
    404: _l("The requested URL was not found on the server. If you entered the URL manually please check your "
            "spelling and try again."),
    405: _l("The method is not allowed for the requested URL."),
    413: _l("The data value transmitted exceeds the capacity limit."),
    429: _l("This user has exceeded an allotted request count. Try again later."),
    500: _l("The server encountered an internal error and was unable to complete your request. Either the server "
            "is overloaded or there is an error in the application."),
}


def page_message(error: HTTPException):
    """What an error page says: the error's own description, Werkzeug's default translated."""
    default = DEFAULT_MESSAGES.get(error.code)
    if default is not None and error.description == type(error).description:
        return default
    return error.description


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        if wants_json():
            return jsonify(error="csrf", message=error.description), 400
        return render_template("error.html", code=400,
                               message=_("Your form expired or was not sent from this site. "
                                         "Go back, reload the page and try again.")), 400

    @app.errorhandler(SecurityError)
    def untrusted_host(error: SecurityError):
        # The Host header is not one of TRUSTED_HOSTS: no page (nor URL) is built from it.
        return _("Bad request: this host name is not served here."), 400, {"Content-Type": "text/plain; charset=utf-8"}

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
            message = None if error.description is None else str(error.description)  # lazy strings are not JSON
            response = jsonify(error=error.name.lower().replace(" ", "_"), message=message)
        else:
            response = app.make_response(render_template("error.html", code=error.code, message=page_message(error)))
        # Keep what the error says beyond its page: the Allow of a 405, the Retry-After of a 429.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response, error.code
