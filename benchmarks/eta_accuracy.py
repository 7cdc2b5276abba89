"""ETA accuracy: the error of the ETA a customer is shown 60, 30 and 10 minutes before the real arrival.

    python benchmarks/eta_accuracy.py [--days 20] [--stops 25] [--seed 1]

Simulated on a virtual clock (no server; the same solver evaluation the app's ETA refresh uses):
each day a van works a planned route in a city; the "truth" drives every leg at the matrix time for
the hour it is driven, times a pace of the day (lognormal, sd 0.12) and a noise per leg (sd 0.25),
with noisy service times (sd 0.35) and waiting when early. Every minute the ETAs of the remaining
stops are recomputed from the van's position, with two models — the plan's speeds, and the plan's
speeds scaled by the pace learnt from the day's legs so far (backend.dispatch.eta_model) — and with
fresh positions or with the phone silent (positions stale) a fifth of the time, in 10-minute blocks.
Prints mean absolute and 90th-percentile errors (minutes) per horizon; the last line is JSON.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import statistics
import sys
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.routing import evaluate, solve  # noqa: E402
from backend.routing.matrix import HaversineProvider  # noqa: E402
from backend.routing.traffic import DEFAULT_HOURLY_FACTORS  # noqa: E402
from backend.dispatch.eta_model import pace_factor, traffic_option  # noqa: E402

HORIZONS_MIN = (60, 30, 10)
CENTER = (45.52, -73.60)


def make_day(rng: random.Random, stops: int) -> dict:
    depot = [CENTER[1] + rng.uniform(-0.05, 0.05), CENTER[0] + rng.uniform(-0.03, 0.03)]
    jobs = []
    for index in range(stops):
        start = 9 * 3600 + rng.randrange(0, 7) * 3600
        jobs.append({"id": index + 1, "location": [CENTER[1] + rng.gauss(0, 0.05), CENTER[0] + rng.gauss(0, 0.03)],
                     "service": rng.choice((120, 180, 240, 300)), "time_windows": [[start, start + 7200]]})
    problem = {"vehicles": [{"id": 1, "profile": "van", "start": depot, "end": depot, "time_window": [8 * 3600, 20 * 3600]}],
               "jobs": jobs, "options": {"traffic": True}}
    solution = solve(problem, time_limit=1.0, seed=rng.randrange(1000))
    order = [step["id"] for step in solution["routes"][0]["steps"] if step["type"] == "job"]
    planned = {step["id"]: step["arrival"] for step in solution["routes"][0]["steps"] if step["type"] == "job"}
    start_time = solution["routes"][0]["steps"][0]["arrival"]
    return {"depot": depot, "jobs": {j["id"]: j for j in jobs}, "order": order, "planned": planned, "start": start_time}


def factor(t: float) -> float:
    return DEFAULT_HOURLY_FACTORS[int(t // 3600) % 24]


def etas(day: dict, remaining: list[int], position, now: float, pace: float) -> dict[int, float]:
    """The app's method: plan mode from the van's position at `now`, traffic by hour, scaled by pace."""
    problem = {"vehicles": [{"id": 1, "profile": "van", "start": position, "time_window": [int(now), 24 * 3600],
                             "steps": [{"type": "start"}] + [{"type": "job", "id": j} for j in remaining]}],
               "jobs": [day["jobs"][j] for j in remaining], "options": {"traffic": traffic_option(pace)}}
    route = evaluate(problem)["routes"][0]
    return {step["id"]: step["arrival"] for step in route["steps"] if step["type"] == "job"}


def simulate(day: dict, rng: random.Random, provider: HaversineProvider) -> dict:
    day_pace = math.exp(rng.gauss(0, 0.12))
    t = float(day["start"])
    position = day["depot"]
    shown = {model: {j: [] for j in day["order"]} for model in ("plan", "pace", "plan_stale", "pace_stale")}
    actual = {}
    legs = []  # (planned seconds, actual seconds) of finished legs
    silent_until = -1.0
    last_fix = position
    previous_planned_departure = float(day["start"])
    for index, job_id in enumerate(day["order"]):
        job = day["jobs"][job_id]
        matrices = provider.matrices([position, job["location"]], "van")
        model_leg = matrices.durations[0][1] * factor(t)
        true_leg = model_leg * day_pace * math.exp(rng.gauss(0, 0.25))
        departure = t
        steps = max(1, int(true_leg // 60))
        for step in range(steps + 1):
            now = departure + true_leg * step / steps
            fraction = step / steps
            here = [position[0] + (job["location"][0] - position[0]) * fraction,
                    position[1] + (job["location"][1] - position[1]) * fraction]
            if now >= silent_until and rng.random() < 0.02:
                silent_until = now + 600  # the phone goes quiet for ten minutes (screen off, tunnel)
            if now >= silent_until:
                last_fix = here
            remaining = day["order"][index:]
            pace = pace_factor(legs)
            for model, use_pace, stale in (("plan", 1.0, False), ("pace", pace, False),
                                           ("plan_stale", 1.0, True), ("pace_stale", pace, True)):
                where = last_fix if stale else here
                for stop_id, eta in etas(day, remaining, where, now, use_pace).items():
                    shown[model][stop_id].append((now, eta))
        t = departure + true_leg
        window_start = job["time_windows"][0][0]
        arrival = t
        service_start = max(arrival, window_start)
        # What a customer is promised is when the driver is at the door: an early van waits for the window.
        actual[job_id] = service_start
        legs.append((max(day["planned"][job_id] - previous_planned_departure, 1), arrival - departure))
        leave = service_start + job["service"] * math.exp(rng.gauss(0, 0.35))
        # While waiting and serving here, the next stops' ETAs still refresh every minute: the van is
        # expected to leave when the planned service time is over (or now, if that has passed).
        remaining = day["order"][index + 1:]
        now = arrival + 60
        while remaining and now < leave:
            expected_leave = max(now, service_start + job["service"])
            pace = pace_factor(legs)
            for model, use_pace in (("plan", 1.0), ("pace", pace), ("plan_stale", 1.0), ("pace_stale", pace)):
                for stop_id, eta in etas(day, remaining, job["location"], expected_leave, use_pace).items():
                    shown[model][stop_id].append((now, eta))
            now += 60
        t = leave
        previous_planned_departure = max(day["planned"][job_id], window_start) + job["service"]
        position = job["location"]
    return {"shown": shown, "actual": actual}


def errors_for(results: list[dict], model: str, horizon_min: int) -> list[float]:
    errors = []
    for result in results:
        for stop_id, arrival in result["actual"].items():
            cutoff = arrival - horizon_min * 60
            candidates = [eta for at, eta in result["shown"][model][stop_id] if at <= cutoff]
            if candidates:
                errors.append(abs(candidates[-1] - arrival) / 60)
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=20)
    parser.add_argument("--stops", type=int, default=25)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    provider = HaversineProvider()
    results = [simulate(make_day(rng, args.stops), rng, provider) for _ in range(args.days)]
    table = {}
    print(f"{'model':<12} " + " ".join(f"{f'MAE@{h}':>8} {f'P90@{h}':>8}" for h in HORIZONS_MIN) + "   (minutes)")
    for model in ("plan", "pace", "plan_stale", "pace_stale"):
        row = {}
        for horizon in HORIZONS_MIN:
            errors = sorted(errors_for(results, model, horizon))
            row[f"mae_{horizon}"] = round(statistics.fmean(errors), 2) if errors else None
            row[f"p90_{horizon}"] = round(errors[int(0.9 * (len(errors) - 1))], 2) if errors else None
            row[f"n_{horizon}"] = len(errors)
        table[model] = row
        print(f"{model:<12} " + " ".join(f"{row[f'mae_{h}']!s:>8} {row[f'p90_{h}']!s:>8}" for h in HORIZONS_MIN))
    print(json.dumps({"days": args.days, "stops": args.stops, "seed": args.seed, "models": table,
                      "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                      "date": datetime.now(timezone.utc).date().isoformat()}))


if __name__ == "__main__":
    main()
