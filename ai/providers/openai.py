"""The OpenAI-compatible provider: prompts from the user's context, JSON against a schema.

The model is shown only exercises the rules engine would accept for this user (their equipment,
level and injuries already applied), by slug, with the caps it must respect. Its JSON answer is
parsed and checked against the schema (`ai.llm.complete_json`), then passed through the safety
validator; a timeout, an HTTP error, malformed JSON, a schema mismatch or any severe safety
problem (an exercise outside the library, a contraindicated one, volume or intensity over the
caps, nothing left) makes the rules engine answer instead, with `fallback_reason` saying why and
the tokens the failed call cost still counted.

Goal assessment stays with the rules engine: its numbers are safe rates, not prose, so the answer
says `provider: rules`.
"""

import json
from typing import Any

from ai import safety
from ai.llm import LLMError, LLMReply, complete_json
from ai.providers.base import CoachContext, Result
from ai.providers.rules import RulesProvider, _choosable, _rank

NAME = "openai"
MAX_CANDIDATES = 80

_EXERCISE = {
    "type": "object",
    "required": ["exercise_id", "sets", "reps_min", "reps_max", "rest_seconds"],
    "properties": {
        "exercise_id": {"type": "string"},
        "name": {"type": "string"},
        "sets": {"type": "integer"},
        "reps_min": {"type": "integer"},
        "reps_max": {"type": "integer"},
        "rest_seconds": {"type": "integer"},
        "rpe": {"type": ["number", "null"], "minimum": 1, "maximum": 10},
        "notes": {"type": "string"},
    },
}
_RATIONALE = {"type": "array", "items": {"type": "string"}}
WORKOUT_SCHEMA = {
    "type": "object",
    "required": ["name", "exercises", "rationale"],
    "properties": {
        "name": {"type": "string"},
        "exercises": {"type": "array", "items": _EXERCISE},
        "rationale": _RATIONALE,
    },
}
PROGRAM_SCHEMA = {
    "type": "object",
    "required": ["name", "days", "rationale"],
    "properties": {
        "name": {"type": "string"},
        "description": {"type": "string"},
        "days": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["name", "exercises"],
                "properties": {
                    "name": {"type": "string"},
                    "focus": {"type": "string"},
                    "exercises": {"type": "array", "items": _EXERCISE},
                },
            },
        },
        "rationale": _RATIONALE,
    },
}
SUGGEST_SCHEMA = {
    "type": "object",
    "required": ["alternatives"],
    "properties": {
        "alternatives": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["exercise_id", "reasons"],
                "properties": {"exercise_id": {"type": "string"}, "reasons": _RATIONALE},
            },
        }
    },
}
SYSTEM = (
    "You are FitAI's strength coach. Plan only with exercises from the list you are given, naming "
    "each by its `id`. Respect the caps: never more sets or intensity than allowed, never an "
    "exercise the user cannot do safely. Put compound lifts before isolation and balance pushing "
    "with pulling. Explain your choices briefly in `rationale`."
)


def _context(ctx: CoachContext, request: dict[str, Any]) -> dict[str, Any]:
    caps = safety.CAPS[ctx.experience]
    candidates = sorted(_choosable(ctx), key=_rank)[:MAX_CANDIDATES]
    return {
        "request": {k: v for k, v in request.items() if not k.startswith("_")},
        "experience_level": ctx.experience,
        "goal": ctx.goal,
        "injuries": ctx.injuries,
        "muscle_groups_recovering": sorted(ctx.recovering),
        "caps": {
            "working_sets_per_muscle_group_per_week": caps.weekly_cap,
            "working_sets_per_session": caps.session_cap,
            "working_sets_per_muscle_group_per_session": caps.session_group_cap,
            "sets_per_exercise": caps.sets_per_exercise,
            "min_reps": caps.min_reps,
            "rest_seconds": [safety.REST_MIN, safety.REST_MAX],
        },
        "exercises": [
            {
                "id": i.slug,
                "name": i.name,
                "muscles": sorted(i.primary),
                "mechanics": i.mechanics,
                "force": i.force,
            }
            for i in candidates
        ],
    }


def _messages(task: str, ctx: CoachContext, request: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"{task}\n{json.dumps(_context(ctx, request), default=str)}"},
    ]


