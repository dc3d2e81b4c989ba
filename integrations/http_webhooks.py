"""Posting outbound webhooks over HTTP(S), refusing private addresses unless allowed."""

from __future__ import annotations

import requests

from agent.core.ports import DeliveryError, DeliveryRefused
from integrations.net_guard import UrlRefused, UrlUnresolved, check_url

ALLOW_SETTING = "CALLSIGHT_OUTBOUND_WEBHOOK_ALLOW_PRIVATE"


class HttpWebhookTransport:
    def __init__(
        self,
        timeout_s: float = 10.0,
        allow_private: bool = False,
        session: requests.Session | None = None,
    ) -> None:
        self.timeout_s, self.allow_private = timeout_s, allow_private
        self.session = session or requests.Session()

    def refusal(self, url: str) -> str | None:
        try:
            self._check(url)
        except UrlUnresolved:
            return None
        except UrlRefused as error:
            return str(error)
        return None

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        # Checked again at each post: the name may resolve elsewhere than when subscribed.
        try:
            self._check(url)
        except UrlUnresolved as error:
            raise DeliveryError(str(error)) from error
        except UrlRefused as error:
            raise DeliveryRefused(str(error)) from error
        try:
            response = self.session.post(
                url, data=body, headers=headers, timeout=self.timeout_s, allow_redirects=False
            )
        except requests.RequestException as error:
            raise DeliveryError(f"no answer ({type(error).__name__}: {error})") from error
        response.close()
        return response.status_code

    def _check(self, url: str) -> None:
        if self.allow_private:
            return
        try:
            check_url(url, None)
        except UrlUnresolved:
            raise
        except UrlRefused as error:
            raise UrlRefused(f"{error}; set {ALLOW_SETTING}=true to allow it") from error
