from flask import Blueprint

from backend.api import endpoint
from backend.auth.principal import STAFF, current_principal
from backend.jobs import service
from backend.jobs.schemas import JobQuery, JobSchema


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
