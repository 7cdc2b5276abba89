"""Reads a VROOM-format problem into the validated internal :class:`~.model.Model`.

``parse_problem`` reads a problem in named steps: the top-level lists and
options, the capacity dimensions, the custom matrices, the vehicles, the tasks
(jobs, then both halves of each shipment) and, when no matrices were given,
the travel matrices between the places' coordinates.  Business rules live with
the model (:mod:`.model`); single fields are read by :mod:`.fields`.

Everything malformed raises :class:`RoutingError` (code 2) naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .custom_matrix import LazyMatrix, LazyZeros, read_matrix, read_matrix_lazily
from .errors import refuse
from .fields import (LocationTable, read_amount, read_durations_per_type, read_id, read_int, read_number, read_skills,
                     read_time_window, read_time_windows)
from .matrix import DEFAULT_CACHE, provider_from_options
from .model import (DEFAULT_CO2_COST_PER_KG, DEFAULT_PROFILE, MAX_TIME, OBJECTIVES, VROOM_DEFAULT_PER_HOUR, Break,
                    Model, Task, Vehicle)
from .traffic import parse_traffic

# The model's names, for the modules that read problems and use their model
__all__ = ["parse_problem", "steps_to_sequences", "Model", "Task", "Vehicle", "Break", "LazyMatrix", "MAX_TIME",
           "DEFAULT_PROFILE", "OBJECTIVES", "VROOM_DEFAULT_PER_HOUR", "DEFAULT_CO2_COST_PER_KG"]


def parse_problem(problem: dict, *, objective: str | None = None, require_steps: bool = False,
                  lazy_matrices: bool = False, matrix_provider=None) -> Model:
    """Validate a VROOM problem and build the internal :class:`Model` (matrices included).

    ``lazy_matrices``: custom matrices are read entry by entry when used (see
    :class:`LazyMatrix`; their entries are then validated when read), for plan
    operations that read a few legs of a big matrix.  ``matrix_provider`` (a
    :class:`~.matrix.MatrixProvider`, e.g. the operator's OSRM) computes the
    matrices of a problem given by coordinates; without one, ``options`` pick it.
    """
    vehicles_in, jobs_in, shipments_in = _top_level_lists(problem)
    options = problem.get("options") or {}
    if not isinstance(options, dict):
        refuse("'options' must be an object")
    objective = objective or options.get("objective", "cost")
    if objective not in OBJECTIVES:
        refuse(f"unknown objective {objective!r}; use one of {', '.join(OBJECTIVES)}")
    n_dims = _capacity_dimensions(vehicles_in, jobs_in, shipments_in)
    profiles = _profiles(vehicles_in)
    given = _custom_matrices(problem, profiles, lazy_matrices)
    table = LocationTable(given.present, given.size)
    vehicles = _vehicles(vehicles_in, n_dims, table, given, require_steps)
    vehicle_types = _vehicle_types(vehicles)
    tasks, task_index = _tasks(jobs_in, shipments_in, n_dims, table, vehicle_types)
    durations, distances = given.durations, given.distances
    if not given.present:
        durations, distances = _matrices_between_coordinates(table.coords, profiles, options, matrix_provider)
    has_distances = bool(distances)
    if not has_distances:
        # a read-only view of one zero: no n x n allocation for matrices nobody gave
        distances = {p: LazyZeros(durations[p].shape[0]) if isinstance(durations[p], LazyMatrix)
                     else np.broadcast_to(np.zeros((), dtype=np.int32), durations[p].shape) for p in profiles}
    model = Model(
        tasks=tasks,
        vehicles=vehicles,
        n_dims=n_dims,
        locations=table.coords,
        durations=durations,
        distances=distances,
        custom_costs=given.costs,
        has_distances=has_distances,
        objective=objective,
        options=options,
        traffic=parse_traffic(options.get("traffic")),
        task_index=task_index,
        raw=problem,
        vehicle_types=vehicle_types,
        user_indices=given.present,
    )
    if objective == "co2" and not has_distances:
        refuse("objective 'co2' needs distances")
    return model


def _top_level_lists(problem) -> tuple:
    """The problem's vehicles, jobs and shipments, each a list of objects."""
    if not isinstance(problem, dict):
        refuse("problem must be a JSON object")
    vehicles_in = problem.get("vehicles")
    if not isinstance(vehicles_in, list) or not vehicles_in:
        refuse("problem needs a non-empty 'vehicles' list")
    jobs_in = problem.get("jobs", [])
    shipments_in = problem.get("shipments", [])
    if not isinstance(jobs_in, list) or not isinstance(shipments_in, list):
        refuse("'jobs' and 'shipments' must be lists")
    for v in vehicles_in:
        if not isinstance(v, dict):
            refuse("every vehicle must be an object")
    for j in jobs_in:
        if not isinstance(j, dict):
            refuse("every job must be an object")
    for s in shipments_in:
        if not isinstance(s, dict) or not isinstance(s.get("pickup"), dict) or not isinstance(s.get("delivery"), dict):
            refuse("every shipment must be an object with 'pickup' and 'delivery' objects")
    return vehicles_in, jobs_in, shipments_in


def _capacity_dimensions(vehicles_in: list, jobs_in: list, shipments_in: list) -> int:
    """How many load components amounts have: VROOM requires consistent lengths everywhere."""
    n_dims = None
    for v in vehicles_in:
        if "capacity" in v:
            cap = v["capacity"]
            if not isinstance(cap, list):
                refuse(f"vehicle {v.get('id')} capacity must be a list of integers")
            if n_dims is None:
                n_dims = len(cap)
            elif len(cap) != n_dims:
                refuse(f"vehicle {v.get('id')} capacity has {len(cap)} dimensions, others have {n_dims}")
    if n_dims is None:
        lengths = {len(x.get(k) or []) for x in jobs_in for k in ("delivery", "pickup", "amount")} | {
            len(s.get("amount") or []) for s in shipments_in
        }
        lengths.discard(0)
        n_dims = max(lengths) if lengths else 0
    return n_dims


def _profiles(vehicles_in: list) -> list:
    profiles = []
    for v in vehicles_in:
        p = v.get("profile", DEFAULT_PROFILE)
        if not isinstance(p, str):
            refuse(f"vehicle {v.get('id')} profile must be a string")
        if p not in profiles:
            profiles.append(p)
    return profiles


@dataclass
class GivenMatrices:
    """The problem's own ``matrices`` per profile (all empty when it gives none)."""

    present: bool = False
    size: int | None = None
    durations: dict = field(default_factory=dict)
    distances: dict = field(default_factory=dict)
    costs: dict = field(default_factory=dict)


def _custom_matrices(problem: dict, profiles: list, lazy: bool) -> GivenMatrices:
    matrices_in = problem.get("matrices") or {}
    if not isinstance(matrices_in, dict):
        refuse("'matrices' must be an object keyed by profile")
    if "matrices" not in problem and problem.get("matrix") is not None:
        # VROOM's deprecated top-level `matrix`: the durations of the default profile
        matrices_in = {DEFAULT_PROFILE: {"durations": problem["matrix"]}}
    given = GivenMatrices(present=bool(matrices_in))
    if not given.present:
        return given
    read = read_matrix_lazily if lazy else read_matrix
    for p in profiles:
        entry = matrices_in.get(p)
        if not isinstance(entry, dict) or "durations" not in entry:
            refuse(f"matrices has no 'durations' for profile {p!r} used by a vehicle")
        given.durations[p] = read(entry["durations"], f"matrices.{p}.durations")
        size = given.durations[p].shape[0]
        if given.size is not None and size != given.size:
            refuse("all matrices must have the same size")
        given.size = size
        for key, store in (("distances", given.distances), ("costs", given.costs)):
            if key in entry:
                store[p] = read(entry[key], f"matrices.{p}.{key}")
                if store[p].shape[0] != size:
                    refuse(f"matrices.{p}.{key} size differs from durations")
    if len(given.distances) not in (0, len(profiles)):
        refuse("give 'distances' for every profile or for none")
    return given


def _vehicles(vehicles_in: list, n_dims: int, table: LocationTable, given: GivenMatrices, require_steps: bool) -> list:
    vehicles = []
    seen_ids = set()
    for raw in vehicles_in:
        vehicle = _vehicle(raw, n_dims, table, given, require_steps)
        if vehicle.id in seen_ids:
            refuse(f"duplicate vehicle id {vehicle.id}")
        seen_ids.add(vehicle.id)
        vehicles.append(vehicle)
    return vehicles


def _vehicle(raw: dict, n_dims: int, table: LocationTable, given: GivenMatrices, require_steps: bool) -> Vehicle:
    vid = read_id(raw, "vehicle")
    what = f"vehicle {vid}"
    has_start = "start" in raw or "start_index" in raw
    has_end = "end" in raw or "end_index" in raw
    if not has_start and not has_end:
        refuse(f"No start or end specified for vehicle {vid}.")
    start_loc = table.resolve(raw, f"{what} start", "start_index", "start") if has_start else None
    end_loc = table.resolve(raw, f"{what} end", "end_index", "end") if has_end else None
    cap_raw = raw.get("capacity")
    capacity = tuple(read_int(c, f"{what} capacity") for c in cap_raw) if cap_raw is not None else (MAX_TIME,) * n_dims
    tw = read_time_window(raw["time_window"], f"{what} time_window") if "time_window" in raw else (0, MAX_TIME)
    costs = raw.get("costs") or {}
    if not isinstance(costs, dict):
        refuse(f"{what} costs must be an object")
    per_hour = read_number(costs.get("per_hour", VROOM_DEFAULT_PER_HOUR), f"{what} costs.per_hour")
    per_km = read_number(costs.get("per_km", 0), f"{what} costs.per_km")
    if raw.get("profile", DEFAULT_PROFILE) in given.costs and (per_hour != VROOM_DEFAULT_PER_HOUR or per_km):
        refuse(f"{what}: costs.per_hour/per_km cannot be combined with a custom costs matrix")
    max_distance = read_int(raw.get("max_distance"), f"{what} max_distance", allow_none=True)
    if max_distance is not None and given.present and not given.distances:
        refuse(f"{what} has max_distance but the matrices have no distances")
    if per_km and given.present and not given.distances:
        refuse(f"{what} has costs.per_km but the matrices have no distances")
    vehicle_type = raw.get("type", "")
    if not isinstance(vehicle_type, str):
        refuse(f"{what} type must be a string")
    steps = raw.get("steps")
    if steps is not None and not isinstance(steps, list):
        refuse(f"{what} steps must be a list")
    if require_steps and steps is None:
        steps = []
    speed_factor = read_number(raw.get("speed_factor", 1.0), f"{what} speed_factor")
    if speed_factor <= 0 or speed_factor > 5:
        refuse(f"{what} speed_factor must be in (0, 5]")
    return Vehicle(
        id=vid,
        profile=raw.get("profile", DEFAULT_PROFILE),
        start_loc=start_loc,
        end_loc=end_loc,
        capacity=capacity,
        skills=read_skills(raw, what),
        time_window=tw,
        breaks=_breaks(raw, what, n_dims),
        max_tasks=read_int(raw.get("max_tasks"), f"{what} max_tasks", allow_none=True),
        max_travel_time=read_int(raw.get("max_travel_time"), f"{what} max_travel_time", allow_none=True),
        max_distance=max_distance,
        fixed_cost=read_number(costs.get("fixed", 0), f"{what} costs.fixed"),
        per_hour=per_hour,
        per_km=per_km,
        speed_factor=speed_factor,
        co2_g_per_km=read_number(raw.get("co2_g_per_km", 0), f"{what} co2_g_per_km"),
        steps=steps,
        type=vehicle_type,
        per_task_hour=read_number(costs.get("per_task_hour", 0), f"{what} costs.per_task_hour"),
        description=raw.get("description"),
        raw_start=raw.get("start"),
        raw_end=raw.get("end"),
    )


def _vehicle_types(vehicles: list) -> list:
    """Vehicle types in order of first use, "" (no type) first; each vehicle learns its type's rank."""
    types = [""]
    for veh in vehicles:
        if veh.type not in types:
            types.append(veh.type)
        veh.type_rank = types.index(veh.type)
    return types


def _durations_by_type(raw: dict, what: str, vehicle_types: list) -> tuple:
    """A task's (setups, services) per vehicle type rank: the type's entry, else the plain value."""
    setup = read_int(raw.get("setup", 0), f"{what} setup")
    service = read_int(raw.get("service", 0), f"{what} service")
    setup_per_type = read_durations_per_type(raw, "setup_per_type", what)
    service_per_type = read_durations_per_type(raw, "service_per_type", what)
    setups = tuple(setup_per_type.get(t, setup) if t else setup for t in vehicle_types)
    services = tuple(service_per_type.get(t, service) if t else service for t in vehicle_types)
    return setups, services


def _breaks(raw: dict, what: str, n_dims: int) -> list:
    """A vehicle's breaks, in the order of their first window (VROOM's order)."""
    breaks = []
    seen_ids = set()
    for b in raw.get("breaks", []) or []:
        if not isinstance(b, dict):
            refuse(f"{what} breaks must be objects")
        bid = read_id(b, "break")
        if bid in seen_ids:
            refuse(f"{what} has duplicate break id {bid}")
        seen_ids.add(bid)
        max_load = None
        if b.get("max_load") is not None:
            if not isinstance(b["max_load"], list) or len(b["max_load"]) != n_dims:
                refuse(f"{what} break {bid} max_load must have {n_dims} dimensions")
            max_load = tuple(read_int(x, f"{what} break max_load") for x in b["max_load"])
        breaks.append(Break(bid, read_time_windows(b, f"{what} break {bid}"),
                            read_int(b.get("service", 0), f"{what} break service"), max_load, b.get("description")))
    breaks.sort(key=lambda b: b.time_windows[0][0])
    return breaks


def _tasks(jobs_in: list, shipments_in: list, n_dims: int, table: LocationTable, vehicle_types: list) -> tuple:
    """Jobs, then each shipment's pickup and delivery (partners of each other); and (kind, id) -> index."""
    tasks: list[Task] = []
    task_index: dict = {}

    def add(task: Task):
        key = (task.kind, task.id)
        if key in task_index:
            refuse(f"duplicate {task.kind} id {task.id}")
        task_index[key] = len(tasks)
        tasks.append(task)

    for raw in jobs_in:
        add(_job(raw, n_dims, table, vehicle_types))
    for s_index, raw in enumerate(shipments_in):
        first = len(tasks)
        for half in _shipment_halves(raw, s_index, n_dims, table, vehicle_types):
            add(half)
        tasks[first].partner = first + 1
        tasks[first + 1].partner = first
    return tasks, task_index


def _job(raw: dict, n_dims: int, table: LocationTable, vehicle_types: list) -> Task:
    jid = read_id(raw, "job")
    what = f"job {jid}"
    if "amount" in raw and "delivery" not in raw and "pickup" not in raw:
        delivery = read_amount(raw, "amount", n_dims, what)  # VROOM's deprecated 'amount' means delivery
    else:
        delivery = read_amount(raw, "delivery", n_dims, what)
    pickup = read_amount(raw, "pickup", n_dims, what)
    setups, services = _durations_by_type(raw, what, vehicle_types)
    return Task(
        kind="job",
        id=jid,
        loc=table.resolve(raw, what),
        setups=setups,
        services=services,
        time_windows=read_time_windows(raw, what),
        initial_load=delivery,
        load_change=tuple(p - d for p, d in zip(pickup, delivery)),
        skills=read_skills(raw, what),
        priority=_priority(raw, what),
        description=raw.get("description"),
        raw_location=raw.get("location"),
    )


def _priority(raw: dict, what: str) -> int:
    priority = read_int(raw.get("priority", 0), f"{what} priority")
    if priority > 100:
        refuse(f"{what} priority must be in [0, 100]")
    return priority


def _shipment_halves(raw: dict, s_index: int, n_dims: int, table: LocationTable, vehicle_types: list) -> list:
    """A shipment's pickup (loads its amount) and delivery (unloads it), sharing skills and priority."""
    amount = read_amount(raw, "amount", n_dims, "shipment")
    priority = _priority(raw, "shipment")
    skills = read_skills(raw, "shipment")
    halves = []
    for kind in ("pickup", "delivery"):
        half = raw[kind]
        hid = read_id(half, kind)
        what = f"shipment {kind} {hid}"
        setups, services = _durations_by_type(half, what, vehicle_types)
        halves.append(Task(
            kind=kind,
            id=hid,
            loc=table.resolve(half, what),
            setups=setups,
            services=services,
            time_windows=read_time_windows(half, what),
            initial_load=(0,) * n_dims,
            load_change=amount if kind == "pickup" else tuple(-a for a in amount),
            skills=skills,
            priority=priority,
            description=half.get("description"),
            shipment_index=s_index,
            raw_location=half.get("location"),
        ))
    return halves


def _matrices_between_coordinates(coords: list, profiles: list, options: dict, provider=None) -> tuple:
    """Durations and distances per profile from the matrix provider (haversine or OSRM), cached."""
    provider = provider or provider_from_options(options)
    durations, distances = {}, {}
    for p in profiles:
        if not coords:
            durations[p] = np.zeros((0, 0), dtype=np.int64)
            distances[p] = np.zeros((0, 0), dtype=np.int64)
            continue
        m = DEFAULT_CACHE.get_or_compute(coords, p, provider)
        durations[p], distances[p] = m.durations, m.distances
    return durations, distances


def steps_to_sequences(model: Model) -> list:
    """Each vehicle's ``steps`` as a sequence of ("task", index) / ("break", break index) items
    (start and end steps dropped), refused with VROOM's messages when malformed."""
    sequences = []
    used = set()
    for veh in model.vehicles:
        items = []
        steps = veh.steps or []
        for position, step in enumerate(steps):
            kind = step.get("type") if isinstance(step, dict) else None
            if kind == "start":
                if position != 0:
                    refuse(f"Unexpected start in input steps for vehicle {veh.id}.")
                continue
            if kind == "end":
                if position != len(steps) - 1:
                    refuse(f"Unexpected end in input steps for vehicle {veh.id}.")
                continue
            if kind not in ("job", "pickup", "delivery", "break"):
                refuse(f"Invalid type in steps for vehicle {veh.id}.")
            step_id = step.get("id")
            if isinstance(step_id, bool) or not isinstance(step_id, int) or step_id < 0:
                refuse(f"Invalid id in steps for vehicle {veh.id}.")
            if kind == "break":
                match = [i for i, b in enumerate(veh.breaks) if b.id == step_id]
                if not match:
                    refuse(f"Invalid break id {step_id} for vehicle {veh.id}.")
                items.append(("break", match[0]))
                continue
            key = (kind, step_id)
            if key not in model.task_index:
                refuse(f"Invalid {kind} id {step_id} for vehicle {veh.id}.")
            t = model.task_index[key]
            if t in used:
                refuse(f"Duplicate {kind} id {step_id} in input steps for vehicle {veh.id}.")
            used.add(t)
            items.append(("task", t))
        sequences.append(items)
    return sequences
