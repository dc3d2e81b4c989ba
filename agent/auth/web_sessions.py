"""Browser sessions: an API key is exchanged for a random cookie token with its own CSRF token."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from agent.auth.keys import Principal, principal_of
from agent.core.tables import ApiKey, WebSession, utcnow

SESSION_LIFETIME = dt.timedelta(hours=12)


@dataclass(frozen=True)
class SignedIn:
    principal: Principal
    csrf_token: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, principal: Principal) -> str:
    """A new session token for a principal whose key was just verified (``keys.verify``);
    expired sessions are swept on the way."""
    session.exec(delete(WebSession).where(col(WebSession.expires_at) < utcnow()))
    token = secrets.token_urlsafe(32)
    session.add(
        WebSession(
            token_hash=_hash(token),
            key_id=principal.key_id,
            csrf_token=secrets.token_urlsafe(24),
            expires_at=utcnow() + SESSION_LIFETIME,
        )
    )
    session.flush()
    return token


def signed_in(session: Session, token: str) -> SignedIn | None:
    """Who holds this cookie token, unless it expired or its API key was revoked."""
    row = session.exec(select(WebSession).where(WebSession.token_hash == _hash(token))).first()
    if row is None or row.expires_at <= utcnow():
        return None
    key = session.get(ApiKey, row.key_id)
    if key is None or key.revoked_at is not None:
        return None
    return SignedIn(principal=principal_of(key), csrf_token=row.csrf_token)


def sign_out(session: Session, token: str) -> None:
    session.exec(delete(WebSession).where(col(WebSession.token_hash) == _hash(token)))
