"""Getting an access token: OAuth 2.0 client credentials, JWT bearer, or username/password."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import requests

TOKEN_PATH = "/services/oauth2/token"


class SalesforceAuthError(Exception):
    """The login failed; the message says what Salesforce answered."""

    def __init__(self, message: str, retriable: bool = False) -> None:
        super().__init__(message)
        self.retriable = retriable


@dataclass(frozen=True)
class Token:
    access_token: str
    instance_url: str
    user_id: str | None = None
    """The logged-in (integration) user, from the identity URL the token answer carries."""


class Authenticator(Protocol):
    def token(self, session: requests.Session, timeout_s: float) -> Token: ...


@dataclass(frozen=True)
class ClientCredentials:
    """The OAuth client credentials flow of a connected app with a run-as user."""

    login_url: str
    client_id: str
    client_secret: str

    def token(self, session: requests.Session, timeout_s: float) -> Token:
        form = {
            "grant_type": "client_credentials",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
        }
        return _request_token(session, self.login_url, form, timeout_s)


@dataclass(frozen=True)
class JwtBearer:
    """The OAuth JWT bearer flow: a connected app's certificate signs an assertion for a user."""

    login_url: str
    client_id: str
    username: str
    private_key_pem: str
    audience: str = "https://login.salesforce.com"

    def token(self, session: requests.Session, timeout_s: float) -> Token:
        import jwt  # with cryptography, a third of a second: only this flow needs it

        claims = {
            "iss": self.client_id,
            "sub": self.username,
            "aud": self.audience,
            "exp": int(time.time()) + 180,
        }
        assertion = jwt.encode(claims, self.private_key_pem, algorithm="RS256")
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "assertion": assertion}
        return _request_token(session, self.login_url, form, timeout_s)


@dataclass(frozen=True)
class UsernamePassword:
    """The OAuth username-password flow, for sandboxes and developer orgs."""

    login_url: str
    client_id: str
    client_secret: str
    username: str
    password: str
    security_token: str = ""

    def token(self, session: requests.Session, timeout_s: float) -> Token:
        form = {
            "grant_type": "password",
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "username": self.username,
            "password": self.password + self.security_token,
        }
        return _request_token(session, self.login_url, form, timeout_s)


def _request_token(
    session: requests.Session, login_url: str, form: dict[str, str], timeout_s: float
) -> Token:
    response = session.post(login_url.rstrip("/") + TOKEN_PATH, data=form, timeout=timeout_s)
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        detail = body.get("error_description") or body.get("error") or response.text[:200]
        raise SalesforceAuthError(
            f"Salesforce refused the login ({response.status_code}): {detail}",
            retriable=response.status_code >= 500 or response.status_code == 429,
        )
    return Token(body["access_token"], body["instance_url"], _user_id(body.get("id")))


def _user_id(identity_url: object) -> str | None:
    """``https://login.salesforce.com/id/<org id>/<user id>`` → the user id."""
    if not isinstance(identity_url, str) or "/id/" not in identity_url:
        return None
    return identity_url.rstrip("/").rsplit("/", 1)[-1] or None
