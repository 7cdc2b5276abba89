"""PyVRP as a second engine, run in a separate (spawned) process on the second core.

PyVRP's hybrid genetic search is markedly stronger than OR-Tools' local search on
plain capacitated problems with one time window per stop, so when a problem
fits that shape both engines run side by side and the caller keeps the better
plan *as judged by our own schedule evaluator*.  Problems with breaks, skills,
shipments, several windows per stop, task/travel-time/distance limits, open
routes or balancing stay with OR-Tools alone.
"""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_mod
import time

import numpy as np

from .model import as_int64_scaled
from .problem import MAX_TIME, Model

PYVRP_INF = 2**62
FLEET_SHARE = 0.4  # of the time budget spent minimising the fleet (vehicles_then_distance)


def can_express(model: Model, *, balance: bool = False) -> bool:
    if balance or not model.tasks:
        return False
    for veh in model.vehicles:
        if veh.breaks or veh.max_tasks is not None or veh.max_travel_time is not None or veh.max_distance is not None:
            return False
        if veh.start_loc is None or veh.end_loc is None:
            return False
    if any(v.skills for v in model.vehicles) and any(t.skills for t in model.tasks):
        return False
    if any(veh.per_task_hour for veh in model.vehicles):
        return False  # PyVRP has no price on time spent at stops
    ranks = {veh.type_rank for veh in model.vehicles}
    for task in model.tasks:
        if task.partner is not None or len(task.time_windows) > 1:
            return False
        if len({task.setups[r] for r in ranks}) > 1 or len({task.services[r] for r in ranks}) > 1:
            return False  # durations per vehicle type: one service duration per client in PyVRP
    return True


def build_spec(model: Model, task_ids: list, cost_scale: int, time_limit: float, seed: int) -> dict:
    """Plain picklable data for the worker: PyVRP's distance is our arc cost, its duration our travel time."""
    profiles, profile_of_vehicle = [], []
    keys = {}
    n_loc = len(model.locations)
    for v, veh in enumerate(model.vehicles):
        key = (model.cost_key(v), veh.profile, veh.speed_factor)
        if key not in keys:
            keys[key] = len(profiles)
            cost = as_int64_scaled(model.cost_matrix(v), cost_scale)
            travel = model.travel_matrix(v).astype(np.int64)
            np.fill_diagonal(cost, 0)  # PyVRP rejects non-zero self loops
            np.fill_diagonal(travel, 0)
            profiles.append((cost, travel))
        profile_of_vehicle.append(keys[key])
    depots = sorted({veh.start_loc for veh in model.vehicles} | {veh.end_loc for veh in model.vehicles})
    depot_index = {loc: i for i, loc in enumerate(depots)}
    types, type_members = [], []
    type_key_index = {}
    for v, veh in enumerate(model.vehicles):
        fixed = int(round(model.vehicle_fixed_cost(v) * cost_scale))
        key = (veh.capacity, depot_index[veh.start_loc], depot_index[veh.end_loc], fixed, veh.time_window, profile_of_vehicle[v])
        if key not in type_key_index:
            type_key_index[key] = len(types)
            types.append(key)
            type_members.append([])
        type_members[type_key_index[key]].append(v)
    clients = []
    for t in task_ids:
        task = model.tasks[t]
        pickup = tuple(c + i for c, i in zip(task.load_change, task.initial_load))
        (a, b), = task.time_windows
        # PyVRP's window constrains the arrival (after waiting), as VROOM's; it has no setup:
        # always paying it is conservative (the plan stays feasible under our rules, where
        # setup is skipped at the same place).  can_express: the same durations for every type.
        rank = model.vehicles[0].type_rank
        clients.append((task.loc, task.initial_load, pickup, task.setups[rank] + task.services[rank], a, min(b, MAX_TIME)))
    coords = [c if c is not None else [0.0, 0.0] for c in model.locations] or [[0.0, 0.0]]
    return {
        "coords": coords[:n_loc] if n_loc else coords,
        "depots": depots,
        "types": [(len(m), list(k[0]), k[1], k[2], k[3], k[4][0], min(k[4][1], MAX_TIME), k[5]) for k, m in zip(types, type_members)],
        "type_members": type_members,
        "clients": clients,
        "task_ids": list(task_ids),
        "profiles": profiles,
        "time_limit": time_limit,
        "seed": seed,
        "minimise_fleet": model.objective == "vehicles_then_distance" and len(types) == 1,
    }


