"""Domain errors with a stable `code`, raised by services and turned into the API's error envelope.

Services stay free of HTTP: they raise these (or Django's `ValidationError` / `PermissionDenied`),
and `fitai.api.exceptions.exception_handler` maps every one to a status and the envelope
`{"error": {"code", "message", "fields"?, ...extra}}`.
"""

from typing import Any


class DomainError(Exception):
    """A business rule refused the request; `extra` adds machine-readable context to the envelope."""

    status_code = 400
    default_code = "invalid"
    default_message = "The request could not be carried out."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        retry_after: int | None = None,
        **extra: Any,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.retry_after = retry_after
        self.extra = extra
        super().__init__(self.message)


class NotFoundError(DomainError):
    status_code = 404
    default_code = "not_found"
    default_message = "Not found."


class ConflictError(DomainError):
    """The resource is in a state (or at a version) that forbids the change."""

    status_code = 409
    default_code = "conflict"
    default_message = "The request conflicts with the current state of the resource."


class AuthenticationError(DomainError):
    status_code = 401
    default_code = "authentication_failed"
    default_message = "Authentication failed."


class RateLimitedError(DomainError):
    """Too many attempts; `retry_after` (seconds) becomes the Retry-After header."""

    status_code = 429
    default_code = "throttled"
    default_message = "Too many attempts. Try again later."


class ForbiddenError(DomainError):
    status_code = 403
    default_code = "permission_denied"
    default_message = "You do not have permission to perform this action."


def error_payload(code: str, message: str, fields: Any = None, **extra: Any) -> dict[str, Any]:
    """Build the one error envelope every API error uses."""
    error: dict[str, Any] = {"code": code, "message": message}
    if fields:
        error["fields"] = fields
    error.update(extra)
    return {"error": error}
