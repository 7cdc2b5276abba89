"""Channels: how a message leaves us. Each module registers a sender for one channel name.

The interface is one call, `send(message) -> SendResult`, raising TransientError (try again later:
the provider is down, slow or rate-limiting) or PermanentError (it will never work: a bad number, a
push subscription that is gone). Senders are plain blocking code: they only ever run in job workers.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel needs to send one outbox row (a snapshot: senders never touch the database)."""

    id: int
    channel: str
    kind: str
    dedupe_key: str
    destination: str
    subject: str
    body: str
    payload: dict = field(default_factory=dict)
    # Channel-specific secrets looked up at send time: push keys, the webhook's signing secret.
    extra: dict = field(default_factory=dict)
    # Files sent with the message where the channel can carry them (email): (file name, content type, bytes).
    attachments: tuple[tuple[str, str, bytes], ...] = ()


@dataclass(frozen=True)
class SendResult:
    provider_ref: str | None = None
    response_code: int | None = None


class SendError(Exception):
    def __init__(self, message: str, *, response_code: int | None = None):
        super().__init__(message)
        self.response_code = response_code


class TransientError(SendError):
    """Worth retrying later."""


class PermanentError(SendError):
    """Retrying cannot help. `gone` means the destination no longer exists (e.g. an expired push subscription)."""

    def __init__(self, message: str, *, response_code: int | None = None, gone: bool = False):
        super().__init__(message, response_code=response_code)
        self.gone = gone


class Sender(Protocol):
    def send(self, message: OutgoingMessage) -> SendResult: ...


# channel name -> factory(config) -> Sender, or None when the channel is not configured here.
REGISTRY: dict[str, Callable[[dict], Sender | None]] = {}


def register(channel: str):
    def decorate(factory):
        REGISTRY[channel] = factory
        return factory

    return decorate


def sender_for(channel: str, config: dict) -> Sender | None:
    _load_builtin()
    factory = REGISTRY.get(channel)
    return factory(config) if factory else None


def available(channel: str, config: dict) -> bool:
    """Whether messages for this channel should be written at all (email needs an SMTP server)."""
    _load_builtin()
    factory = REGISTRY.get(channel)
    if factory is None:
        return False
    probe = getattr(factory, "configured", None)
    return probe(config) if probe else True


def _load_builtin() -> None:
    from backend.notify.channels import email, sms, webhook, webpush  # noqa: F401  (they register themselves)


def http_failure(status: int, text: str) -> SendError:
    """The usual reading of an HTTP answer: 408/425/429 and 5xx are worth retrying; other 4xx are not."""
    message = f"HTTP {status}: {text[:300]}"
    if status in (408, 425, 429) or status >= 500:
        return TransientError(message, response_code=status)
    return PermanentError(message, response_code=status, gone=status in (404, 410))
