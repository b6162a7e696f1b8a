"""Page pagination for catalogues and cursor pagination for feeds and histories (API.md)."""

from typing import Any

from rest_framework import pagination

MAX_PAGE_SIZE = 100


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
    """`?cursor=&page_size=`: stable under inserts, constant cost at any depth."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    ordering = "-created_at"

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        return _bounded_page_size_parameter(parameters, self.page_size_query_param)
