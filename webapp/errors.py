"""Error pages for the browser; the API answers JSON for its own URLs."""
from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if wants_json():
            response = jsonify(error=error.name.lower().replace(" ", "_"), message=error.description)
            # Keep what the error says beyond its page, e.g. the Allow header of a 405.
            for name, value in error.get_headers():
                if name.lower() != "content-type":
                    response.headers[name] = value
            return response, error.code
        return render_template("error.html", code=error.code, message=error.description), error.code
