"""API authentication: the browser login, or `Authorization: Bearer <token>`."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import g, request

from ..extensions import db, login_manager
from ..models import ApiToken, User, utcnow

LAST_USED_RESOLUTION = timedelta(hours=1)  # record use at most hourly: no write per request


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


@login_manager.request_loader
def load_user_from_token(req):
    """Flask-Login asks this when there is no logged-in browser session (API paths only)."""
    if not req.path.startswith("/api/"):
        return None
    token = bearer_token()
    if token is None:
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


def uses_bearer_token() -> bool:
    return g.get("api_token") is not None
