"""Big days planned by parts, on every core.

One search over a whole 5,000-stop day is slow to start and slow per move: PyVRP's
local search needs ~10 s just to polish a first plan of that size, and an
iteration of its search costs about five times what it costs at 1,000 stops
(each iteration reads and writes the whole plan).  Measured on the 2-core
machine: from the same first plan, 40 s on the whole day gave 362,332; 40 s on
groups of ~800 stops, one after the other, gave 345,434.  So big days go by parts:

1. **First plan**: the stops are cut into sectors of ~``SECTOR_STOPS`` by their
   angle around the depots; each sector gets a share of the vans in proportion
   to its stops and is planned on its own, sectors side by side on the cores.
   A sector's stops are optional (a sector short of vans leaves some out); what
   is left goes to one more part with the vans nobody used.
2. **Improvement**: the routes are grouped by the angle of their centre into
   groups of ~``GROUP_STOPS`` stops (a multiple of the number of processes, so
   none waits); every group is re-optimised from its current routes for a slice
   of time, groups side by side; each round turns the groups' boundaries (a
   random offset), so stops near a boundary are inside a group in the next
   round.  Stops still unassigned join the group around them as optional stops,
   with the group's share of the idle vans.  A group's new routes replace its
   old ones only if our evaluator finds them no worse.

Each part is a PyVRP search when the problem fits PyVRP's model, an OR-Tools
search otherwise.  The parts run in the processes of ``workers`` (the
matrices in shared memory), or in this process when it may not have children.
"""

from __future__ import annotations

import bisect
import math
import random
import time

import numpy as np

from .model import Model
from .plans import Plan
from .placement import best_schedule
from .schedule import TASK, schedule_route
from .workers import MAX_WORKERS, available_cores, open_pool

SECTOR_STOPS = {"pyvrp": 300, "ortools": 150}  # OR-Tools' first plans slow down sooner with size
MIN_SECTOR_STOPS = 200
GROUP_STOPS = {"pyvrp": 800, "ortools": 250}
FIRST_PLAN_SHARE = 0.1  # of the time left, about, for the first plan (sectors get at least MIN_SECTOR_SLICE_S)
SECTOR_SLICE_S = 2.0  # a sector's search, at most: the improvement rounds do better with the time
SLICE_S = 4.0  # search time a group gets per round, about
MIN_SLICE_S = 0.5
MIN_SECTOR_SLICE_S = 0.1  # a sector's plan is mostly its first local search, which takes what it takes
ROUND_OVERHEAD_S = 0.3
RESULT_GRACE_S = 0.1  # parts end before the deadline; their routes may arrive this late
CLOSE_RESERVE_S = 0.1  # ending the helper processes and freeing the shared memory  # building the groups' models, sending routes back, re-timing the plan


def plan_by_parts(model: Model, candidates: list, *, deadline: float, seed: int, progress, should_stop,
                  hint: list | None, engine: str, balance: bool = False) -> list:
    """Plans for the ``candidates`` tasks, best last; ``deadline`` on time.monotonic()."""
    deadline -= CLOSE_RESERVE_S
    rng = random.Random(seed)
    points = _place_points(model)
    workers = min(available_cores(), MAX_WORKERS)
    pool = open_pool(model, workers)
    job = _Parts(model, candidates, pool, deadline, rng, engine, balance, points, should_stop, seed)
    plans = []
    try:
        routes = [[] for _ in model.vehicles]
        if hint:
            candidate_set = set(candidates)
            routes = [[t for t in r if t in candidate_set] for r in hint]
        job.first_plan(routes)
        plans.append(job.plan(f"{engine}-parts"))
        progress.report(plans[-1].objective())
        if job.unassigned() and not job.stopped() and (job.insert_left_out() | job.improve_round(repair=True)):
            plans.append(job.plan(f"{engine}-parts"))
            progress.report(plans[-1].objective())
        while not job.stopped() and job.rounds_deadline - time.monotonic() > MIN_SLICE_S + ROUND_OVERHEAD_S:
            if not job.improve_round():
                break
            plans.append(job.plan(f"{engine}-parts"))
            progress.report(plans[-1].objective())
    finally:
        pool.close()
    return plans