def run_spec(spec: dict, fleet_out=None, should_stop=None) -> dict:
    """Solve with PyVRP (in whatever process this runs); returns task-index routes per vehicle."""
    import warnings

    import pyvrp
    from pyvrp.stop import MaxRuntime

    # PyVRP warns when its penalties saturate; the parent judges the plan anyway.
    warnings.filterwarnings("ignore", module="pyvrp")

    locations = [pyvrp.Location(float(x), float(y)) for x, y in spec["coords"]]
    depots = [pyvrp.Depot(location=loc) for loc in spec["depots"]]
    clients = [
        pyvrp.Client(location=loc, delivery=list(d), pickup=list(p), service_duration=int(s), tw_early=int(a), tw_late=int(b))
        for loc, d, p, s, a, b in spec["clients"]
    ]
    vehicle_types = [
        pyvrp.VehicleType(num_available=n, capacity=cap, start_depot=sd, end_depot=ed, fixed_cost=fixed,
                          tw_early=int(a), tw_late=int(b), profile=prof)
        for n, cap, sd, ed, fixed, a, b, prof in spec["types"]
    ]
    data = pyvrp.ProblemData(
        locations=locations, clients=clients, depots=depots, vehicle_types=vehicle_types,
        distance_matrices=[p[0] for p in spec["profiles"]], duration_matrices=[p[1] for p in spec["profiles"]],
    )
    t0 = time.monotonic()
    # The budget runs to an absolute wall-clock deadline set by the parent, so a
    # slow process start (a busy machine) shortens the search instead of making
    # the result arrive too late to be used.
    budget = max(0.1, spec["deadline_epoch"] - time.time()) if "deadline_epoch" in spec else max(0.1, spec["time_limit"])
    if spec.get("minimise_fleet") and len(vehicle_types) == 1:
        # Hierarchical objective: first shrink the fleet (PyVRP's fleet minimisation
        # removes a vehicle each time it finds a feasible plan), then spend the rest
        # on distance with that many vehicles.
        smallest = pyvrp.minimise_fleet(data, MaxRuntime(budget * FLEET_SHARE), seed=int(spec["seed"]))
        data = data.replace(vehicle_types=[smallest])
        if fleet_out is not None:
            fleet_out.put({"fleet": int(smallest.num_available)})
        budget = max(0.1, budget - (time.monotonic() - t0))
    stop = MaxRuntime(budget)
    if should_stop is not None:
        runtime = stop

        def stop(best_cost):  # PyVRP accepts any callable as stopping criterion
            return runtime(best_cost) or should_stop()
    result = pyvrp.solve(data, stop=stop, seed=int(spec["seed"]), display=False, collect_stats=False)
    best = result.best
    routes_by_vehicle = {}
    next_member = [0] * len(vehicle_types)
    for route in best.routes():
        vt = route.vehicle_type()
        vehicle = spec["type_members"][vt][next_member[vt]]
        next_member[vt] += 1
        clients_visited = [a.idx for a in route if _flag(a.is_client)]
        routes_by_vehicle[vehicle] = [spec["task_ids"][c] for c in clients_visited]
    return {"routes": routes_by_vehicle, "feasible": bool(best.is_feasible()), "cost": int(best.distance_cost() + best.fixed_vehicle_cost()), "seconds": time.monotonic() - t0}


def distance_phase_spec(spec: dict, fleet: int, seed: int) -> dict:
    """The same problem with the fleet fixed at ``fleet`` vehicles, for a second search with another seed."""
    n, cap, sd, ed, fixed, a, b, prof = spec["types"][0]
    return dict(spec, types=[(fleet, cap, sd, ed, fixed, a, b, prof)], minimise_fleet=False, seed=seed)


def _flag(value) -> bool:
    return bool(value() if callable(value) else value)


def _worker(inbox, out):
    try:
        spec = inbox.get()
        out.put(run_spec(spec, fleet_out=out))
    except Exception as exc:  # reported to the parent, which falls back to OR-Tools
        out.put({"error": f"{type(exc).__name__}: {exc}"})


class PyVrpProcess:
    """PyVRP running in a spawned process; ``result()`` waits for it (or gives up)."""

    def __init__(self, spec: dict):
        ctx = mp.get_context("spawn")
        self._queue = ctx.Queue()
        # The matrices go through a queue (fed by a background thread), not as
        # Process arguments: those are written to a pipe the child reads only
        # after its imports, which would block this process for a second or two.
        self._inbox = ctx.Queue()
        self._inbox.put(spec)
        self._process = ctx.Process(target=_worker, args=(self._inbox, self._queue), daemon=True)
        self._process.start()

    def _next_message(self, timeout: float, should_stop=None) -> dict | None:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                return self._queue.get(timeout=min(0.1, max(0.0, deadline - time.monotonic())))
            except queue_mod.Empty:
                if time.monotonic() >= deadline or (should_stop is not None and should_stop()):
                    return None

    def fleet_size(self, timeout: float, should_stop=None) -> int | None:
        """The fleet size found by the fleet-minimisation phase (None if the plan came first or time ran out)."""
        msg = self._next_message(timeout, should_stop)
        if msg is not None and "fleet" in msg:
            return msg["fleet"]
        self._early = msg
        return None

    def result(self, timeout: float, should_stop=None) -> dict | None:
        """Wait for the plan (None on timeout or when ``should_stop()`` turns true)."""
        try:
            if getattr(self, "_early", None) is not None:
                return self._early
            while True:
                msg = self._next_message(timeout, should_stop)
                if msg is None or "fleet" not in msg:
                    return msg
        finally:
            self.stop()

    def stop(self):
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=2)
        # never block interpreter exit on data the child did not read
        self._inbox.cancel_join_thread()
        self._queue.cancel_join_thread()
