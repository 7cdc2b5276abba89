from datetime import timedelta

from flask import Blueprint, current_app
from sqlalchemy import select

from backend.api import endpoint
from backend.auth.principal import STAFF, current_principal
from backend.database import utcnow
from backend.extensions import db
from backend.tracking.models import DriverPosition
from backend.tracking.service import position_payload

bp = Blueprint("tracking", __name__, url_prefix="/api/v1")


@endpoint(bp, "/positions", roles=STAFF,
          summary="Every driver's last known position; `stale` when the phone stopped reporting (e.g. screen off).")
def positions():
    cutoff = utcnow() - timedelta(seconds=current_app.config["POSITION_STALE_AFTER_S"])
    rows = db.session.scalars(select(DriverPosition).where(DriverPosition.org_id == current_principal().org_id))
    return [dict(position_payload(row.driver_id, row), stale=row.at < cutoff) for row in rows]
