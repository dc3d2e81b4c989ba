"""API keys made straight in the database, for tests that call the API as a given role."""

from __future__ import annotations

from sqlmodel import Session

from agent.auth.keys import Role, create_key
from agent.core.db import make_engine
from agent.core.settings import Settings


def make_token(settings: Settings, role: Role, name: str, email: str | None = None) -> str:
    """A fresh bearer token for a key with ``role``, committed in the settings' database."""
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        token = create_key(session, role, name, email)
        session.commit()
    engine.dispose()
    return token


def bearer(settings: Settings, role: Role, name: str) -> dict[str, str]:
    """Request headers carrying a fresh key with ``role``."""
    return {"Authorization": f"Bearer {make_token(settings, role, name)}"}
