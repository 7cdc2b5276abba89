"""Realistic-city benchmark: time to a first feasible plan, cost vs pyvroom at equal time,
insertion into live routes, re-optimizing one route, traffic-aware vs static plans, and a mixed day
(deliveries, returns and pickup-delivery pairs) against pyvroom at equal time.

    python benchmarks/routing/city.py --stops 200,1000,2000 [--time-limit 30] [--seed 1] [--bbox 4.78,45.70,4.92,45.80]
        [--skip-peer] [--only solve,insert,reopt,traffic,mixed] [--out city.md]

The mixed day: of the stops, 60 % deliveries from the depot, 20 % returns (collected, carried back to the
depot) and 20 % the two stops of pickup-delivery pairs (pickup first, same van, 2-hour windows each, the
pickup's closing before the delivery's), with vans whose capacity binds (the load follows the route).

The generator draws stops around a few dense neighbourhoods plus a uniform
spread inside the bounding box ([lon_min, lat_min, lon_max, lat_max], default
Lyon), 2-hour delivery windows between 8:00 and 18:00, 1-3 parcels, 3-minute
service, a depot at the box's edge, and vans of 7:30-19:00 shifts.  Travel is
the haversine provider (detour 1.3, 28 km/h for vans); both solvers get the
same integer matrices.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import random
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from backend.routing import evaluate, insert_job, reoptimize_route, solve  # noqa: E402
from backend.routing.matrix import HaversineProvider  # noqa: E402
from benchmarks.routing.checker import check_vroom_solution  # noqa: E402
from benchmarks.routing.solomon import machine_info  # noqa: E402

DEFAULT_BBOX = (4.78, 45.70, 4.92, 45.80)


def city_problem(n_stops: int, seed: int = 1, bbox=DEFAULT_BBOX, stops_per_van: int = 40, windows: bool = True) -> dict:
    rng = random.Random(seed)
    lon0, lat0, lon1, lat1 = bbox
    hubs = [(rng.uniform(lon0, lon1), rng.uniform(lat0, lat1)) for _ in range(6)]
    points = [((lon0 + lon1) / 2, lat0 + 0.05 * (lat1 - lat0))]  # depot near the southern edge
    for _ in range(n_stops):
        if rng.random() < 0.6:
            hx, hy = rng.choice(hubs)
            lon = min(lon1, max(lon0, rng.gauss(hx, 0.01)))
            lat = min(lat1, max(lat0, rng.gauss(hy, 0.007)))
        else:
            lon, lat = rng.uniform(lon0, lon1), rng.uniform(lat0, lat1)
        points.append((lon, lat))
    m = HaversineProvider(speed_kmh={"van": 28.0}).matrices(points, "van")
    n_vans = max(1, math.ceil(n_stops / stops_per_van))
    jobs = []
    for i in range(1, n_stops + 1):
        job = {"id": i, "location_index": i, "delivery": [rng.randint(1, 3)], "service": 180}
        if windows:
            start = rng.choice(range(8, 17)) * 3600
            job["time_windows"] = [[start, start + 7200]]
        jobs.append(job)
    vehicles = [{"id": v, "profile": "van", "start_index": 0, "end_index": 0, "capacity": [stops_per_van * 2 + 20],
                 "time_window": [7 * 3600 + 1800, 19 * 3600]} for v in range(1, n_vans + 1)]
    return {"vehicles": vehicles, "jobs": jobs, "matrices": {"van": {"durations": m.durations.tolist(), "distances": m.distances.tolist()}},
            "_points": points}


def strip(problem: dict) -> dict:
    return {k: v for k, v in problem.items() if not k.startswith("_")}


def pyvroom_solve(problem: dict, time_limit: float) -> dict:
    import vroom

    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(strip(problem), f)
        path = f.name
    try:
        inp = vroom.Input.from_json(path)
    finally:
        os.unlink(path)
    t0 = time.monotonic()
    sol = inp.solve(exploration_level=5, nb_threads=2, timeout=dt.timedelta(seconds=time_limit))
    secs = time.monotonic() - t0
    served = int(sol.routes["type"].isin(["job", "pickup", "delivery"]).sum())
    return {"cost": int(sol.summary.cost) if hasattr(sol, "summary") else None, "served": served, "seconds": secs,
            "routes": int(sol.routes["vehicle_id"].nunique())}


def mixed_day_problem(n_stops: int, seed: int = 1, bbox=DEFAULT_BBOX, stops_per_van: int = 40) -> dict:
    """The city's points as a mixed day: deliveries, returns (pickup jobs) and pairs (shipments)."""
    base = city_problem(n_stops, seed, bbox=bbox, stops_per_van=stops_per_van)
    rng = random.Random(seed + 1000)
    jobs, shipments = [], []
    indices = list(range(1, n_stops + 1))
    rng.shuffle(indices)
    n_pair_stops = (n_stops // 5) // 2 * 2
    n_returns = n_stops // 5
    pair_stops, returns, deliveries = (indices[:n_pair_stops], indices[n_pair_stops:n_pair_stops + n_returns],
                                       indices[n_pair_stops + n_returns:])
    for index in deliveries + returns:
        start = rng.choice(range(8, 17)) * 3600
        jobs.append({"id": index, "location_index": index, "service": 180, "time_windows": [[start, start + 7200]],
                     ("delivery" if index in deliveries else "pickup"): [rng.randint(1, 3)]})
    for number, (pickup, delivery) in enumerate(zip(pair_stops[::2], pair_stops[1::2]), start=1):
        start = rng.choice(range(8, 15)) * 3600
        shipments.append({"amount": [rng.randint(1, 3)],
                          "pickup": {"id": number, "location_index": pickup, "service": 180,
                                     "time_windows": [[start, start + 7200]]},
                          "delivery": {"id": number, "location_index": delivery, "service": 180,
                                       "time_windows": [[start + 3600, start + 3 * 3600]]}})
    for vehicle in base["vehicles"]:
        vehicle["capacity"] = [stops_per_van * 2]  # about what a van's share of the day weighs: the load binds
    return {**base, "jobs": jobs, "shipments": shipments}


def bench_mixed(sizes, time_limit, seed, skip_peer, lines, bbox=DEFAULT_BBOX):
    lines.append(f"## Mixed day (60 % deliveries, 20 % returns, 20 % pickup-delivery pairs): cost vs pyvroom at "
                 f"{time_limit:g} s\n")
    lines.append("| stops | vans | ours cost | ours routes | ours stops unserved | engine | pyvroom cost | pyvroom routes "
                 "| pyvroom stops unserved | pyvroom s | cost gap vs pyvroom |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        problem = mixed_day_problem(n, seed, bbox=bbox)
        t0 = time.monotonic()
        sol = solve(strip(problem), time_limit=time_limit, seed=seed)
        wall = time.monotonic() - t0
        errs = check_vroom_solution(strip(problem), sol)
        s = sol["summary"]
        row = [str(n), str(len(problem["vehicles"])), str(s["cost"]), str(s["routes"]), str(s["unassigned"]),
               s.get("engine", "")]
        if errs:
            row[2] += f" (INFEASIBLE: {errs[0]})"
        if not skip_peer:
            peer = pyvroom_solve(problem, time_limit)
            gap = 100.0 * (s["cost"] - peer["cost"]) / peer["cost"] if peer["cost"] else float("nan")
            row += [str(peer["cost"]), str(peer["routes"]), str(n - peer["served"]), f"{peer['seconds']:.1f}",
                    f"{gap:+.2f} %"]
        else:
            row += ["-"] * 5
        lines.append("| " + " | ".join(row) + " |")
        print(lines[-1], f"(ours wall {wall:.1f}s)", flush=True)
    lines.append("")


def bench_solve(sizes, time_limit, seed, skip_peer, lines, bbox=DEFAULT_BBOX):
    lines.append(f"## Solve: time to first feasible plan, cost vs pyvroom at {time_limit:g} s\n")
    lines.append("| stops | vans | ours first plan s | ours cost | ours routes | ours unassigned | engine | pyvroom cost | pyvroom routes | pyvroom unassigned | pyvroom s | cost gap vs pyvroom |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for n in sizes:
        problem = city_problem(n, seed, bbox=bbox)
        firsts = []
        t0 = time.monotonic()
        sol = solve(strip(problem), time_limit=time_limit, seed=seed, on_progress=lambda p: firsts.append(p["elapsed_s"]))
        wall = time.monotonic() - t0
        errs = check_vroom_solution(strip(problem), sol)
        s = sol["summary"]
        row = [str(n), str(len(problem["vehicles"])), f"{firsts[0]:.2f}" if firsts else "-", str(s["cost"]), str(s["routes"]),
               str(s["unassigned"]), s.get("engine", "")]
        if errs:
            row[3] += f" (INFEASIBLE: {errs[0]})"
        if not skip_peer:
            peer = pyvroom_solve(problem, time_limit)
            unassigned = n - peer["served"]
            gap = 100.0 * (s["cost"] - peer["cost"]) / peer["cost"] if peer["cost"] else float("nan")
            row += [str(peer["cost"]), str(peer["routes"]), str(unassigned), f"{peer['seconds']:.1f}", f"{gap:+.2f} %"]
        else:
            row += ["-"] * 5
        lines.append("| " + " | ".join(row) + " |")
        print(lines[-1], f"(ours wall {wall:.1f}s)", flush=True)
    lines.append("")


def _sweep_routes(problem, n_routes, per_route):
    """Live routes for the insertion benchmark: stops sorted by angle around the depot, 40 per van."""
    pts = problem["_points"]
    depot = pts[0]
    order = sorted(range(1, n_routes * per_route + 1), key=lambda i: math.atan2(pts[i][1] - depot[1], pts[i][0] - depot[0]))
    for k, veh in enumerate(problem["vehicles"][:n_routes]):
        chunk = order[k * per_route:(k + 1) * per_route]
        chunk.sort(key=lambda i: math.hypot(pts[i][0] - depot[0], pts[i][1] - depot[1]))
        veh["steps"] = [{"type": "start"}] + [{"type": "job", "id": i} for i in chunk] + [{"type": "end"}]


def bench_insert_and_reopt(seed, lines, do_insert=True, do_reopt=True):
    n_routes, per_route = 30, 40
    problem = city_problem(n_routes * per_route + 20, seed, windows=False, stops_per_van=per_route)
    problem["vehicles"] = problem["vehicles"][:n_routes]
    for v in problem["vehicles"]:
        v["capacity"] = [200]
    _sweep_routes(problem, n_routes, per_route)
    new_ids = list(range(n_routes * per_route + 1, n_routes * per_route + 21))
    base = strip(problem)
    base["jobs"] = [j for j in problem["jobs"] if j["id"] not in new_ids]
    if do_insert:
        times = []
        for jid in new_ids:
            job = next(j for j in problem["jobs"] if j["id"] == jid)
            t0 = time.monotonic()
            res = insert_job(base, job)
            times.append(time.monotonic() - t0)
            assert "vehicle" in res, res
        lines.append("## Insertion of one order into 30 routes of 40 stops (target < 300 ms)\n")
        lines.append(f"median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms over {len(times)} orders\n")
        print(lines[-1], flush=True)
    if do_reopt:
        times, gains = [], []
        for k in range(5):
            veh = dict(problem["vehicles"][k])
            ids = [s["id"] for s in veh["steps"] if s["type"] == "job"]
            rng = random.Random(seed + k)
            rng.shuffle(ids)  # a route gone stale after changes
            veh["steps"] = [{"type": "start"}] + [{"type": "job", "id": i} for i in ids] + [{"type": "end"}]
            veh["time_window"] = [11 * 3600, 19 * 3600]  # "now" = 11:00, driver at the depot-side of the route
            sub = {"vehicles": [veh], "jobs": [j for j in base["jobs"] if j["id"] in set(ids)], "matrices": base["matrices"]}
            before = evaluate(sub)["summary"]["cost"]
            t0 = time.monotonic()
            sol = reoptimize_route(sub)
            times.append(time.monotonic() - t0)
            gains.append(100.0 * (before - sol["summary"]["cost"]) / before)
        lines.append("## Re-optimizing one route's 40 remaining stops (target < 1 s)\n")
        lines.append(f"median {statistics.median(times):.2f} s, max {max(times):.2f} s over {len(times)} routes; "
                     f"cost {statistics.mean(gains):.1f} % lower than the stale order\n")
        print(lines[-1], flush=True)


def bench_traffic(seed, time_limit, lines, n=200):
    problem = city_problem(n, seed)
    base = strip(problem)
    static = solve(base, time_limit=time_limit, seed=seed)
    replay = dict(base, options={"traffic": True}, vehicles=[dict(v) for v in base["vehicles"]])
    for r in static["routes"]:
        v = next(v for v in replay["vehicles"] if v["id"] == r["vehicle"])
        v["steps"] = [{"type": s["type"], **({"id": s["id"]} if "id" in s else {})} for s in r["steps"]]
    timed = evaluate(replay)
    static_late = [x for x in timed["summary"]["violations"] if x["cause"] == "delay"]
    aware = solve(dict(base, options={"traffic": True}), time_limit=time_limit, seed=seed)
    aware_late = [x for x in aware["summary"]["violations"] if x["cause"] == "delay"]
    static_pos = {(s["id"]): (r["vehicle"], k) for r in static["routes"] for k, s in enumerate(r["steps"]) if s["type"] == "job"}
    aware_pos = {(s["id"]): (r["vehicle"], k) for r in aware["routes"] for k, s in enumerate(r["steps"]) if s["type"] == "job"}
    moved = sum(1 for j in static_pos if aware_pos.get(j) != static_pos[j])
    lines.append(f"## Traffic (default rush-hour profile) vs static plan, {n} stops, {time_limit:g} s each\n")
    lines.append("| plan | late stops (timed with traffic) | total lateness min | unassigned | cost |")
    lines.append("|---|---|---|---|---|")
    lines.append(f"| static plan | {len(static_late)} | {sum(x.get('duration', 0) for x in static_late) / 60:.0f} | {static['summary']['unassigned']} | {static['summary']['cost']} |")
    lines.append(f"| traffic-aware plan | {len(aware_late)} | {sum(x.get('duration', 0) for x in aware_late) / 60:.0f} | {aware['summary']['unassigned']} | {aware['summary']['cost']} |")
    lines.append(f"\n{moved}/{len(static_pos)} stops changed van or position; traffic rounds: {aware['summary'].get('traffic', {}).get('rounds')}\n")
    print("\n".join(lines[-6:]), flush=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--stops", default="200,1000,2000")
    ap.add_argument("--time-limit", type=float, default=30.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bbox", default=",".join(map(str, DEFAULT_BBOX)), help="lon_min,lat_min,lon_max,lat_max")
    ap.add_argument("--skip-peer", action="store_true")
    ap.add_argument("--only", default="solve,insert,reopt,traffic,mixed")
    ap.add_argument("--out", default=None)
    args = ap.parse_args(argv)
    bbox = tuple(float(x) for x in args.bbox.split(","))
    only = set(args.only.split(","))
    lines = [f"# City benchmark\n\nMachine: {machine_info()}\n"]
    print(lines[0], flush=True)
    if "solve" in only:
        bench_solve([int(x) for x in args.stops.split(",") if x], args.time_limit, args.seed, args.skip_peer, lines, bbox)
    if "insert" in only or "reopt" in only:
        bench_insert_and_reopt(args.seed, lines, "insert" in only, "reopt" in only)
    if "traffic" in only:
        bench_traffic(args.seed, min(args.time_limit, 10.0), lines)
    if "mixed" in only:
        bench_mixed([int(x) for x in args.stops.split(",") if x], args.time_limit, args.seed, args.skip_peer, lines, bbox)
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
