"""OR-Tools routing model of a :class:`Model`.

Every constraint of the problem is expressed natively: matrices registered
with ``RegisterTransitMatrix`` / ``RegisterUnaryTransitVector`` (no per-arc
Python callbacks), time windows as cumul domains with holes, breaks as
interval variables, capacities as one dimension per load component, pickup &
delivery pairs, skills as allowed vehicles, optional visits as disjunctions
whose penalty grows with priority (so the lowest priority is dropped first).

Node layout: tasks 0..T-1, then one start node per vehicle, then one end
node per vehicle.  A missing start or end place (open route) is a dummy
location at zero distance from everything.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from .model import as_int64_scaled
from .ortools_breaks import add_breaks
from .problem import MAX_TIME, Model

COST_SCALE = 100  # OR-Tools costs are integers: keep two decimals of VROOM cost units
FSS = routing_enums_pb2.FirstSolutionStrategy
LSM = routing_enums_pb2.LocalSearchMetaheuristic


@dataclass
class EngineResult:
    routes: list  # per vehicle: task indices in order
    objective: int | None
    status: str
    breaks: list | None = None  # per vehicle: [(break index, number of the route's stops before it)], in time order
    stopped: str = ""  # why the search ended: converged, time_limit, cancelled, local_optimum, first_solution
    solutions: int = 0  # solutions the search went through


def first_solution_for(model: Model, n_tasks: int) -> int:
    """Insertion builds good first plans under time windows; it gets slow past a few
    hundred stops, where savings-style construction stays fast (measured on Solomon/city)."""
    if n_tasks > 400:
        return FSS.SAVINGS if not any(t.partner is not None for t in model.tasks) else FSS.PARALLEL_CHEAPEST_INSERTION
    return FSS.PARALLEL_CHEAPEST_INSERTION


class OrToolsModel:
    """Builds the routing model once; can be solved several times (re-solves with hints)."""

    def __init__(self, model: Model, *, vehicles: list | None = None, tasks: list | None = None,
                 travel_factor_by_node: np.ndarray | None = None, fixed_cost_override: float | None = None,
                 balance: bool = False, penalty_scale: float = 1.0):
        self.model = model
        self.vehicle_ids = list(range(len(model.vehicles))) if vehicles is None else list(vehicles)
        self.task_ids = list(range(len(model.tasks))) if tasks is None else list(tasks)
        task_set = set(self.task_ids)
        for t in self.task_ids:
            partner = model.tasks[t].partner
            if partner is not None and partner not in task_set:
                raise ValueError("a shipment half without its partner")
        self.T, self.V = len(self.task_ids), len(self.vehicle_ids)
        self._lay_out_nodes()
        self.manager = pywrapcp.RoutingIndexManager(self.N, self.V, list(range(self.T, self.T + self.V)),
                                                    list(range(self.T + self.V, self.T + 2 * self.V)))
        self.routing = pywrapcp.RoutingModel(self.manager)
        self._solved = False
        self._register_transits(travel_factor_by_node, fixed_cost_override)
        self._add_time(balance)
        self.break_intervals = {}  # vehicle position k -> [(break index, IntervalVar)]
        # per vehicle type rank: what a break may not overlap at each node, from its cumul (see offset)
        self.node_visit = {r: [0] * self.routing.Size() for r in self.ranks}
        if self.has_breaks:
            add_breaks(self)
        self._add_loads()
        self._add_vehicle_limits()
        self._add_shipments()
        self._add_optional_visits(balance, penalty_scale)

    def _lay_out_nodes(self):
        """Nodes: tasks, then a start and an end per vehicle; each at a place of the model's
        location table (an open start or end at a dummy place, zero from everywhere)."""
        model, V = self.model, self.V
        vehicles_m = [model.vehicles[v] for v in self.vehicle_ids]
        self.n_loc = n_loc = len(model.locations)
        dummy = n_loc  # zero row/column for open starts/ends
        self.node_loc = node_loc = np.array(
            [model.tasks[t].loc for t in self.task_ids]
            + [dummy if veh.start_loc is None else veh.start_loc for veh in vehicles_m]
            + [dummy if veh.end_loc is None else veh.end_loc for veh in vehicles_m],
            dtype=np.int64,
        )
        self.N = len(node_loc)
        # setup and service per vehicle type rank (VROOM's setup_per_type / service_per_type)
        self.ranks = sorted({model.vehicles[v].type_rank for v in self.vehicle_ids})
        tail = [0] * (2 * V)
        self.setup = {r: np.array([model.tasks[t].setups[r] for t in self.task_ids] + tail, dtype=np.int64)
                      for r in self.ranks}
        self.service = {r: np.array([model.tasks[t].services[r] for t in self.task_ids] + tail, dtype=np.int64)
                        for r in self.ranks}
        same_place = (node_loc[:, None] == node_loc[None, :]) & (node_loc[:, None] != dummy)
        self.setup_on_arrival = {r: np.where(same_place, 0, self.setup[r][None, :]) for r in self.ranks}
        # a task may follow another node at its own place (setup then not spent): its window is
        # checked conservatively (see _add_time)
        places = node_loc[:self.T + V]
        self.shares_place = np.array([np.count_nonzero(places == node_loc[node]) > 1 for node in range(self.T)],
                                     dtype=bool)

    def _node_matrix(self, m: np.ndarray) -> np.ndarray:
        """A location matrix read node by node, int64 (the dummy place: zero from and to
        everywhere).  Only the nodes' block is copied: a 250-stop cluster of a 5,000-stop
        day copies 250 x 250 entries, not the whole matrix."""
        is_dummy = self.node_loc == self.n_loc
        safe = np.where(is_dummy, 0, self.node_loc)
        block = np.asarray(m)[np.ix_(safe, safe)]
        out = block.astype(np.int64) if block.dtype.kind in "iu" else block
        out[is_dummy, :] = 0
        out[:, is_dummy] = 0
        return out

    def _register_transits(self, travel_factor_by_node, fixed_cost_override):
        """Time, travel, distance and cost transits per class of vehicles sharing them, and fixed costs.

        A task's time windows constrain its *start* (VROOM: arrival + waiting; setup
        and service follow), and a break may not fall between a stop's setup and its
        service.  Whether a stop's setup is spent depends on the place before it,
        which a transit (i, j) cannot see for i.  So the time cumul of a task is its
        start shifted by `offset` (the largest setup) when its setup is spent, and
        that less its setup when it is not (it follows a stop at its own place): a
        transit (i, j) then always counts i's setup, and subtracts j's when j is at
        i's place; downstream times are exact.  Transits are clamped at 0, which is
        conservative; the node's visit, [cumul, cumul + setup + service), is what a
        break may not overlap.  Without setups, offset = 0 and cumul = start.
        """
        model, routing = self.model, self.routing
        self.has_breaks = any(model.vehicles[v].breaks for v in self.vehicle_ids)
        largest_setup = max(int(self.setup[r].max()) if self.setup[r].size else 0 for r in self.ranks)
        self.offset = largest_setup
        self.travel_by_class = {}
        travel_cb, time_cb, cost_cb, dist_cb = {}, {}, {}, {}
        self.vehicle_time_cb, self.vehicle_travel_cb, self.vehicle_dist_cb = [], [], []
        self.max_arc_cost = 1
        needs_travel = any(model.vehicles[u].max_travel_time is not None for u in self.vehicle_ids)
        needs_distance = any(model.vehicles[u].max_distance is not None for u in self.vehicle_ids)
        for k, v in enumerate(self.vehicle_ids):
            veh = model.vehicles[v]
            rank = veh.type_rank
            setup, service, setup_on_arrival = self.setup[rank], self.service[rank], self.setup_on_arrival[rank]
            tkey = (veh.profile, veh.speed_factor)
            if tkey not in self.travel_by_class:
                travel = self._node_matrix(model.travel_matrix(v))
                if travel_factor_by_node is not None:
                    travel = np.rint(travel * travel_factor_by_node[:, None]).astype(np.int64)
                self.travel_by_class[tkey] = travel
                travel_cb[tkey] = routing.RegisterTransitMatrix(travel.tolist()) if needs_travel else None
                dist_cb[tkey] = (routing.RegisterTransitMatrix(self._node_matrix(model.distance_matrix(v)).tolist())
                                 if needs_distance else None)
            travel = self.travel_by_class[tkey]
            time_key = tkey + (rank,)
            if time_key not in time_cb:
                transit = np.maximum(travel + (setup + service)[:, None] + setup_on_arrival - setup[None, :], 0)
                np.fill_diagonal(transit, 0)
                time_cb[time_key] = routing.RegisterTransitMatrix(transit.tolist())
            self.vehicle_time_cb.append(time_cb[time_key])
            self.vehicle_travel_cb.append(travel_cb[tkey])
            self.vehicle_dist_cb.append(dist_cb[tkey])
            task_rate = veh.per_task_hour / 3600.0 if model.objective != "vehicles_then_distance" else 0.0
            ckey = model.cost_key(v) + ((rank, task_rate) if task_rate else ())
            if ckey not in cost_cb:
                arc_cost = self._node_matrix(model.cost_matrix(v))
                if task_rate:
                    # the time spent at j (setup when arriving from elsewhere, service) is paid on the arc into j
                    arc_cost = arc_cost + task_rate * (setup_on_arrival + service[None, :])
                    np.fill_diagonal(arc_cost, 0)
                cost = as_int64_scaled(arc_cost, COST_SCALE)
                self.max_arc_cost = max(self.max_arc_cost, int(cost.max()) if cost.size else 1)
                cost_cb[ckey] = routing.RegisterTransitMatrix(cost.tolist())
            routing.SetArcCostEvaluatorOfVehicle(cost_cb[ckey], k)
            fixed = model.vehicle_fixed_cost(v) if fixed_cost_override is None else fixed_cost_override
            routing.SetFixedCostOfVehicle(int(round(fixed * COST_SCALE)), k)

    def _add_time(self, balance: bool):
        """The time dimension: tasks' windows (with their holes), shifts, and workload balance."""
        model, routing = self.model, self.routing
        off = self.offset
        horizon = self._horizon() + off
        self.horizon = horizon
        routing.AddDimensionWithVehicleTransits(self.vehicle_time_cb, horizon, horizon, False, "time")
        time_dim = routing.GetDimensionOrDie("time")
        self.time_dim = time_dim
        for node, t in enumerate(self.task_ids):
            windows = model.tasks[t].time_windows
            # cumul = start + off, or start + off - setup after a stop at the same place: such a
            # task's windows end `setup` earlier (conservative), unless a window is that short
            trim = max(int(self.setup[r][node]) for r in self.ranks) if self.shares_place[node] else 0
            if any(b - trim < a for a, b in windows):
                trim = 0
            index = self.manager.NodeToIndex(node)
            cumul = time_dim.CumulVar(index)
            cumul.SetRange(min(windows[0][0] + off, horizon), min(windows[-1][1] + off - trim, horizon))
            for (a0, b0), (a1, b1) in zip(windows, windows[1:]):
                if b0 - trim + 1 <= a1 - 1 and b0 - trim + 1 + off <= horizon:
                    cumul.RemoveInterval(b0 - trim + 1 + off, min(a1 - 1 + off, horizon))
        for k, v in enumerate(self.vehicle_ids):
            tw0, tw1 = model.vehicles[v].time_window
            time_dim.CumulVar(routing.Start(k)).SetRange(min(tw0 + off, horizon), min(tw1 + off, horizon))
            time_dim.CumulVar(routing.End(k)).SetRange(min(tw0 + off, horizon), min(tw1 + off, horizon))
            routing.AddVariableMaximizedByFinalizer(time_dim.CumulVar(routing.Start(k)))
            routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))
        self.balance_coefficient = int(float(model.options.get("balance_weight", 1)) * COST_SCALE) if balance else 0
        if balance:
            # Workload balancing (options.balance): pay for the longest day, so
            # stops move from long routes to short ones when it costs little.
            time_dim.SetGlobalSpanCostCoefficient(self.balance_coefficient)

    def _add_loads(self):
        """One dimension per capacity component that some task uses."""
        model, routing, V = self.model, self.routing, self.V
        solver = routing.solver()
        self.load_dims = []
        for d in range(model.n_dims):
            initial = np.array([model.tasks[t].initial_load[d] for t in self.task_ids], dtype=np.int64)
            change = np.array([model.tasks[t].load_change[d] for t in self.task_ids], dtype=np.int64)
            caps = [int(min(model.vehicles[v].capacity[d], MAX_TIME)) for v in self.vehicle_ids]
            if not initial.any() and not change.any():
                continue
            has_pickups = bool((change + initial > 0).any())
            if not initial.any() or not has_pickups:
                # Only deliveries (loaded at the depot) or only collections: the load
                # never rises and falls both ways, so summing one side is exact.
                per_node = (initial if initial.any() else change).tolist() + [0] * (2 * V)
                cb = routing.RegisterUnaryTransitVector(per_node)
                routing.AddDimensionWithVehicleCapacity(cb, 0, caps, True, f"load{d}")
            else:
                # Mixed: load at start = sum of deliveries on the route (its own
                # 'delivered' dimension), then each stop adds its change.
                deliv_cb = routing.RegisterUnaryTransitVector(initial.tolist() + [0] * (2 * V))
                routing.AddDimensionWithVehicleCapacity(deliv_cb, 0, caps, True, f"delivered{d}")
                delivered = routing.GetDimensionOrDie(f"delivered{d}")
                change_cb = routing.RegisterUnaryTransitVector(change.tolist() + [0] * (2 * V))
                routing.AddDimensionWithVehicleCapacity(change_cb, 0, caps, False, f"load{d}")
                load = routing.GetDimensionOrDie(f"load{d}")
                for k in range(V):
                    solver.Add(load.CumulVar(routing.Start(k)) == delivered.CumulVar(routing.End(k)))
            self.load_dims.append(f"load{d}")

    def _add_vehicle_limits(self):
        """max_tasks, max_travel_time and max_distance, each a dimension capped per vehicle."""
        model, routing, T, V = self.model, self.routing, self.T, self.V
        vehicles = [model.vehicles[v] for v in self.vehicle_ids]
        if any(veh.max_tasks is not None for veh in vehicles):
            cb = routing.RegisterUnaryTransitVector([1] * T + [0] * (2 * V))
            routing.AddDimensionWithVehicleCapacity(
                cb, 0, [min(veh.max_tasks if veh.max_tasks is not None else T, T) for veh in vehicles], True, "tasks")
        if any(veh.max_travel_time is not None for veh in vehicles):
            routing.AddDimensionWithVehicleTransitAndCapacity(
                self.vehicle_travel_cb, 0, [int(min(veh.max_travel_time or MAX_TIME, MAX_TIME)) for veh in vehicles],
                True, "travel")
        if any(veh.max_distance is not None for veh in vehicles):
            routing.AddDimensionWithVehicleTransitAndCapacity(
                self.vehicle_dist_cb, 0, [int(min(veh.max_distance or MAX_TIME, MAX_TIME)) for veh in vehicles],
                True, "distance")

    def _add_shipments(self):
        """A shipment's pickup and delivery: same vehicle, both or neither, pickup first."""
        model, routing, manager, time_dim = self.model, self.routing, self.manager, self.time_dim
        solver = routing.solver()
        node_of = {t: node for node, t in enumerate(self.task_ids)}
        for node, t in enumerate(self.task_ids):
            task = model.tasks[t]
            if task.kind == "pickup":
                p = manager.NodeToIndex(node)
                d = manager.NodeToIndex(node_of[task.partner])
                routing.AddPickupAndDelivery(p, d)
                solver.Add(routing.VehicleVar(p) == routing.VehicleVar(d))
                solver.Add(routing.ActiveVar(p) == routing.ActiveVar(d))
                solver.Add(time_dim.CumulVar(p) <= time_dim.CumulVar(d))

    def _add_optional_visits(self, balance: bool, penalty_scale: float):
        """Skills as allowed vehicles; every visit optional, at a penalty above any detour that
        grows with priority (a job of priority p weighs as p+1 jobs of priority 0 when some must
        be dropped)."""
        model, routing, V = self.model, self.routing, self.V
        fixed_max = max((model.vehicle_fixed_cost(v) for v in self.vehicle_ids), default=0.0)
        base_penalty = 2 * self.max_arc_cost + fixed_max * COST_SCALE + 1
        if balance:
            # serving a stop may lengthen the longest day by its work and a detour
            longest_leg = max(model.matrix_max(model.travel_matrix(v)) for v in self.vehicle_ids)
            work = max((max(model.tasks[t].services) + max(model.tasks[t].setups) for t in self.task_ids), default=0)
            base_penalty += (work + 2 * longest_leg) * self.balance_coefficient
        base_penalty = int(base_penalty * 2 * penalty_scale)
        self.base_penalty = base_penalty
        for node, t in enumerate(self.task_ids):
            index = self.manager.NodeToIndex(node)
            allowed = [k for k, v in enumerate(self.vehicle_ids) if model.can_serve(v, t)]
            if len(allowed) < V:
                # -1 keeps the visit droppable (unassigned) when no allowed vehicle has room
                routing.VehicleVar(index).SetValues(allowed + [-1])
            routing.AddDisjunction([index], base_penalty * (1 + model.tasks[t].priority))

    def _horizon(self) -> int:
        m = self.model
        bounds = [w[-1][1] for w in (m.tasks[t].time_windows for t in self.task_ids) if w[-1][1] < MAX_TIME]
        bounds += [m.vehicles[v].time_window[1] for v in self.vehicle_ids if m.vehicles[v].time_window[1] < MAX_TIME]
        bounds += [m.vehicles[v].time_window[0] for v in self.vehicle_ids]
        longest = max(m.matrix_max(m.travel_matrix(v)) for v in self.vehicle_ids)
        work = sum(max(m.tasks[t].services) + max(m.tasks[t].setups) for t in self.task_ids)
        work += sum(b.service for v in self.vehicle_ids for b in m.vehicles[v].breaks)
        open_end = max(bounds, default=0) + work + longest * 2 * (len(self.task_ids) + 1)
        return int(min(open_end, MAX_TIME))

    # ------------------------------------------------------------------------
    def routes_to_indices(self, routes: list) -> list:
        """Task-index routes (per model vehicle in self.vehicle_ids order) to OR-Tools indices."""
        node_of = {t: node for node, t in enumerate(self.task_ids)}
        return [[self.manager.NodeToIndex(node_of[t]) for t in r if t in node_of] for r in routes]

    def _at_solution(self):
        """OR-Tools calls this at every solution of every solve of this model (a callback cannot be
        removed, so one is registered and reads the current solve's state)."""
        state = self._search_state
        if state is None:
            return
        cost = self.routing.CostVar().Value()
        state["solutions"] += 1
        if state["best"] is None or cost < state["best"]:
            state["best"], state["since_best"] = cost, 0
        else:
            state["since_best"] += 1
        if state["on_solution"] is not None:
            state["on_solution"](cost, time.monotonic() - state["t0"])
        if state["stall"] is not None and state["since_best"] >= state["stall"]:
            state["converged"] = True
            self.routing.CancelSearch()

    def solve(self, *, time_limit: float | None, first_solution: int | None = None, metaheuristic: int | None = None,
              hint: list | None = None, on_solution=None, should_stop=None, log: bool = False,
              extra_params=None, first_solution_only: bool = False, stall_solutions: int | None = None) -> EngineResult:
        """Search for ``time_limit`` seconds (None: no limit); ``first_solution_only``: stop at the first plan;
        ``stall_solutions``: stop once that many solutions in a row brought no improvement (the search
        has converged: more time would not help)."""
        routing = self.routing
        params = pywrapcp.DefaultRoutingSearchParameters()
        params.first_solution_strategy = first_solution if first_solution is not None else first_solution_for(self.model, self.T)
        params.local_search_metaheuristic = metaheuristic if metaheuristic is not None else LSM.GUIDED_LOCAL_SEARCH
        if time_limit is not None:
            params.time_limit.FromMilliseconds(max(10, int(time_limit * 1000)))
        if first_solution_only:
            params.solution_limit = 1
            params.local_search_metaheuristic = LSM.GREEDY_DESCENT
        params.log_search = log
        if extra_params:
            extra_params(params)
        t0 = time.monotonic()
        stop_flag = threading.Event()
        cancelled = threading.Event()
        state = {"t0": t0, "solutions": 0, "best": None, "since_best": 0, "converged": False,
                 "on_solution": on_solution, "stall": stall_solutions}
        if not getattr(self, "_callback_registered", False):
            routing.AddAtSolutionCallback(self._at_solution)
            self._callback_registered = True
        self._search_state = state

        watcher = None
        if should_stop is not None:
            # CancelSearch is honoured by OR-Tools between moves; a light thread polls
            # the caller's flag so cancellation does not wait for an improvement.
            def watch():
                while not stop_flag.wait(0.05):
                    if should_stop():
                        cancelled.set()
                        routing.CancelSearch()
                        return
            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
        try:
            if hint:
                if not self._solved:  # a model solved before is closed already
                    routing.CloseModelWithParameters(params)
                initial = routing.ReadAssignmentFromRoutes(self.routes_to_indices(hint), True)
                if initial is not None:
                    solution = routing.SolveFromAssignmentWithParameters(initial, params)
                else:
                    solution = routing.SolveWithParameters(params)
            else:
                solution = routing.SolveWithParameters(params)
        finally:
            self._solved = True
            stop_flag.set()
            self._search_state = None
            if watcher is not None:
                watcher.join(timeout=1)
        status = str(routing.status())
        if cancelled.is_set():
            stopped = "cancelled"
        elif state["converged"]:
            stopped = "converged"
        elif first_solution_only:
            stopped = "first_solution"
        elif params.local_search_metaheuristic == LSM.GREEDY_DESCENT and (
                time_limit is None or time.monotonic() - t0 < time_limit * 0.95):
            stopped = "local_optimum"
        else:
            stopped = "time_limit"
        if solution is None:
            return EngineResult([[] for _ in self.vehicle_ids], None, status, stopped=stopped,
                                solutions=state["solutions"])
        routes, breaks = [], []
        for k in range(self.V):
            visit = self.node_visit[self.model.vehicles[self.vehicle_ids[k]].type_rank]
            index = routing.Start(k)
            order, visit_ends = [], []
            index = solution.Value(routing.NextVar(index))
            while not routing.IsEnd(index):
                order.append(self.task_ids[self.manager.IndexToNode(index)])
                visit_ends.append(solution.Value(self.time_dim.CumulVar(index)) + visit[index])
                index = solution.Value(routing.NextVar(index))
            routes.append(order)
            # where OR-Tools put each break: after how many of the route's stops
            placed = []
            for bi, iv in self.break_intervals.get(k, []) if order else []:
                start = solution.StartValue(iv)
                placed.append((sum(1 for e in visit_ends if e <= start), start, bi))
            breaks.append([(bi, pos) for pos, _start, bi in sorted(placed)])
        return EngineResult(routes, solution.ObjectiveValue(), status, breaks, stopped=stopped,
                            solutions=state["solutions"])
