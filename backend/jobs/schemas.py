"""What the API and the `job.progress` event say about a background job."""
from marshmallow import Schema, fields, validate

from backend.api.events import live_event
from backend.api.output_fields import EnumValue, Timestamp
from backend.jobs.models import JobStatus


class JobErrorSchema(Schema):
    """Why a job failed: the problem's code and message, and which input fields were bad."""

    code = fields.String()
    message = fields.String()
    fields_ = fields.Dict(data_key="fields", attribute="fields")
    trace = fields.String(allow_none=True, metadata={"description": "Only when the server runs in debug mode."})


def _read(job, name):
    return job.get(name) if isinstance(job, dict) else getattr(job, name)


class JobSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata={"description": "What the job does: routing.plan_day, orders.import, ..."})
    status = EnumValue(JobStatus)
    progress = fields.Function(lambda job: round(_read(job, "progress") or 0.0, 4),
                               metadata={"type": "number", "minimum": 0, "maximum": 1})
    message = fields.String(metadata={"description": "What it is doing now, for a progress bar."})
    detail = fields.Function(lambda job: _read(job, "detail") or {}, metadata={
        "type": "object", "description": "Kind-specific progress details (e.g. best cost so far)."})
    result = fields.Raw(allow_none=True, metadata={"description": "Kind-specific result once succeeded.",
                                                    "type": "object"})
    error = fields.Nested(JobErrorSchema, allow_none=True)
    attempts = fields.Function(lambda job: _read(job, "attempts") or 0, metadata={
        "type": "integer", "description": "How many times a worker started the job (a job whose worker died may "
                                          "be retried)."})
    created_at = Timestamp(allow_none=True)
    started_at = Timestamp(allow_none=True)
    finished_at = Timestamp(allow_none=True)


live_event("job.progress", JobSchema, audience="the organization's dispatchers",
           description="A background job moved on (progress, message) or finished (result or error).")


class JobQuery(Schema):
    kind = fields.String(load_default=None, validate=validate.Length(max=40))
