from flask import Blueprint

from backend.api import PageQuery, endpoint, page_of, paginate
from backend.auth.principal import ADMIN, STAFF, current_org_id
from backend.fleet import schemas, service
from backend.fleet.models import Depot, Driver, Vehicle

bp = Blueprint("fleet", __name__, url_prefix="/api/v1")


@endpoint(bp, "/depots", roles=STAFF, query=PageQuery, response=page_of(schemas.DepotSchema), summary="List depots.")
def list_depots(query):
    return paginate(service.list_statement(Depot, current_org_id()), query["page"], query["per_page"])


@endpoint(bp, "/depots", "POST", roles=ADMIN, body=schemas.DepotSchema, response=schemas.DepotSchema, status=201,
          idempotent=True,
          summary="Create a depot.")
def create_depot(body):
    return service.create_depot(current_org_id(), body)


@endpoint(bp, "/depots/<int:depot_id>", roles=STAFF, response=schemas.DepotSchema, summary="Get a depot.")
def get_depot(depot_id):
    return service.get_depot(current_org_id(), depot_id)


@endpoint(bp, "/depots/<int:depot_id>", "PATCH", roles=ADMIN, body=schemas.DepotSchema(partial=True),
          response=schemas.DepotSchema, summary="Change a depot.")
def update_depot(depot_id, body):
    return service.update("depot", current_org_id(), depot_id, body)


@endpoint(bp, "/vehicles", roles=STAFF, query=PageQuery, response=page_of(schemas.VehicleSchema),
          summary="List vehicles.")
def list_vehicles(query):
    return paginate(service.list_statement(Vehicle, current_org_id()), query["page"], query["per_page"])


@endpoint(bp, "/vehicles", "POST", roles=STAFF, body=schemas.VehicleSchema, response=schemas.VehicleSchema,
          idempotent=True,
          status=201, summary="Create a vehicle.")
def create_vehicle(body):
    return service.create_vehicle(current_org_id(), body)


@endpoint(bp, "/vehicles/<int:vehicle_id>", roles=STAFF, response=schemas.VehicleSchema, summary="Get a vehicle.")
def get_vehicle(vehicle_id):
    return service.get_vehicle(current_org_id(), vehicle_id)


@endpoint(bp, "/vehicles/<int:vehicle_id>", "PATCH", roles=STAFF, body=schemas.VehicleSchema(partial=True),
          response=schemas.VehicleSchema, summary="Change a vehicle.")
def update_vehicle(vehicle_id, body):
    return service.update("vehicle", current_org_id(), vehicle_id, body)


@endpoint(bp, "/drivers", roles=STAFF, query=PageQuery, response=page_of(schemas.DriverSchema), summary="List drivers.")
def list_drivers(query):
    return paginate(service.list_statement(Driver, current_org_id()), query["page"], query["per_page"])


@endpoint(bp, "/drivers", "POST", roles=STAFF, body=schemas.DriverCreateSchema, response=schemas.DriverSchema,
          idempotent=True,
          status=201, summary="Create a driver and their login (phone or email, PIN or password).")
def create_driver(body):
    return service.create_driver(current_org_id(), body)


@endpoint(bp, "/drivers/<int:driver_id>", roles=STAFF, response=schemas.DriverSchema, summary="Get a driver.")
def get_driver(driver_id):
    return service.get_driver(current_org_id(), driver_id)


@endpoint(bp, "/drivers/<int:driver_id>", "PATCH", roles=STAFF, body=schemas.DriverSchema(partial=True),
          response=schemas.DriverSchema, summary="Change a driver's working profile.")
def update_driver(driver_id, body):
    return service.update("driver", current_org_id(), driver_id, body)
