"""The dispatcher's live console: the day at a glance, and what changes routes that are already driven.

The console's use cases, by concern:
- `previews.py`: the ETAs and violations of a route if its stops were in another order (nothing saved);
- `moves.py`: moving a pending stop between two routes, both versions checked and both routes bumped;
- `suggestions.py`: the optimizer's suggestions (re-optimization, insertion of an urgent order,
  redistribution of a broken-down driver's stops) and applying them once reviewed;
- `proofs.py`: what the driver recorded at the door, as the console shows it.

Business rules carried here:
- A stop may move (to another place, another route) only while it is pending: once the driver has
  arrived or finished it, it is history.
- A move between routes checks both routes' versions and bumps both: nothing is overwritten silently,
  and both drivers' phones receive their new route after the commit.
- Routes only exchange stops within one day and one organization; completed routes take no stops.
- Suggestions change nothing: the dispatcher reviews the preview and confirms with the versions the
  suggestion was made on.
"""
from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy import select

from backend.auth.principal import Principal
from backend.config import map_tiles
from backend.dispatch.models import Route
from backend.dispatch.service import PLANNABLE
from backend.errors import NotFound
from backend.extensions import db
from backend.fleet.models import Depot
from backend.orders.models import Order
from backend.tracking.models import DriverPosition


def console_settings() -> dict:
    """What the console needs from the server's configuration (the map's tiles may be self-hosted)."""
    config = current_app.config
    return {**map_tiles(config), "road_geometry": bool(config.get("OSRM_URL")),
            "geocoder": bool(config.get("GEOCODER_URL"))}


# --- the day at a glance --------------------------------------------------------------------------

def board(principal: Principal, day: date, depot_id: int | None) -> dict:
    """Everything the console shows for a day: routes with summaries, drivers' positions, unplanned orders."""
    route_query = select(Route).where(Route.org_id == principal.org_id, Route.date == day).order_by(Route.id)
    order_query = select(Order).where(Order.org_id == principal.org_id, Order.status.in_(PLANNABLE),
                                      Order.delivery_date == day).order_by(Order.id).limit(5000)
    if depot_id is not None:
        if db.session.scalar(select(Depot.id).where(Depot.org_id == principal.org_id, Depot.id == depot_id)) is None:
            raise NotFound("No such depot.")
        route_query = route_query.where(Route.depot_id == depot_id)
        order_query = order_query.where((Order.depot_id == depot_id) | (Order.depot_id.is_(None)))
    routes = list(db.session.scalars(route_query))
    driver_ids = [r.driver_id for r in routes if r.driver_id]
    positions = list(db.session.scalars(select(DriverPosition).where(
        DriverPosition.org_id == principal.org_id, DriverPosition.driver_id.in_(driver_ids)))) if driver_ids else []
    return {"date": day, "depot_id": depot_id, "routes": routes, "positions": positions,
            "unplanned": list(db.session.scalars(order_query).unique())}
