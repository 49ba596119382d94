"""The tutor's workspace: the list of lessons, the session and lesson pages, the forms."""
from flask import Blueprint, Response, request

from ..web import require_login, require_workspace


def workspace(bp: Blueprint, open_to_all: tuple[str, ...] = ()) -> Blueprint:
    """What every page of the workspace needs: a tutor's or an admin's login (students and
    parents get 403; the endpoints `open_to_all` need only a login: a lesson's page is every
    one of its people's), and `Vary: HX-Request` (the same URL answers a page or a fragment,
    so caches must keep them apart)."""

    @bp.before_request
    def guard():
        return require_login() if request.endpoint in open_to_all else require_workspace()

    @bp.after_request
    def vary_on_htmx(response: Response) -> Response:
        response.vary.add("HX-Request")
        return response

    return bp
