"""The URL guard behind recording fetches and outbound webhooks."""

from __future__ import annotations

import pytest

from agent.core.ports import DeliveryError
from integrations.http_webhooks import HttpWebhookTransport
from integrations.net_guard import UrlRefused, check_url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://127.0.0.1/x", "non-public address"),
        ("http://10.1.2.3/x", "non-public address"),
        ("http://[::1]/x", "non-public address"),
        ("http://169.254.169.254/latest", "non-public address"),
        ("http://0.0.0.0/x", "non-public address"),
        ("gopher://8.8.8.8/x", r"only http\(s\)"),
        ("http:///nohost", r"only http\(s\)"),
    ],
)
def test_private_and_odd_urls_are_refused(url: str, problem: str) -> None:
    with pytest.raises(UrlRefused, match=problem):
        check_url(url, None)


def test_only_named_hosts_pass_and_private_ones_only_when_named_so() -> None:
    with pytest.raises(UrlRefused, match="not allowed"):
        check_url("http://8.8.8.8/x", ["recordings.example.com"])
    with pytest.raises(UrlRefused, match="non-public"):
        check_url("http://127.0.0.1:8080/x", ["127.0.0.1"])
    check_url("http://127.0.0.1:8080/x", ["recordings.example.com"], private_hosts=["127.0.0.1"])
    check_url("https://8.8.8.8/x", ["8.8.8.8"])


def test_outbound_webhooks_to_private_addresses_are_not_sent_unless_allowed() -> None:
    transport = HttpWebhookTransport(timeout_s=1)
    with pytest.raises(DeliveryError, match="non-public address"):
        transport.post("http://127.0.0.1:9/hook", b"{}", {})
    with pytest.raises(DeliveryError, match="no answer"):
        HttpWebhookTransport(timeout_s=1, allow_private=True).post(
            "http://127.0.0.1:9/h", b"{}", {}
        )
