"""OpenAPI generation: every operation documents the error statuses it can answer (API.md)."""

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework.permissions import AllowAny

from fitai.api.serializers import ErrorEnvelopeSerializer

_BODY_METHODS = {"POST", "PUT", "PATCH"}
_DESCRIPTIONS = {
    "400": "Invalid input or malformed JSON.",
    "401": "Missing, invalid or expired credentials.",
    "403": "Authenticated but not allowed.",
    "404": "Not found, or not visible to you.",
    "406": "The Accept header names no media type the API answers with (it answers JSON).",
    "413": "The request body is too large.",
    "415": "Unsupported media type.",
    "429": "Throttled; see the Retry-After header.",
}


class AutoSchema(SpectacularAutoSchema):
    """Name view-nested serializers after their view; document every error status a view can answer."""

    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        """`LoginApi.InputSerializer` becomes `LoginInput`, so nested serializers never collide."""
        qualname = type(serializer).__qualname__
        if "." not in qualname:
            return super().get_serializer_name(serializer, direction)
        owner, inner = qualname.split(".")[-2:]
        owner = owner.removesuffix("Api").removesuffix("View").removesuffix("ViewSet")
        return owner + inner.removesuffix("Serializer")

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code in self._error_statuses():
            if code not in responses:
                response = self._get_response_for_code(ErrorEnvelopeSerializer, code, direction=direction)
                response["description"] = _DESCRIPTIONS[code]
                responses[code] = response
        return responses

    def _error_statuses(self) -> list[str]:
        view = self.view
        has_parameters = bool(self._get_parameters())
        has_body = self.method in _BODY_METHODS
        is_authenticated = bool(getattr(view, "authentication_classes", ()))
        is_open = all(issubclass(p, AllowAny) for p in getattr(view, "permission_classes", ()))
        # Content negotiation runs in every view: an Accept header it cannot satisfy is a 406.
        statuses = ["406"]
        if has_body or has_parameters:
            statuses.append("400")
        if is_authenticated:
            # Even an anonymous endpoint refuses a bad bearer token.
            statuses.append("401")
            if not is_open or has_body:
                statuses.append("403")
        if "{" in self.path or (self.method == "GET" and self._is_list_view()):
            statuses.append("404")
        if has_body:
            statuses += ["413", "415"]
        if getattr(view, "throttle_classes", ()):
            statuses.append("429")
        return statuses
