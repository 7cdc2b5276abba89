"""What a job is given to work on (an uploaded file), kept beside the queue rather than in the job's row.

An upload of 20 MB does not belong in `jobs.payload`, where it would stay for as long as the job's record
does. It is kept in the queue's key-value store — Redis when scaled out, the instance's queue file in the
embedded default — which every worker reaches, and deleted when the job ends, whatever the outcome. The
job's payload keeps only the file's name and size.
"""
from __future__ import annotations

from backend.errors import DomainError
from backend.jobs import queue


class InputMissing(DomainError):
    status = 410
    code = "input_missing"


def _key(job_id: str, name: str) -> str:
    return f"job-input:{job_id}:{name}"


def store(job_id: str, files: dict[str, bytes]) -> dict:
    """Keep the job's files; returns what the payload records of them (name -> size)."""
    for name, data in files.items():
        queue.put_state(_key(job_id, name), {"data": bytes(data)})
    return {name: {"bytes": len(data)} for name, data in files.items()}


def read(job_id: str, name: str) -> bytes:
    kept = queue.peek_state(_key(job_id, name))
    if not kept:
        raise InputMissing(f"The uploaded file ({name}) is no longer available; send it again.")
    return kept["data"]


def discard(job_id: str, names) -> None:
    for name in names or ():
        queue.drop_state(_key(job_id, name))