class OpenAIProvider:
    name = NAME

    def __init__(self) -> None:
        self.rules = RulesProvider()

    def _fallback(
        self, method: str, ctx: CoachContext, request: dict[str, Any], reason: str, reply: LLMReply | None
    ) -> Result:
        result = getattr(self.rules, method)(ctx=ctx, request=request)
        result.fallback_reason = reason
        if reply is not None:
            result.model, result.tokens_in, result.tokens_out = reply.model, reply.tokens_in, reply.tokens_out
            result.latency_ms = reply.latency_ms
        return result

    def _ask(
        self, method: str, task: str, schema: dict[str, Any], ctx: CoachContext, request: dict[str, Any]
    ) -> tuple[LLMReply | None, Result | None]:
        try:
            reply = complete_json(
                messages=_messages(task, ctx, request),
                schema=schema,
                user=None,
                endpoint=request.get("_endpoint", method),
            )
        except LLMError as error:
            return None, self._fallback(method, ctx, request, error.reason, error.reply)
        return reply, None

    def _checked(
        self,
        method: str,
        reply: LLMReply,
        report: safety.SafetyReport,
        ctx: CoachContext,
        request: dict[str, Any],
    ) -> Result:
        if report.severe:
            return self._fallback(method, ctx, request, "unsafe_output:" + ",".join(report.severe), reply)
        return Result(
            data=reply.data or {},
            provider=NAME,
            model=reply.model,
            tokens_in=reply.tokens_in,
            tokens_out=reply.tokens_out,
            latency_ms=reply.latency_ms,
        )

    def workout(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        reply, fallback = self._ask(
            "workout", "Plan one workout session for this user.", WORKOUT_SCHEMA, ctx, request
        )
        if fallback is not None:
            return fallback
        report = safety.validate_workout(reply.data, ctx=ctx, minutes=request["duration_minutes"])
        return self._checked("workout", reply, report, ctx, request)

    def program(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        task = f"Plan a weekly program of exactly {request['days_per_week']} training days for this user."
        reply, fallback = self._ask("program", task, PROGRAM_SCHEMA, ctx, request)
        if fallback is not None:
            return fallback
        report = safety.validate_program(reply.data, ctx=ctx, minutes=request["session_minutes"])
        if not report.severe and len(report.plan["days"]) != request["days_per_week"]:
            return self._fallback("program", ctx, request, "wrong_day_count", reply)
        return self._checked("program", reply, report, ctx, request)

    def exercise_suggestions(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        """The rules engine ranks the safe candidates; the model may reorder them and explain."""
        ranked = self.rules.exercise_suggestions(ctx=ctx, request=request)
        allowed = {a["exercise_id"]: a for a in ranked.data["alternatives"]}
        if not allowed:
            return ranked
        slugs = {str(i.public_id): i.slug for i in ctx.library}
        task = (
            "Rank these alternative exercises for the user (reason: "
            f"{request['reason']}), best first, with short reasons. Candidates: "
            + ", ".join(slugs[k] for k in allowed)
        )
        reply, fallback = self._ask("exercise_suggestions", task, SUGGEST_SCHEMA, ctx, request)
        if fallback is not None:
            return fallback
        by_slug = {slugs[k]: k for k in allowed}
        chosen = []
        for row in reply.data["alternatives"]:
            key = by_slug.get(str(row["exercise_id"])) or (
                row["exercise_id"] if row["exercise_id"] in allowed else None
            )
            if key is None:
                return self._fallback(
                    "exercise_suggestions", ctx, request, "unsafe_output:unknown_exercise", reply
                )
            if key not in {c["exercise_id"] for c in chosen}:
                chosen.append(
                    {
                        **allowed[key],
                        # A reason that diagnoses or doses is dropped, like any unsafe model text.
                        "reasons": [str(r)[:200] for r in row["reasons"] if not safety.reply_is_unsafe(r)][:4]
                        or allowed[key]["reasons"],
                    }
                )
        if not chosen:
            return self._fallback("exercise_suggestions", ctx, request, "unsafe_output:empty_plan", reply)
        return Result(
            data={"alternatives": chosen},
            provider=NAME,
            model=reply.model,
            tokens_in=reply.tokens_in,
            tokens_out=reply.tokens_out,
            latency_ms=reply.latency_ms,
            warnings=ranked.warnings,
        )

    def goal_assessment(self, *, ctx: CoachContext, request: dict[str, Any]) -> Result:
        return self.rules.goal_assessment(ctx=ctx, request=request)
