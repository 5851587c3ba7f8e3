"""The partner resource library with its S3 store, against a real
S3-compatible server (moto in server mode, over HTTP) started by the test:
an upload lands in the bucket with its content type, the signed download
link serves it, and deleting the resource deletes the object."""

from __future__ import annotations

import io

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from pcsync.resource_store import S3Store
from tests.conftest import TEST_API_TOKEN
from tests.integration.stack import free_port, use_test_aws_credentials

AUTH = {"Authorization": f"Bearer {TEST_API_TOKEN}"}
BUCKET = "pcsync-partner-resources"


@pytest.fixture
def s3_url(monkeypatch):
    use_test_aws_credentials(monkeypatch)
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    url = f"http://127.0.0.1:{port}"
    boto3.client("s3", endpoint_url=url).create_bucket(Bucket=BUCKET)
    yield url
    server.stop()


@pytest.fixture
def stack(stack_with, s3_url):
    return stack_with(resource_store="s3", resource_bucket=BUCKET, resource_s3_endpoint_url=s3_url)


def test_the_s3_store_puts_links_and_deletes_objects(s3_url):
    store = S3Store(BUCKET, s3_url)
    store.put("k1", io.BytesIO(b"whitepaper"), "application/pdf")
    fetched = requests.get(store.download_url("k1", "Acme whitepaper.pdf", 60), timeout=10)
    assert fetched.status_code == 200 and fetched.content == b"whitepaper"
    assert "Acme%20whitepaper.pdf" in fetched.headers["Content-Disposition"]
    store.delete("k1")
    listed = boto3.client("s3", endpoint_url=s3_url).list_objects_v2(Bucket=BUCKET)
    assert listed.get("Contents", []) == []


def test_an_upload_through_the_api_is_kept_in_the_bucket(stack, s3_url):
    client = stack.app.test_client()
    s3 = boto3.client("s3", endpoint_url=s3_url)
    created = client.post(
        "/api/resources",
        data={
            "title": "Solution brief",
            "category": "solution_brief",
            "file": (io.BytesIO(b"%PDF-1.7 brief"), "brief.pdf", "application/pdf"),
        },
        headers=AUTH,
        content_type="multipart/form-data",
    )
    assert created.status_code == 201
    (stored,) = s3.list_objects_v2(Bucket=BUCKET)["Contents"]
    head = s3.head_object(Bucket=BUCKET, Key=stored["Key"])
    assert head["ContentType"] == "application/pdf" and head["ContentLength"] == 14

    view = client.get(f"/api/resources/{created.json['id']}", headers=AUTH).json
    assert view["download_url"].startswith(s3_url)
    assert requests.get(view["download_url"], timeout=10).content == b"%PDF-1.7 brief"

    assert client.delete(f"/api/resources/{created.json['id']}", headers=AUTH).status_code == 204
    assert s3.list_objects_v2(Bucket=BUCKET).get("Contents", []) == []
