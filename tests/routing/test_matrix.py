"""Matrix providers: haversine (vectorised) and OSRM against a stand-in server on 127.0.0.1; the cache."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import numpy as np
import pytest

from backend.routing import RoutingError, solve
from backend.geo.sphere import distance_matrix_m as haversine_meters
from backend.routing.matrix import HaversineProvider, MatrixCache, OsrmProvider

from routing_helpers import assert_feasible

PARIS = [2.3522, 48.8566]
LONDON = [-0.1276, 51.5072]


def test_haversine_paris_london():
    d = haversine_meters([PARIS, LONDON])
    assert d[0, 0] == 0 and abs(d[0, 1] - d[1, 0]) < 1e-6
    assert 342_000 < d[0, 1] < 345_000  # great-circle distance ~343.5 km


def test_haversine_provider_applies_detour_and_profile_speed():
    m = HaversineProvider(detour_factor=1.3, speed_kmh={"car": 36.0, "bike": 18.0})
    car = m.matrices([PARIS, LONDON], "car")
    bike = m.matrices([PARIS, LONDON], "bike")
    straight = haversine_meters([PARIS, LONDON])[0, 1]
    assert car.distances[0, 1] == round(straight * 1.3)
    assert car.durations[0, 1] == round(straight * 1.3 / 10.0)
    assert abs(bike.durations[0, 1] - 2 * car.durations[0, 1]) <= 1
    with pytest.raises(RoutingError):
        HaversineProvider(detour_factor=0.5)


def test_haversine_is_vectorised_for_a_city_sized_matrix():
    rng = np.random.default_rng(0)
    points = np.column_stack([rng.uniform(2.2, 2.5, 2000), rng.uniform(48.8, 48.9, 2000)])
    m = HaversineProvider().matrices(points, "car")
    # compact: int32, half the memory of int64 (a 5,000-place day is 100 MB per matrix)
    assert m.durations.shape == (2000, 2000) and m.durations.dtype == np.int32 and m.distances.dtype == np.int32
    for i, j in ((17, 1234), (1999, 3), (256, 255)):  # rows of the first, the last and adjacent blocks
        expected = haversine_meters(points[[i, j]])[0, 1] * 1.3
        assert abs(int(m.distances[i, j]) - expected) <= 1
        assert abs(int(m.durations[i, j]) - expected / (30 / 3.6)) <= 1


def test_solve_with_coordinates_uses_haversine_and_options():
    problem = {
        "vehicles": [{"id": 1, "start": PARIS, "end": PARIS}],
        "jobs": [{"id": 1, "location": [2.36, 48.86]}, {"id": 2, "location": [2.34, 48.87]}],
        "options": {"detour_factor": 1.5, "speed_kmh": {"car": 20}},
    }
    sol = solve(problem, time_limit=0.3)
    locs = [PARIS, [2.36, 48.86], [2.34, 48.87]]
    m = HaversineProvider(1.5, {"car": 20}).matrices(locs, "car")
    assert_feasible(problem, sol, matrices={"car": {"durations": m.durations.tolist(), "distances": m.distances.tolist()}},
                    locations=locs)
    assert sol["summary"]["distance"] == m.distances[0, 1] + m.distances[1, 2] + m.distances[2, 0] or \
        sol["summary"]["distance"] == m.distances[0, 2] + m.distances[2, 1] + m.distances[1, 0]
    assert sol["routes"][0]["steps"][1]["location"] in ([2.36, 48.86], [2.34, 48.87])


class _FakeOsrm(BaseHTTPRequestHandler):
    """Speaks OSRM's table/route JSON: 1 m per 1e-5 degree of |dlon|+|dlat|, 10 m/s."""

    requests = []

    def log_message(self, *args):
        pass

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        url = urlsplit(self.path)
        type(self).requests.append(self.path)
        parts = url.path.split("/")
        service, profile, coords = parts[1], parts[3], parts[4]
        if profile == "boat":
            return self._send(400, {"code": "InvalidQuery", "message": "unknown profile"})
        points = [tuple(map(float, c.split(","))) for c in coords.split(";")]

        def meters(a, b):
            return (abs(a[0] - b[0]) + abs(a[1] - b[1])) * 1e5

        if service == "table":
            q = parse_qs(url.query)
            assert q["annotations"] == ["duration,distance"]
            sources = list(map(int, q["sources"][0].split(";"))) if "sources" in q else range(len(points))
            dist = [[meters(points[i], b) for b in points] for i in sources]
            return self._send(200, {"code": "Ok", "durations": [[d / 10 for d in row] for row in dist], "distances": dist})
        legs = [{"distance": meters(a, b), "duration": meters(a, b) / 10} for a, b in zip(points, points[1:])]
        total = sum(leg["distance"] for leg in legs)
        return self._send(200, {"code": "Ok", "routes": [{"geometry": "_p~iF~ps|U", "distance": total, "duration": total / 10,
                                                          "legs": legs}]})


@pytest.fixture
def osrm_url(monkeypatch):
    # An operator's self-hosted OSRM on loopback: the outbound guard lets it through only when told so.
    monkeypatch.setenv("OUTBOUND_ALLOW_HTTP", "true")
    monkeypatch.setenv("OUTBOUND_ALLOWED_NETWORKS", "127.0.0.1")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    _FakeOsrm.requests = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_osrm_table_in_blocks(osrm_url):
    points = [[2.30 + 0.01 * i, 48.85] for i in range(5)]
    m = OsrmProvider(osrm_url, max_table_size=2).matrices(points, "car")
    assert m.distances[0, 4] == 4000 and m.durations[0, 4] == 400 and m.distances[3, 1] == 2000
    assert len(_FakeOsrm.requests) == 3  # 5 sources in blocks of 2
    assert all(r.startswith("/table/v1/car/2.300000,48.850000;") for r in _FakeOsrm.requests)


