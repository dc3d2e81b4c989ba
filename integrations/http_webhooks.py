"""Posting outbound webhooks over HTTP(S), refusing private addresses unless allowed."""

from __future__ import annotations

import requests

from agent.core.ports import DeliveryError
from integrations.net_guard import UrlRefused, check_url


class HttpWebhookTransport:
    def __init__(
        self,
        timeout_s: float = 10.0,
        allow_private: bool = False,
        session: requests.Session | None = None,
    ) -> None:
        self.timeout_s, self.allow_private = timeout_s, allow_private
        self.session = session or requests.Session()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        if not self.allow_private:
            try:
                check_url(url, None)
            except UrlRefused as error:
                raise DeliveryError(str(error)) from error
        try:
            response = self.session.post(
                url, data=body, headers=headers, timeout=self.timeout_s, allow_redirects=False
            )
        except requests.RequestException as error:
            raise DeliveryError(f"no answer ({type(error).__name__}: {error})") from error
        response.close()
        return response.status_code
