"""The solver's validated model of a problem: tasks, vehicles, breaks and per-vehicle matrices.

Business rules carried here:

* a *task* is a job, or the pickup / delivery half of a shipment;
* vehicles start loaded with the ``delivery`` amounts of the jobs they serve,
  collect ``pickup`` amounts on the way, and load shipments at their pickup;
  the load never exceeds ``capacity`` (all dimensions);
* time windows constrain the start of service; ``setup`` is spent before
  service only when arriving from another location;
* a vehicle may serve a task only if it has all the task's ``skills``;
* travel cost of a vehicle is ``per_hour`` x hours driven + ``per_km`` x km
  driven (VROOM's defaults: 3600 per hour, so cost = seconds driven), unless the
  profile has a custom ``costs`` matrix; ``fixed`` is paid once per used vehicle.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .custom_matrix import LazyCost, LazyMatrix, LazyScaled, compact_int
from .traffic import TrafficProfile

DEFAULT_PROFILE = "car"
MAX_TIME = 2**40  # ~35,000 years in seconds: "no limit" that still fits int64 sums
VROOM_DEFAULT_PER_HOUR = 3600
DEFAULT_CO2_COST_PER_KG = 100.0  # cost units per kg CO2 under objective "co2"

# options.objective / solve(objective=...) values
OBJECTIVES = ("cost", "vehicles_then_distance", "co2")


def speed_scale(speed_factor: float) -> float:
    """What travel times are multiplied by: VROOM keeps two decimals of 1 / speed_factor."""
    return round(100 / speed_factor) / 100


@dataclass
class Task:
    kind: str  # "job", "pickup" or "delivery"
    id: int
    loc: int  # index in the model's location table
    setups: tuple  # per vehicle type rank (0: vehicles without a type): setup_per_type, else setup
    services: tuple  # per vehicle type rank: service_per_type, else service
    time_windows: list  # [(start, end)], never empty
    initial_load: tuple  # loaded at the depot for this task (job delivery)
    load_change: tuple  # load difference after serving this task
    skills: frozenset
    priority: int
    description: str | None = None
    partner: int | None = None  # for shipments: index of the other half
    shipment_index: int | None = None
    raw_location: list | None = None


@dataclass
class Break:
    id: int
    time_windows: list
    service: int
    max_load: tuple | None
    description: str | None = None


@dataclass
class Vehicle:
    id: int
    profile: str
    start_loc: int | None
    end_loc: int | None
    capacity: tuple
    skills: frozenset
    time_window: tuple
    breaks: list
    max_tasks: int | None
    max_travel_time: int | None
    max_distance: int | None
    fixed_cost: float
    per_hour: float
    per_km: float
    speed_factor: float
    co2_g_per_km: float
    steps: list | None
    type: str = ""  # VROOM's vehicle type: picks the tasks' setup_per_type / service_per_type
    type_rank: int = 0  # index of the type in Model.vehicle_types (0: no type)
    per_task_hour: float = 0.0  # cost of an hour spent on tasks (setup + service)
    description: str | None = None
    raw_start: list | None = None
    raw_end: list | None = None


@dataclass
class Model:
    tasks: list
    vehicles: list
    n_dims: int
    locations: list  # [lon, lat] or None per location index
    durations: dict  # profile -> integer matrix (seconds), int32 when it fits
    distances: dict  # profile -> integer matrix (meters), int32 when it fits
    custom_costs: dict  # profile -> integer matrix, when given
    has_distances: bool
    objective: str = "cost"
    options: dict = field(default_factory=dict)
    traffic: TrafficProfile | None = None
    task_index: dict = field(default_factory=dict)  # (kind, id) -> task index
    raw: dict | None = None
    vehicle_types: list = field(default_factory=lambda: [""])  # type rank -> type ("" first: no type)
    user_indices: bool = False  # places were given as location_index into custom matrices

    # --- per-vehicle matrices, cached -------------------------------------
    def __post_init__(self):
        self._travel_cache: dict = {}
        self._cost_cache: dict = {}

    def travel_matrix(self, v: int) -> np.ndarray:
        """Seconds between location indices for vehicle ``v`` (its profile, scaled by its speed_factor)."""
        veh = self.vehicles[v]
        key = (veh.profile, veh.speed_factor)
        if key not in self._travel_cache:
            base = self.durations[veh.profile]
            if veh.speed_factor == 1.0:
                self._travel_cache[key] = base
            elif isinstance(base, LazyMatrix):
                self._travel_cache[key] = LazyScaled(base, speed_scale(veh.speed_factor))
            else:
                self._travel_cache[key] = compact_int(np.rint(base * speed_scale(veh.speed_factor)))
        return self._travel_cache[key]

    def matrix_max(self, m) -> int:
        """Largest entry of one of this model's matrices (cached: a 5,000-place matrix takes ~10 ms,
        and model building asks once per vehicle)."""
        cache = self.__dict__.setdefault("_max_cache", {})
        key = id(m)
        if key not in cache:
            cache[key] = (int(np.asarray(m).max()) if m.size else 0, m)  # keep m alive: ids stay unique
        return cache[key][0]

    def distance_matrix(self, v: int) -> np.ndarray:
        return self.distances[self.vehicles[v].profile]

    def cost_key(self, v: int) -> tuple:
        veh = self.vehicles[v]
        co2 = veh.co2_g_per_km if self.objective == "co2" else 0.0
        return (self.objective, veh.profile, veh.speed_factor, veh.per_hour, veh.per_km, co2)

    def cost_matrix(self, v: int) -> np.ndarray:
        """Float travel cost between location indices for vehicle ``v`` under the chosen objective."""
        key = self.cost_key(v)
        if key not in self._cost_cache:
            veh = self.vehicles[v]
            if self.objective == "vehicles_then_distance":
                # Solomon convention: distance is the cost; fall back to time without distances.
                sources = (self.distance_matrix(v) if self.has_distances else self.travel_matrix(v),)
            elif veh.profile in self.custom_costs:
                sources = (self.custom_costs[veh.profile],)
            else:
                sources = (self.travel_matrix(v), self.distance_matrix(v))
            if self.objective == "co2" and veh.co2_g_per_km > 0:
                sources = sources + (self.distance_matrix(v),)

            def formula(*values):
                # the same arithmetic on whole matrices, rows or single entries
                if self.objective == "vehicles_then_distance" or veh.profile in self.custom_costs:
                    cost = values[0] * 1.0
                else:
                    cost = values[0] * (veh.per_hour / 3600.0) + values[1] * (veh.per_km / 1000.0)
                if self.objective == "co2" and veh.co2_g_per_km > 0:
                    price_per_kg = float(self.options.get("co2_cost_per_kg", DEFAULT_CO2_COST_PER_KG))
                    cost = cost + values[-1] / 1000.0 * veh.co2_g_per_km / 1000.0 * price_per_kg
                return cost

            identity = (self.objective == "vehicles_then_distance" or veh.profile in self.custom_costs
                        or (veh.per_hour == 3600.0 and veh.per_km == 0.0))
            if self.objective == "co2" and veh.co2_g_per_km > 0:
                identity = False
            if any(isinstance(m, LazyMatrix) for m in sources):
                cost = LazyCost(formula, sources)
            elif identity and sources[0].dtype.kind in "iu":
                # VROOM's default (cost = seconds driven) or Solomon's (= distance): the
                # integer matrix itself, not a float64 copy of it (200 MB at 5,000 places)
                cost = sources[0]
            else:
                cost = np.asarray(formula(*sources), dtype=np.float64)
            self._cost_cache[key] = cost
        return self._cost_cache[key]

    def vehicle_fixed_cost(self, v: int) -> float:
        if self.objective == "vehicles_then_distance":
            return self.big_vehicle_cost()
        return self.vehicles[v].fixed_cost

    def big_vehicle_cost(self) -> float:
        """A fixed cost per vehicle larger than any distance one extra vehicle could save.

        Using one more vehicle can save at most the whole travel cost of the
        plan, bounded by (tasks + vehicles) x the longest arc.
        """
        if not hasattr(self, "_big_vehicle_cost"):
            longest = 0.0
            for v in range(len(self.vehicles)):
                m = self.distance_matrix(v) if self.has_distances else self.travel_matrix(v)
                longest = max(longest, float(self.matrix_max(m)))
            self._big_vehicle_cost = (longest + 1.0) * (len(self.tasks) + 2) * 2
        return self._big_vehicle_cost

    @property
    def minimises_fleet(self) -> bool:
        """Whether the cheapest plan is the one with the fewest vehicles: under
        ``vehicles_then_distance``, or when every vehicle's fixed cost exceeds the most another
        vehicle could save in travel and task costs (VROOM's clients ask for the smallest fleet
        that way: a fixed cost larger than any distance saving).  The fleet-minimisation phases
        then run whatever the objective's name (see solver._fleet_then_distance)."""
        if self.objective == "vehicles_then_distance":
            return True
        if not hasattr(self, "_minimises_fleet"):
            fixed = min((veh.fixed_cost for veh in self.vehicles), default=0.0)
            self._minimises_fleet = fixed > 0 and fixed > self.largest_saving()
        return self._minimises_fleet

    def largest_saving(self) -> float:
        """An upper bound of what one more vehicle can save: a plan's whole travel cost (one leg
        out of every task and out of each used vehicle's start, each at most the longest arc
        cost) and its task time costs."""
        if not self.vehicles or not self.tasks:
            return 0.0
        longest_arc = max(float(self.matrix_max(self.cost_matrix(v))) for v in range(len(self.vehicles)))
        legs = len(self.tasks) + min(len(self.vehicles), len(self.tasks))
        task_rate = max(veh.per_task_hour for veh in self.vehicles) / 3600.0
        task_time = sum(max(t.setups) + max(t.services) for t in self.tasks) if task_rate else 0
        return longest_arc * legs + task_rate * task_time

    @property
    def has_time_constraints(self) -> bool:
        """A task window, a shift or a break somewhere (VROOM then solves a VRPTW: it rounds route costs)."""
        if not hasattr(self, "_has_time_constraints"):
            self._has_time_constraints = any(veh.breaks or veh.time_window != (0, MAX_TIME) for veh in self.vehicles) \
                or any(t.time_windows != [(0, MAX_TIME)] for t in self.tasks)
        return self._has_time_constraints

    def setup(self, t: int, v: int) -> int:
        """Task t's setup when vehicle v arrives from elsewhere (its type's setup_per_type, else setup)."""
        return self.tasks[t].setups[self.vehicles[v].type_rank]

    def service(self, t: int, v: int) -> int:
        """Task t's service on vehicle v (its type's service_per_type, else service)."""
        return self.tasks[t].services[self.vehicles[v].type_rank]

    def can_serve(self, v: int, t: int) -> bool:
        """Skills rule: the vehicle must have every skill the task needs."""
        return self.tasks[t].skills <= self.vehicles[v].skills



def as_int64_scaled(m, scale: int) -> np.ndarray:
    """``m`` x ``scale`` as int64 (integer matrices are widened first: int32 x 100 may overflow)."""
    arr = np.asarray(m)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64) * scale
    return np.rint(arr * scale).astype(np.int64)
