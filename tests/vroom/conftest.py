"""Real `flask vroom serve` processes, an OSRM stand-in, and pyvroom's own `vroom` binary as the reference."""
from __future__ import annotations

import json
import os
import tempfile
import pytest
import requests

from tests.servers import ServerProcess
from tests.standins import StandIn

API_KEY = "k3y-for-tests"
ALLOWED_ORIGIN = "https://dispatch.example"


def encode_polyline(points) -> str:
    """Google's encoded polyline (5 decimals, [lat, lon] order) of [lon, lat] points, as OSRM answers."""
    out, last = [], (0, 0)
    for lon, lat in points:
        current = (round(lat * 1e5), round(lon * 1e5))
        for value, previous in zip(current, last):
            delta = value - previous
            delta = ~(delta << 1) if delta < 0 else delta << 1
            while delta >= 0x20:
                out.append(chr((0x20 | (delta & 0x1F)) + 63))
                delta >>= 5
            out.append(chr(delta + 63))
        last = current
    return "".join(out)


def osrm_meters(a, b) -> float:
    """The stand-in's road network: 1 m per 1e-5 degree of |dlon| + |dlat|, driven at 10 m/s."""
    return (abs(a[0] - b[0]) + abs(a[1] - b[1])) * 1e5


def _osrm_answer(record):
    parts = record["path"].split("/")
    service, coords = parts[1], parts[4]
    points = [tuple(map(float, c.split(","))) for c in coords.split(";")]
    if service == "table":
        sources = list(map(int, record["query"]["sources"][0].split(";"))) if "sources" in record["query"] \
            else range(len(points))
        dist = [[osrm_meters(points[i], b) for b in points] for i in sources]
        return 200, {"code": "Ok", "durations": [[d / 10 for d in row] for row in dist], "distances": dist}, None
    legs = [{"distance": osrm_meters(a, b), "duration": osrm_meters(a, b) / 10} for a, b in zip(points, points[1:])]
    total = sum(leg["distance"] for leg in legs)
    return 200, {"code": "Ok", "routes": [{"geometry": encode_polyline(points), "distance": total,
                                           "duration": total / 10, "legs": legs}]}, None


@pytest.fixture(scope="session")
def osrm():
    with StandIn(_osrm_answer) as server:
        yield server


def _serve(tmp_path_factory, env: dict) -> ServerProcess:
    instance = tmp_path_factory.mktemp("vroom-instance")
    return ServerProcess({"INSTANCE_PATH": str(instance), "VROOM_WORKERS": "2", **env},
                         command=["-m", "flask", "--app", "backend:create_app", "vroom", "serve", "--port", "{port}"],
                         health_path="/health")


@pytest.fixture(scope="session")
def vroom_server(tmp_path_factory):
    """vroom-express's defaults: no key, CORS for everyone, 1,000 locations, 200 vehicles, no OSRM."""
    with _serve(tmp_path_factory, {"OSRM_URL": None, "VROOM_API_KEY": None, "VROOM_CORS_ORIGINS": None}) as server:
        yield server


@pytest.fixture(scope="session")
def configured_server(tmp_path_factory, osrm):
    """An API key, one allowed origin, small limits and a road network (the OSRM stand-in)."""
    env = {"VROOM_API_KEY": API_KEY, "VROOM_CORS_ORIGINS": ALLOWED_ORIGIN, "VROOM_MAX_LOCATIONS": "6",
           "VROOM_MAX_VEHICLES": "2", "VROOM_MAX_BODY_MB": "1", "VROOM_WORKERS": "1",
           "OSRM_URL": f"http://127.0.0.1:{osrm.port}", "OUTBOUND_ALLOW_HTTP": "true",
           "OUTBOUND_ALLOWED_NETWORKS": "127.0.0.1"}
    with _serve(tmp_path_factory, env) as server:
        yield server


def post(server, body, **kwargs) -> requests.Response:
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    headers = {"Content-Type": "application/json", **kwargs.pop("headers", {})}
    return requests.post(f"{server.url}/", data=data, headers=headers, timeout=120, **kwargs)


def reference(problem, *flags) -> tuple[int, dict]:
    """(HTTP status, body) vroom-express would answer: pyvroom's vroom command line (VROOM's own main),
    its exit code mapped as vroom-express's index.js maps it (0 -> 200, 2 -> 400, 1 and 3 -> 500).

    The command line costs a second of imports per run; pyvroom is imported here once and each run
    is a forked child calling VROOM's main (which exits the process on an error, as the binary does).
    """
    try:
        import vroom
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("pyvroom is part of the test extra: `pip install -e '.[test]'`")
        pytest.skip("pyvroom is not installed")
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "answer.json")
        pid = os.fork()
        if pid == 0:  # the child: VROOM's main, then leave without running the parent's cleanups
            try:
                os.dup2(os.open(os.devnull, os.O_WRONLY), 2)
                vroom._main(["vroom", *flags, "-o", out, json.dumps(problem)])
                os._exit(0)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        body = json.loads(open(out).read()) if os.path.exists(out) and os.path.getsize(out) else \
            {"code": 1, "error": "Internal error"}
    return {0: 200, 2: 400, 1: 500, 3: 500}.get(code, 500), body
