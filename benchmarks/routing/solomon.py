"""Solomon VRPTW benchmark: our solver vs pyvroom vs PyVRP, side by side, same machine, same run.

Convention: Euclidean distances in double precision are travel time and cost;
at most the instance's 25 vehicles; hierarchical objective (vehicles, then
distance).  Distances are scaled by 1000 into integers for the solvers (travel
times rounded *up*, so a plan feasible for the solver is feasible in exact
arithmetic) and every plan is re-checked in double precision by checker.py.
pyvroom and PyVRP get a fixed cost per vehicle larger than any distance saving;
ours gets the special objective ``vehicles_then_distance`` or, with ``--fixed-cost``,
the same input as pyvroom (default objective, that fixed cost: VROOM's clients'
way, as ``plan_day`` sends it).  ``--pyvrp-seeds 2``: PyVRP runs two seeds side by
side (both cores, as ours and pyvroom use) and the better plan is kept.

    python benchmarks/routing/solomon.py [--time-limit 10] [--instances C101,R201] \
        [--solvers ours,pyvroom,pyvrp] [--fixed-cost] [--pyvrp-seeds 1] [--out results.md]
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import os
import platform
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)

from benchmarks.routing.checker import check_solomon, read_solomon  # noqa: E402

DATA_DIR = os.path.join(ROOT, "..", "shared", "benchmarks", "solomon")
SCALE = 1000


def machine_info() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC"


def to_vroom(inst: dict) -> dict:
    n = len(inst["x"])
    dist = [[math.hypot(inst["x"][i] - inst["x"][j], inst["y"][i] - inst["y"][j]) for j in range(n)] for i in range(n)]
    durations = [[math.ceil(d * SCALE - 1e-6) for d in row] for row in dist]
    distances = [[round(d * SCALE) for d in row] for row in dist]
    horizon = (math.floor(inst["due"][0] * SCALE), )
    vehicles = [
        {"id": k + 1, "start_index": 0, "end_index": 0, "capacity": [inst["capacity"]],
         "time_window": [math.ceil(inst["ready"][0] * SCALE), horizon[0]]}
        for k in range(inst["vehicles"])
    ]
    jobs = [
        {"id": c, "location_index": c, "delivery": [inst["demand"][c]], "service": round(inst["service"][c] * SCALE),
         "time_windows": [[math.ceil(inst["ready"][c] * SCALE), math.floor(inst["due"][c] * SCALE)]]}
        for c in range(1, n)
    ]
    return {"vehicles": vehicles, "jobs": jobs, "matrices": {"car": {"durations": durations, "distances": distances, "costs": distances}}}


def big_fixed_cost(problem: dict) -> int:
    longest = max(max(row) for row in problem["matrices"]["car"]["distances"])
    return (longest + 1) * (len(problem["jobs"]) + 2) * 2


def with_fixed_cost(problem: dict) -> dict:
    """The problem said VROOM's way: every vehicle costs more than any distance it could save."""
    p = json.loads(json.dumps(problem))
    fixed = big_fixed_cost(p)
    for v in p["vehicles"]:
        v["costs"] = {"fixed": fixed}
    return p


def run_ours(problem, time_limit, seed, fixed_cost=False):
    from backend.routing import solve

    if fixed_cost:
        sol = solve(with_fixed_cost(problem), time_limit=time_limit, seed=seed)
    else:
        sol = solve(problem, time_limit=time_limit, seed=seed, objective="vehicles_then_distance")
    return [[s["id"] for s in r["steps"] if s["type"] == "job"] for r in sol["routes"]], sol["summary"].get("engine")


def run_pyvroom(problem, time_limit, seed, **_):
    import vroom

    p = with_fixed_cost(problem)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(p, f)
        path = f.name
    try:
        inp = vroom.Input.from_json(path)
    finally:
        os.unlink(path)
    sol = inp.solve(exploration_level=5, nb_threads=2, timeout=dt.timedelta(seconds=time_limit))
    routes = {}
    for row in sol.routes.itertuples():
        if row.type == "job":
            routes.setdefault(row.vehicle_id, []).append(int(row.id))
    return list(routes.values()), None


def run_pyvrp(problem, time_limit, seed, seeds=1, **_):
    """PyVRP with ``seeds`` searches side by side (one process each), the plan with fewer
    vehicles, then less distance, kept."""
    if seeds <= 1:
        return _pyvrp_once(problem, time_limit, seed)
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(seeds, mp_context=mp.get_context("spawn")) as pool:
        results = list(pool.map(_pyvrp_once, [problem] * seeds, [time_limit] * seeds, [seed + k for k in range(seeds)]))
    dist = problem["matrices"]["car"]["distances"]

    def length(routes):
        index = {j["id"]: j["location_index"] for j in problem["jobs"]}
        total = 0
        for r in routes:
            path = [0] + [index[c] for c in r] + [0]
            total += sum(dist[a][b] for a, b in zip(path, path[1:]))
        return total

    return min(results, key=lambda res: (sum(1 for r in res[0] if r), length(res[0])))


