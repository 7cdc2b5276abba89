"""Independent feasibility checker for VROOM-format solutions and Solomon plans.

Deliberately shares no code with backend/routing: it re-reads the problem JSON
itself and re-derives loads, times and distances from the matrices, so a bug in
the solver's evaluator cannot hide a broken plan.
"""

from __future__ import annotations

import math

INF = float("inf")


def _travel_tables(problem: dict, matrices: dict | None):
    """profile -> (durations, distances) as nested lists, from the problem or given."""
    tables = {}
    source = matrices or problem.get("matrices") or {}
    for profile, m in source.items():
        tables[profile] = (m["durations"], m.get("distances"))
    return tables


def _loc(obj: dict, index_key="location_index"):
    return obj.get(index_key)


def check_vroom_solution(problem: dict, solution: dict, *, matrices: dict | None = None, locations: list | None = None,
                         traffic_factor=None, allow_violations: bool = False) -> list:
    """Return a list of human-readable errors ([] when the plan is feasible).

    ``matrices``: {profile: {"durations", "distances"}} when the problem gives
    coordinates (the caller computed them over ``locations``, [lon, lat] in matrix
    order).  ``traffic_factor(t)``: multiplier of a leg leaving at ``t``.

    VROOM's rules: a task's time window constrains its start (arrival + waiting),
    setup (when arriving from another place) and service follow; a vehicle's
    ``type`` picks a task's ``setup_per_type`` / ``service_per_type``.
    """
    if locations is not None:
        problem = _with_indices(problem, locations)
        solution = _with_indices(solution, locations)
    errors = []
    if solution.get("code") != 0:
        return [f"solution code {solution.get('code')}: {solution.get('error')}"]
    tables = _travel_tables(problem, matrices)
    jobs = {("job", j["id"]): j for j in problem.get("jobs", [])}
    ship_of = {}
    for s in problem.get("shipments", []):
        jobs[("pickup", s["pickup"]["id"])] = s["pickup"]
        jobs[("delivery", s["delivery"]["id"])] = s["delivery"]
        ship_of[("pickup", s["pickup"]["id"])] = s
        ship_of[("delivery", s["delivery"]["id"])] = s
    vehicles = {v["id"]: v for v in problem["vehicles"]}
    seen = {}
    for u in solution.get("unassigned", []):
        key = (u["type"], u["id"])
        if key not in jobs:
            errors.append(f"unassigned {key} is not in the problem")
        if "reason" not in u:
            errors.append(f"unassigned {key} has no reason")
        seen[key] = seen.get(key, 0) + 1
    used_vehicles = set()
    for route in solution.get("routes", []):
        vid = route["vehicle"]
        if vid in used_vehicles:
            errors.append(f"vehicle {vid} has two routes")
        used_vehicles.add(vid)
        veh = vehicles.get(vid)
        if veh is None:
            errors.append(f"route of unknown vehicle {vid}")
            continue
        errors.extend(f"vehicle {vid}: {e}" for e in _check_route(problem, veh, route, jobs, ship_of, tables, traffic_factor, seen))
    for key in jobs:
        if seen.get(key, 0) != 1:
            errors.append(f"{key[0]} {key[1]} appears {seen.get(key, 0)} times (assigned + unassigned)")
    if not allow_violations:
        for route in solution.get("routes", []):
            if route.get("violations"):
                errors.append(f"vehicle {route['vehicle']} reports violations {route['violations']}")
    return errors


def _with_indices(doc, locations):
    """A copy where every [lon, lat] place also has its index in ``locations``."""
    index = {(round(lon, 6), round(lat, 6)): i for i, (lon, lat) in enumerate(locations)}

    def walk(x):
        if isinstance(x, dict):
            out = {k: walk(v) for k, v in x.items()}
            for coords_key, index_key in (("location", "location_index"), ("start", "start_index"), ("end", "end_index")):
                place = x.get(coords_key)
                if isinstance(place, list) and len(place) == 2 and index_key not in x:
                    out[index_key] = index[(round(place[0], 6), round(place[1], 6))]
            return out
        if isinstance(x, list):
            return [walk(v) for v in x]
        return x

    return walk(doc)


