"""Personal API tokens of a user, as plain functions."""
from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import ApiToken, User, utcnow


def tokens_of(user: User) -> list[ApiToken]:
    """Newest first; revoked ones stay listed so the tutor sees what was cut off."""
    return list(db.session.scalars(
        sa.select(ApiToken).where(ApiToken.user_id == user.id)
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def issue(user: User, name: str) -> tuple[ApiToken, str]:
    """A new token; the plain text is returned once and only its hash is stored."""
    token, plain = ApiToken.issue(user, name)
    db.session.add(token)
    db.session.commit()
    return token, plain


def revoke(user: User, token_id: int) -> ApiToken | None:
    """Revoke one of `user`'s tokens (None when it is not theirs); revoking twice keeps the first time."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == user.id))
    if token is None:
        return None
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token
