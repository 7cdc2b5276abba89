"""Real server processes on free loopback ports, for tests that need eventlet, sockets or workers."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`python <script>` (or `command`: arguments after the interpreter, or the whole command line
    with executable=None; "{port}" is replaced) with the given environment; waits until
    `health_path` answers 200."""

    def __init__(self, env: dict, script: str = "wsgi.py", port: int | None = None, *, command: list | None = None,
                 health_path: str = "/healthz", executable: str | None = sys.executable, cwd: Path | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(self.port), "LOG_LEVEL": "WARNING",
                    "SECRET_KEY": "test-secret", **{k: str(v) for k, v in env.items() if v is not None}}
        for name, value in env.items():
            if value is None:
                self.env.pop(name, None)
        self.script = script
        self.command = command
        self.health_path = health_path
        self.executable = executable
        self.cwd = cwd or ROOT
        self.process = None
        self.log_path = None

    def __enter__(self):
        self.log_path = Path(self.env.get("INSTANCE_PATH", "/tmp")) / f"server-{self.port}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.log = open(self.log_path, "w")
        command = [a.replace("{port}", str(self.port)) for a in self.command] if self.command \
            else [str(ROOT / self.script)]
        argv = command if self.executable is None else [self.executable, *command]
        self.process = subprocess.Popen(argv, cwd=self.cwd, env=self.env,
                                        stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()[-3000:]}")
            try:
                if requests.get(f"{self.url}{self.health_path}", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not answer in time:\n{self.log_path.read_text()[-3000:]}")

    def __exit__(self, *exc):
        import signal

        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
        self.log.close()

    def output(self) -> str:
        return self.log_path.read_text() if self.log_path and self.log_path.exists() else ""


def migrate(database_url: str, instance: Path) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "INSTANCE_PATH": str(instance), "SECRET_KEY": "test-secret"}
    subprocess.run([sys.executable, "-m", "flask", "--app", "backend:create_app", "db", "upgrade"], cwd=ROOT, env=env,
                   check=True, capture_output=True)


def login_session(base_url: str, login: str, password: str) -> requests.Session:
    session = requests.Session()
    response = session.post(f"{base_url}/api/v1/auth/login", json={"login": login, "password": password}, timeout=10)
    response.raise_for_status()
    session.headers["X-CSRF-Token"] = response.json()["csrf_token"]
    return session
