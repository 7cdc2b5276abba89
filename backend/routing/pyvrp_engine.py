"""PyVRP as a second engine, run in a helper process on the second core.

PyVRP's hybrid genetic search is markedly stronger than OR-Tools' local search on
plain capacitated problems with one time window per stop, so when a problem
fits that shape both engines run side by side and the caller keeps the better
plan *as judged by our own schedule evaluator*.  Problems with breaks, skills,
shipments, several windows per stop, task/travel-time/distance limits, open
routes or balancing stay with OR-Tools alone.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from multiprocessing.connection import Connection

import numpy as np

from .model import as_int64_scaled
from .problem import MAX_TIME, Model

PYVRP_INF = 2**62
FLEET_SHARE = 0.4  # of the time budget spent minimising the fleet (Model.minimises_fleet)


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


def build_spec(model: Model, task_ids: list, cost_scale: int, time_limit: float, seed: int, *,
               vehicles: list | None = None, initial_routes: dict | None = None, optional: frozenset = frozenset(),
               pack: bool = False) -> dict:
    """Plain picklable data for a PyVRP search: PyVRP's distance is our arc cost, its duration our travel time.

    ``vehicles``: the model's vehicles it may use (default all); ``initial_routes``: {vehicle:
    [task, ...]} to start from; tasks in ``optional`` may be left out, for a prize larger than
    any detour and van a stop could cost (as OR-Tools' drop penalty), x (1 + priority).
    ``pack``: every van costs at least a return trip to the farthest place more, so the plan
    uses few vans (a first plan by parts keeps vans free for the stops its parts leave out).
    Only the places of these vehicles and tasks are in its matrices: a part of a 5,000-stop
    day carries its own few hundred places, not the whole day's.
    """
    vehicles = list(range(len(model.vehicles))) if vehicles is None else list(vehicles)
    depots = sorted({model.vehicles[v].start_loc for v in vehicles} | {model.vehicles[v].end_loc for v in vehicles})
    places = depots + sorted({model.tasks[t].loc for t in task_ids} - set(depots))
    local = {loc: i for i, loc in enumerate(places)}
    block = np.ix_(places, places)
    profiles, profile_of_vehicle = [], {}
    keys = {}
    for v in vehicles:
        veh = model.vehicles[v]
        key = (model.cost_key(v), veh.profile, veh.speed_factor)
        if key not in keys:
            keys[key] = len(profiles)
            cost = as_int64_scaled(np.asarray(model.cost_matrix(v))[block], cost_scale)
            travel = np.asarray(model.travel_matrix(v))[block].astype(np.int64)
            np.fill_diagonal(cost, 0)  # PyVRP rejects non-zero self loops
            np.fill_diagonal(travel, 0)
            profiles.append((cost, travel))
        profile_of_vehicle[v] = keys[key]
    types, type_members = [], []
    type_key_index = {}
    extra_fixed = 2 * max(int(cost.max()) for cost, _travel in profiles) if pack and profiles else 0
    for v in vehicles:
        veh = model.vehicles[v]
        fixed = int(round(model.vehicle_fixed_cost(v) * cost_scale)) + extra_fixed
        key = (veh.capacity, local[veh.start_loc], local[veh.end_loc], fixed, veh.time_window, profile_of_vehicle[v])
        if key not in type_key_index:
            type_key_index[key] = len(types)
            types.append(key)
            type_members.append([])
        type_members[type_key_index[key]].append(v)
    prize = 0
    if optional:
        longest = max(int(cost.max()) for cost, _travel in profiles) if profiles else 0
        prize = 2 * (2 * longest + max((k[3] for k in types), default=0)) + 1
    clients = []
    rank = model.vehicles[vehicles[0]].type_rank if vehicles else 0
    for t in task_ids:
        task = model.tasks[t]
        pickup = tuple(c + i for c, i in zip(task.load_change, task.initial_load))
        (a, b), = task.time_windows
        # PyVRP's window constrains the arrival (after waiting), as VROOM's; it has no setup:
        # always paying it is conservative (the plan stays feasible under our rules, where
        # setup is skipped at the same place).  can_express: the same durations for every type.
        required = t not in optional
        clients.append((local[task.loc], task.initial_load, pickup, task.setups[rank] + task.services[rank], a,
                        min(b, MAX_TIME), required, 0 if required else prize * (1 + task.priority)))
    coords = [model.locations[loc] if loc < len(model.locations) and model.locations[loc] is not None else [0.0, 0.0]
              for loc in places]
    client_of = {t: i for i, t in enumerate(task_ids)}
    type_of = {v: i for i, members in enumerate(type_members) for v in members}
    initial = None
    if initial_routes:
        initial = [(type_of[v], [client_of[t] for t in route]) for v, route in initial_routes.items()
                   if route and v in type_of]
    return {
        "coords": coords,
        "depots": list(range(len(depots))),
        "types": [(len(m), list(k[0]), k[1], k[2], k[3], k[4][0], min(k[4][1], MAX_TIME), k[5]) for k, m in zip(types, type_members)],
        "type_members": type_members,
        "clients": clients,
        "task_ids": list(task_ids),
        "profiles": profiles,
        "time_limit": time_limit,
        "seed": seed,
        "initial": initial,
        # not with optional stops: fewer vans would be "feasible" by leaving stops out
        "minimise_fleet": len(types) == 1 and not initial and not optional and model.minimises_fleet,
    }


def problem_data(spec: dict):
    """PyVRP's ProblemData for a spec."""
    import pyvrp

    locations = [pyvrp.Location(float(x), float(y)) for x, y in spec["coords"]]
    depots = [pyvrp.Depot(location=loc) for loc in spec["depots"]]
    clients = [
        pyvrp.Client(location=loc, delivery=list(d), pickup=list(p), service_duration=int(s), tw_early=int(a),
                     tw_late=int(b), required=bool(req), prize=int(prize))
        for loc, d, p, s, a, b, req, prize in spec["clients"]
    ]
    vehicle_types = [
        pyvrp.VehicleType(num_available=n, capacity=cap, start_depot=sd, end_depot=ed, fixed_cost=fixed,
                          tw_early=int(a), tw_late=int(b), profile=prof)
        for n, cap, sd, ed, fixed, a, b, prof in spec["types"]
    ]
    return pyvrp.ProblemData(
        locations=locations, clients=clients, depots=depots, vehicle_types=vehicle_types,
        distance_matrices=[p[0] for p in spec["profiles"]], duration_matrices=[p[1] for p in spec["profiles"]],
    )


def run_spec(spec: dict, fleet_out=None, should_stop=None) -> dict:
    """Solve with PyVRP (in whatever process this runs); returns task-index routes per vehicle."""
    import warnings

    import pyvrp

    # PyVRP warns when its penalties saturate; the parent judges the plan anyway.
    warnings.filterwarnings("ignore", module="pyvrp")

    data = problem_data(spec)
    vehicle_types = spec["types"]
    t0 = time.monotonic()
    # The budget runs to an absolute wall-clock deadline set by the parent, so a
    # slow process start (a busy machine) shortens the search instead of making
    # the result arrive too late to be used.
    budget = max(0.1, spec["deadline_epoch"] - time.time()) if "deadline_epoch" in spec else max(0.1, spec["time_limit"])
    fleet_plan = None
    if spec.get("minimise_fleet") and len(vehicle_types) == 1:
        # Hierarchical objective: first shrink the fleet, then spend the rest on distance with
        # that many vehicles and a few spare (see with_spare), from scratch: it often finds
        # fewer vans than the fleet phase (on a 400-stop instance, 47 from the fleet phase's 52).
        smallest, fleet_plan = minimise_fleet(data, budget * FLEET_SHARE, int(spec["seed"]))
        available = with_spare(smallest.num_available, vehicle_types[0][0])
        data = data.replace(vehicle_types=[smallest.replace(num_available=available)])
        if fleet_out is not None:
            fleet_out.put({"fleet": int(smallest.num_available)})
        budget = max(0.1, budget - (time.monotonic() - t0))
    initial = None
    if spec.get("initial"):
        # a plan to start from: the search skips building (and polishing) a random one
        initial = pyvrp.Solution(data, [pyvrp.Route(data, visits, vt) for vt, visits in spec["initial"]])
    # An absolute end, not a runtime: PyVRP starts its clock after computing the
    # neighbourhoods and loading the plan, which take a while for big parts.
    end = time.time() + budget

    def stop(best_cost):  # PyVRP accepts any callable as stopping criterion
        return time.time() >= end or (should_stop is not None and should_stop())
    penalty = pyvrp.PenaltyParams()
    prizes = [c[7] for c in spec["clients"] if not c[6]]
    if prizes:
        # Penalties (per unit of excess load, per second of lateness) must outweigh a
        # stop's prize, or leaving it out loses to serving it from an overloaded van.
        penalty = pyvrp.PenaltyParams(max_penalty=max(100_000.0, 2.0 * max(prizes)))
    # A part of a big day stops on time: no exhaustive search of a whole new best plan,
    # which cannot be interrupted (seconds for 800 stops on a busy machine) and, measured
    # on a 5,000-stop day, gains nothing over more iterations.
    ils = pyvrp.IteratedLocalSearchParams(exhaustive_on_best=not spec.get("part", False))
    params = pyvrp.SolveParams(ils=ils, penalty=penalty)
    result = pyvrp.solve(data, stop=stop, seed=int(spec["seed"]), display=False, collect_stats=False,
                         initial_solution=initial, params=params)
    best = result.best
    if fleet_plan and (not best.is_feasible() or best.num_routes() > len(fleet_plan)):
        # the distance phase found no feasible plan with as few vans: the fleet phase's stands in
        best = pyvrp.Solution(data, [pyvrp.Route(data, visits, 0) for visits in fleet_plan])
    routes_by_vehicle = {}
    next_member = [0] * len(vehicle_types)
    for route in best.routes():
        vt = route.vehicle_type()
        vehicle = spec["type_members"][vt][next_member[vt]]
        next_member[vt] += 1
        clients_visited = [a.idx for a in route if _flag(a.is_client)]
        routes_by_vehicle[vehicle] = [spec["task_ids"][c] for c in clients_visited]
    return {"routes": routes_by_vehicle, "feasible": bool(best.is_feasible()), "cost": int(best.distance_cost() + best.fixed_vehicle_cost()), "seconds": time.monotonic() - t0}


def minimise_fleet(data, budget: float, seed: int):
    """PyVRP's fleet minimisation (``pyvrp.minimise_fleet``: one vehicle fewer than the last
    feasible plan's routes each time a search finds a feasible plan, until one does not or
    the ``budget`` in seconds is spent), which also returns the plan of the smallest fleet
    (client indices per route; None if no search found one).  PyVRP's own returns only the
    fleet, and a distance phase that starts afresh may not find a feasible plan with it again
    in its time on a busy machine: the fleet would be lost."""
    import pyvrp
    from pyvrp.minimise_fleet import _lower_bound
    from pyvrp.stop import FirstFeasible, MaxRuntime, MultipleCriteria

    stop = MaxRuntime(budget)
    fleet, plan = data.vehicle_type(0), None
    lower_bound = _lower_bound(data)
    while fleet.num_available > lower_bound and not stop(0):
        fewer = fleet.replace(num_available=fleet.num_available - 1)
        best = pyvrp.solve(data.replace(vehicle_types=[fewer]), stop=MultipleCriteria([FirstFeasible(), stop]),
                           seed=seed, collect_stats=False, display=False).best
        if not best.is_feasible():
            break
        fleet = fewer.replace(num_available=min(fewer.num_available, best.num_routes()))
        plan = [[a.idx for a in route if _flag(a.is_client)] for route in best.routes()]
    return fleet, plan


def with_spare(fleet: int, available: int) -> int:
    """Vehicles for a distance phase that starts afresh after the fleet phase found ``fleet``: a
    few spare.  With exactly that fleet, such a search often finds no feasible plan in its time
    (400 stops, a busy machine); with the spare ones it does, the fixed cost still weighs against
    every van, and it often ends with fewer than the fleet phase found (C1_2_1: 20 from 21;
    R1_4_1: 47 from 52)."""
    return min(available, fleet + max(2, fleet // 10))


def distance_phase_spec(spec: dict, fleet: int, seed: int) -> dict:
    """The same problem for a second distance phase with another seed: ``fleet`` vehicles and a few spare."""
    n, cap, sd, ed, fixed, a, b, prof = spec["types"][0]
    return dict(spec, types=[(with_spare(fleet, n), cap, sd, ed, fixed, a, b, prof)], minimise_fleet=False, seed=seed)


def _flag(value) -> bool:
    return bool(value() if callable(value) else value)


# The helper imports the routing package only, as the solver processes of big days do
# (workers.py): spawning it with multiprocessing imported the web application
# (``backend/__init__``: Flask, SQLAlchemy, Socket.IO) and re-imported the caller's main
# module first, which took 17 s of wall time under a load of 15 on two cores (1.5 s of
# CPU), against 4 s (0.4 s of CPU) for the routing package; the search got what was left.
_BOOTSTRAP = (
    "import sys, types\n"
    "package = types.ModuleType('backend')\n"
    "package.__path__ = [sys.argv[1]]\n"
    "sys.modules['backend'] = package\n"
    "from backend.routing.pyvrp_engine import serve_one\n"
    "serve_one(int(sys.argv[2]), int(sys.argv[3]))\n"
)
BACKEND_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class _Outbox:
    """run_spec's ``fleet_out``: messages to the parent through the pipe."""

    def __init__(self, conn: Connection):
        self.conn = conn

    def put(self, message: dict):
        self.conn.send(message)


def serve_one(read_fd: int, write_fd: int):
    """The helper process: one spec in, the fleet (if minimised) and the plan out."""
    inbox = Connection(read_fd, writable=False)
    outbox = Connection(write_fd, readable=False)
    try:
        spec = inbox.recv()
    except (EOFError, OSError):
        return
    try:
        result = run_spec(spec, fleet_out=_Outbox(outbox))
    except (BrokenPipeError, OSError):
        return  # the parent is gone
    except Exception as exc:  # reported to the parent, which keeps OR-Tools' plan
        result = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        outbox.send(result)
    except (BrokenPipeError, OSError):
        pass


class PyVrpProcess:
    """PyVRP running in a helper process; ``result()`` waits for it (or gives up)."""

    def __init__(self, spec: dict):
        parent_read, child_write = os.pipe()
        child_read, parent_write = os.pipe()
        try:
            self._process = subprocess.Popen(
                [sys.executable, "-c", _BOOTSTRAP, BACKEND_DIR, str(child_read), str(child_write)],
                pass_fds=(child_read, child_write), close_fds=True, stdin=subprocess.DEVNULL)
        except BaseException:
            for fd in (parent_read, parent_write):
                os.close(fd)
            raise
        finally:
            os.close(child_read)
            os.close(child_write)
        self._send = Connection(parent_write, readable=False)
        self._recv = Connection(parent_read, writable=False)
        self._early = None
        # The spec (its matrices: megabytes) is written by a thread: the pipe takes it only as
        # the helper reads, after its imports, and this process must not wait for those.
        self._sender = threading.Thread(target=self._send_spec, args=(spec,), daemon=True)
        self._sender.start()

    def _send_spec(self, spec: dict):
        try:
            self._send.send(spec)
        except (OSError, ValueError):
            pass  # the helper died or was stopped: the caller's deadline holds

    def _next_message(self, timeout: float, should_stop=None) -> dict | None:
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            try:
                if self._recv.poll(min(0.1, max(0.0, deadline - time.monotonic()))):
                    return self._recv.recv()
            except (EOFError, OSError):
                return None  # the helper ended without a plan
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
            if self._early is not None:
                return self._early
            while True:
                msg = self._next_message(timeout, should_stop)
                if msg is None or "fleet" not in msg:
                    return msg
        finally:
            self.stop()

    def stop(self):
        if self._process.poll() is None:
            self._process.kill()  # its pipe breaks: the sending thread ends too
        try:
            self._process.wait(timeout=2)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        self._sender.join(timeout=1)
        for conn in (self._send, self._recv):
            conn.close()
