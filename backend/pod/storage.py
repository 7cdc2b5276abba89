"""Where proof-of-delivery files live: local files by default, S3-compatible object storage by configuration.

The interface is three calls (put, get, delete) so that any backend fits; keys are opaque strings.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from flask import current_app


class FileStorage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        path = (self.folder / key).resolve()
        if self.folder.resolve() not in path.parents:
            raise ValueError("storage key escapes the storage folder")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(path.suffix + ".part")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # a crash never leaves half a photo under the real name

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    """Any S3-compatible service (AWS S3, MinIO, Ceph, R2) through boto3."""

    def __init__(self, bucket: str, endpoint_url: str | None, region: str | None, access_key: str | None,
                 secret_key: str | None):
        import boto3

        self.bucket = bucket
        self.client = boto3.client("s3", endpoint_url=endpoint_url, region_name=region or "us-east-1",
                                   aws_access_key_id=access_key, aws_secret_access_key=secret_key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


def configured_storage() -> FileStorage:
    config = current_app.config
    if config.get("STORAGE_S3_BUCKET"):
        return S3Storage(config["STORAGE_S3_BUCKET"], config.get("STORAGE_S3_ENDPOINT"), config.get("STORAGE_S3_REGION"),
                         config.get("STORAGE_S3_ACCESS_KEY"), config.get("STORAGE_S3_SECRET_KEY"))
    return LocalStorage(config.get("STORAGE_PATH") or Path(config["INSTANCE_PATH"]) / "uploads")
