"""Web push (RFC 8030/8291/8292) with pywebpush: VAPID-signed, payload encrypted with aes128gcm.

The VAPID key pair is made once and kept in the instance folder (`flask push init`, or on first use);
browsers subscribe with its public key, so changing it orphans every subscription.
"""
from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPushException, webpush

from backend import outbound
from backend.notify.channels import (OutgoingMessage, PermanentError, SendResult, TransientError, http_failure,
                                     register)

KEY_FILE = "vapid_private.pem"
# A message not delivered within a day is stale (it was about today's delivery).
TTL_S = 24 * 3600


def key_path(instance_path: str) -> Path:
    return Path(instance_path) / KEY_FILE


def load_or_create_key(instance_path: str) -> Vapid02:
    """The instance's VAPID key; the first process to need it makes it (two starting at once agree)."""
    path = key_path(instance_path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        vapid = Vapid02()
        vapid.generate_keys()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(vapid.private_pem())
    return Vapid02.from_file(str(path))


def public_key_b64(vapid: Vapid02) -> str:
    """The applicationServerKey a browser subscribes with: the uncompressed P-256 point, base64url."""
    raw = vapid.public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def topic_for(dedupe_key: str) -> str:
    """Push services replace an undelivered message with a newer one of the same Topic (<= 32 url-safe chars):
    a retry of a message the service already holds does not pile up on the phone."""
    return base64.urlsafe_b64encode(hashlib.sha256(dedupe_key.encode()).digest()).rstrip(b"=").decode()[:32]


class WebPushSender:
    def __init__(self, config: dict):
        self.vapid = load_or_create_key(config["INSTANCE_PATH"])
        self.subject = config["VAPID_SUBJECT"]
        self.timeout = config["NOTIFY_HTTP_TIMEOUT_S"]
        self.policy = outbound.Policy.from_config(config)

    def send(self, message: OutgoingMessage) -> SendResult:
        subscription = {"endpoint": message.destination,
                        "keys": {"p256dh": message.extra["p256dh"], "auth": message.extra["auth"]}}
        data = json.dumps({"title": message.subject, "body": message.body, **message.payload}, ensure_ascii=False)
        try:
            with outbound.session(self.policy) as guarded:
                response = webpush(subscription, data, vapid_private_key=self.vapid,
                                   vapid_claims={"sub": self.subject}, content_encoding="aes128gcm", ttl=TTL_S,
                                   timeout=self.timeout, requests_session=guarded,
                                   headers={"Topic": topic_for(message.dedupe_key), "Urgency": "normal"})
        except outbound.OutboundRefused as refused:
            # A subscription the guard refuses will never be sendable: drop it like a gone one.
            raise PermanentError(f"Refused by the outbound guard: {refused.message}", gone=True)
        except WebPushException as exc:
            response = getattr(exc, "response", None)
            if response is None:
                raise TransientError(f"Push service unreachable: {exc}")
            raise http_failure(response.status_code, response.text or "")
        except (ValueError, TypeError) as exc:  # keys that do not decode: the subscription is unusable
            raise PermanentError(f"Bad subscription keys: {exc}", gone=True)
        except Exception as exc:  # requests' connection errors and timeouts
            raise TransientError(f"Push service unreachable: {exc}")
        return SendResult(provider_ref=response.headers.get("Location"), response_code=response.status_code)


register("push")(WebPushSender)
