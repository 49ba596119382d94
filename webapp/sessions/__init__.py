"""The tutor's workspace: the list of lessons, the session and lesson pages, the forms."""
from flask import Blueprint, Response
from flask_login import login_required


def workspace(bp: Blueprint) -> Blueprint:
    """What every page of the workspace needs: a login, and `Vary: HX-Request` (the same URL
    answers a page or a fragment, so caches must keep them apart)."""

    @bp.before_request
    @login_required
    def require_login():
        """Every page of the workspace needs a logged-in user."""

    @bp.after_request
    def vary_on_htmx(response: Response) -> Response:
        response.vary.add("HX-Request")
        return response

    return bp
