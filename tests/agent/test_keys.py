from __future__ import annotations

from sqlalchemy import Engine
from sqlmodel import Session, select

from agent.auth.keys import Role, authenticate, create_key, key_count
from agent.core.tables import ApiKey, User, utcnow


def test_a_created_key_authenticates_with_its_role(engine: Engine) -> None:
    with Session(engine) as session:
        token = create_key(session, Role.REP, "Rita Rep", "rita@example.com")
        session.commit()
        principal = authenticate(session, token)
        assert principal is not None
        assert principal.role is Role.REP
        assert not principal.sees_all_calls
        user = session.exec(select(User).where(User.email == "rita@example.com")).one()
        assert principal.user_id == user.id


def test_keys_are_stored_hashed(engine: Engine) -> None:
    with Session(engine) as session:
        token = create_key(session, Role.ADMIN, "Ada")
        session.commit()
        stored = session.exec(select(ApiKey)).one()
        assert token.split("_", 2)[2] not in stored.secret_hash
        assert len(stored.secret_hash) == 64
        assert key_count(session) == 1


def test_wrong_malformed_and_revoked_tokens_are_refused(engine: Engine) -> None:
    with Session(engine) as session:
        token = create_key(session, Role.LEAD, "Lee")
        session.commit()
        prefix = "_".join(token.split("_", 2)[:2])  # the secret may hold "_" itself
        for bad in ["", "nonsense", f"{prefix}_wrongsecret", "cs_00000000_x", "xx_a_b"]:
            assert authenticate(session, bad) is None
        key = session.exec(select(ApiKey)).one()
        key.revoked_at = utcnow()
        session.add(key)
        session.commit()
        assert authenticate(session, token) is None


def test_two_keys_for_one_email_share_the_user(engine: Engine) -> None:
    with Session(engine) as session:
        first = authenticate(session, create_key(session, Role.REP, "Rita", "rita@example.com"))
        second = authenticate(session, create_key(session, Role.REP, "Rita", "rita@example.com"))
        assert first is not None and second is not None
        assert first.user_id == second.user_id
