"""API keys: high-entropy bearer tokens, stored as SHA-256 hashes, each with a role."""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

from sqlmodel import Session, func, select

from agent.core.tables import ApiKey, User, utcnow

TOKEN_PREFIX = "cs"


class Role(enum.StrEnum):
    REP = "rep"
    LEAD = "lead"
    ADMIN = "admin"


@dataclass(frozen=True)
class Principal:
    """Who is asking: the key's id, role and public prefix, and for a rep the user whose calls
    they own."""

    key_id: int
    role: Role
    user_id: int | None
    name: str
    prefix: str = ""

    @property
    def sees_all_calls(self) -> bool:
        return self.role in (Role.LEAD, Role.ADMIN)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(session: Session, role: Role, name: str, email: str | None = None) -> str:
    """Store a new key for ``name`` and return the token; it is shown only this once."""
    user = _user_for(session, name, email)
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            name=name, role=role.value, prefix=prefix, secret_hash=_hash(secret), user_id=user.id
        )
    )
    session.flush()
    return f"{TOKEN_PREFIX}_{prefix}_{secret}"


def _user_for(session: Session, name: str, email: str | None) -> User:
    query = (
        select(User).where(User.email == email) if email else select(User).where(User.name == name)
    )
    user = session.exec(query).first()
    if user is None:
        user = User(name=name, email=email)
        session.add(user)
        session.flush()
    return user


LAST_USED_PRECISION = dt.timedelta(minutes=1)


def _aware(moment: dt.datetime) -> dt.datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Refusal(enum.StrEnum):
    """Why a token was not accepted, for the log and the throttle."""

    MALFORMED = "malformed"
    UNKNOWN_KEY = "unknown key"
    WRONG_SECRET = "wrong secret"
    REVOKED = "revoked"

    @property
    def is_guess(self) -> bool:
        """Only a token whose secret matched a revoked key proves its holder knew the secret."""
        return self is not Refusal.REVOKED


_PREFIX = re.compile(rf"{TOKEN_PREFIX}_([0-9a-f]{{1,16}})_")


def key_prefix(token: str) -> str | None:
    """The public prefix a token names, if it has our shape; never any part of the secret."""
    found = _PREFIX.match(token)
    return found[1] if found else None


def verify(session: Session, token: str) -> Principal | Refusal:
    """The principal a bearer token stands for, or why it is refused."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return Refusal.MALFORMED
    key = session.exec(select(ApiKey).where(ApiKey.prefix == parts[1])).first()
    if key is None:
        return Refusal.UNKNOWN_KEY
    if not hmac.compare_digest(key.secret_hash, _hash(parts[2])):
        return Refusal.WRONG_SECRET
    if key.revoked_at is not None:
        return Refusal.REVOKED
    _note_use(session, key)
    return principal_of(key)


def authenticate(session: Session, token: str) -> Principal | None:
    """The principal a bearer token stands for, or None for an unknown or revoked token."""
    verdict = verify(session, token)
    return verdict if isinstance(verdict, Principal) else None


def principal_of(key: ApiKey) -> Principal:
    assert key.id is not None
    return Principal(
        key_id=key.id, role=Role(key.role), user_id=key.user_id, name=key.name, prefix=key.prefix
    )


def _note_use(session: Session, key: ApiKey) -> None:
    now = utcnow()
    # Once a minute is precise enough, and spares a row write (and its lock) per request.
    if key.last_used_at is None or now - _aware(key.last_used_at) > LAST_USED_PRECISION:
        key.last_used_at = now
        session.add(key)


def key_count(session: Session) -> int:
    return session.exec(select(func.count()).select_from(ApiKey)).one()
