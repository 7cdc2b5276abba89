from flask import Blueprint
from sqlalchemy import select

from backend.api import endpoint
from backend.auth.principal import STAFF, current_principal
from backend.extensions import db
from backend.tracking.models import DriverPosition
from backend.tracking.schemas import PositionStatusSchema

bp = Blueprint("tracking", __name__, url_prefix="/api/v1")


@endpoint(bp, "/positions", roles=STAFF, response=PositionStatusSchema(many=True),
          summary="Every driver's last known position; `stale` when the phone stopped reporting (e.g. screen off).")
def positions():
    return list(db.session.scalars(select(DriverPosition).where(DriverPosition.org_id == current_principal().org_id)))
