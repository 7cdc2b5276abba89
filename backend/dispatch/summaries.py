"""The numbers a dispatcher compares routes by: computed from a route and its van, nothing saved."""
from __future__ import annotations

from backend.dispatch.models import FINISHED_STOP, Route, RouteStatus, StopStatus
from backend.fleet.models import Vehicle
from backend.orders.enums import OrderType, StopKind
from backend.orders.models import Order

def window_end(order: Order, kind: StopKind | None = None):
    """When the order's window closes: at its delivery end, or at the end `kind` names."""
    windows = order.end(kind).time_windows if kind is not None else order.time_windows
    return max((w.end_at for w in windows), default=None)


def _amounts(order: Order) -> tuple[float, float, float]:
    return order.weight_kg, order.volume_l, order.parcel_count


def peak_load(route: Route) -> tuple[float, float, float]:
    """The most the van carries at once along the route, per dimension (weight, volume, parcels): it leaves
    with the deliveries, each collection adds its parcel, each delivery takes one off."""
    load = [0.0, 0.0, 0.0]
    for stop in route.stops:
        if stop.order.type is OrderType.delivery:
            load = [have + more for have, more in zip(load, _amounts(stop.order))]
    peak = list(load)
    for stop in sorted(route.stops, key=lambda s: s.sequence):
        sign = 1 if stop.kind is StopKind.pickup else -1
        load = [have + sign * change for have, change in zip(load, _amounts(stop.order))]
        peak = [max(a, b) for a, b in zip(peak, load)]
    return peak[0], peak[1], peak[2]


def load_share(route: Route, vehicle: Vehicle | None) -> float | None:
    """How full the van gets along the route (at its fullest): the most loaded dimension, 0..1+."""
    if vehicle is None:
        return None
    weight, volume, parcels = peak_load(route)
    shares = []
    for used, capacity in ((weight, vehicle.capacity_weight_kg), (volume, vehicle.capacity_volume_l),
                           (parcels, vehicle.capacity_parcels)):
        if capacity and capacity > 0:
            shares.append(used / capacity)
    return round(max(shares), 4) if shares else None


def planned_cost_cents(route: Route, vehicle: Vehicle | None) -> int | None:
    """What the plan costs with the van's rates: fixed + per hour of the planned day + per km planned.
    The hours are the route's planned span (what the driver is paid for), or its driving time without one."""
    if vehicle is None:
        return None
    if route.planned_start_at and route.planned_end_at:
        seconds = (route.planned_end_at - route.planned_start_at).total_seconds()
    else:
        seconds = route.planned_duration_s
    return (vehicle.cost_fixed_cents + round(vehicle.cost_per_hour_cents * seconds / 3600)
            + round(vehicle.cost_per_km_cents * route.planned_distance_m / 1000))


def route_summary(route: Route) -> dict:
    """The numbers a dispatcher compares routes by, and how the day is going on the road.

    Behind/ahead is the next remaining stop's ETA against its planned arrival (positive = late);
    a stop is at risk when its ETA is past the end of its window while it is still to do.
    """
    vehicle = route.vehicle
    stops = sorted(route.stops, key=lambda s: s.sequence)
    done = [s for s in stops if s.status in FINISHED_STOP]
    remaining = [s for s in stops if s.status not in FINISHED_STOP]
    delay_s = None
    upcoming = next((s for s in remaining if s.eta_at and s.planned_arrival_at), None)
    if upcoming is not None and route.status is RouteStatus.in_progress:
        delay_s = int((upcoming.eta_at - upcoming.planned_arrival_at).total_seconds())
    at_risk = []
    for stop in remaining:
        end = window_end(stop.order)
        if stop.status is StopStatus.pending and stop.eta_at and end and stop.eta_at > end:
            at_risk.append({"stop_id": stop.id, "late_by_s": int((stop.eta_at - end).total_seconds())})
    co2_g = round(route.planned_distance_m / 1000 * vehicle.co2_g_per_km) if vehicle else None
    return {"stops": len(stops), "done": len(done), "remaining": len(remaining),
            "delivered": sum(1 for s in stops if s.status is StopStatus.completed),
            "failed": sum(1 for s in stops if s.status is StopStatus.failed),
            "distance_m": route.planned_distance_m, "driving_s": route.planned_duration_s,
            "load_share": load_share(route, vehicle), "co2_g": co2_g,
            "planned_cost_cents": planned_cost_cents(route, vehicle),
            "capacity": {"weight_kg": vehicle.capacity_weight_kg, "volume_l": vehicle.capacity_volume_l,
                         "parcels": vehicle.capacity_parcels} if vehicle else None,
            "start_at": route.planned_start_at, "end_at": route.planned_end_at,
            "delay_s": delay_s, "at_risk": at_risk}
