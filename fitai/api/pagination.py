"""Page pagination for catalogues and cursor pagination for feeds and histories (API.md)."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Model, QuerySet
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import NotFound

from fitai.errors import DomainError

MAX_PAGE_SIZE = 100


class InvalidCursorError(DomainError):
    """A `cursor` the list never handed out (forged, truncated or from another list)."""

    default_code = "invalid_cursor"
    default_message = "Send a cursor this list returned."


def _bounded_page_size_parameter(parameters: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    """Document the real bounds of `page_size` so a schema fuzzer knows what is valid."""
    for parameter in parameters:
        if parameter["name"] == name:
            parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}
    return parameters


class PagePagination(pagination.PageNumberPagination):
    """`?page=&page_size=`; a `page_size` above the maximum is clamped, not refused."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1}
        return _bounded_page_size_parameter(parameters, self.page_size_query_param)


class CursorPagination(pagination.CursorPagination):
    """`?cursor=&page_size=`: stable under inserts, constant cost at any depth.

    DRF answers an unreadable cursor with 404 "Invalid cursor", which a client cannot tell from
    a missing list, and trusts the position inside a readable one (a forged `p=notadate` became a
    validation error about a date the client never sent, a naive one a warning or a 500). Here both
    are 400 `invalid_cursor` in the error envelope, on every cursor list.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-created_at"
    _model: type[Model] | None = None

    def paginate_queryset(self, queryset: QuerySet, request: Any, view: Any = None) -> list | None:
        self._model = queryset.model  # for `decode_cursor`, which DRF calls without the queryset
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request: Any) -> Any:
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise InvalidCursorError() from None
        if (
            cursor is not None
            and cursor.position is not None
            and not self._is_valid_position(cursor.position)
        ):
            raise InvalidCursorError()
        return cursor

    def _is_valid_position(self, position: str) -> bool:
        """Whether `position` could have come from a row: a value of the first ordering field's type."""
        ordering = self.ordering if isinstance(self.ordering, list | tuple) else [self.ordering]
        try:
            field = self._model._meta.get_field(ordering[0].lstrip("-"))  # type: ignore[union-attr]
        except (AttributeError, FieldDoesNotExist):
            return True  # an annotation or no model: nothing to check against
        try:
            value = field.to_python(position)
            # Positions are written from aware datetimes; a naive one was not (and would warn).
            if settings.USE_TZ and isinstance(value, datetime) and timezone.is_naive(value):
                return False
            field.get_prep_value(value)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            return False
        return True

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.cursor_query_param:
                parameter["description"] = (
                    "The `next` or `previous` link's cursor; "
                    "one the list did not return → 400 `invalid_cursor`."
                )
        return _bounded_page_size_parameter(parameters, self.page_size_query_param)
