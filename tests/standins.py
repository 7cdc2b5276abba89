"""Local stand-ins for outside services: real HTTP servers on loopback speaking their protocols."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class StandIn:
    """A threaded HTTP server whose answers a test scripts with `handler(method, path, query, body)`."""

    def __init__(self, handler, host: str = "127.0.0.1", port: int = 0):
        self.requests: list[dict] = []
        self.handler = handler
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parsed = urlsplit(self.path)  # not urlparse: it cuts ";" path parameters (OSRM uses ";")
                record = {"method": self.command, "path": parsed.path, "query": parse_qs(parsed.query),
                          "headers": dict(self.headers), "body": body}
                outer.requests.append(record)
                status, payload, headers = outer.handler(record)
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", (headers or {}).get("Content-Type", "application/json"))
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_DELETE = _serve

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
