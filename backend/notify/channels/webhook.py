"""Webhooks: a signed JSON POST to an integration's URL.

Signature: X-Lastmile-Signature = "v1=" + hex(HMAC-SHA256(secret, f"{timestamp}.{body}")) with the
Unix timestamp in X-Lastmile-Timestamp; receivers should reject timestamps older than a few minutes.
X-Lastmile-Delivery is the same on every retry of one delivery, so receivers can drop repeats.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from urllib.parse import urlparse

import requests

from backend.notify.channels import OutgoingMessage, PermanentError, SendResult, TransientError, http_failure, register

USER_AGENT = "Lastmile-Webhooks/1"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "v1=" + mac.hexdigest()


def check_public_host(url: str) -> None:
    """An admin's webhook URL must not turn our server into a probe of its own network (SSRF): every
    address the host resolves to must be public, unless WEBHOOK_ALLOW_PRIVATE_NETWORKS says otherwise."""
    host = urlparse(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as exc:
        raise TransientError(f"Cannot resolve {host!r}: {exc}")
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if not address.is_global:
            raise PermanentError(f"{host} resolves to a private address ({address}); refused. Set "
                                 "WEBHOOK_ALLOW_PRIVATE_NETWORKS=true to allow endpoints inside your network.")


class WebhookSender:
    def __init__(self, config: dict):
        self.timeout = config["NOTIFY_HTTP_TIMEOUT_S"]
        self.allow_private = config.get("WEBHOOK_ALLOW_PRIVATE_NETWORKS", False)

    def send(self, message: OutgoingMessage) -> SendResult:
        if not self.allow_private:
            check_public_host(message.destination)
        body = json.dumps(message.payload, separators=(",", ":"), sort_keys=True).encode()
        timestamp = int(time.time())
        headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                   "X-Lastmile-Timestamp": str(timestamp), "X-Lastmile-Event": message.kind,
                   "X-Lastmile-Delivery": message.dedupe_key,
                   "X-Lastmile-Signature": sign(message.extra["secret"], timestamp, body)}
        try:
            response = requests.post(message.destination, data=body, headers=headers, timeout=self.timeout,
                                     allow_redirects=False)
        except requests.RequestException as exc:
            raise TransientError(f"Unreachable: {exc}")
        if not 200 <= response.status_code < 300:
            raise http_failure(response.status_code, response.text)
        return SendResult(response_code=response.status_code)


register("webhook")(WebhookSender)
