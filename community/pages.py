"""Community pages: the feed with a post form, one activity with its thread, and their buttons.

Every page needs a signed-in member. Like the API the pages call `community.feed`,
`community.activities` and `community.moderation`, so visibility (404), restrictions (403), the
content filter (400 with the reason) and the `post` / `comment` throttles (429) are the same.
Forms post and redirect back, so everything works without JavaScript; `static/js/community.js`
likes and comments in place through the API with the session cookie and the CSRF token.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from community import activities, feed
from community.models import Activity, Report
from community.moderation import is_moderator, report_create
from community.throttles import LikeRateThrottle, ReportRateThrottle, throttled
from fitai.api.throttling import ScopedRateThrottle
from fitai.errors import DomainError, NotFoundError
from fitai.pages import member_page

FEED_PAGE_SIZE = 20
TEXT_LIMIT = "Write between 1 and 2000 characters."
VERIFY_FIRST = "Confirm your e-mail address first: we sent you a link."


class PostForm(forms.Form):
    """A post; Django's fields refuse NUL characters, which PostgreSQL cannot store."""

    text = forms.CharField(max_length=2000, error_messages={"required": TEXT_LIMIT, "max_length": TEXT_LIMIT})
    visibility = forms.ChoiceField(choices=Activity.Visibility.choices, required=False)


class CommentForm(forms.Form):
    text = forms.CharField(max_length=2000, error_messages={"required": TEXT_LIMIT, "max_length": TEXT_LIMIT})
    parent_id = forms.UUIDField(required=False)


class ReportForm(forms.Form):
    target_type = forms.ChoiceField(
        choices=[(t, t) for t in (Report.TargetType.ACTIVITY, Report.TargetType.COMMENT)]
    )
    target_id = forms.UUIDField()
    reason = forms.CharField(required=False)


class _Scope:
    def __init__(self, scope: str) -> None:
        self.throttle_scope = scope


def _activity_or_404(request: HttpRequest, activity_id: str) -> Activity:
    try:
        return activities.activity_get_visible(user=request.user, activity_id=activity_id)
    except NotFoundError as error:
        raise Http404(error.message) from error