def _amount(obj, key, dims):
    v = obj.get(key)
    return list(v) if v else [0] * dims


def _check_route(problem, veh, route, jobs, ship_of, tables, traffic_factor, seen):
    errs = []
    profile = veh.get("profile", "car")
    durations, distances = tables.get(profile, (None, None))
    if durations is None:
        return [f"no matrix for profile {profile}"]
    speed = veh.get("speed_factor", 1.0)
    capacity = veh.get("capacity")
    dims = len(capacity) if capacity is not None else 0
    skills = set(veh.get("skills", []))
    vehicle_type = veh.get("type")

    def duration_of(task, key):
        per_type = task.get(f"{key}_per_type") or {}
        return per_type.get(vehicle_type, task.get(key, 0)) if vehicle_type else task.get(key, 0)
    steps = route["steps"]
    tasks_in_route = [s for s in steps if s["type"] in ("job", "pickup", "delivery")]
    # initial load = deliveries of the route's jobs
    load = [0] * dims
    for s in tasks_in_route:
        if s["type"] == "job":
            j = jobs[("job", s["id"])]
            d = _amount(j, "delivery", dims) if ("delivery" in j or "amount" not in j) else _amount(j, "amount", dims)
            load = [a + b for a, b in zip(load, d)]
    if capacity is not None and any(l > c for l, c in zip(load, capacity)):
        errs.append(f"leaves loaded {load} over capacity {capacity}")
    tw = veh.get("time_window", [0, INF])
    position = {}
    prev_loc = None
    prev_free = None  # when the vehicle can leave the previous place
    travel_total = 0
    dist_total = 0
    breaks = {b["id"]: b for b in veh.get("breaks", [])}
    breaks_done = set()
    last_task_loc = "none"
    driven_before_break = False
    leg_start = 0  # when the van left the previous place (traffic uses its hour)
    for k, s in enumerate(steps):
        typ = s["type"]
        if typ == "start":
            if k != 0:
                errs.append("start is not the first step")
            if s["arrival"] < tw[0]:
                errs.append(f"starts at {s['arrival']} before shift {tw}")
            prev_loc = veh.get("start_index") if "start_index" in veh or "start" in veh else None
            if prev_loc is None and ("start" in veh):
                prev_loc = s.get("location_index")
            prev_free = s["arrival"]
            leg_start = prev_free
            last_task_loc = prev_loc if prev_loc is not None else "none"
            continue
        if typ == "break":
            b = breaks.get(s["id"])
            if b is None:
                errs.append(f"unknown break {s['id']}")
                continue
            breaks_done.add(s["id"])
            start = s["arrival"] + s.get("waiting_time", 0)
            # A break may be taken on arrival at the next place (the van drove first).
            next_loc = _next_location(steps, k, jobs, veh)
            drive = _leg(durations, prev_loc, next_loc, speed, traffic_factor, prev_free)
            if start >= prev_free + drive:
                driven_before_break = True
            if start < prev_free:
                errs.append(f"break {s['id']} starts at {start} before the van is free at {prev_free}")
            wins = b.get("time_windows", [[0, INF]])
            if not any(a <= start <= e for a, e in wins):
                errs.append(f"break {s['id']} at {start} outside {wins}")
            if b.get("max_load") is not None and any(l > m for l, m in zip(load, b["max_load"])):
                errs.append(f"break {s['id']} with load {load} over max_load {b['max_load']}")
            if s.get("service", 0) != b.get("service", 0):
                errs.append(f"break {s['id']} service {s.get('service')} != {b.get('service', 0)}")
            prev_free = start + b.get("service", 0)
            continue
        if typ == "end":
            loc = s.get("location_index")
        else:
            key = (typ, s["id"])
            task = jobs.get(key)
            if task is None:
                errs.append(f"unknown {key}")
                continue
            seen[key] = seen.get(key, 0) + 1
            position[key] = k
            loc = task.get("location_index", s.get("location_index"))
        travel = 0
        dist = 0
        if prev_loc is not None and loc is not None:
            travel = _leg(durations, prev_loc, loc, speed, traffic_factor, leg_start if driven_before_break else prev_free)
            dist = distances[prev_loc][loc] if distances is not None else 0
        earliest_arrival = prev_free + (0 if driven_before_break else travel)
        driven_before_break = False
        if s["arrival"] < earliest_arrival:
            errs.append(f"{typ} {s.get('id')} arrival {s['arrival']} before possible {earliest_arrival}")
        travel_total += travel
        dist_total += dist
        if typ == "end":
            if s["arrival"] > tw[1]:
                errs.append(f"ends at {s['arrival']} after shift {tw}")
            if k != len(steps) - 1:
                errs.append("end is not the last step")
            continue
        setup = duration_of(task, "setup") if loc != last_task_loc else 0
        task_start = s["arrival"] + s.get("waiting_time", 0)
        if s.get("setup", 0) < setup:
            errs.append(f"{typ} {s['id']} skips its setup")
        wins = task.get("time_windows") or [[0, INF]]
        if not any(a <= task_start <= e for a, e in wins):
            errs.append(f"{typ} {s['id']} starts at {task_start}, outside {wins}")
        if s.get("service", 0) != duration_of(task, "service"):
            errs.append(f"{typ} {s['id']} service {s.get('service')} != {duration_of(task, 'service')}")
        req = set(task.get("skills", []) if typ == "job" else ship_of[key].get("skills", []))
        if not req <= skills:
            errs.append(f"{typ} {s['id']} needs skills {sorted(req - skills)}")
        if typ == "job":
            j = task
            d = _amount(j, "delivery", dims) if ("delivery" in j or "amount" not in j) else _amount(j, "amount", dims)
            p = _amount(j, "pickup", dims)
            load = [l - a + b for l, a, b in zip(load, d, p)]
        else:
            amount = _amount(ship_of[key], "amount", dims)
            load = [l + a if typ == "pickup" else l - a for l, a in zip(load, amount)]
        if capacity is not None and any(l > c or l < 0 for l, c in zip(load, capacity)):
            errs.append(f"load {load} over capacity {capacity} after {typ} {s['id']}")
        prev_loc = loc
        last_task_loc = loc
        prev_free = task_start + s.get("setup", 0) + s.get("service", 0)
        leg_start = prev_free
    for key, k in position.items():
        if key[0] == "pickup":
            s = ship_of[key]
            dkey = ("delivery", s["delivery"]["id"])
            if dkey not in position or position[dkey] < k:
                errs.append(f"shipment {key[1]} delivered before pickup or elsewhere")
        if key[0] == "delivery":
            s = ship_of[key]
            if ("pickup", s["pickup"]["id"]) not in position:
                errs.append(f"shipment delivery {key[1]} without its pickup")
    if veh.get("max_tasks") is not None and len(position) > veh["max_tasks"]:
        errs.append(f"{len(position)} tasks over max_tasks {veh['max_tasks']}")
    if veh.get("max_travel_time") is not None and travel_total > veh["max_travel_time"]:
        errs.append(f"travel {travel_total}s over max_travel_time {veh['max_travel_time']}")
    if veh.get("max_distance") is not None and dist_total > veh["max_distance"]:
        errs.append(f"distance {dist_total} over max_distance {veh['max_distance']}")
    if position and set(breaks) - breaks_done:
        errs.append(f"breaks {sorted(set(breaks) - breaks_done)} not taken")
    return errs