def test_osrm_route_geometry(osrm_url):
    r = OsrmProvider(osrm_url).route([[2.30, 48.85], [2.31, 48.85]], "car")
    assert r == {"geometry": "_p~iF~ps|U", "distance": 1000, "duration": 100, "leg_distances": [1000]}


def test_osrm_errors_are_routing_errors(osrm_url):
    with pytest.raises(RoutingError) as info:
        OsrmProvider(osrm_url).matrices([[2.3, 48.8], [2.4, 48.8]], "boat")
    assert info.value.code == 3 and "InvalidQuery" in info.value.message
    with pytest.raises(RoutingError) as info:
        OsrmProvider("http://127.0.0.1:9", timeout_s=2).matrices([[2.3, 48.8], [2.4, 48.8]], "car")
    assert info.value.code == 3


def test_solve_through_osrm_and_cache(osrm_url):
    problem = {
        "vehicles": [{"id": 1, "start": [2.30, 48.85], "end": [2.30, 48.85]}],
        "jobs": [{"id": i, "location": [2.30 + 0.011 * i, 48.85 + 0.003 * i]} for i in range(1, 4)],
        "options": {"osrm_url": osrm_url},
    }
    sol = solve(problem, time_limit=0.3)
    assert sol["summary"]["distance"] == 2 * (0.033 + 0.009) * 1e5
    n_requests = len(_FakeOsrm.requests)
    solve(problem, time_limit=0.3)  # same places: served from the cache
    assert len(_FakeOsrm.requests) == n_requests


def test_cache_keys_round_coordinates():
    calls = []

    class Counting(HaversineProvider):
        def matrices(self, locations, profile):
            calls.append(profile)
            return super().matrices(locations, profile)

    cache = MatrixCache(max_entries=2)
    p = Counting()
    cache.get_or_compute([[2.3, 48.8], [2.4, 48.9]], "car", p)
    cache.get_or_compute([[2.3000001, 48.8], [2.4, 48.9]], "car", p)  # GPS jitter: same key
    cache.get_or_compute([[2.3, 48.8], [2.4, 48.9]], "car", p, hour=8)
    cache.get_or_compute([[2.3, 48.8], [2.4, 48.9]], "bike", p)
    assert calls == ["car", "car", "bike"] and cache.hits == 1
    cache.get_or_compute([[2.3, 48.8], [2.4, 48.9]], "car", p)  # evicted by the LRU bound
    assert calls[-1] == "car" and len(calls) == 4


def test_cache_is_bounded_in_bytes():
    # a long-lived server planning big days keeps at most max_bytes of matrices
    points = [[2.3 + 0.001 * i, 48.8] for i in range(50)]  # 50 x 50 x 4 bytes x 2 matrices = 20 kB
    cache = MatrixCache(max_entries=10, max_bytes=30_000)
    p = HaversineProvider()
    cache.get_or_compute(points, "car", p)
    cache.get_or_compute(points, "bike", p)  # 40 kB together: the older one goes
    cache.get_or_compute(points, "bike", p)
    assert cache.hits == 1
    cache.get_or_compute(points, "car", p)
    assert cache.misses == 3
    big = [[2.3 + 0.001 * i, 48.8] for i in range(70)]  # 39 kB alone: computed, never kept
    cache.get_or_compute(big, "car", p)
    cache.get_or_compute(big, "car", p)
    assert cache.misses == 5 and cache.hits == 1


def test_road_matrices_are_fetched_before_the_problem_leaves_the_hub(osrm_url):
    # backend.routing.off_hub.off_hub: with OSRM, the table is fetched on the hub (green sockets)
    # and the solver thread gets custom matrices; the answer must be the one OSRM's table gives.
    from backend.routing import insert_job
    from backend.routing.matrix import DEFAULT_CACHE
    from backend.routing.off_hub import with_road_matrices

    DEFAULT_CACHE.clear()
    depot = [2.30, 48.85]
    stops = [[2.30 + 0.01 * i, 48.85 + 0.004 * (i % 3)] for i in range(1, 7)]
    problem = {
        "vehicles": [{"id": 1, "start": depot, "end": depot, "steps": [{"type": "job", "id": 1}, {"type": "job", "id": 2},
                                                                          {"type": "job", "id": 3}]},
                     {"id": 2, "start": depot, "steps": [{"type": "job", "id": 4}, {"type": "job", "id": 5}]}],
        "jobs": [{"id": i + 1, "location": stop, "service": 60} for i, stop in enumerate(stops[:5])],
        "options": {"osrm_url": osrm_url},
    }
    new_job = {"id": 99, "location": stops[5], "service": 60}

    indexed, (indexed_job,) = with_road_matrices(problem, new_job)
    assert "osrm_url" not in indexed["options"] and "osrm_url" in problem["options"]  # the caller's problem is left alone
    assert len(_FakeOsrm.requests) == 1 and _FakeOsrm.requests[0].startswith("/table/v1/car/")
    assert indexed["matrices"]["car"]["durations"].shape == (7, 7)  # depot + six stops, each once
    assert indexed_job["location_index"] == 6 and indexed["vehicles"][0]["end_index"] == 0

    on_thread = insert_job(indexed, indexed_job)
    direct = insert_job(problem, new_job)  # the solver fetching OSRM itself (from the cache now)
    assert (on_thread["vehicle"], on_thread["position"], on_thread["cost_delta"]) == \
        (direct["vehicle"], direct["position"], direct["cost_delta"])
    assert len(_FakeOsrm.requests) == 1
