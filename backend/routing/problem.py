"""Reads a VROOM-format problem into a validated internal model.

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

Everything malformed raises :class:`RoutingError` (code 2) naming the field.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .errors import RoutingError
from .matrix import DEFAULT_CACHE, provider_from_options
from .traffic import TrafficProfile, parse_traffic

DEFAULT_PROFILE = "car"
MAX_TIME = 2**40  # ~35,000 years in seconds: "no limit" that still fits int64 sums
VROOM_DEFAULT_PER_HOUR = 3600

# options.objective / solve(objective=...) values
OBJECTIVES = ("cost", "vehicles_then_distance", "co2")


@dataclass
class Task:
    kind: str  # "job", "pickup" or "delivery"
    id: int
    loc: int  # index in the model's location table
    setup: int
    service: int
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
    description: str | None = None
    raw_start: list | None = None
    raw_end: list | None = None


@dataclass
class Model:
    tasks: list
    vehicles: list
    n_dims: int
    locations: list  # [lon, lat] or None per location index
    durations: dict  # profile -> int64 matrix (seconds)
    distances: dict  # profile -> int64 matrix (meters)
    custom_costs: dict  # profile -> int64 matrix, when given
    has_distances: bool
    objective: str = "cost"
    options: dict = field(default_factory=dict)
    traffic: TrafficProfile | None = None
    task_index: dict = field(default_factory=dict)  # (kind, id) -> task index
    raw: dict | None = None

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
                self._travel_cache[key] = _LazyScaled(base, veh.speed_factor)
            else:
                self._travel_cache[key] = np.rint(base / veh.speed_factor).astype(np.int64)
        return self._travel_cache[key]

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

            if any(isinstance(m, LazyMatrix) for m in sources):
                cost = _LazyCost(formula, sources)
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
                longest = max(longest, float(m.max()) if m.size else 0.0)
            self._big_vehicle_cost = (longest + 1.0) * (len(self.tasks) + 2) * 2
        return self._big_vehicle_cost

    def can_serve(self, v: int, t: int) -> bool:
        """Skills rule: the vehicle must have every skill the task needs."""
        return self.tasks[t].skills <= self.vehicles[v].skills


DEFAULT_CO2_COST_PER_KG = 100.0  # cost units per kg CO2 under objective "co2"


# ---------------------------------------------------------------------------
# parsing helpers


def _err(msg: str):
    raise RoutingError(msg)


def _int(value, what: str, minimum: int | None = 0, allow_none=False):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not value.is_integer()):
        _err(f"{what} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        _err(f"{what} must be >= {minimum}, got {value}")
    return value


def _number(value, what: str, minimum: float = 0.0):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        _err(f"{what} must be a number, got {value!r}")
    if value < minimum:
        _err(f"{what} must be >= {minimum}, got {value}")
    return float(value)


def _id(obj: dict, what: str):
    if "id" not in obj:
        _err(f"{what} has no id")
    return _int(obj["id"], f"{what} id", minimum=None)


def _time_window(tw, what: str) -> tuple:
    if not isinstance(tw, (list, tuple)) or len(tw) != 2:
        _err(f"{what} must be a pair [start, end], got {tw!r}")
    start = _int(tw[0], f"{what} start", minimum=0)
    end = _int(tw[1], f"{what} end", minimum=0)
    if start > end:
        _err(f"{what} starts after it ends: {tw!r}")
    return (start, end)


def _time_windows(obj: dict, what: str) -> list:
    tws = obj.get("time_windows")
    if tws is None:
        return [(0, MAX_TIME)]
    if not isinstance(tws, list) or not tws:
        _err(f"{what} time_windows must be a non-empty list")
    parsed = sorted(_time_window(tw, f"{what} time window") for tw in tws)
    for (a0, b0), (a1, b1) in zip(parsed, parsed[1:]):
        if a1 <= b0:
            _err(f"{what} time windows overlap: {tws!r}")
    return parsed


def _amount(obj: dict, key: str, n_dims: int, what: str) -> tuple:
    value = obj.get(key)
    if value is None:
        return (0,) * n_dims
    if not isinstance(value, list):
        _err(f"{what} {key} must be a list of integers")
    if len(value) != n_dims:
        _err(f"{what} {key} has {len(value)} dimensions but vehicle capacities have {n_dims}")
    return tuple(_int(x, f"{what} {key}", minimum=0) for x in value)


def _skills(obj: dict, what: str) -> frozenset:
    value = obj.get("skills", [])
    if not isinstance(value, list):
        _err(f"{what} skills must be a list of integers")
    return frozenset(_int(s, f"{what} skill", minimum=0) for s in value)


class _LocationTable:
    """Maps tasks' and vehicles' places to location indices.

    With custom matrices places are ``location_index`` values into them; without,
    distinct [lon, lat] pairs get consecutive indices.
    """

    def __init__(self, custom: bool, matrix_size: int | None):
        self.custom = custom
        self.matrix_size = matrix_size
        self.coords: list = []
        self._by_coords: dict = {}

    def resolve(self, obj: dict, what: str, index_key="location_index", coords_key="location") -> int:
        if self.custom:
            if index_key not in obj:
                _err(f"{what} needs {index_key} because the problem gives custom matrices")
            idx = _int(obj[index_key], f"{what} {index_key}")
            if idx >= self.matrix_size:
                _err(f"{what} {index_key} {idx} is outside the {self.matrix_size}x{self.matrix_size} matrix")
            while len(self.coords) < self.matrix_size:
                self.coords.append(None)
            if coords_key in obj and obj[coords_key] is not None:
                self.coords[idx] = _coords(obj[coords_key], what)
            return idx
        if coords_key not in obj or obj[coords_key] is None:
            if index_key in obj:
                _err(f"{what} has {index_key} but the problem has no matrices: give [lon, lat] {coords_key}")
            _err(f"{what} has no {coords_key}")
        lonlat = _coords(obj[coords_key], what)
        key = (round(lonlat[0], 7), round(lonlat[1], 7))
        if key not in self._by_coords:
            self._by_coords[key] = len(self.coords)
            self.coords.append(lonlat)
        return self._by_coords[key]


def _coords(value, what: str) -> list:
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        _err(f"{what} location must be [lon, lat], got {value!r}")
    lon = _number(value[0], f"{what} longitude", minimum=-180.0)
    lat = _number(value[1], f"{what} latitude", minimum=-90.0)
    if lon > 180 or lat > 90:
        _err(f"{what} location {value!r} is not a valid [lon, lat]")
    return [lon, lat]


class LazyMatrix:
    """A matrix read entry by entry, for plan operations that only need a few legs
    (insertion reads the legs of the current routes and the new stop's row and
    column, not a city's million entries).  ``m[a, b]`` is a Python number;
    ``row(a)`` / ``col(b)`` are numpy vectors; ``array()`` is the whole matrix."""

    shape: tuple
    _full = None

    @property
    def size(self) -> int:
        return self.shape[0] * self.shape[1]

    def array(self) -> np.ndarray:
        if self._full is None:
            self._full = self._compute_full()
        return self._full

    def max(self):
        return self.array().max()

    def row(self, a: int) -> np.ndarray:
        cache = self.__dict__.setdefault("_rows", {})
        if a not in cache:
            cache[a] = self._row(a)
        return cache[a]

    def col(self, b: int) -> np.ndarray:
        cache = self.__dict__.setdefault("_cols", {})
        if b not in cache:
            cache[b] = self._col(b)
        return cache[b]

    def __array__(self, dtype=None, copy=None):
        return self.array() if dtype is None else self.array().astype(dtype)


class _ListMatrix(LazyMatrix):
    """A custom matrix as given (nested lists): shape checked at once, entries on reading."""

    def __init__(self, rows, what: str):
        n = len(rows)
        for row in rows:
            if len(row) != n:
                _err(f"{what} must be a square matrix, got a row of {len(row)} entries for {n} rows")
        self.rows, self.what, self.shape = rows, what, (n, n)

    def _bad(self):
        _err(f"{self.what} must hold non-negative finite numbers")

    def __getitem__(self, key):
        x = self.rows[key[0]][key[1]]
        if type(x) is int:
            if x < 0:
                self._bad()
            return x
        if isinstance(x, str) or not isinstance(x, (int, float)) or not math.isfinite(x) or x < 0:
            self._bad()
        return int(round(x))  # round half to even, as np.rint

    def _vector(self, values) -> np.ndarray:
        try:
            arr = np.asarray(values, dtype=np.float64)
        except (TypeError, ValueError):
            _err(f"{self.what} must be a square matrix of numbers")
        if not np.all(np.isfinite(arr)) or np.any(arr < 0):
            self._bad()
        return np.rint(arr).astype(np.int64)

    def _row(self, a: int) -> np.ndarray:
        return self._vector(self.rows[a])

    def _col(self, b: int) -> np.ndarray:
        return self._vector([r[b] for r in self.rows])

    def _compute_full(self) -> np.ndarray:
        return _matrix(self.rows, self.what)


class _LazyZeros(LazyMatrix):
    def __init__(self, n: int):
        self.shape = (n, n)

    def __getitem__(self, key):
        return 0

    def _row(self, a):
        return np.zeros(self.shape[0], dtype=np.int64)

    _col = _row

    def _compute_full(self):
        return np.zeros(self.shape, dtype=np.int64)


class _LazyScaled(LazyMatrix):
    """Travel times at a vehicle's speed_factor."""

    def __init__(self, base: LazyMatrix, factor: float):
        self.base, self.factor, self.shape = base, factor, base.shape

    def __getitem__(self, key):
        return int(np.rint(self.base[key] / self.factor))

    def _row(self, a):
        return np.rint(self.base.row(a) / self.factor).astype(np.int64)

    def _col(self, b):
        return np.rint(self.base.col(b) / self.factor).astype(np.int64)

    def _compute_full(self):
        return np.rint(np.asarray(self.base) / self.factor).astype(np.int64)


class _LazyCost(LazyMatrix):
    """Float travel costs: ``formula`` applied to the source matrices' entries."""

    def __init__(self, formula, sources: tuple):
        self.formula, self.sources, self.shape = formula, sources, sources[0].shape

    def __getitem__(self, key):
        return float(self.formula(*(float(m[key]) for m in self.sources)))

    def _row(self, a):
        return np.asarray(self.formula(*(_vec(m, "row", a) for m in self.sources)), dtype=np.float64)

    def _col(self, b):
        return np.asarray(self.formula(*(_vec(m, "col", b) for m in self.sources)), dtype=np.float64)

    def _compute_full(self):
        return np.asarray(self.formula(*(np.asarray(m) for m in self.sources)), dtype=np.float64)


def _lazy_matrix(value, what: str):
    """Nested lists (JSON) are read lazily; anything else (e.g. a numpy array) at once."""
    if isinstance(value, (list, tuple)) and all(isinstance(row, (list, tuple)) for row in value):
        return _ListMatrix(value, what)
    return _matrix(value, what)


def _vec(m, kind: str, i: int) -> np.ndarray:
    if isinstance(m, LazyMatrix):
        return m.row(i) if kind == "row" else m.col(i)
    return np.asarray(m[i, :] if kind == "row" else m[:, i])


def _matrix(value, what: str) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        _err(f"{what} must be a square matrix of numbers")
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        _err(f"{what} must be a square matrix, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        _err(f"{what} must hold non-negative finite numbers")
    return np.rint(arr).astype(np.int64)


# ---------------------------------------------------------------------------


def parse_problem(problem: dict, *, objective: str | None = None, require_steps: bool = False,
                  lazy_matrices: bool = False) -> Model:
    """Validate a VROOM problem and build the internal :class:`Model` (matrices included).

    ``lazy_matrices``: custom matrices are read entry by entry when used (see
    :class:`LazyMatrix`; their entries are then validated when read), for plan
    operations that read a few legs of a big matrix.
    """
    if not isinstance(problem, dict):
        _err("problem must be a JSON object")
    vehicles_in = problem.get("vehicles")
    if not isinstance(vehicles_in, list) or not vehicles_in:
        _err("problem needs a non-empty 'vehicles' list")
    jobs_in = problem.get("jobs", [])
    shipments_in = problem.get("shipments", [])
    if not isinstance(jobs_in, list) or not isinstance(shipments_in, list):
        _err("'jobs' and 'shipments' must be lists")
    for v in vehicles_in:
        if not isinstance(v, dict):
            _err("every vehicle must be an object")
    for j in jobs_in:
        if not isinstance(j, dict):
            _err("every job must be an object")
    for s in shipments_in:
        if not isinstance(s, dict) or not isinstance(s.get("pickup"), dict) or not isinstance(s.get("delivery"), dict):
            _err("every shipment must be an object with 'pickup' and 'delivery' objects")
    options = problem.get("options") or {}
    if not isinstance(options, dict):
        _err("'options' must be an object")
    objective = objective or options.get("objective", "cost")
    if objective not in OBJECTIVES:
        _err(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")

    # capacity dimensions: VROOM requires consistent lengths everywhere
    n_dims = None
    for v in vehicles_in:
        if "capacity" in v:
            cap = v["capacity"]
            if not isinstance(cap, list):
                _err(f"vehicle {v.get('id')} capacity must be a list of integers")
            if n_dims is None:
                n_dims = len(cap)
            elif len(cap) != n_dims:
                _err(f"vehicle {v.get('id')} capacity has {len(cap)} dimensions, others have {n_dims}")
    if n_dims is None:
        lengths = {len(x.get(k) or []) for x in jobs_in for k in ("delivery", "pickup", "amount")} | {
            len(s.get("amount") or []) for s in shipments_in
        }
        lengths.discard(0)
        n_dims = max(lengths) if lengths else 0

    # matrices
    matrices_in = problem.get("matrices") or {}
    if not isinstance(matrices_in, dict):
        _err("'matrices' must be an object keyed by profile")
    profiles = []
    for v in vehicles_in:
        p = v.get("profile", DEFAULT_PROFILE)
        if not isinstance(p, str):
            _err(f"vehicle {v.get('id')} profile must be a string")
        if p not in profiles:
            profiles.append(p)
    custom = bool(matrices_in)
    durations, distances, custom_costs = {}, {}, {}
    matrix_size = None
    if custom:
        for p in profiles:
            entry = matrices_in.get(p)
            if not isinstance(entry, dict) or "durations" not in entry:
                _err(f"matrices has no 'durations' for profile {p!r} used by a vehicle")
            read = _lazy_matrix if lazy_matrices else _matrix
            durations[p] = read(entry["durations"], f"matrices.{p}.durations")
            size = durations[p].shape[0]
            if matrix_size is not None and size != matrix_size:
                _err("all matrices must have the same size")
            matrix_size = size
            for key, store in (("distances", distances), ("costs", custom_costs)):
                if key in entry:
                    store[p] = read(entry[key], f"matrices.{p}.{key}")
                    if store[p].shape[0] != size:
                        _err(f"matrices.{p}.{key} size differs from durations")
        if len(distances) not in (0, len(profiles)):
            _err("give 'distances' for every profile or for none")
    table = _LocationTable(custom, matrix_size)

    # vehicles
    vehicles = []
    seen_vehicle_ids = set()
    for raw in vehicles_in:
        vid = _id(raw, "vehicle")
        what = f"vehicle {vid}"
        if vid in seen_vehicle_ids:
            _err(f"duplicate vehicle id {vid}")
        seen_vehicle_ids.add(vid)
        has_start = "start" in raw or "start_index" in raw
        has_end = "end" in raw or "end_index" in raw
        start_loc = table.resolve(raw, f"{what} start", "start_index", "start") if has_start else None
        end_loc = table.resolve(raw, f"{what} end", "end_index", "end") if has_end else None
        cap_raw = raw.get("capacity")
        capacity = tuple(_int(c, f"{what} capacity") for c in cap_raw) if cap_raw is not None else (MAX_TIME,) * n_dims
        tw = _time_window(raw["time_window"], f"{what} time_window") if "time_window" in raw else (0, MAX_TIME)
        breaks = []
        seen_break_ids = set()
        for b in raw.get("breaks", []) or []:
            if not isinstance(b, dict):
                _err(f"{what} breaks must be objects")
            bid = _id(b, f"{what} break")
            if bid in seen_break_ids:
                _err(f"{what} has duplicate break id {bid}")
            seen_break_ids.add(bid)
            max_load = None
            if b.get("max_load") is not None:
                if not isinstance(b["max_load"], list) or len(b["max_load"]) != n_dims:
                    _err(f"{what} break {bid} max_load must have {n_dims} dimensions")
                max_load = tuple(_int(x, f"{what} break max_load") for x in b["max_load"])
            breaks.append(
                Break(bid, _time_windows(b, f"{what} break {bid}"), _int(b.get("service", 0), f"{what} break service"), max_load, b.get("description"))
            )
        breaks.sort(key=lambda b: b.time_windows[0][0])
        costs = raw.get("costs") or {}
        if not isinstance(costs, dict):
            _err(f"{what} costs must be an object")
        per_hour = _number(costs.get("per_hour", VROOM_DEFAULT_PER_HOUR), f"{what} costs.per_hour")
        per_km = _number(costs.get("per_km", 0), f"{what} costs.per_km")
        if raw.get("profile", DEFAULT_PROFILE) in custom_costs and ("per_hour" in costs or "per_km" in costs):
            _err(f"{what}: costs.per_hour/per_km cannot be combined with a custom costs matrix")
        max_distance = _int(raw.get("max_distance"), f"{what} max_distance", allow_none=True)
        if max_distance is not None and custom and not distances:
            _err(f"{what} has max_distance but the matrices have no distances")
        steps = raw.get("steps")
        if steps is not None and not isinstance(steps, list):
            _err(f"{what} steps must be a list")
        if require_steps and steps is None:
            steps = []
        speed_factor = _number(raw.get("speed_factor", 1.0), f"{what} speed_factor")
        if speed_factor <= 0 or speed_factor > 5:
            _err(f"{what} speed_factor must be in (0, 5]")
        vehicles.append(
            Vehicle(
                id=vid,
                profile=raw.get("profile", DEFAULT_PROFILE),
                start_loc=start_loc,
                end_loc=end_loc,
                capacity=capacity,
                skills=_skills(raw, what),
                time_window=tw,
                breaks=breaks,
                max_tasks=_int(raw.get("max_tasks"), f"{what} max_tasks", allow_none=True),
                max_travel_time=_int(raw.get("max_travel_time"), f"{what} max_travel_time", allow_none=True),
                max_distance=max_distance,
                fixed_cost=_number(costs.get("fixed", 0), f"{what} costs.fixed"),
                per_hour=per_hour,
                per_km=per_km,
                speed_factor=speed_factor,
                co2_g_per_km=_number(raw.get("co2_g_per_km", 0), f"{what} co2_g_per_km"),
                steps=steps,
                description=raw.get("description"),
                raw_start=raw.get("start"),
                raw_end=raw.get("end"),
            )
        )

    # tasks
    tasks: list[Task] = []
    task_index: dict = {}

    def add(task: Task):
        key = (task.kind, task.id)
        if key in task_index:
            _err(f"duplicate {task.kind} id {task.id}")
        task_index[key] = len(tasks)
        tasks.append(task)

    zero = (0,) * n_dims
    for raw in jobs_in:
        jid = _id(raw, "job")
        what = f"job {jid}"
        if "amount" in raw and "delivery" not in raw and "pickup" not in raw:
            delivery = _amount(raw, "amount", n_dims, what)  # VROOM's deprecated 'amount' means delivery
        else:
            delivery = _amount(raw, "delivery", n_dims, what)
        pickup = _amount(raw, "pickup", n_dims, what)
        priority = _int(raw.get("priority", 0), f"{what} priority")
        if priority > 100:
            _err(f"{what} priority must be in [0, 100]")
        add(
            Task(
                kind="job",
                id=jid,
                loc=table.resolve(raw, what),
                setup=_int(raw.get("setup", 0), f"{what} setup"),
                service=_int(raw.get("service", 0), f"{what} service"),
                time_windows=_time_windows(raw, what),
                initial_load=delivery,
                load_change=tuple(p - d for p, d in zip(pickup, delivery)),
                skills=_skills(raw, what),
                priority=priority,
                description=raw.get("description"),
                raw_location=raw.get("location"),
            )
        )
    for s_index, raw in enumerate(shipments_in):
        amount = _amount(raw, "amount", n_dims, "shipment")
        priority = _int(raw.get("priority", 0), "shipment priority")
        if priority > 100:
            _err("shipment priority must be in [0, 100]")
        skills = _skills(raw, "shipment")
        first = len(tasks)
        for kind in ("pickup", "delivery"):
            half = raw[kind]
            hid = _id(half, f"shipment {kind}")
            what = f"shipment {kind} {hid}"
            add(
                Task(
                    kind=kind,
                    id=hid,
                    loc=table.resolve(half, what),
                    setup=_int(half.get("setup", 0), f"{what} setup"),
                    service=_int(half.get("service", 0), f"{what} service"),
                    time_windows=_time_windows(half, what),
                    initial_load=zero,
                    load_change=amount if kind == "pickup" else tuple(-a for a in amount),
                    skills=skills,
                    priority=priority,
                    description=half.get("description"),
                    shipment_index=s_index,
                    raw_location=half.get("location"),
                )
            )
        tasks[first].partner = first + 1
        tasks[first + 1].partner = first

    # matrices from coordinates when none were given
    n_locations = len(table.coords)
    if not custom:
        provider = provider_from_options(options)
        coords = table.coords
        for p in profiles:
            if n_locations == 0:
                durations[p] = np.zeros((0, 0), dtype=np.int64)
                distances[p] = np.zeros((0, 0), dtype=np.int64)
                continue
            m = DEFAULT_CACHE.get_or_compute(coords, p, provider)
            durations[p], distances[p] = m.durations, m.distances
    has_distances = bool(distances)
    if not has_distances:
        for p in profiles:
            distances[p] = _LazyZeros(durations[p].shape[0]) if isinstance(durations[p], LazyMatrix) else np.zeros_like(durations[p])

    model = Model(
        tasks=tasks,
        vehicles=vehicles,
        n_dims=n_dims,
        locations=table.coords,
        durations=durations,
        distances=distances,
        custom_costs=custom_costs,
        has_distances=has_distances,
        objective=objective,
        options=options,
        traffic=parse_traffic(options.get("traffic")),
        task_index=task_index,
        raw=problem,
    )
    if objective == "co2" and not has_distances:
        _err("objective 'co2' needs distances")
    return model


def steps_to_sequences(model: Model) -> list:
    """Plan mode: each vehicle's ``steps`` as (task indices, break positions).

    Returns per vehicle a list of ("task", index) / ("break", break_index) items
    (start/end steps dropped).  Unknown ids are input errors.
    """
    sequences = []
    used = set()
    for v, veh in enumerate(model.vehicles):
        items = []
        for step in veh.steps or []:
            if not isinstance(step, dict) or "type" not in step:
                _err(f"vehicle {veh.id} steps must be objects with a type")
            kind = step["type"]
            if kind in ("start", "end"):
                continue
            if kind == "break":
                bid = step.get("id")
                match = [i for i, b in enumerate(veh.breaks) if b.id == bid]
                if not match:
                    _err(f"vehicle {veh.id} step refers to unknown break {bid}")
                items.append(("break", match[0]))
                continue
            if kind not in ("job", "pickup", "delivery"):
                _err(f"vehicle {veh.id} has a step of unknown type {kind!r}")
            key = (kind, step.get("id"))
            if key not in model.task_index:
                _err(f"vehicle {veh.id} step refers to unknown {kind} {step.get('id')}")
            t = model.task_index[key]
            if t in used:
                _err(f"{kind} {step.get('id')} appears in several vehicles' steps")
            used.add(t)
            items.append(("task", t))
        sequences.append(items)
    return sequences
