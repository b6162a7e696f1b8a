"""The LLM endpoint down: every AI answer falls back to the rules engine, within the configured bound.

A real Daphne runs with the OpenAI-compatible provider pointed first at a closed port (connection
refused), then at a server of this test that accepts connections and never answers (so only the
client's timeout can end the wait). Each AI endpoint must answer as documented (200, or 201 for a
saved program) with `provider: rules` and a `fallback_reason`, within `OPENAI_TIMEOUT_SECONDS` per
attempt times (`OPENAI_MAX_RETRIES` + 1) plus the retry back-off, and the call log must record the
fallback and its reason.
"""

import socket
import threading
import time
from collections.abc import Iterator

import pytest
from rest_framework_simplejwt.tokens import AccessToken

from ai.models import AICall
from exercises.seed import library_load
from tests.e2e.conftest import free_port, http, start_daphne
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 1.5
RETRIES = 1
# Every attempt may wait TIMEOUT, the openai client backs off up to about a second between two, and
# the rules engine and a loaded machine get two seconds more.
BOUND = TIMEOUT * (RETRIES + 1) + 1.5 * RETRIES + 2.0
ENDPOINTS = {
    # name: (path, body, expected status, AICall endpoint)
    "workout": (
        "/ai/workout-generate",
        {"goal": "hypertrophy", "duration_minutes": 45},
        200,
        "workout_generate",
    ),
    "program": ("/templates/ai-generate", {"goal": "strength", "days_per_week": 3}, 201, "program_generate"),
    "suggest": ("/ai/exercise-suggest", {"muscle": "chest", "reason": "variety"}, 200, "exercise_suggest"),
    "chat": ("/ai/chat", {"message": "How long should I rest between sets?"}, 200, "chat"),
}


class SilentServer:
    """Accepts TCP connections and reads nothing back: an LLM server that hangs mid-request."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.connections: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.connections:
            conn.close()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def llm_env(stack_env: dict[str, str], base_url: str) -> dict[str, str]:
    return {
        **stack_env,
        "AI_PROVIDER": "openai",
        "OPENAI_BASE_URL": base_url,
        "OPENAI_API_KEY": "test-key",
        "OPENAI_MODEL": "nowhere-model",
        "OPENAI_TIMEOUT_SECONDS": str(TIMEOUT),
        "OPENAI_MAX_RETRIES": str(RETRIES),
        "FITAI_AI_CACHE_SECONDS": "0",
    }


def ask_every_endpoint(base_url: str, token: str) -> dict[str, tuple[int, dict, float]]:
    answers = {}
    for name, (path, body, _, _) in ENDPOINTS.items():
        started = time.monotonic()
        status, payload, _ = http(
            "POST", f"{base_url}/api/v1{path}", body, {"Authorization": f"Bearer {token}"}
        )
        answers[name] = (status, payload, time.monotonic() - started)
    return answers


def assert_fell_back(answers: dict[str, tuple[int, dict, float]], user, reason: str) -> None:
    for name, (status, payload, elapsed) in answers.items():
        expected_status = ENDPOINTS[name][2]
        assert status == expected_status, (name, payload)
        assert payload["provider"] == "rules", (name, payload)
        assert payload["fallback_reason"] == reason, (name, payload)
        assert elapsed < BOUND, f"{name} took {elapsed:.1f}s, more than the {BOUND:.1f}s bound"
    assert answers["workout"][1]["exercises"], "the rules engine's workout, not an empty answer"
    assert answers["program"][1]["days"], "the rules engine's program, saved"
    assert answers["suggest"][1]["alternatives"]
    assert answers["chat"][1]["reply"].strip()
    logged = {
        call.endpoint: (call.outcome, call.fallback_reason)
        for call in AICall.objects.filter(user=user, fallback_reason=reason)
    }
    assert logged == {ENDPOINTS[name][3]: ("fallback", reason) for name in ENDPOINTS}


def test_a_refused_llm_connection_falls_back_at_once(stack_env, tmp_path):
    library_load()
    user = UserFactory()
    daphne, base_url = start_daphne(
        llm_env(stack_env, f"http://127.0.0.1:{free_port()}/v1"), tmp_path, name="daphne-llm-refused"
    )
    try:
        answers = ask_every_endpoint(base_url, str(AccessToken.for_user(user)))
    finally:
        daphne.stop()
    assert_fell_back(answers, user, "connection_error")


def test_an_llm_that_never_answers_is_cut_off_by_the_timeout(stack_env, tmp_path, silent_server):
    library_load()
    user = UserFactory()
    daphne, base_url = start_daphne(
        llm_env(stack_env, f"http://127.0.0.1:{silent_server.port}/v1"), tmp_path, name="daphne-llm-hung"
    )
    try:
        answers = ask_every_endpoint(base_url, str(AccessToken.for_user(user)))
    finally:
        daphne.stop()
    assert_fell_back(answers, user, "timeout")
    # The wait was the timeout's: each request tried once and retried once, then gave up.
    assert all(elapsed >= TIMEOUT * (RETRIES + 1) for _, _, elapsed in answers.values()), answers
    assert len(silent_server.connections) == len(ENDPOINTS) * (RETRIES + 1)
