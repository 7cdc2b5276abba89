import time

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import Schema, fields, validate

from backend.api import endpoint
from backend.auth.principal import STAFF, current_principal
from backend.jobs import service as jobs_service
from backend.jobs.models import JobStatus
from backend.jobs.views import JobSchema
from backend.validators import Id
from backend.routing import express
from backend.routing.express_doc import VROOM_PROBLEM, VROOM_SOLUTION

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


def _vroom_answer(problem: dict, request_: express.Request, seed: int | None, *, wait_s: float | None = None):
    """Queue the solve for a worker and wait for it cooperatively (the hub keeps serving meanwhile);
    VROOM's answer with vroom-express's status, whatever happens."""
    from backend.extensions import db

    principal = current_principal()
    payload = {"problem": problem, "plan": request_.plan, "geometry": request_.geometry,
               "time_limit_s": request_.time_limit, "seed": seed}
    job = jobs_service.enqueue(principal.org_id, "routing.solve", payload, created_by_id=principal.user_id)
    if wait_s is None:
        wait_s = (request_.time_limit or 60) + current_app.config["VROOM_WAIT_MARGIN_S"]
    deadline = time.monotonic() + wait_s
    while time.monotonic() < deadline:
        time.sleep(0.02)
        db.session.expire_all()
        current = jobs_service.get_job(principal.org_id, job.id)
        if current.status is JobStatus.succeeded:
            answer = current.result or express.error(express.INTERNAL_ERROR, "Internal error")
            return jsonify(answer), express.http_status(answer)
        if current.status.finished:
            message = (current.error or {}).get("message", "The solver failed.")
            return jsonify(express.error(express.INTERNAL_ERROR, f"Internal error: {message}")), 500
    jobs_service.cancel(principal.org_id, job.id)
    return jsonify(express.error(express.INTERNAL_ERROR, "Internal error: the solver did not answer in time")), 500


@endpoint(bp, "/vroom", "POST", roles=STAFF, query=VroomQuery, raw_body=True, body_doc=VROOM_PROBLEM,
          answer_doc=VROOM_SOLUTION, responses={400: "VROOM input error (code 2)", 413: "Too large (code 4)",
                                                500: "Internal or routing error (code 1 or 3)"},
          summary="vroom-express compatible: POST a VROOM problem (options c, g, l), get VROOM's solution "
                  "or its error object with vroom-express's status (400 input, 413 too large, 500 internal/routing).")
def vroom(query):
    """The same answers as `flask vroom serve`, for a logged-in user; solved by a job worker."""
    body = request.get_json(force=True, silent=True)
    refused = express.refusal(body, express.Limits(max_locations=current_app.config["VROOM_MAX_LOCATIONS"],
                                                   max_vehicles=current_app.config["VROOM_MAX_VEHICLES"]))
    if refused is not None:
        return jsonify(refused[1]), refused[0]
    return _vroom_answer(body, express.read_request(body, express.Request(time_limit=query["time_limit_s"])),
                         query["seed"])


HEALTH_WAIT_S = 10.0


@endpoint(bp, "/vroom/health", "GET", roles=STAFF, produces={"application/json": {
              "type": "string", "maxLength": 0, "description": "Empty: the status is the answer."}},
          summary="vroom-express's health check: 200 when a small problem solves, 500 otherwise (empty body).")
def vroom_health():
    # a worker that does not take the job within seconds is as unhealthy as a failing solver
    answer, status = _vroom_answer(dict(express.HEALTHCHECK_PROBLEM), express.Request(time_limit=1.0), None,
                                   wait_s=HEALTH_WAIT_S)
    return Response(b"", status=200 if status == 200 else 500, mimetype="application/json")
