"""SMS: a provider interface, the console provider (the embedded default: it logs) and Twilio.

Twilio is spoken through its documented REST API (no SDK): POST {base}/2010-04-01/Accounts/{sid}/
Messages.json with HTTP basic auth sid:token and form fields To, From, Body, StatusCallback. The base
URL is configurable so tests run the real adapter against a local stand-in.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import uuid

import requests

from backend import outbound
from backend.notify.channels import (OutgoingMessage, PermanentError, SendResult, TransientError, http_failure,
                                     register)

log = logging.getLogger(__name__)

PROVIDERS: dict[str, type] = {}


def provider(name: str):
    def decorate(cls):
        PROVIDERS[name] = cls
        return cls

    return decorate


@provider("console")
class ConsoleSms:
    """Writes the text to the log instead of a phone: for the embedded default and demos."""

    def __init__(self, config: dict):
        self.config = config

    def send(self, message: OutgoingMessage) -> SendResult:
        log.info("SMS to %s: %s", message.destination, message.body)
        return SendResult(provider_ref=f"console-{uuid.uuid4().hex[:16]}")


@provider("twilio")
class TwilioSms:
    def __init__(self, config: dict):
        self.sid = config["TWILIO_ACCOUNT_SID"]
        self.token = config["TWILIO_AUTH_TOKEN"]
        self.sender = config["TWILIO_FROM"]
        self.base_url = config["TWILIO_BASE_URL"].rstrip("/")
        self.callback_url = status_callback_url(config)
        self.timeout = config["NOTIFY_HTTP_TIMEOUT_S"]
        self.policy = outbound.Policy.from_config(config)
        if not (self.sid and self.token and self.sender):
            raise PermanentError("Twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM.")

    def send(self, message: OutgoingMessage) -> SendResult:
        url = f"{self.base_url}/2010-04-01/Accounts/{self.sid}/Messages.json"
        form = {"To": message.destination, "From": self.sender, "Body": message.body,
                "StatusCallback": self.callback_url}
        try:
            response = outbound.post(url, self.policy, data=form, auth=(self.sid, self.token), timeout=self.timeout)
        except outbound.OutboundRefused as refused:
            raise PermanentError(f"TWILIO_BASE_URL refused by the outbound guard: {refused.message}")
        except requests.RequestException as exc:
            raise TransientError(f"Twilio unreachable: {exc}")
        if response.status_code not in (200, 201):
            raise http_failure(response.status_code, response.text)
        try:
            sid = response.json()["sid"]
        except (ValueError, KeyError, TypeError):
            # Accepted but unreadable: it was sent; we just cannot match its status callbacks.
            sid = None
        return SendResult(provider_ref=sid, response_code=response.status_code)


def status_callback_url(config: dict) -> str:
    from flask import has_app_context

    from backend.public_url import public_base_url, served_address

    base = config.get("PUBLIC_BASE_URL") or (public_base_url() if has_app_context() else served_address(config))
    return f"{base}/api/v1/notify/twilio/status"


def twilio_signature(auth_token: str, url: str, params: dict[str, list[str]] | dict[str, str]) -> str:
    """Twilio's request signature: HMAC-SHA1 over the full URL followed by each POST parameter's name and
    value, sorted by name, base64-encoded, keyed with the account's auth token."""
    data = url
    for name in sorted(params):
        values = params[name]
        for value in (values if isinstance(values, list) else [values]):
            data += name + value
    digest = hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def signature_valid(auth_token: str | None, candidate_urls: list[str], params: dict, signature: str) -> bool:
    if not auth_token or not signature:
        return False
    return any(hmac.compare_digest(twilio_signature(auth_token, url, params), signature) for url in candidate_urls)


@register("sms")
def sms_sender(config: dict):
    cls = PROVIDERS.get(config.get("SMS_PROVIDER") or "console")
    if cls is None:
        raise PermanentError(f"Unknown SMS_PROVIDER {config.get('SMS_PROVIDER')!r}; use one of {sorted(PROVIDERS)}.")
    return cls(config)
