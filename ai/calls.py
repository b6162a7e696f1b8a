"""Cost and operations of AI calls: the call log, the per-user daily quota and the short answer cache.

- Every AI request is logged once (`AICall`): user, endpoint, provider, model, tokens in and out,
  latency, the estimated cost and the outcome (`ok`, `fallback`, `cached`, `error`).
- Cost: `OPENAI_PRICES` gives USD per million input and output tokens per model (`input:output`);
  a model it does not name costs `OPENAI_PRICE_DEFAULT` (0 by default: a local server is free).
- Quota: `FITAI_AI_DAILY_QUOTA` answered requests per user in any rolling 24 hours. Not the user's
  calendar day: that moved with the time zone preference, so switching zones reset the count. Answers
  from the cache are free and do not count (callers look in the cache before reserving). The request
  after the limit is a 429 naming when a request frees up (`reset_at`: the oldest counted call of
  the window plus 24 hours) and with `Retry-After`.
- Check and reserve are one step (`quota_reserve`): in one transaction the user's row is locked
  (`select_for_update`), the window is counted and a placeholder `AICall` (outcome `error` until the
  call finishes, provider empty) is inserted. Two concurrent requests of one user are serialised on
  that lock, so neither can slip past the limit while the other is still computing; the placeholder
  is filled by `call_log(reservation=...)`, or deleted when the request fails on its input
  (`quota_reserved`). The database, not the cache, is the counter, so clearing the cache or running
  several processes does not reset it. (SQLite ignores row locks, but it serialises writers anyway.)
- Cache: identical requests (same user, endpoint and input) within `FITAI_AI_CACHE_SECONDS` are
  answered from the Django cache, so a double click or a retrying client costs one model call.
"""

import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ai.models import AICall
from fitai.errors import RateLimitedError

MILLION = Decimal(1_000_000)
CACHE_PREFIX = "ai:answer:"
QUOTA_WINDOW = timedelta(hours=24)


class QuotaExceededError(RateLimitedError):
    default_code = "ai_quota_exceeded"
    default_message = "You have used your AI requests for the last 24 hours."


def _window_calls(*, user: User, now: datetime):
    """Counted calls of the last 24 hours, oldest first (cached answers are free)."""
    return (
        AICall.objects.filter(user=user, created_at__gt=now - QUOTA_WINDOW)
        .exclude(outcome=AICall.Outcome.CACHED)
        .order_by("created_at", "pk")
    )


def quota_used(*, user: User, now: datetime | None = None) -> int:
    """Requests the user made in the last 24 hours, cached answers excluded."""
    return _window_calls(user=user, now=now or timezone.now()).count()


def quota_reset_at(*, user: User, now: datetime | None = None) -> datetime:
    """When the user may make a request again: once enough of the window's calls are 24 h old."""
    now = now or timezone.now()
    limit = settings.FITAI_AI_DAILY_QUOTA
    times = list(_window_calls(user=user, now=now).values_list("created_at", flat=True))
    if limit <= 0 or len(times) < limit:
        return now
    return times[len(times) - limit] + QUOTA_WINDOW


@transaction.atomic
def quota_reserve(*, user: User, endpoint: str) -> AICall:
    """Check the quota and take one request of it in one step (see the module docstring); raise a
    429 domain error with `reset_at` when it is spent. Returns the placeholder call to fill."""
    list(User.objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
    limit = settings.FITAI_AI_DAILY_QUOTA
    now = timezone.now()
    if limit > 0 and quota_used(user=user, now=now) >= limit:
        reset_at = quota_reset_at(user=user, now=now)
        raise QuotaExceededError(
            f"You have used your {limit} AI requests of the last 24 hours. "
            f"The next one is available at {reset_at.isoformat()}.",
            retry_after=max(1, int((reset_at - now).total_seconds())),
            reset_at=reset_at.isoformat(),
            limit=limit,
        )
    return AICall.objects.create(user=user, endpoint=endpoint[:40], provider="", outcome=AICall.Outcome.ERROR)


@contextmanager
def quota_reserved(*, user: User, endpoint: str) -> Iterator[AICall]:
    """`quota_reserve`, giving the request back when the block fails (bad input costs nothing)."""
    reservation = quota_reserve(user=user, endpoint=endpoint)
    try:
        yield reservation
    except BaseException:
        AICall.objects.filter(pk=reservation.pk, provider="").delete()
        raise


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
    reservation: AICall | None = None,
) -> AICall:
    """Record one provider call with its estimated cost; fills the quota's `reservation` if given."""
    fields = dict(
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
    if reservation is None:
        return AICall.objects.create(user=user, **fields)
    for name, value in fields.items():
        setattr(reservation, name, value)
    reservation.save(update_fields=list(fields))
    return reservation


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
    """Answer identical requests from a short cache; `compute` runs on a miss (and is where the
    quota is reserved, so a cached answer stays free once the quota is spent), `on_hit` on a hit
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
