"""Cost and operations of AI calls: the call log, the per-user daily quota and the short answer cache.

- Every AI request is logged once (`AICall`): user, endpoint, provider, model, tokens in and out,
  latency, the estimated cost and the outcome (`ok`, `fallback`, `cached`, `error`).
- Cost: `OPENAI_PRICES` gives USD per million input and output tokens per model (`input:output`);
  a model it does not name costs `OPENAI_PRICE_DEFAULT` (0 by default: a local server is free).
- Quota: `FITAI_AI_DAILY_QUOTA` answered requests per user per day, the day being the user's own
  (time zone preference); answers from the cache are free and do not count. The request after the
  limit is a 429 naming when the quota resets (the user's next midnight) and with `Retry-After`.
- Cache: identical requests (same user, endpoint and input) within `FITAI_AI_CACHE_SECONDS` are
  answered from the Django cache, so a double click or a retrying client costs one model call.
"""

import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from accounts.models import User
from ai.models import AICall
from fitai.errors import RateLimitedError
from progress.aggregates import day_start, local_day, user_zone

MILLION = Decimal(1_000_000)
CACHE_PREFIX = "ai:answer:"


class QuotaExceededError(RateLimitedError):
    default_code = "ai_quota_exceeded"
    default_message = "You have used today's AI requests. The quota resets at midnight."


def quota_reset_at(*, user: User, now: datetime | None = None) -> datetime:
    """The next midnight in the user's time zone: when today's quota starts again."""
    zone = user_zone(user)
    now = now or timezone.now()
    return day_start(local_day(now, zone) + timedelta(days=1), zone)


def quota_used(*, user: User, now: datetime | None = None) -> int:
    """Requests the user made today (their day), cached answers excluded."""
    zone = user_zone(user)
    now = now or timezone.now()
    since = day_start(local_day(now, zone), zone)
    return (
        AICall.objects.filter(user=user, created_at__gte=since).exclude(outcome=AICall.Outcome.CACHED).count()
    )


def quota_check(*, user: User, endpoint: str) -> None:
    """Raise a 429 domain error (with the reset time) when the user's daily AI quota is spent."""
    limit = settings.FITAI_AI_DAILY_QUOTA
    now = timezone.now()
    if limit <= 0 or quota_used(user=user, now=now) < limit:
        return
    reset_at = quota_reset_at(user=user, now=now)
    raise QuotaExceededError(
        f"You have used today's {limit} AI requests. The quota resets at {reset_at.isoformat()}.",
        retry_after=max(1, int((reset_at - now).total_seconds())),
        reset_at=reset_at.isoformat(),
        limit=limit,
    )


def _prices(model: str) -> tuple[Decimal, Decimal]:
    """(input, output) USD per million tokens: the longest configured name the model starts with,
    so dated snapshots (`gpt-4o-mini-2024-07-18`) cost what their family costs."""
    names = sorted((name for name in settings.OPENAI_PRICES if model.startswith(name)), key=len, reverse=True)
    raw = settings.OPENAI_PRICES[names[0]] if names else settings.OPENAI_PRICE_DEFAULT
    try:
        prompt, completion = (Decimal(part) for part in str(raw).split(":", 1))
    except (ValueError, ArithmeticError):
        return Decimal(0), Decimal(0)
    return prompt, completion


def cost_estimate(*, model: str, tokens_in: int, tokens_out: int) -> Decimal:
    prompt, completion = _prices(model or "")
    cost = (prompt * tokens_in + completion * tokens_out) / MILLION
    return cost.quantize(Decimal("0.000001"))


def call_log(
    *,
    user: User | None,
    endpoint: str,
    provider: str,
    outcome: str,
    model: str = "",
    tokens_in: int = 0,
    tokens_out: int = 0,
    latency_ms: int = 0,
    fallback_reason: str = "",
) -> AICall:
    """Record one provider call with its estimated cost."""
    return AICall.objects.create(
        user=user,
        endpoint=endpoint[:40],
        provider=provider[:20],
        outcome=outcome,
        model=model[:100],
        tokens_in=max(0, tokens_in),
        tokens_out=max(0, tokens_out),
        latency_ms=max(0, latency_ms),
        cost_usd=cost_estimate(model=model, tokens_in=tokens_in, tokens_out=tokens_out)
        if model
        else Decimal(0),
        fallback_reason=fallback_reason[:200],
    )


def cache_key(key_parts: dict[str, Any]) -> str:
    encoded = json.dumps(key_parts, sort_keys=True, default=str, separators=(",", ":"))
    return CACHE_PREFIX + hashlib.sha256(encoded.encode()).hexdigest()


def cached_answer(
    *,
    key_parts: dict[str, Any],
    compute: Callable[[], dict[str, Any]],
    seconds: int | None = None,
    on_hit: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Answer identical requests from a short cache; `compute` runs on a miss, `on_hit` on a hit
    (to log the free answer). `key_parts` must name the user, the endpoint and the whole input."""
    seconds = settings.FITAI_AI_CACHE_SECONDS if seconds is None else seconds
    if seconds <= 0:
        return compute()
    key = cache_key(key_parts)
    hit = cache.get(key)
    if hit is not None:
        if on_hit is not None:
            on_hit(hit)
        return hit
    answer = compute()
    cache.set(key, answer, seconds)
    return answer
