"""Webhook signatures: ``Callsight-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Sequence

from agent.core.errors import Unauthorized

HEADER = "Callsight-Signature"
DEFAULT_TOLERANCE_S = 300
TIMESTAMP = re.compile(r"[0-9]{1,12}")  # Unix seconds, up to the year 33658
DIGEST = re.compile(r"[0-9a-f]{64}")  # HMAC-SHA256 in hex, lowered before the match


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
    """Strictly: one ``t`` of ASCII digits, and ``v1`` values of 64 hex digits each; other
    schemes are skipped. ``str.isdigit`` would take "²" or Arabic-Indic digits, which ``int``
    then refuses or reads, so only the ASCII patterns below count."""
    timestamps: list[str] = []
    signatures: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            timestamps.append(value)
        elif key == "v1":
            signatures.append(value.lower())
    well_formed = (
        len(timestamps) == 1
        and TIMESTAMP.fullmatch(timestamps[0]) is not None
        and signatures
        and all(DIGEST.fullmatch(given) for given in signatures)
    )
    if not well_formed:
        raise SignatureError(f"the {HEADER} header must look like t=<unix seconds>,v1=<hex>")
    return int(timestamps[0]), signatures


def _digest(secret: str, body: bytes, timestamp: int) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
