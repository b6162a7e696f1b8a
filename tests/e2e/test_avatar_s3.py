"""Avatars on S3 (moto's server) over real HTTP: upload, signed URLs, and erasure emptying the bucket."""

import io
import os
import socket
import time
import uuid
from collections.abc import Iterator

import boto3
import httpx
import pytest
from PIL import ExifTags, Image

from tests.e2e.conftest import BIN, Process, free_port, http, start_daphne

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "squat-rack-sunday-mornings-9"
BUCKET = "fitai-e2e-avatars"
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "e2e-key", "AWS_SECRET_ACCESS_KEY": "e2e-secret"}


@pytest.fixture
def s3_endpoint(tmp_path) -> Iterator[str]:
    """A local S3 server of our own (moto), stopped by PID at the end."""
    port = free_port()
    process = Process(
        "moto",
        [str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", str(tmp_path))},
        tmp_path,
    )

    def accepts_connections() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True

    process.wait_until(accepts_connections)
    yield f"http://127.0.0.1:{port}"
    process.stop()


@pytest.fixture
def bucket(s3_endpoint):
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def s3_server_url(stack_env, s3_endpoint, bucket, tmp_path) -> Iterator[str]:
    """Daphne serving the app with django-storages on the moto bucket."""
    env = {
        **stack_env,
        **CREDENTIALS,
        "AWS_STORAGE_BUCKET_NAME": BUCKET,
        "AWS_S3_ENDPOINT_URL": s3_endpoint,
        "AWS_S3_REGION_NAME": "us-east-1",
        "FITAI_THROTTLE_RATES": "anon=10000/min,user=10000/min,register=1000/hour,login=1000/min",
    }
    process, base_url = start_daphne(env, tmp_path, name="daphne-s3")
    yield base_url
    process.stop()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif.get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] = (38.0, 42.0, 1.0)
    buffer = io.BytesIO()
    Image.new("RGB", (900, 700), (20, 120, 220)).save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def keys(bucket, prefix: str) -> list[str]:
    return sorted(
        item["Key"] for item in bucket.list_objects_v2(Bucket=BUCKET, Prefix=prefix).get("Contents", [])
    )


def test_avatar_lives_in_s3_behind_signed_urls_and_goes_with_the_account(s3_server_url, bucket):
    name = f"s3_{uuid.uuid4().hex[:10]}"
    status, body, _ = http(
        "POST",
        s3_server_url + "/api/v1/auth/register",
        {"email": f"{name}@example.com", "username": name, "password": PASSWORD},
    )
    assert status == 201, body
    bearer = {"Authorization": f"Bearer {body['access']}"}
    prefix = f"avatars/{body['user']['id']}/"

    response = httpx.post(
        s3_server_url + "/api/v1/users/upload-avatar",
        files={"avatar": ("holiday.jpg", jpeg_with_gps(), "image/jpeg")},
        headers=bearer,
        timeout=30,
    )
    assert response.status_code == 200, response.text
    urls = response.json()
    stored = keys(bucket, prefix)
    assert len(stored) == 2
    assert {key.rsplit("-", 1)[1] for key in stored} == {"512.webp", "128.webp"}
    assert bucket.head_object(Bucket=BUCKET, Key=stored[0])["ContentType"] == "image/webp"
    # Private objects: a signed URL that expires (query-string auth, SigV2 or SigV4 by region).
    assert "Signature=" in urls["avatar_url"]
    assert "Expires=" in urls["avatar_url"]
    assert httpx.get(urls["avatar_url"].split("?")[0], timeout=15).status_code == 403

    picture = httpx.get(urls["avatar_url"], timeout=15)
    assert picture.status_code == 200
    image = Image.open(io.BytesIO(picture.content))
    assert (image.format, image.size) == ("WEBP", (512, 512))
    assert b"Exif" not in picture.content
    thumb = Image.open(io.BytesIO(httpx.get(urls["avatar_thumb_url"], timeout=15).content))
    assert thumb.size == (128, 128)

    status, body, _ = http(
        "DELETE", s3_server_url + "/api/v1/users/account", {"password": "not-the-password"}, headers=bearer
    )
    assert (status, body["error"]["code"]) == (403, "invalid_password")
    assert keys(bucket, prefix) == stored

    status, body, _ = http(
        "DELETE", s3_server_url + "/api/v1/users/account", {"password": PASSWORD}, headers=bearer
    )
    assert status == 204, body
    deadline = time.monotonic() + 10
    while keys(bucket, prefix) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert keys(bucket, prefix) == []
    assert keys(bucket, "avatars/") == []
    status, _, _ = http(
        "DELETE", s3_server_url + "/api/v1/users/account", {"password": PASSWORD}, headers=bearer
    )
    assert status == 401
