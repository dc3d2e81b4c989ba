from __future__ import annotations

import pytest

from agent.core.settings import Settings
from agent.webhooks.signatures import SignatureError, sign, verify


def test_a_signature_made_with_any_configured_secret_verifies() -> None:
    body = b'{"id":"evt-1"}'
    header = sign("new-secret", body, 1_700_000_000)
    assert verify(header, body, ["old-secret", "new-secret"], now=1_700_000_100) == 1_700_000_000
    both = f"{header},v1={'0' * 64}"
    assert verify(both, body, ["new-secret"], now=1_700_000_000) == 1_700_000_000
    with pytest.raises(SignatureError, match="does not match"):
        verify(header, body + b" ", ["new-secret"], now=1_700_000_000)
    with pytest.raises(SignatureError, match="inbound webhooks are off"):
        verify(header, body, [], now=1_700_000_000)


def test_salesforce_needs_its_credentials(tmp_path: object) -> None:
    with pytest.raises(ValueError, match="CALLSIGHT_SALESFORCE_CLIENT_SECRET"):
        Settings(crm="salesforce", salesforce_client_id="app")
    with pytest.raises(ValueError, match="CALLSIGHT_SALESFORCE_PRIVATE_KEY_FILE"):
        Settings(crm="salesforce", salesforce_auth="jwt", salesforce_client_id="app")
    ready = Settings(crm="salesforce", salesforce_client_id="a", salesforce_client_secret="s")
    assert ready.crm == "salesforce"
    assert Settings(webhook_secrets=" a , b ,").inbound_webhook_secrets == ["a", "b"]
