from flask import Blueprint
from marshmallow import Schema, fields, validate

from backend.api import endpoint
from backend.auth.principal import STAFF, current_principal
from backend.jobs import service


class JobSchema(Schema):
    id = fields.String()
    kind = fields.String()
    status = fields.String()
    progress = fields.Float()
    message = fields.String()
    detail = fields.Dict()
    result = fields.Raw(allow_none=True)
    error = fields.Dict(allow_none=True)
    attempts = fields.Integer(metadata={"description": "How many times a worker started the job (a job whose "
                                                      "worker died may be retried)."})
    created_at = fields.String(allow_none=True)
    started_at = fields.String(allow_none=True)
    finished_at = fields.String(allow_none=True)


class JobQuery(Schema):
    kind = fields.String(load_default=None, validate=validate.Length(max=40))


bp = Blueprint("jobs", __name__, url_prefix="/api/v1")


@endpoint(bp, "/jobs", roles=STAFF, query=JobQuery, response=JobSchema(many=True),
          summary="The organization's latest background jobs.")
def list_jobs(query):
    return [service.job_payload(job) for job in service.list_jobs(current_principal().org_id, query["kind"])]


@endpoint(bp, "/jobs/<string:job_id>", roles=STAFF, response=JobSchema, summary="A job's status, progress and result.")
def get_job(job_id):
    return service.job_payload(service.get_job(current_principal().org_id, job_id))


@endpoint(bp, "/jobs/<string:job_id>/cancel", "POST", roles=STAFF, response=JobSchema,
          summary="Cancel a queued or running job.")
def cancel_job(job_id):
    return service.job_payload(service.cancel(current_principal().org_id, job_id))
