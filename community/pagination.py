"""Cursor pages for the community and notification lists, answering a bad cursor like the feed does.

DRF answers an unreadable cursor with 404 "Invalid cursor"; the relevance feed, whose cursor is
its own, answers 400 `invalid_cursor`. Every community list now answers the latter, so a client
handles one error for all of them. `page_size` follows DRF everywhere: not a positive whole
number → the default page, above the maximum → clamped.
"""

from typing import Any

from rest_framework.exceptions import NotFound

from community.feed import BadCursorError
from fitai.api import pagination
from fitai.api.pagination import MAX_PAGE_SIZE

DEFAULT_PAGE_SIZE = 20


class CursorPagination(pagination.CursorPagination):
    """`fitai.api.pagination.CursorPagination` with a bad cursor as 400 `invalid_cursor`."""

    def decode_cursor(self, request: Any) -> Any:
        try:
            return super().decode_cursor(request)
        except NotFound:
            raise BadCursorError() from None


def page_size_of(raw: str | None) -> int:
    """The page size a client asked for, read as DRF's paginators read it (bad → default)."""
    try:
        size = int(raw or "")
    except ValueError:
        return DEFAULT_PAGE_SIZE
    if size < 1:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)
