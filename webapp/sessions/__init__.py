"""The tutor's workspace: the list of lessons, the session and lesson pages, the forms."""
from flask import Blueprint, Response

from ..web import require_workspace


def workspace(bp: Blueprint) -> Blueprint:
    """What every page of the workspace needs: a tutor's or an admin's login (students and
    parents get 403), and `Vary: HX-Request` (the same URL answers a page or a fragment, so
    caches must keep them apart)."""
    bp.before_request(require_workspace)

    @bp.after_request
    def vary_on_htmx(response: Response) -> Response:
        response.vary.add("HX-Request")
        return response

    return bp
