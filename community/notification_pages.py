"""The notifications page: your notifications, newest first, unread ones marked; mark one or all
read. `static/js/notifications.js` adds new ones live over `/ws/notifications/`.

Like the API (`community.notification_views`) it only calls `community.notifications`; another
member's notification is not found (404).
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from accounts.profile_pages import member_page
from community import notifications
from fitai.errors import NotFoundError

PAGE_SIZE = 30


@require_GET
@member_page
def notification_list(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") == "true"
    queryset = notifications.notifications_for_user(user=request.user, unread=unread_only)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "community/notifications.html",
        {
            "page": page,
            "notifications": page.object_list,
            "unread_only": unread_only,
            "unread_count": notifications.notification_unread_count(user=request.user),
        },
    )


def _is_page(url: str, request: HttpRequest) -> bool:
    return (
        bool(url)
        and not url.startswith("/api/")
        and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()})
    )


@require_POST
@member_page
def notification_read(request: HttpRequest, notification_id: str) -> HttpResponse:
    """Mark one read; `open` follows its link, otherwise back to the list."""
    try:
        notification = notifications.notification_get_for_user(
            user=request.user, notification_id=notification_id
        )
    except NotFoundError:
        raise Http404 from None
    notifications.notification_mark_read(notification=notification)
    if request.POST.get("open") and _is_page(notification.url, request):
        return redirect(notification.url)
    return redirect(reverse("community:notifications"))


@require_POST
@member_page
def notification_read_all(request: HttpRequest) -> HttpResponse:
    updated = notifications.notifications_mark_all_read(user=request.user)
    messages.success(request, f"Marked {updated} notification{'s' if updated != 1 else ''} read.")
    return redirect(reverse("community:notifications"))