def _leg(durations, a, b, speed, traffic_factor, depart):
    if a is None or b is None:
        return 0
    travel = durations[a][b]
    if speed != 1.0:
        travel = round(travel * round(100 / speed) / 100)  # VROOM keeps two decimals of 1 / speed
    if traffic_factor is not None and travel > 0:
        travel = round(travel * traffic_factor(depart))
    return travel


def _next_location(steps, k, jobs, veh):
    for s in steps[k + 1:]:
        if s["type"] == "break":
            continue
        if s["type"] == "end":
            return s.get("location_index")
        task = jobs.get((s["type"], s["id"]))
        return task.get("location_index") if task else None
    return None


# ---------------------------------------------------------------------------
# Solomon


def read_solomon(path: str) -> dict:
    """Parse a Solomon VRPTW .txt file."""
    with open(path) as f:
        lines = [ln.split() for ln in f if ln.strip()]
    name = lines[0][0]
    vehicle_line = next(i for i, ln in enumerate(lines) if ln[0].upper() == "VEHICLE")
    n_vehicles, capacity = int(lines[vehicle_line + 2][0]), int(lines[vehicle_line + 2][1])
    customer_line = next(i for i, ln in enumerate(lines) if ln[0].upper() == "CUSTOMER")
    rows = [list(map(float, ln)) for ln in lines[customer_line + 2:] if len(ln) == 7]
    return {
        "name": name,
        "vehicles": n_vehicles,
        "capacity": capacity,
        "x": [r[1] for r in rows],
        "y": [r[2] for r in rows],
        "demand": [int(r[3]) for r in rows],
        "ready": [r[4] for r in rows],
        "due": [r[5] for r in rows],
        "service": [r[6] for r in rows],
    }


