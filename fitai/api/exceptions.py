"""Turn every exception raised while serving the API into the error envelope of API.md."""

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from fitai.api.exception_types import PayloadTooLarge
from fitai.errors import DomainError, error_payload

__all__ = ["PayloadTooLarge", "exception_handler", "flatten_error_paths"]

logger = logging.getLogger("fitai.api")


class DomainAPIException(exceptions.APIException):
    """Carry a `DomainError` through DRF's handler, keeping its status, code and extra fields."""

    def __init__(self, error: DomainError) -> None:
        super().__init__(detail=error.message, code=error.code)
        self.status_code = error.status_code
        self.extra = error.extra
        self.wait = error.retry_after


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    """Answer with the envelope; unexpected exceptions are logged (with the request id) and hidden."""
    api_exc = _to_api_exception(exc)
    if api_exc is None:
        view = context.get("view")
        logger.exception("Unhandled error in %s", type(view).__name__ if view else "API view")
        set_rollback()
        return Response(
            error_payload("server_error", "Something went wrong on our side. Try again later."),
            status=status.HTTP_500_INTERNAL_SERVER_ERROR,
        )
    response = drf_exception_handler(api_exc, context)
    response.data = _envelope(api_exc)
    return response


def _to_api_exception(exc: Exception) -> exceptions.APIException | None:
    if isinstance(exc, exceptions.APIException):
        return exc
    if isinstance(exc, DomainError):
        return DomainAPIException(exc)
    if isinstance(exc, DjangoValidationError):
        return exceptions.ValidationError(detail=as_serializer_error(exc))
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied()
    if isinstance(exc, RequestDataTooBig):
        return PayloadTooLarge()
    if isinstance(exc, SuspiciousOperation):
        return exceptions.ParseError("The request was malformed.")
    return None


def _envelope(exc: exceptions.APIException) -> dict[str, Any]:
    detail = exc.detail
    if isinstance(exc, exceptions.ValidationError):
        fields = detail if isinstance(detail, dict) else {"non_field_errors": detail}
        non_field = fields.get("non_field_errors") if isinstance(fields, dict) else None
        message = str(non_field[0]) if non_field else "Some fields are invalid."
        return error_payload("validation_error", message, fields)
    if isinstance(detail, dict):
        # simplejwt reports token errors as {"detail", "code", "messages"}.
        message = str(detail.get("detail", exc.default_detail))
        code = str(detail.get("code", exc.default_code))
        return error_payload(code, message)
    code = getattr(detail, "code", None) or exc.default_code
    return error_payload(str(code), str(detail), **getattr(exc, "extra", {}))


def flatten_error_paths(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn nested serializer errors into `{"days[1].exercises[0].sets[2].reps_max": [...]}`."""
    if isinstance(detail, dict):
        flat: dict[str, list[str]] = {}
        for key, value in detail.items():
            if key == "non_field_errors":
                path = prefix or "non_field_errors"
            elif isinstance(key, int) or str(key).isdigit():
                path = f"{prefix}[{key}]"
            else:
                path = f"{prefix}.{key}" if prefix else str(key)
            for inner, messages in flatten_error_paths(value, path).items():
                flat.setdefault(inner, []).extend(messages)
        return flat
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return {prefix or "non_field_errors": [str(item) for item in detail]} if detail else {}
        flat = {}
        for index, item in enumerate(detail):
            for inner, messages in flatten_error_paths(item, f"{prefix}[{index}]").items():
                flat.setdefault(inner, []).extend(messages)
        return flat
    return {prefix or "non_field_errors": [str(detail)]}
