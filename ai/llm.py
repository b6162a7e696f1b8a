"""The OpenAI-compatible LLM client every AI feature uses when `AI_PROVIDER=openai`.

One `openai.OpenAI` client talks to `OPENAI_BASE_URL` (OpenAI itself when empty; vLLM, Ollama,
llama.cpp's server or anything else speaking `/v1/chat/completions` otherwise), with a bounded
timeout (`OPENAI_TIMEOUT_SECONDS`) and bounded retries (`OPENAI_MAX_RETRIES`), so a slow model
delays a request by a known worst case before the rules engine stands in.

Structured output comes in three dialects (`OPENAI_STRUCTURED_OUTPUT`), because servers differ:
`json_schema` is OpenAI's (and vLLM's) `response_format={"type": "json_schema", ...}`;
`json_object` is llama.cpp's `{"type": "json_object", "schema": ...}` (it answers the OpenAI form
with a 500); `prompt` only describes the schema in the prompt, for servers that constrain nothing.
Whatever the dialect, the answer is parsed and checked against the schema here: a model that
ignores the constraint is caught, never trusted.

Callers log each call (`ai.calls.call_log`); an `LLMError` carries the reply when the model did
answer (malformed JSON still costs tokens), so the log counts them.
"""

import json
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from accounts.models import User

SCHEMA_NAME = "fitai_answer"


class LLMError(Exception):
    """The LLM could not answer usefully; `reason` becomes the response's `fallback_reason`."""

    def __init__(self, reason: str, *, reply: "LLMReply | None" = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reply = reply


@dataclass
class LLMReply:
    text: str
    data: dict[str, Any] | None = None
    model: str = ""
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def llm_enabled() -> bool:
    return settings.AI_PROVIDER == "openai"


def _client():
    """A client per call: settings may change (tests, `override_settings`) and the client is cheap."""
    from openai import OpenAI

    return OpenAI(
        api_key=settings.OPENAI_API_KEY or "not-needed",
        base_url=settings.OPENAI_BASE_URL,
        timeout=settings.OPENAI_TIMEOUT_SECONDS,
        max_retries=settings.OPENAI_MAX_RETRIES,
    )


def _complete(messages: list[dict[str, str]], **options: Any) -> LLMReply:
    """One chat completion; every failure of the transport or the server becomes an `LLMError`."""
    import openai

    started = time.monotonic()
    try:
        response = _client().chat.completions.create(
            model=settings.OPENAI_MODEL,
            messages=messages,
            temperature=0,
            # A model that keeps talking would run to the end of its context: bound the answer.
            max_tokens=settings.OPENAI_MAX_TOKENS,
            **options,
        )
    except openai.APITimeoutError:
        raise LLMError("timeout") from None
    except openai.APIStatusError as error:
        raise LLMError(f"http_{error.status_code}") from None
    except openai.APIConnectionError:
        raise LLMError("connection_error") from None
    except openai.OpenAIError:
        raise LLMError("llm_error") from None
    latency_ms = int((time.monotonic() - started) * 1000)
    usage = getattr(response, "usage", None)
    choices = getattr(response, "choices", None) or []
    text = (choices[0].message.content or "") if choices and choices[0].message else ""
    reply = LLMReply(
        text=text,
        model=getattr(response, "model", "") or settings.OPENAI_MODEL,
        tokens_in=int(getattr(usage, "prompt_tokens", 0) or 0),
        tokens_out=int(getattr(usage, "completion_tokens", 0) or 0),
        latency_ms=latency_ms,
    )
    if not text.strip():
        raise LLMError("empty_answer", reply=reply)
    return reply


def complete_text(*, messages: list[dict[str, str]], user: User | None, endpoint: str) -> LLMReply:
    """A plain chat completion; raises LLMError on timeout, error or an empty answer."""
    return _complete(messages)


def _response_format(schema: dict[str, Any]) -> dict[str, Any] | None:
    dialect = settings.OPENAI_STRUCTURED_OUTPUT
    if dialect == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": SCHEMA_NAME, "schema": schema}}
    if dialect == "json_object":
        return {"type": "json_object", "schema": schema}
    return None


FENCE = re.compile(r"^```(?:json)?\s*|\s*```$", re.IGNORECASE)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(data: Any) -> None:
    """Raise ValueError on a number that is not finite anywhere in `data` (`1e999` parses as
    infinity); iterative, so no depth makes it recurse."""
    stack = [data]
    while stack:
        value = stack.pop()
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("non-finite number")
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def parse_json(text: str) -> Any:
    """The JSON in an answer, tolerating a Markdown code fence around it. Strict: `NaN` and
    `Infinity` (which Python's parser accepts and no renderer can write back) are refused, and so is
    any number that overflows to infinity. Raises ValueError; nesting deep enough to exhaust the
    parser raises RecursionError, which callers treat the same."""
    data = json.loads(FENCE.sub("", text.strip()), parse_constant=_no_constant)
    _finite(data)
    return data


def schema_errors(value: Any, schema: dict[str, Any], path: str = "$") -> list[str]:
    """A small JSON Schema check (type, required, properties, items, enum, bounds): enough for the
    schemas FitAI writes, so no dependency is needed for it."""
    errors: list[str] = []
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
    }
    kinds = kind if isinstance(kind, list) else [kind] if kind else []
    if kinds and not any(
        (k == "null" and value is None) or (k in checks and checks[k](value)) for k in kinds
    ):
        return [f"{path}: expected {kind}"]
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: not one of {schema['enum']}")
    if isinstance(value, int | float) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: below {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            errors.append(f"{path}: above {schema['maximum']}")
    if isinstance(value, dict):
        errors += [f"{path}.{name}: missing" for name in schema.get("required", []) if name not in value]
        for name, sub in schema.get("properties", {}).items():
            if name in value:
                errors += schema_errors(value[name], sub, f"{path}.{name}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            errors += schema_errors(item, schema["items"], f"{path}[{index}]")
    return errors


def complete_json(
    *, messages: list[dict[str, str]], schema: dict[str, Any], user: User | None, endpoint: str
) -> LLMReply:
    """A completion constrained to `schema`, parsed into `reply.data`; raises LLMError otherwise."""
    instructions = "Answer with one JSON object only, no prose, matching this JSON Schema:\n" + json.dumps(
        schema, separators=(",", ":")
    )
    messages = [{"role": "system", "content": instructions}, *messages]
    response_format = _response_format(schema)
    reply = _complete(messages, **({"response_format": response_format} if response_format else {}))
    try:
        data = parse_json(reply.text)
    except (ValueError, RecursionError):
        raise LLMError("invalid_json", reply=reply) from None
    problems = schema_errors(data, schema)
    if problems:
        reply.extra["schema_errors"] = problems[:10]
        raise LLMError("schema_mismatch", reply=reply)
    reply.data = data
    return reply
