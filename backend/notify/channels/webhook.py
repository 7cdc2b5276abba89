"""Webhooks: a signed JSON POST to an integration's URL.

Signature: X-Lastmile-Signature = "v1=" + hex(HMAC-SHA256(secret, f"{timestamp}.{body}")) with the
Unix timestamp in X-Lastmile-Timestamp; receivers should reject timestamps older than a few minutes.
X-Lastmile-Delivery is the same on every retry of one delivery, so receivers can drop repeats.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import time

import requests

from backend import outbound
from backend.notify.channels import OutgoingMessage, PermanentError, SendResult, TransientError, http_failure, register

USER_AGENT = "Lastmile-Webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


class WebhookSender:
    def __init__(self, config: dict):
        self.timeout = config["NOTIFY_HTTP_TIMEOUT_S"]
        self.policy = outbound.Policy.from_config(config)

    def send(self, message: OutgoingMessage) -> SendResult:
        body = json.dumps(message.payload, separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(time.time())
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "X-Lastmile-Timestamp": str(timestamp), "X-Lastmile-Event": message.kind,
                   "X-Lastmile-Delivery": message.dedupe_key,
                   "X-Lastmile-Signature": sign(message.extra["secret"], timestamp, body)}
        try:
            response = outbound.post(message.destination, self.policy, data=body, headers=headers,
                                     timeout=self.timeout)
        except outbound.OutboundRefused as refused:
            raise PermanentError(f"Refused by the outbound guard: {refused.message}")
        except requests.RequestException as exc:
            raise TransientError(f"Unreachable: {exc}")
        if not 200 <= response.status_code < 300:
            raise http_failure(response.status_code, response.text)
        return SendResult(response_code=response.status_code)


register("webhook")(WebhookSender)
