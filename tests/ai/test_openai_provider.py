"""The OpenAI-compatible provider against a fake server on loopback: real HTTP, the real `openai`
client. A valid answer is used; anything unsafe or broken ends in the rules engine's answer with
`fallback_reason`, and every call's tokens and cost are logged."""

import contextlib
import json
import threading
import time
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import override_settings

from ai.llm import LLMError, complete_json, complete_text
from ai.models import AICall

pytestmark = pytest.mark.django_db

GYM = ["barbell", "dumbbell", "bench", "cable", "machine"]
VALID = {
    "name": "Model session",
    "exercises": [
        {"exercise_id": "barbell-back-squat", "sets": 3, "reps_min": 6, "reps_max": 10, "rest_seconds": 120},
        {"exercise_id": "dumbbell-bench-press", "sets": 3, "reps_min": 8, "reps_max": 12, "rest_seconds": 90},
        {"exercise_id": "seated-cable-row", "sets": 3, "reps_min": 8, "reps_max": 12, "rest_seconds": 90},
    ],
    "rationale": ["Squat first, then a push and a pull."],
}


class FakeOpenAI(BaseHTTPRequestHandler):
    """Answers `/v1/chat/completions` as the test's `answer` says; records each request body."""

    answer: dict = {}
    requests: list = []

    def log_message(self, *args):  # keep pytest output clean
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).requests.append(body)
        answer = type(self).answer
        if answer.get("sleep"):
            time.sleep(answer["sleep"])
        if answer.get("status", 200) != 200:
            payload = json.dumps({"error": {"message": "boom", "type": "server_error"}}).encode()
            self.send_response(answer["status"])
        else:
            content = (
                answer["content"] if isinstance(answer["content"], str) else json.dumps(answer["content"])
            )
            payload = json.dumps(
                {
                    "id": "chatcmpl-1",
                    "object": "chat.completion",
                    "created": 0,
                    "model": "gpt-4o-mini",
                    "choices": [
                        {
                            "index": 0,
                            "finish_reason": "stop",
                            "message": {"role": "assistant", "content": content},
                        }
                    ],
                    "usage": {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500},
                }
            ).encode()
            self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client timed out
            self.wfile.write(payload)


@pytest.fixture
def fake_openai():
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeOpenAI.requests = []
    with override_settings(
        AI_PROVIDER="openai",
        OPENAI_BASE_URL=f"http://127.0.0.1:{server.server_address[1]}/v1",
        OPENAI_API_KEY="test-key",
        OPENAI_MODEL="gpt-4o-mini",
        OPENAI_TIMEOUT_SECONDS=1,
        OPENAI_MAX_RETRIES=0,
        FITAI_AI_CACHE_SECONDS=0,
    ):
        yield FakeOpenAI
    server.shutdown()
    server.server_close()


def generate(auth_client, **overrides):
    body = {
        "goal": "hypertrophy",
        "duration_minutes": 60,
        "equipment": GYM,
        "experience_level": "intermediate",
    }
    return auth_client().post("/api/v1/ai/workout-generate", body | overrides, format="json")


