"""A small, committed world for tests that call every route: one key per role, a call owned
by one rep with everything a route can show (transcript, summary, items, stored audio), a
customer, a subscription; ids and tokens come back in ``World``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from agent.auth.keys import Role
from agent.core.call_states import CallStatus
from agent.core.db import make_engine
from agent.core.settings import Settings
from agent.core.tables import ActionItem, ApiKey, WebhookSubscription, utcnow
from support.factories import SeedSummary, make_agent, make_call, make_customer, said_in_turn
from support.keys import make_token

AUDIO = b"RIFF" + bytes(2044)


@dataclass(frozen=True)
class World:
    """Tokens by role name, and the ids of the rows the routes' paths name."""

    tokens: dict[str, str]
    call_id: str
    item_id: str
    customer_id: int
    subscription_id: int
    subscription_to_stop_id: int  # a stopped subscription reads as gone, so tests stop this one
    key_id: int  # a spare rep key, there to be revoked


def seed_world(settings: Settings) -> World:
    """Keys for admin, lead, the rep who owns the call, another rep, the key to be revoked
    (``revoke_the_revoked_key``), and a spare key for the admin page to revoke."""
    tokens = {
        "admin": make_token(settings, Role.ADMIN, "Ada Admin"),
        "lead": make_token(settings, Role.LEAD, "Lee Lead"),
        "rep owner": make_token(settings, Role.REP, "Rita", "rita@example.com"),
        "other rep": make_token(settings, Role.REP, "Rob", "rob@example.com"),
        "revoked": make_token(settings, Role.REP, "Rex", "rex@example.com"),
    }
    make_token(settings, Role.REP, "Spare", "spare@example.com")
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        world = _seed_rows(session, settings, tokens)
        session.commit()
    engine.dispose()
    return world


def _seed_rows(session: Session, settings: Settings, tokens: dict[str, str]) -> World:
    call = make_call(
        session,
        status=CallStatus.REVIEW,
        duration_s=12.0,
        customer=make_customer(session, name="Acme"),
        agent=make_agent(session, name="Rita", email="rita@example.com"),
        transcript=said_in_turn([("agent", "Hello, Acme support."), ("customer", "Hi.")]),
        summary=SeedSummary(),
        action_items=2,
    )
    settings.audio_dir.mkdir(parents=True, exist_ok=True)
    (settings.audio_dir / call.audio_key).parent.mkdir(parents=True, exist_ok=True)
    (settings.audio_dir / call.audio_key).write_bytes(AUDIO)
    subscription = WebhookSubscription(url="https://hooks.example.com/in", secret="s" * 32)
    to_stop = WebhookSubscription(url="https://hooks.example.com/old", secret="s" * 32)
    session.add_all([subscription, to_stop])
    session.flush()
    spare_key = session.exec(select(ApiKey).where(ApiKey.name == "Spare")).one()
    item = session.exec(select(ActionItem).where(ActionItem.call_id == call.id)).first()
    assert call.customer_id and subscription.id and to_stop.id and spare_key.id and item
    return World(
        tokens=tokens,
        call_id=call.id,
        item_id=item.id,
        customer_id=call.customer_id,
        subscription_id=subscription.id,
        subscription_to_stop_id=to_stop.id,
        key_id=spare_key.id,
    )


def revoke_the_revoked_key(settings: Settings) -> None:
    """Revoke the key behind ``tokens["revoked"]`` (after a test signed in with it, if it must)."""
    engine = make_engine(settings.database_url)
    with Session(engine) as session:
        key = session.exec(select(ApiKey).where(ApiKey.name == "Rex")).one()
        key.revoked_at = utcnow()
        session.add(key)
        session.commit()
    engine.dispose()
