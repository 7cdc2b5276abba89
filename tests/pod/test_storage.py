"""Proof-of-delivery storage: local files, and S3-compatible storage against moto's S3 server on loopback."""
import pytest

from backend.pod.storage import LocalStorage, S3Storage


def test_local_storage_round_trip_and_refuses_escaping_keys(tmp_path):
    storage = LocalStorage(tmp_path)
    storage.put("org1/2026/11/24/a.jpg", b"\xff\xd8\xffdata", "image/jpeg")
    assert storage.get("org1/2026/11/24/a.jpg") == b"\xff\xd8\xffdata"
    storage.delete("org1/2026/11/24/a.jpg")
    with pytest.raises(FileNotFoundError):
        storage.get("org1/2026/11/24/a.jpg")
    with pytest.raises(ValueError):
        storage.put("../outside.jpg", b"x", "image/jpeg")


@pytest.fixture
def s3_server():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_s3_storage_against_an_s3_compatible_server(s3_server):
    import boto3

    boto3.client("s3", endpoint_url=s3_server, region_name="us-east-1", aws_access_key_id="k",
                 aws_secret_access_key="s").create_bucket(Bucket="proofs")
    storage = S3Storage("proofs", s3_server, "us-east-1", "k", "s")
    storage.put("org1/x.jpg", b"\xff\xd8\xffphoto", "image/jpeg")
    assert storage.get("org1/x.jpg") == b"\xff\xd8\xffphoto"
    head = storage.client.head_object(Bucket="proofs", Key="org1/x.jpg")
    assert head["ContentType"] == "image/jpeg"
    storage.delete("org1/x.jpg")
    with pytest.raises(storage.client.exceptions.NoSuchKey):
        storage.get("org1/x.jpg")