def test_a_valid_answer_is_used_and_its_tokens_and_cost_are_logged(fake_openai, auth_client, library):
    fake_openai.answer = {"content": VALID}
    response = generate(auth_client)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["provider"] == "openai"
    assert body["fallback_reason"] is None
    assert [e["slug"] for e in body["exercises"]] == [
        "barbell-back-squat",
        "dumbbell-bench-press",
        "seated-cable-row",
    ]
    assert body["rationale"] == VALID["rationale"]
    call = AICall.objects.get()
    assert (call.provider, call.outcome, call.model) == ("openai", "ok", "gpt-4o-mini")
    assert (call.tokens_in, call.tokens_out) == (1200, 300)
    assert call.cost_usd == Decimal("0.000360")  # 1200 * 0.15 + 300 * 0.60 per million
    sent = fake_openai.requests[0]
    assert sent["response_format"]["type"] == "json_schema"
    assert "barbell-back-squat" in sent["messages"][-1]["content"]  # the library shown to the model


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (
            {
                "content": {
                    **VALID,
                    "exercises": [
                        *VALID["exercises"],
                        {
                            "exercise_id": "moon-press",
                            "name": "Moon Press",
                            "sets": 3,
                            "reps_min": 8,
                            "reps_max": 12,
                            "rest_seconds": 90,
                        },
                    ],
                }
            },
            "unsafe_output:unknown_exercise",
        ),
        (
            {"content": {**VALID, "exercises": [{**VALID["exercises"][0], "sets": 40}]}},
            "unsafe_output:volume_over_cap",
        ),
        ({"content": '{"name": "broken", "exercises": [ '}, "invalid_json"),
        (
            {"content": json.dumps(VALID).replace('"sets": 3,', '"sets": 3, "rpe": NaN,', 1)},
            "invalid_json",
        ),
        ({"content": json.dumps(VALID).replace('"sets": 3,', '"sets": 3, "rpe": 1e999,', 1)}, "invalid_json"),
        ({"content": "[" * 100_000 + "]" * 100_000}, "invalid_json"),
        ({"content": {**VALID, "exercises": [{**VALID["exercises"][0], "rpe": -3}]}}, "schema_mismatch"),
        ({"content": {"name": "no exercises"}}, "schema_mismatch"),
        ({"status": 500}, "http_500"),
        ({"sleep": 2, "content": VALID}, "timeout"),
    ],
    ids=[
        "unknown-exercise",
        "over-volume-cap",
        "malformed-json",
        "nan-rpe",
        "infinite-rpe",
        "nested-100k-levels",
        "negative-rpe",
        "wrong-schema",
        "server-500",
        "timeout",
    ],
)
def test_a_bad_answer_ends_in_the_rules_engines_safe_answer(
    fake_openai, auth_client, library, answer, reason
):
    fake_openai.answer = answer
    response = generate(auth_client)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["provider"] == "rules"
    assert body["fallback_reason"] == reason
    assert body["exercises"]
    assert all(e["sets"] <= 5 for e in body["exercises"])
    call = AICall.objects.get()
    assert call.outcome == "fallback"
    assert call.fallback_reason == reason
    if "content" in answer and "sleep" not in answer:  # the model answered: its tokens still cost
        assert (call.tokens_in, call.tokens_out) == (1200, 300)
        assert call.cost_usd > 0


def test_a_program_from_the_model_is_saved_after_validation(fake_openai, auth_client, library):
    fake_openai.answer = {
        "content": {
            "name": "Model program",
            "days": [
                {"name": "A", "exercises": VALID["exercises"]},
                {"name": "B", "exercises": VALID["exercises"][::-1]},
            ],
            "rationale": ["Two full-body days."],
        }
    }
    body = {
        "goal": "hypertrophy",
        "days_per_week": 2,
        "session_minutes": 60,
        "equipment": GYM,
        "experience_level": "intermediate",
        "weeks": 6,
    }
    response = auth_client().post("/api/v1/templates/ai-generate", body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["provider"] == "openai"
    assert response.json()["source"] == "ai"
    assert [d["name"] for d in response.json()["days"]] == ["A", "B"]
    assert response.json()["id"]
    assert response.json()["fallback_reason"] is None


@pytest.mark.parametrize(
    ("dialect", "expected"),
    [("json_object", {"type": "json_object", "schema": {"type": "object"}}), ("prompt", None)],
)
def test_the_structured_output_dialect_is_configurable(fake_openai, dialect, expected):
    fake_openai.answer = {"content": '```json\n{"ok": true}\n```'}
    with override_settings(OPENAI_STRUCTURED_OUTPUT=dialect):
        reply = complete_json(
            messages=[{"role": "user", "content": "hi"}], schema={"type": "object"}, user=None, endpoint="t"
        )
    assert reply.data == {"ok": True}
    assert fake_openai.requests[-1].get("response_format") == expected


def test_complete_text_reports_an_empty_answer(fake_openai):
    fake_openai.answer = {"content": "  "}
    with pytest.raises(LLMError) as error:
        complete_text(messages=[{"role": "user", "content": "hi"}], user=None, endpoint="t")
    assert error.value.reason == "empty_answer"
    assert error.value.reply.tokens_in == 1200