class _Parts:
    def __init__(self, model, candidates, pool, deadline, rng, engine, balance, points, should_stop, seed):
        self.model, self.candidates, self.pool, self.deadline = model, list(candidates), pool, deadline
        self.rng, self.engine, self.balance, self.points, self.should_stop = rng, engine, balance, points, should_stop
        self.seed = seed
        self.routes = [[] for _ in model.vehicles]
        self._schedules: dict = {}  # (vehicle, route) -> schedule: only changed routes are re-timed
        self.centre = _fleet_centre(model, points, candidates)
        # re-timing a whole plan by our evaluator (measured on the first plan; seconds with
        # breaks on a busy machine): the last round ends early enough for it
        self.retime_s = 0.0

    @property
    def rounds_deadline(self) -> float:
        return self.deadline - self.retime_s

    # --- helpers -----------------------------------------------------------------
    def stopped(self) -> bool:
        return self.should_stop is not None and self.should_stop()

    def schedule(self, v: int, route: list):
        key = (v, tuple(route))
        if key not in self._schedules:
            self._schedules[key] = best_schedule(self.model, v, list(route))
        return self._schedules[key]

    def plan(self, source: str) -> Plan:
        schedules = [self.schedule(v, r) for v, r in enumerate(self.routes)]
        self._schedules = {(v, tuple(r)): s for v, (r, s) in enumerate(zip(self.routes, schedules))}
        return Plan(self.model, self.routes, source, schedules=schedules)

    def angle(self, tasks: list) -> np.ndarray:
        pts = self.points[[self.model.tasks[t].loc for t in tasks]]
        return np.arctan2(pts[:, 1] - self.centre[1], pts[:, 0] - self.centre[0])

    def part(self, vehicles, tasks, *, initial=None, optional=(), slice_s: float, pack: bool = False) -> dict:
        return {"engine": self.engine, "vehicles": list(vehicles), "tasks": list(tasks), "initial": initial,
                "optional": list(optional), "pack": pack, "seed": self.rng.randrange(2**31),
                "slice_s": max(MIN_SECTOR_SLICE_S if initial is None else MIN_SLICE_S, slice_s),
                "deadline_epoch": time.time() + (self.rounds_deadline - time.monotonic()), "balance": self.balance}

    def run(self, parts: list, wait_until: float) -> list:
        """Submit ``parts`` and collect their results (None for a part that gave nothing in time)."""
        ids = [self.pool.submit(p) for p in parts]
        results = {}
        while len(results) < len(ids):
            got = self.pool.next_result(timeout=max(0.0, wait_until + RESULT_GRACE_S - time.monotonic()),
                                        should_stop=self.should_stop)
            if got is None:
                break
            results[got[0]] = got[1]
        return [results.get(i) for i in ids]

    # --- 1. first plan -------------------------------------------------------------
    def first_plan(self, routes: list):
        """Sectors of the tasks no route serves yet, each with a share of the idle vans in
        proportion to its stops; the stops a sector leaves out go to the vans nobody used."""
        self.routes = routes
        served = {t for r in routes for t in r}
        free = [t for t in self.candidates if t not in served]
        idle = [v for v, r in enumerate(routes) if not r]
        if not free or not idle:
            return
        self.rng.shuffle(idle)  # each sector gets a mix of the fleet
        workers = getattr(self.pool, "size", 1)
        # a multiple of the processes, so that none waits for the others
        # short limits get small sectors: a sector's first local search takes what it takes
        size = max(MIN_SECTOR_STOPS, min(SECTOR_STOPS[self.engine], int((self.deadline - time.monotonic()) * 25)))
        n_sectors = max(1, min(len(idle), workers * max(1, round(len(free) / (workers * size)))))
        sectors = self.sectors(free, n_sectors)
        shares = _proportional_shares(len(idle), self.van_needs(sectors, idle))
        left = self.deadline - time.monotonic()
        first_end = time.monotonic() + left * FIRST_PLAN_SHARE
        slice_s = min(SECTOR_SLICE_S, (first_end - time.monotonic()) * workers / len(sectors) - ROUND_OVERHEAD_S)
        parts, pos = [], 0
        for sector, share in zip(sectors, shares):
            vehicles = idle[pos:pos + share]
            pos += share
            if vehicles and sector:
                parts.append(self.part(vehicles, sector, optional=sector, slice_s=slice_s, pack=True))
        # a first plan is needed however long its parts take: wait up to the deadline
        results = self.run(parts, self.deadline)
        started = time.monotonic()
        self.merge(parts, results)
        self.retime_s = time.monotonic() - started
        served = {t for r in self.routes for t in r}
        leftovers = [t for t in free if t not in served]
        spare = [v for v, r in enumerate(self.routes) if not r]
        if leftovers and spare and self.deadline - time.monotonic() > MIN_SLICE_S:
            slice_s = min(max(0.0, first_end - time.monotonic()), (self.deadline - time.monotonic()) / 4)
            part = self.part(spare, leftovers, optional=leftovers, slice_s=slice_s)
            self.merge([part], self.run([part], self.deadline))

    def van_needs(self, sectors: list, vans: list) -> list:
        """About how many vans each sector needs: its work (service, a short drive to each stop,
        a drive out and back per van) over a shift, or its load over a van's capacity."""
        model = self.model
        veh = model.vehicles[vans[0]]
        shift = float(np.median([min(model.vehicles[v].time_window[1], 10**9) - model.vehicles[v].time_window[0]
                                 for v in vans])) or 1.0
        travel = model.travel_matrix(vans[0])
        n_tasks = sum(len(s) for s in sectors)
        stops_per_van = max(1.0, n_tasks / len(vans))
        needs = []
        for sector in sectors:
            locs = np.array([model.tasks[t].loc for t in sector])
            block = np.asarray(travel)[np.ix_(locs, locs)].astype(np.float64)
            np.fill_diagonal(block, np.inf)
            nearest = np.where(np.isfinite(block.min(axis=1)), block.min(axis=1), 0.0) if len(locs) > 1 else np.zeros(1)
            out_and_back = 0.0
            if veh.start_loc is not None:
                out_and_back = float(np.median(np.asarray(travel)[veh.start_loc, locs])) * 2
            work = sum(model.service(t, vans[0]) + model.setup(t, vans[0]) for t in sector) + float(nearest.sum())
            work += out_and_back * len(sector) / stops_per_van
            need = work / shift
            for d in range(model.n_dims):
                cap = min(max(model.vehicles[v].capacity[d], 1) for v in vans)
                load = sum(max(model.tasks[t].initial_load[d], model.tasks[t].initial_load[d] + model.tasks[t].load_change[d])
                           for t in sector)
                need = max(need, load / cap)
            needs.append(max(need, 1e-9))
        return needs

    def sectors(self, tasks: list, n: int) -> list:
        """``tasks`` cut into ``n`` sectors of about equal size by angle (shipment halves kept together)."""
        offset = self.rng.uniform(-math.pi, math.pi)
        order = [tasks[i] for i in np.argsort((self.angle(tasks) - offset) % (2 * math.pi), kind="stable")]
        cut = [order[i * len(order) // n:(i + 1) * len(order) // n] for i in range(n)]
        return _with_partners(self.model, cut)

    # --- 2. improvement rounds ---------------------------------------------------------
    def insert_left_out(self, max_stops: int = 50, max_routes: int = 30) -> bool:
        """A few stops the first plan left out, each put in the cheapest place our evaluator
        finds feasible among the routes passing nearest to it: places tried by increasing
        detour, the first feasible one per route kept (milliseconds per stop, no search)."""
        left_out = self.unassigned()
        if not left_out or len(left_out) > max_stops:
            return False
        model = self.model
        used = [v for v, r in enumerate(self.routes) if r]
        if not used:
            return False
        centres = np.array([self.points[[model.tasks[t].loc for t in self.routes[v]]].mean(axis=0) for v in used])
        changed = False
        for t in sorted(left_out, key=lambda t: -model.tasks[t].priority):
            if model.tasks[t].partner is not None:
                continue
            here = self.points[model.tasks[t].loc]
            best = None
            for v in [used[i] for i in np.argsort(((centres - here) ** 2).sum(axis=1))[:max_routes]]:
                if self.rounds_deadline - time.monotonic() < 0.05:
                    return changed
                if not model.can_serve(v, t):
                    continue
                route, cost = self.routes[v], model.cost_matrix(v)
                veh = model.vehicles[v]
                places = [veh.start_loc] + [model.tasks[x].loc for x in route] + [veh.end_loc]
                x = model.tasks[t].loc

                def leg(a, b):
                    return 0.0 if a is None or b is None else float(cost[a, b])

                detours = sorted((leg(places[p], x) + leg(x, places[p + 1]) - leg(places[p], places[p + 1]), p)
                                 for p in range(len(route) + 1))
                for detour, pos in detours:
                    if best is not None and detour >= best[0]:
                        break
                    candidate = route[:pos] + [t] + route[pos:]
                    s = (best_schedule(model, v, candidate) if veh.breaks  # where its breaks go: tried
                         else schedule_route(model, v, [(TASK, y) for y in candidate]))
                    if not s.violations:
                        best = (detour, v, candidate)
                        break
            if best is not None:
                _, v, candidate = best
                self.routes[v] = candidate
                changed = True
        return changed

    def unassigned(self) -> list:
        served = {t for r in self.routes for t in r}
        return [t for t in self.candidates if t not in served]

    def improve_round(self, repair: bool = False) -> bool:
        """Every group of routes searched from its routes for a slice of time; ``repair``:
        only the groups around stops still unassigned, for a short slice (right after the
        first plan, when a sector was short of vans: its neighbours' vans can take them)."""
        used = [v for v, r in enumerate(self.routes) if r]
        if not used:
            return False
        workers = getattr(self.pool, "size", 1)
        n_assigned = sum(len(self.routes[v]) for v in used)
        n_groups = min(len(used), workers * max(1, round(n_assigned / (workers * GROUP_STOPS[self.engine]))))
        groups = self.route_groups(used, n_groups)
        unassigned = self.unassigned()
        extra_tasks = self.assign_to_groups(unassigned, groups)
        chosen = [g for g in range(len(groups)) if extra_tasks[g] or not repair]
        if not chosen:
            return False
        waves = math.ceil(len(chosen) / workers)
        left = self.rounds_deadline - time.monotonic()
        if repair:
            slice_s = min(SECTOR_SLICE_S, left / (2 * waves) - ROUND_OVERHEAD_S)
        else:
            rounds = max(1, math.floor(left / (waves * (SLICE_S + ROUND_OVERHEAD_S))))
            slice_s = left / rounds / waves - ROUND_OVERHEAD_S
        if slice_s < MIN_SLICE_S:
            return False
        idle = [v for v, r in enumerate(self.routes) if not r]
        self.rng.shuffle(idle)
        parts = []
        for g in chosen:
            vehicles = groups[g]
            tasks = [t for v in vehicles for t in self.routes[v]]
            spare = idle[g::len(groups)]
            parts.append(self.part(vehicles + spare, tasks + extra_tasks[g],
                                   initial={v: self.routes[v] for v in vehicles},
                                   optional=extra_tasks[g], slice_s=slice_s))
        self.merge(parts, self.run(parts, self.rounds_deadline), only_if_better=True)
        return True

    def route_groups(self, used: list, n_groups: int) -> list:
        """The used vehicles in ``n_groups`` groups of consecutive routes by the angle of their centre."""
        offset = self.rng.uniform(-math.pi, math.pi)
        centres = np.array([self.points[[self.model.tasks[t].loc for t in self.routes[v]]].mean(axis=0) for v in used])
        angles = (np.arctan2(centres[:, 1] - self.centre[1], centres[:, 0] - self.centre[0]) - offset) % (2 * math.pi)
        by_angle = np.argsort(angles, kind="stable")
        order = [used[i] for i in by_angle]
        sizes = np.cumsum([len(self.routes[v]) for v in order])
        groups, starts, start = [], [], 0
        for g in range(n_groups):
            end = len(order) if g == n_groups - 1 else int(np.searchsorted(sizes, sizes[-1] * (g + 1) / n_groups)) + 1
            end = max(start + 1, min(end, len(order) - (n_groups - g - 1)))  # every group gets a route
            groups.append(order[start:end])
            starts.append(float(angles[by_angle[start]]))
            start = end
        self._group_bounds = (offset, starts)
        return groups

    def assign_to_groups(self, tasks: list, groups: list) -> list:
        """Each unassigned task (with its shipment partner) to the group whose angles cover it."""
        extra = [[] for _ in groups]
        if not tasks:
            return extra
        offset, starts = self._group_bounds
        angles = (self.angle(tasks) - offset) % (2 * math.pi)
        placed = set()
        for t, a in zip(tasks, angles):
            if t in placed:
                continue
            g = max(0, bisect.bisect_right(starts, float(a)) - 1)
            extra[g].append(t)
            placed.add(t)
            partner = self.model.tasks[t].partner
            if partner is not None and partner not in placed:
                extra[g].append(partner)
                placed.add(partner)
        return extra

    # --- merging ------------------------------------------------------------------------
    def merge(self, parts: list, results: list, only_if_better: bool = False):
        """Takes the parts' routes: a first plan's feasible routes (a route our evaluator finds
        late or overloaded is dropped, its stops are left over); a group's routes when no worse
        than the group's current ones."""
        for part, result in zip(parts, results):
            if not result or result.get("routes") is None:
                continue
            new = {v: list(result["routes"].get(v, [])) for v in part["vehicles"]}
            if not self._consistent(part, new):
                continue
            if only_if_better:
                if not self._better_or_equal(part, new):
                    continue
            else:
                new = {v: (r if not self.schedule(v, r).violations else []) for v, r in new.items()}
            for v, route in new.items():
                self.routes[v] = route

    def _consistent(self, part: dict, new: dict) -> bool:
        """A part's routes serve only its tasks, each once."""
        seen = [t for r in new.values() for t in r]
        return len(seen) == len(set(seen)) and set(seen) <= set(part["tasks"])

    def _group_score(self, part: dict, routes: dict) -> tuple:
        model = self.model
        schedules = [self.schedule(v, r) for v, r in routes.items() if r]
        served = {t for r in routes.values() for t in r}
        dropped = sum(1 + model.tasks[t].priority for t in part["tasks"] if t not in served)
        return (sum(s.n_violations for s in schedules), sum(s.lateness for s in schedules), dropped,
                sum(s.cost for s in schedules))

    def _better_or_equal(self, part: dict, new: dict) -> bool:
        old = {v: self.routes[v] for v in part["vehicles"]}
        return self._group_score(part, new) <= self._group_score(part, old)


def _with_partners(model: Model, sectors: list) -> list:
    """Moves each shipment delivery into its pickup's sector."""
    where = {t: k for k, sector in enumerate(sectors) for t in sector}
    out = [list(s) for s in sectors]
    for t, k in list(where.items()):
        task = model.tasks[t]
        if task.partner is not None and task.kind == "delivery" and where.get(task.partner, k) != k:
            out[k].remove(t)
            out[where[task.partner]].append(t)
    return [s for s in out if s]


def _proportional_shares(total: int, sizes: list) -> list:
    """Split ``total`` vehicles over clusters in proportion to their sizes (largest remainders; sums to total)."""
    weight = sum(sizes) or 1
    raw = [total * s / weight for s in sizes]
    shares = [int(math.floor(r)) for r in raw]
    for i in sorted(range(len(sizes)), key=lambda i: raw[i] - shares[i], reverse=True)[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _place_points(model: Model) -> np.ndarray:
    """A 2-D point per location index: its coordinates, or (custom matrices without
    coordinates) its travel times from two far-apart places."""
    coords = model.locations
    if coords and all(c is not None for c in coords):
        return np.asarray(coords, dtype=np.float64)
    m = np.asarray(model.travel_matrix(0))
    a = 0
    b = int(np.argmax(m[a]))
    return np.stack([m[a, :], m[b, :]], axis=1).astype(np.float64)


def _fleet_centre(model: Model, points: np.ndarray, tasks: list) -> np.ndarray:
    """Where the vans leave from (their start places' centre), else the stops' centre."""
    starts = [veh.start_loc for veh in model.vehicles if veh.start_loc is not None]
    if starts:
        return points[starts].mean(axis=0)
    return points[[model.tasks[t].loc for t in tasks]].mean(axis=0)
