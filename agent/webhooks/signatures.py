"""Webhook signatures: ``Callsight-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

from agent.core.errors import Unauthorized

HEADER = "Callsight-Signature"
DEFAULT_TOLERANCE_S = 300


class SignatureError(Unauthorized):
    """The signature is missing, malformed, stale, or made with another secret."""


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The header value for ``body`` sent at ``timestamp`` (unix seconds)."""
    return f"t={timestamp},v1={_digest(secret, body, timestamp)}"


def verify(
    header: str | None,
    body: bytes,
    secrets: Sequence[str],
    now: float,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
) -> int:
    """Check the header against every configured secret; returns the signed timestamp."""
    if not secrets:
        raise SignatureError("inbound webhooks are off: set CALLSIGHT_WEBHOOK_SECRETS")
    if not header:
        raise SignatureError(f"the {HEADER} header is missing")
    timestamp, signatures = _parse(header)
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError(
            f"the signature's timestamp is more than {tolerance_s} s from now; sign again"
        )
    for secret in secrets:
        expected = _digest(secret, body, timestamp)
        if any(hmac.compare_digest(expected, given) for given in signatures):
            return timestamp
    raise SignatureError("the signature does not match the body with any configured secret")


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1" and value:
            signatures.append(value.lower())
    if timestamp is None or not signatures:
        raise SignatureError(f"the {HEADER} header must look like t=<unix seconds>,v1=<hex>")
    return timestamp, signatures


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