def check_solomon(instance: dict, routes: list) -> tuple:
    """Check routes (lists of customer numbers 1..n) in exact double precision.

    Returns (errors, vehicles, total distance)."""
    errs = []
    x, y = instance["x"], instance["y"]

    def d(i, j):
        return math.hypot(x[i] - x[j], y[i] - y[j])

    n = len(x) - 1
    count = {}
    total = 0.0
    routes = [r for r in routes if r]
    if len(routes) > instance["vehicles"]:
        errs.append(f"{len(routes)} vehicles > {instance['vehicles']}")
    for r in routes:
        load = sum(instance["demand"][c] for c in r)
        if load > instance["capacity"]:
            errs.append(f"route load {load} > capacity {instance['capacity']}")
        t = 0.0
        prev = 0
        for c in r:
            count[c] = count.get(c, 0) + 1
            t = max(t + d(prev, c), instance["ready"][c])
            if t > instance["due"][c] + 1e-9:
                errs.append(f"customer {c} served at {t:.4f} after due {instance['due'][c]}")
            t += instance["service"][c]
            total += d(prev, c)
            prev = c
        total += d(prev, 0)
        if t + d(prev, 0) > instance["due"][0] + 1e-9:
            errs.append(f"route returns at {t + d(prev, 0):.4f} after depot due {instance['due'][0]}")
    for c in range(1, n + 1):
        if count.get(c, 0) != 1:
            errs.append(f"customer {c} visited {count.get(c, 0)} times")
    return errs, len(routes), total


def read_homberger(path: str, vehicles: int | None = None) -> dict:
    """Parse a Gehring–Homberger instance in LKH-3's CVRPTW format (node 1 is the depot) into
    the same dict as ``read_solomon`` (index 0 the depot).  ``vehicles``: the fleet offered
    (default: the file's VEHICLES, which is the best-known count)."""
    header, sections, current = {}, {}, None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts or parts[0] == "EOF":
                continue
            if parts[0].endswith("_SECTION"):
                current = sections.setdefault(parts[0], [])
            elif ":" in line and current is None:
                key, value = line.split(":", 1)
                header[key.strip()] = value.strip()
            elif current is not None:
                current.append(parts)
    coords = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["NODE_COORD_SECTION"]}
    demand = {int(r[0]): int(r[1]) for r in sections["DEMAND_SECTION"]}
    windows = {int(r[0]): (float(r[1]), float(r[2])) for r in sections["TIME_WINDOW_SECTION"]}
    depot = int(sections["DEPOT_SECTION"][0][0])
    nodes = [depot] + sorted(n for n in coords if n != depot)
    service = float(header.get("SERVICE_TIME", 0))
    return {
        "name": header["NAME"],
        "vehicles": vehicles if vehicles is not None else int(header["VEHICLES"]),
        "capacity": int(header["CAPACITY"]),
        "x": [coords[n][0] for n in nodes],
        "y": [coords[n][1] for n in nodes],
        "demand": [demand[n] for n in nodes],
        "ready": [windows[n][0] for n in nodes],
        "due": [windows[n][1] for n in nodes],
        "service": [0.0] + [service] * (len(nodes) - 1),
    }
