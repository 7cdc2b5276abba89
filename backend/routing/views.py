import time

from flask import Blueprint, current_app, jsonify, request
from marshmallow import Schema, fields, validate

from backend.api import endpoint
from backend.auth.principal import STAFF, current_principal
from backend.errors import DomainError
from backend.jobs import service as jobs_service
from backend.jobs.models import JobStatus
from backend.jobs.views import JobSchema
from backend.validators import Id

bp = Blueprint("routing", __name__, url_prefix="/api/v1")


class PlanDaySchema(Schema):
    date = fields.Date(required=True)
    depot_id = Id(required=True)
    driver_ids = fields.List(Id(), load_default=None, validate=validate.Length(max=500))
    order_ids = fields.List(Id(), load_default=None, validate=validate.Length(max=20000))
    time_limit_s = fields.Float(load_default=None, allow_none=True, validate=validate.Range(min=0.5, max=3600))
    objective = fields.String(load_default="cost", validate=validate.OneOf(["cost", "vehicles_then_distance", "co2"]))


@endpoint(bp, "/optimizations", "POST", roles=STAFF, body=PlanDaySchema, response=JobSchema, status=202,
          idempotent=True,
          summary="Optimize a day as a background job: draft routes replace the day's earlier drafts.")
def plan_day(body):
    principal = current_principal()
    payload = {**body, "date": body["date"].isoformat()}
    job = jobs_service.enqueue(principal.org_id, "routing.plan_day", payload, created_by_id=principal.user_id)
    return jobs_service.job_payload(job)


class VroomQuery(Schema):
    time_limit_s = fields.Float(load_default=None, validate=validate.Range(min=0.1, max=600))
    seed = fields.Integer(load_default=None, validate=validate.Range(min=0, max=2**31 - 1))


@endpoint(bp, "/vroom", "POST", roles=STAFF, query=VroomQuery, raw_body=True,
          summary="vroom-express compatible: POST a VROOM problem, get VROOM's solution (or its error object).")
def vroom(query):
    """Solved by a worker while this request waits cooperatively, so the web process stays responsive."""
    problem = request.get_json(silent=True)
    if not isinstance(problem, dict):
        return jsonify({"code": 2, "error": "Invalid JSON object in request."}), 400
    if isinstance(problem.get("options"), dict) and "osrm_url" in problem["options"]:
        # The server fetches no URL a request names (SSRF): road matrices come from OSRM_URL.
        return jsonify({"code": 2, "error": "options.osrm_url is not accepted: the server uses its own OSRM "
                                            "(OSRM_URL), or give matrices."}), 400
    principal = current_principal()
    job = jobs_service.enqueue(principal.org_id, "routing.solve", {"problem": problem, **query},
                               created_by_id=principal.user_id)
    deadline = time.monotonic() + (query["time_limit_s"] or 60) + current_app.config["VROOM_WAIT_MARGIN_S"]
    while time.monotonic() < deadline:
        time.sleep(0.05)
        from backend.extensions import db

        db.session.expire_all()
        current = jobs_service.get_job(principal.org_id, job.id)
        if current.status is JobStatus.succeeded:
            solution = current.result or {}
            return jsonify(solution), (200 if solution.get("code", 0) == 0 else 400)
        if current.status.finished:
            message = (current.error or {}).get("message", "The solver failed.")
            return jsonify({"code": 1, "error": message}), 503
    jobs_service.cancel(principal.org_id, job.id)
    raise DomainError("The solver did not answer in time.", code="timeout", status=504)