def _detail_url(activity_id: Any) -> str:
    return reverse("community:activity", kwargs={"activity_id": activity_id})


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Redirect to the page the form came from (`next`), if it is ours, else to `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect(default)


def _refused(request: HttpRequest, error: DomainError, default: str) -> HttpResponse:
    messages.error(request, error.message)
    return _back(request, default)


def _throttled(request: HttpRequest, scope: str) -> bool:
    return not ScopedRateThrottle().allow_request(request, _Scope(scope))


def _form_errors(request: HttpRequest, form: forms.Form) -> None:
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)


@require_GET
@member_page
def feed_view(request: HttpRequest) -> HttpResponse:
    """The feed, ranked (or `?sort=recent`), with the post form on top."""
    return _render_feed(request)


def _render_feed(request: HttpRequest, *, status: int = 200) -> HttpResponse:
    sort = "recent" if request.GET.get("sort") == "recent" else "relevant"
    next_cursor = None
    if sort == "recent":
        items = list(feed.feed_recent(user=request.user)[:FEED_PAGE_SIZE])
    else:
        try:
            page = feed.feed_page(user=request.user, cursor=request.GET.get("cursor") or None)
        except DomainError:
            return redirect("community:feed")
        items, next_cursor = page.activities, page.next_cursor
    context = {
        "activities": items,
        "sort": sort,
        "next_cursor": next_cursor,
        "visibilities": Activity.Visibility.choices,
        "can_post": request.user.email_verified,
        "is_moderator": is_moderator(request.user),
    }
    return render(request, "community/feed.html", context, status=status)


@require_POST
@member_page
def post_create(request: HttpRequest) -> HttpResponse:
    feed_url = reverse("community:feed")
    if not request.user.email_verified:
        messages.error(request, "Confirm your e-mail address before posting: we sent you a link.")
        return redirect(feed_url)
    form = PostForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _render_feed(request, status=400)
    text = form.cleaned_data["text"]
    visibility = form.cleaned_data["visibility"] or Activity.Visibility.FRIENDS
    if _throttled(request, "post"):
        messages.error(request, "You are posting too fast: wait a minute and try again.")
        return redirect(feed_url)
    try:
        activities.post_create(author=request.user, text=text, visibility=visibility)
    except DomainError as error:
        return _refused(request, error, feed_url)
    messages.success(request, "Posted.")
    return redirect(feed_url)


@require_GET
@member_page
def activity_detail(request: HttpRequest, activity_id: str) -> HttpResponse:
    return _render_activity(request, _activity_or_404(request, activity_id))


def _render_activity(request: HttpRequest, activity: Activity, *, status: int = 200) -> HttpResponse:
    thread = activities.comment_thread(activity=activity, user=request.user)
    context = {
        "activity": activity,
        "thread": thread,
        "max_depth": activities.MAX_COMMENT_DEPTH,
        "can_post": request.user.email_verified,
        "is_moderator": is_moderator(request.user),
    }
    return render(request, "community/activity.html", context, status=status)


@require_POST
@member_page
def activity_like(request: HttpRequest, activity_id: str) -> HttpResponse:
    activity = _activity_or_404(request, activity_id)
    if not request.user.email_verified:
        messages.error(request, VERIFY_FIRST)
        return _back(request, _detail_url(activity.public_id))
    if throttled(request, LikeRateThrottle):
        messages.error(request, "You are liking too fast: wait a minute and try again.")
        return _back(request, _detail_url(activity.public_id))
    try:
        activities.activity_like(activity=activity, user=request.user)
    except DomainError as error:
        return _refused(request, error, _detail_url(activity.public_id))
    return _back(request, _detail_url(activity.public_id))


@require_POST
@member_page
def activity_unlike(request: HttpRequest, activity_id: str) -> HttpResponse:
    activity = _activity_or_404(request, activity_id)
    try:
        activities.activity_unlike(activity=activity, user=request.user)
    except DomainError as error:
        return _refused(request, error, _detail_url(activity.public_id))
    return _back(request, _detail_url(activity.public_id))


@require_POST
@member_page
def activity_comment(request: HttpRequest, activity_id: str) -> HttpResponse:
    activity = _activity_or_404(request, activity_id)
    url = _detail_url(activity.public_id)
    if not request.user.email_verified:
        messages.error(request, "Confirm your e-mail address before commenting: we sent you a link.")
        return redirect(url)
    form = CommentForm(request.POST)
    if not form.is_valid():
        _form_errors(request, form)
        return _render_activity(request, activity, status=400)
    text = form.cleaned_data["text"]
    if _throttled(request, "comment"):
        messages.error(request, "You are commenting too fast: wait a minute and try again.")
        return _back(request, url)
    try:
        comment = activities.comment_create(
            activity=activity, author=request.user, text=text, parent_id=form.cleaned_data["parent_id"]
        )
    except DomainError as error:
        return _refused(request, error, url)
    messages.success(request, "Comment posted.")
    return redirect(f"{url}#comment-{comment.public_id}")


@require_POST
@member_page
def activity_delete(request: HttpRequest, activity_id: str) -> HttpResponse:
    try:
        activity = activities.activity_get_deletable(user=request.user, activity_id=activity_id)
        activities.activity_delete(activity=activity, user=request.user)
    except NotFoundError as error:
        raise Http404(error.message) from error
    except DomainError as error:
        return _refused(request, error, _detail_url(activity_id))
    messages.success(request, "Deleted.")
    return redirect("community:feed")


@require_POST
@member_page
def comment_delete(request: HttpRequest, comment_id: str) -> HttpResponse:
    try:
        comment = activities.comment_get_deletable(user=request.user, comment_id=comment_id)
        activities.comment_delete(comment=comment, user=request.user)
    except NotFoundError as error:
        raise Http404(error.message) from error
    except DomainError as error:
        return _refused(request, error, reverse("community:feed"))
    messages.success(request, "Comment deleted.")
    return redirect(_detail_url(comment.activity.public_id))


@require_POST
@member_page
def report(request: HttpRequest) -> HttpResponse:
    """Report an activity or a comment from its page; moderators review it in the admin."""
    default = reverse("community:feed")
    form = ReportForm(request.POST)
    if not form.is_valid():
        if "target_type" in form.errors or "target_id" in form.errors:
            raise Http404("Nothing to report here.")
        _form_errors(request, form)
        return _render_feed(request, status=400)
    if not request.user.email_verified:
        messages.error(request, VERIFY_FIRST)
        return _back(request, default)
    if throttled(request, ReportRateThrottle):
        messages.error(request, "You are reporting too fast: wait a minute and try again.")
        return _back(request, default)
    try:
        _report, created = report_create(
            reporter=request.user,
            target_type=form.cleaned_data["target_type"],
            target_id=form.cleaned_data["target_id"],
            reason=form.cleaned_data["reason"][:500] or "Reported from the page.",
        )
    except NotFoundError as error:
        raise Http404(error.message) from error
    except (DomainError, ValueError) as error:
        return _refused(request, DomainError(str(error)), default)
    messages.success(
        request, "Thanks: a moderator will look at it." if created else "You already reported this."
    )
    return _back(request, default)
