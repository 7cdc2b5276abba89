"""Webhooks: a signed JSON POST to an integration's URL, signed two ways.

Standard Webhooks (https://www.standardwebhooks.com), so receivers can verify with its libraries:
    webhook-id         the delivery's id, the same on every retry (receivers drop repeats by it)
    webhook-timestamp  Unix seconds
    webhook-signature  "v1," + base64(HMAC-SHA256(key, f"{webhook-id}.{webhook-timestamp}.{body}"))
where key is the base64 after "whsec_" in the endpoint's secret (`Webhook(secret).verify(body, headers)`).
Secrets made before this used URL-safe base64: their key decodes as such (rotate the secret to get one
every library reads).

And Lastmile's own, kept for receivers written against it:
    X-Lastmile-Signature = "v1=" + hex(HMAC-SHA256(secret as text, f"{timestamp}.{body}")) with the Unix
    timestamp in X-Lastmile-Timestamp, X-Lastmile-Delivery = webhook-id, X-Lastmile-Event = the event type.
Receivers should reject timestamps older than a few minutes.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
import time

import requests

from backend import outbound
from backend.notify.channels import OutgoingMessage, PermanentError, SendResult, TransientError, http_failure, register

USER_AGENT = "Lastmile-Webhooks/1"


SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    """A Standard Webhooks secret: whsec_ + 32 random bytes in standard base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def signing_key(secret: str) -> bytes:
    encoded = secret.removeprefix(SECRET_PREFIX)
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        return base64.b64decode(padded, validate=True)
    except binascii.Error:  # a secret from before Standard Webhooks: URL-safe base64
        return base64.urlsafe_b64decode(padded)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """Lastmile's own signature (X-Lastmile-Signature)."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def standard_signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The Standard Webhooks signature (webhook-signature)."""
    mac = hmac.new(signing_key(secret), f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256)
    return "v1," + base64.b64encode(mac.digest()).decode()


class WebhookSender:
    def __init__(self, config: dict):
        self.timeout = config["NOTIFY_HTTP_TIMEOUT_S"]
        self.policy = outbound.Policy.from_config(config)

    def send(self, message: OutgoingMessage) -> SendResult:
        body = json.dumps(message.payload, separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(time.time())
        secret = message.extra["secret"]
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "webhook-id": message.dedupe_key, "webhook-timestamp": str(timestamp),
                   "webhook-signature": standard_signature(secret, message.dedupe_key, timestamp, body),
                   "X-Lastmile-Timestamp": str(timestamp), "X-Lastmile-Event": message.kind,
                   "X-Lastmile-Delivery": message.dedupe_key,
                   "X-Lastmile-Signature": sign(secret, timestamp, body)}
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
