"""The whole account flow over real HTTP, with the e-mail sent by the real Celery worker."""

import re
import time
import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import http

# The server commits for real; a transactional test empties the tables afterwards.
pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "deadlift-day-every-monday-7"


@pytest.fixture
def address():
    return f"e2e_{uuid.uuid4().hex[:12]}@example.com"


def wait_for_mail(mail_dir: Path, recipient: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in mail_dir.glob("*.log"):
            text = path.read_text(errors="replace")
            if f"To: {recipient}" in text:
                return text
        time.sleep(0.2)
    raise AssertionError(f"no mail to {recipient} in {mail_dir} after {timeout}s")


def test_register_verify_login_refresh_reuse_and_logout(live_url, celery_worker, stack_env, address):
    api = live_url + "/api/v1/auth"
    status, body, _ = http(
        "POST", api + "/register", {"email": address, "username": address.split("@")[0], "password": PASSWORD}
    )
    assert status == 201, body
    assert body["user"]["email_verified"] is False

    message = wait_for_mail(Path(stack_env["EMAIL_FILE_PATH"]), address)
    assert "accounts.tasks.send_verification_email_task" in celery_worker.log()
    token = re.search(r"verify-email\?token=([\w-]+)", message).group(1)
    status, body, _ = http("GET", f"{api}/verify-email?token={token}")
    assert (status, body) == (200, {"email_verified": True})

    status, body, _ = http("POST", api + "/login", {"email": address.upper(), "password": PASSWORD})
    assert status == 200, body
    assert body["user"]["email_verified"] is True
    first_refresh = body["refresh"]

    status, second, _ = http("POST", api + "/refresh", {"refresh": first_refresh})
    assert status == 200
    status, third, _ = http("POST", api + "/refresh", {"refresh": second["refresh"]})
    assert status == 200

    status, body, _ = http("POST", api + "/refresh", {"refresh": first_refresh})
    assert status == 401
    assert body["error"]["code"] == "token_not_valid"
    status, _, _ = http("POST", api + "/refresh", {"refresh": third["refresh"]})
    assert status == 401, "reuse must revoke the whole family"

    status, body, _ = http("POST", api + "/login", {"username": address.split("@")[0], "password": PASSWORD})
    assert status == 200
    bearer = {"Authorization": f"Bearer {body['access']}"}
    status, _, _ = http("POST", api + "/logout", {"refresh": body["refresh"]}, headers=bearer)
    assert status == 204
    status, _, _ = http("POST", api + "/refresh", {"refresh": body["refresh"]})
    assert status == 401
