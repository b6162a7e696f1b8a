"""Cursor pages for the community and notification lists, and the feed's page-size reading.

A bad cursor is a 400 `invalid_cursor` on every cursor list (`fitai.api.pagination`), as it is on
the relevance feed, whose cursor is its own. `page_size` follows DRF everywhere: not a positive
whole number → the default page, above the maximum → clamped.
"""

from fitai.api.pagination import MAX_PAGE_SIZE, CursorPagination

__all__ = ["DEFAULT_PAGE_SIZE", "CursorPagination", "page_size_of"]

DEFAULT_PAGE_SIZE = 20


def page_size_of(raw: str | None) -> int:
    """The page size a client asked for, read as DRF's paginators read it (bad → default)."""
    try:
        size = int(raw or "")
    except ValueError:
        return DEFAULT_PAGE_SIZE
    if size < 1:
        return DEFAULT_PAGE_SIZE
    return min(size, MAX_PAGE_SIZE)
