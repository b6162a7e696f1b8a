"""Project middleware."""

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.utils.decorators import sync_and_async_middleware

API_PREFIX = "/api/"


@sync_and_async_middleware
def api_trailing_slash_middleware(get_response: Callable) -> Callable:
    """Serve `/api/...` paths with and without a trailing slash, without redirecting.

    API routes are declared without a slash (API.md); clients that add one reach the same view,
    and a POST is never turned into a redirect that drops its body.
    """

    def normalise(request: HttpRequest) -> None:
        path = request.path_info
        if path.startswith(API_PREFIX) and path.endswith("/") and len(path) > len(API_PREFIX):
            request.path_info = path.rstrip("/")

    if iscoroutinefunction(get_response):

        async def middleware(request: HttpRequest) -> HttpResponse:
            normalise(request)
            return await get_response(request)

        markcoroutinefunction(middleware)
    else:

        def middleware(request: HttpRequest) -> HttpResponse:
            normalise(request)
            return get_response(request)

    return middleware
