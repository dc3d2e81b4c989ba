"""Bringing the service's pieces up: migrate, build the adapters, let an admin in.

Kept apart from ``api.app`` so ``callsight process`` starts without importing the web framework.
"""

from __future__ import annotations

import sys

from agent.auth.keys import Role, create_key, key_count
from agent.core.db import upgrade
from agent.core.settings import Settings
from agent.core.transactions import unit_of_work
from api.composition import Container, build_container


def start_container(settings: Settings) -> Container:
    """Migrate the database, build the adapters, and make sure an admin can get in."""
    upgrade(settings.database_url)
    container = build_container(settings)
    announce_first_admin_key(container)
    return container


def announce_first_admin_key(container: Container) -> None:
    """On a database with no keys, create an admin key and print it, once."""
    with unit_of_work(container.engine) as session:
        if key_count(session) > 0:
            return
        token = create_key(session, Role.ADMIN, "first admin")
    print(
        "\n  First start: an admin API key was created. It is shown only this once:\n"
        f"\n      {token}\n\n"
        "  Use it as 'Authorization: Bearer <key>'. More keys: callsight keys create --help\n",
        file=sys.stderr,
        flush=True,
    )
