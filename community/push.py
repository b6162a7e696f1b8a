"""The push channel: how a notification reaches a member's phone when the app is closed.

No push provider (APNs, FCM, Web Push) is reachable from here, so delivery goes through a small
interface: `PushBackend`, chosen by the dotted path in the setting `FITAI_PUSH_BACKEND` (read from
the environment variable of the same name when the settings do not set it). The default,
`LoggingPushBackend`, writes each message to the log, so the channel can be tested and watched
until a real provider is plugged in by writing a class with the same `send` method.
"""

import logging
import os
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, Protocol, runtime_checkable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

logger = logging.getLogger("fitai.push")

DEFAULT_PUSH_BACKEND = "community.push.LoggingPushBackend"


@dataclass(frozen=True)
class PushMessage:
    """What a device shows: plain values only, so a backend may queue or serialize it as it likes."""

    recipient_id: int
    type: str
    title: str
    body: str = ""
    url: str = ""
    data: dict[str, Any] = field(default_factory=dict)


@runtime_checkable
class PushBackend(Protocol):
    """A push provider: deliver one message to every registered device of its recipient."""

    def send(self, message: PushMessage) -> None:
        """Deliver `message`; raise `OSError` for a failure worth retrying."""


class LoggingPushBackend:
    """Log each message instead of sending it: the default, since no provider is configured."""

    def send(self, message: PushMessage) -> None:
        logger.info(
            "push to user %s: %s", message.recipient_id, message.title, extra={"push": asdict(message)}
        )


def push_backend_path() -> str:
    return getattr(settings, "FITAI_PUSH_BACKEND", None) or os.environ.get(
        "FITAI_PUSH_BACKEND", DEFAULT_PUSH_BACKEND
    )


@cache
def _backend(path: str) -> PushBackend:
    backend = import_string(path)()
    if not isinstance(backend, PushBackend):
        raise ImproperlyConfigured(f"FITAI_PUSH_BACKEND {path} must have a `send(message)` method.")
    return backend


def push_backend() -> PushBackend:
    """The configured backend, built once per dotted path (tests may switch it with settings)."""
    return _backend(push_backend_path())