def _pyvrp_once(problem, time_limit, seed):
    import numpy as np
    import pyvrp
    from pyvrp.stop import MaxRuntime

    m = problem["matrices"]["car"]
    dist = np.array(m["distances"], dtype=np.int64)
    dur = np.array(m["durations"], dtype=np.int64)
    n = len(dist)
    v0 = problem["vehicles"][0]
    data = pyvrp.ProblemData(
        locations=[pyvrp.Location(0.0, 0.0) for _ in range(n)],
        clients=[pyvrp.Client(location=j["location_index"], delivery=j["delivery"], service_duration=j["service"],
                              tw_early=j["time_windows"][0][0], tw_late=j["time_windows"][0][1]) for j in problem["jobs"]],
        depots=[pyvrp.Depot(location=0)],
        vehicle_types=[pyvrp.VehicleType(num_available=len(problem["vehicles"]), capacity=v0["capacity"],
                                         tw_early=v0["time_window"][0], tw_late=v0["time_window"][1],
                                         fixed_cost=big_fixed_cost(problem))],
        distance_matrices=[dist], duration_matrices=[dur],
    )
    res = pyvrp.solve(data, stop=MaxRuntime(time_limit), seed=seed, display=False, collect_stats=False)
    ids = [j["id"] for j in problem["jobs"]]
    return [[ids[a.idx] for a in r if (a.is_client() if callable(a.is_client) else a.is_client)] for r in res.best.routes()], None


SOLVERS = {"ours": run_ours, "pyvroom": run_pyvroom, "pyvrp": run_pyvrp}


def solver_options(solver: str, args) -> dict:
    if solver == "ours":
        return {"fixed_cost": args.fixed_cost}
    if solver == "pyvrp":
        return {"seeds": args.pyvrp_seeds}
    return {}


def load_average() -> str:
    try:
        return " ".join(f"{x:.1f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--instances", default="", help="comma-separated names; default: all 56")
    ap.add_argument("--solvers", default="ours,pyvroom,pyvrp")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--data", default=DATA_DIR)
    ap.add_argument("--out", default=None, help="write the markdown table here")
    ap.add_argument("--fixed-cost", action="store_true",
                    help="ours gets pyvroom's input (default objective, a dominating fixed cost per vehicle)")
    ap.add_argument("--pyvrp-seeds", type=int, default=1, help="PyVRP searches side by side, best kept")
    args = ap.parse_args(argv)
    bks = {}
    with open(os.path.join(args.data, "bks.csv")) as f:
        for row in csv.DictReader(f):
            bks[row["instance"]] = (int(row["vehicles"]), float(row["distance"]))
    names = [x.strip() for x in args.instances.split(",") if x.strip()] or sorted(bks)
    solvers = [s.strip() for s in args.solvers.split(",") if s.strip()]
    header = (f"Solomon VRPTW, {args.time_limit:g} s per instance per solver; ours: "
              f"{'default objective, fixed cost per vehicle' if args.fixed_cost else 'vehicles_then_distance'}; "
              f"PyVRP: {args.pyvrp_seeds} seed(s) side by side. Machine: {machine_info()}, load average {load_average()}")
    print(header, flush=True)
    if "ours" in solvers:
        import backend.routing  # noqa: F401  (imported before the clock runs: not part of the first instance's time)
    rows = []
    results = {s: [] for s in solvers}
    for name in names:
        inst = read_solomon(os.path.join(args.data, f"{name}.txt"))
        problem = to_vroom(inst)
        bv, bd = bks[name]
        cells = [name, str(bv), f"{bd:.2f}"]
        for s in solvers:
            t0 = time.monotonic()
            try:
                routes, _ = SOLVERS[s](problem, args.time_limit, args.seed, **solver_options(s, args))
                secs = time.monotonic() - t0
                errs, nveh, dist = check_solomon(inst, routes)
            except Exception as exc:  # a crashing peer must not stop the table
                secs, errs, nveh, dist = time.monotonic() - t0, [f"{type(exc).__name__}: {exc}"], 0, 0.0
            if errs:
                cells += ["INFEASIBLE", "-", "-", f"{secs:.1f}"]
                print(f"  {name} {s}: infeasible: {errs[:3]}", file=sys.stderr, flush=True)
                results[s].append((name, None, None))
            else:
                gap = 100.0 * (dist - bd) / bd
                cells += [str(nveh), f"{dist:.2f}", f"{gap:+.2f}", f"{secs:.1f}"]
                results[s].append((name, nveh == bv, gap if nveh == bv else None, nveh < bv))
        rows.append(cells)
        print(" | ".join(cells), flush=True)
    lines = [header, ""]
    head = ["instance", "BKS veh", "BKS dist"]
    for s in solvers:
        head += [f"{s} veh", f"{s} dist", f"{s} gap %", f"{s} s"]
    lines.append("| " + " | ".join(head) + " |")
    lines.append("|" + "---|" * len(head))
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    lines.append("")
    for s in solvers:
        at_bks = sum(1 for r in results[s] if r[1])
        gaps = [r[2] for r in results[s] if r[1]]
        fewer = sum(1 for r in results[s] if len(r) > 3 and r[3])
        infeasible = sum(1 for r in results[s] if r[1] is None)
        mean_gap = sum(gaps) / len(gaps) if gaps else float("nan")
        line = (f"**{s}**: {at_bks}/{len(names)} instances at BKS vehicle count, mean distance gap {mean_gap:.2f} % where the count matches"
                f" ({fewer} with fewer vehicles than BKS, {infeasible} infeasible/failed)")
        lines.append(line)
        lines.append("")
        print(line, flush=True)
    if args.out:
        with open(args.out, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
