"""API authentication: the browser login, or `Authorization: Bearer <token>`.

A request that sends a Bearer header is judged by that token alone, even when it also
carries a login cookie: a revoked or mistyped token is 401, never silently the cookie's user.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import g, request

from ..extensions import db, login_manager
from ..models import ApiToken, User, utcnow

LAST_USED_RESOLUTION = timedelta(hours=1)  # record use at most hourly: no write per request


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer` header; '' for a Bearer header without one."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def user_for_token(token: str) -> User | None:
    """The owner of a live token (one query: token and user together)."""
    if not token or len(token) > 200:
        return None
    row = db.session.execute(
        sa.select(ApiToken, User).join(ApiToken.user)
        .where(ApiToken.token_hash == ApiToken.hash(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None:
        return None
    api_token, user = row
    g.api_token = api_token
    now = utcnow()
    if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == api_token.id).values(last_used_at=now))
        db.session.commit()
    return user


def authenticate() -> bool:
    """Decide who makes this API request; False when nobody valid does."""
    token = bearer_token()
    if token is None:  # no Authorization header: the browser login, if any
        from flask_login import current_user

        return current_user.is_authenticated
    user = user_for_token(token)
    # Flask-Login's own hook for request-based users; it writes no session cookie.
    login_manager._update_request_context_with_user(user)
    return user is not None


def uses_bearer_token() -> bool:
    return g.get("api_token") is not None
