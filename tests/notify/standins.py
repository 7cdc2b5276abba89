"""Stand-ins for the providers notifications talk to: a Twilio-like REST API, a push service that checks
VAPID and decrypts like a browser would, and a small SMTP server. Real servers on loopback."""
from __future__ import annotations

import base64
import json
import os
import socketserver
import threading
import time
from email import message_from_bytes
from email.policy import default as default_policy
from urllib.parse import parse_qs

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from tests.standins import StandIn


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _lower(headers: dict) -> dict:
    return {name.lower(): value for name, value in headers.items()}


class TwilioStandIn(StandIn):
    """Twilio's Messages resource: checks basic auth and the form, answers 201 with a sid, or 503 while down."""

    def __init__(self, sid: str, token: str):
        self.sid, self.token = sid, token
        self.down_for = 0  # answer 503 to this many requests first
        self.accepted: list[dict] = []
        self._lock = threading.Lock()
        super().__init__(self._handle)

    def _handle(self, record):
        expected_path = f"/2010-04-01/Accounts/{self.sid}/Messages.json"
        auth = "Basic " + base64.b64encode(f"{self.sid}:{self.token}".encode()).decode()
        if record["method"] != "POST" or record["path"] != expected_path:
            return 404, {"code": 20404, "message": "not found"}, None
        if _lower(record["headers"]).get("authorization") != auth:
            return 401, {"code": 20003, "message": "Authenticate"}, None
        with self._lock:
            if self.down_for > 0:
                self.down_for -= 1
                return 503, {"message": "Service Unavailable"}, None
            form = {k: v[0] for k, v in parse_qs(record["body"].decode()).items()}
            if not form.get("To", "").startswith("+") or not form.get("Body"):
                return 400, {"code": 21211, "message": "Invalid 'To' Phone Number"}, None
            sid = f"SM{len(self.accepted):032d}"
            self.accepted.append({"sid": sid, **form})
        return 201, {"sid": sid, "status": "queued", "to": form["To"], "body": form["Body"]}, None


class Browser:
    """What a browser holds for one push subscription: a P-256 key pair and a 16-byte auth secret."""

    def __init__(self):
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth_secret = os.urandom(16)

    @property
    def p256dh(self) -> str:
        return b64url(self.private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                                  serialization.PublicFormat.UncompressedPoint))

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def decrypt(self, body: bytes) -> str:
        return http_ece.decrypt(body, private_key=self.private_key, auth_secret=self.auth_secret,
                                version="aes128gcm").decode()


class PushServiceStandIn(StandIn):
    """A push service (RFC 8030) that verifies the VAPID JWT (RFC 8292) and decrypts each message for the
    browser it is addressed to. `status_for[path]` scripts an answer (e.g. 410 for an expired one)."""

    def __init__(self, vapid_public_key: str):
        self.vapid_public_key = vapid_public_key
        self.browsers: dict[str, Browser] = {}
        self.status_for: dict[str, int] = {}
        self.delivered: list[dict] = []
        self.rejections: list[str] = []
        super().__init__(self._handle)

    def subscribe(self, name: str) -> tuple[dict, Browser]:
        browser = Browser()
        self.browsers[f"/push/{name}"] = browser
        return {"endpoint": f"{self.url}/push/{name}", "keys": {"p256dh": browser.p256dh, "auth": browser.auth}}, browser

    def _check_vapid(self, headers) -> str | None:
        header = headers.get("authorization", "")
        if not header.startswith("vapid "):
            return "no vapid authorization"
        parts = dict(part.strip().split("=", 1) for part in header[6:].split(","))
        token, key = parts.get("t", ""), parts.get("k", "")
        if key != self.vapid_public_key:
            return "unknown application server key"
        try:
            head, claims, signature = token.split(".")
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
            raw = unb64url(signature)
            der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
            public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except (ValueError, InvalidSignature):
            return "bad JWT signature"
        header_json, payload = json.loads(unb64url(head)), json.loads(unb64url(claims))
        if header_json.get("alg") != "ES256":
            return "alg must be ES256"
        if payload.get("aud") != self.url:
            return f"aud {payload.get('aud')!r} is not this push service's origin"
        now = time.time()
        if not now < payload.get("exp", 0) <= now + 24 * 3600:
            return "exp must be in the future and within 24 hours"
        if not str(payload.get("sub", "")).startswith(("mailto:", "https:")):
            return "sub must be a mailto: or https: URL"
        return None

    def _handle(self, record):
        headers = _lower(record["headers"])
        problem = self._check_vapid(headers)
        if problem:
            self.rejections.append(problem)
            return 403, {"error": problem}, None
        path = record["path"]
        if path in self.status_for:
            return self.status_for[path], {"error": "scripted"}, None
        browser = self.browsers.get(path)
        if browser is None:
            return 404, {"error": "no such subscription"}, None
        if headers.get("content-encoding") != "aes128gcm":
            return 400, {"error": "aes128gcm required"}, None
        self.delivered.append({"path": path, "text": browser.decrypt(record["body"]),
                               "ttl": headers.get("ttl"), "topic": headers.get("topic")})
        return 201, b"", {"Content-Type": "text/plain"}


class SmtpStandIn:
    """Enough of SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT."""

    def __init__(self, refuse_recipients: set[str] | None = None):
        self.messages: list = []
        self.refuse = refuse_recipients or set()
        outer = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str):
                self.wfile.write((line + "\r\n").encode())

            def handle(self):
                self.reply("220 standin ESMTP")
                envelope = {"from": None, "to": []}
                while True:
                    line = self.rfile.readline()
                    if not line:
                        return
                    command = line.decode(errors="replace").strip()
                    verb = command.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.wfile.write(b"250-standin\r\n250 8BITMIME\r\n")
                    elif verb == "MAIL":
                        envelope = {"from": command[10:].strip("<> "), "to": []}
                        self.reply("250 OK")
                    elif verb == "RCPT":
                        address = command[8:].strip("<> ")
                        if address in outer.refuse:
                            self.reply("550 No such user")
                        else:
                            envelope["to"].append(address)
                            self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        data = b""
                        while True:
                            chunk = self.rfile.readline()
                            if chunk in (b".\r\n", b""):
                                break
                            data += chunk[1:] if chunk.startswith(b"..") else chunk
                        outer.messages.append({"envelope": envelope,
                                               "message": message_from_bytes(data, policy=default_policy)})
                        self.reply("250 OK queued")
                    elif verb in ("RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        class Server(socketserver.ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
