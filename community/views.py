"""The activity part of the Community section of API.md: feed, activities, likes, comments, reports.

Views parse, call `community.activities`, `community.feed` or `community.moderation`, and
serialize. Visibility is the selectors' (404 for what you may not see); writes check restrictions
and the content filter in the services; posting and commenting need a confirmed e-mail address and
are throttled by the `post` and `comment` scopes.
"""

from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from accounts.friendships import user_get_visible
from accounts.permissions import IsEmailVerified
from community import activities, feed
from community.models import Activity, Report
from community.moderation import report_create
from community.pagination import CursorPagination, page_size_of
from community.serializers import (
    ActivityPageSerializer,
    ActivitySerializer,
    CommentPageSerializer,
    CommentSerializer,
    ReportSerializer,
)
from community.throttles import LikeRateThrottle, ReportRateThrottle
from fitai.api.pagination import MAX_PAGE_SIZE, PagePagination
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import ScopedRateThrottle

ERRORS = {
    400: ErrorEnvelopeSerializer,
    403: ErrorEnvelopeSerializer,
    404: ErrorEnvelopeSerializer,
    429: ErrorEnvelopeSerializer,
}
PAGE_SIZE = OpenApiParameter(
    "page_size",
    int,
    description=f"1 to {MAX_PAGE_SIZE} (larger is clamped; anything else gives the default, 20).",
    required=False,
)


class ActivityPagination(CursorPagination):
    ordering = ("-created_at", "-pk")


class WriteGuardMixin:
    """Writes (POST, PUT, PATCH) need a confirmed address and count against `throttle_scope`."""

    throttle_scope: str | None = None
    guarded_methods = {"POST", "PUT", "PATCH"}

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.request.method in self.guarded_methods:
            permissions.append(IsEmailVerified())
        return permissions

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.throttle_scope and self.request.method == "POST":
            throttles.append(ScopedRateThrottle())
        return throttles


def _card(request: Request, activity: Activity) -> dict:
    """One activity as the API shows it, freshly read with the viewer's marks."""
    fresh = activities.activity_get_visible(user=request.user, activity_id=activity.public_id)
    return ActivitySerializer(fresh).data


class FeedApi(APIView):
    """Your feed: ranked by relevance (documented in `community.feed`) or strictly newest first."""

    class FilterSerializer(serializers.Serializer):
        sort = serializers.ChoiceField(["relevant", "recent"], required=False, default="relevant")
        cursor = serializers.CharField(required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter("sort", str, enum=["relevant", "recent"], description="Default `relevant`."),
            OpenApiParameter(
                "cursor", str, description="The `next` link's cursor; pages never repeat or skip."
            ),
            PAGE_SIZE,
        ],
        responses={200: ActivityPageSerializer, 400: ErrorEnvelopeSerializer, 404: ErrorEnvelopeSerializer},
        description="Candidates: your own and your friends' activities and popular public ones from the last "
        "14 days. score = affinity * type weight * (1 + ln(1 + likes + 2 * comments)) * "
        "(1 + age_hours / 24)^-1.5. `sort=recent`: everything you may see, newest first. `previous` is "
        "always null for `relevant`.",
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        if filters.validated_data["sort"] == "recent":
            paginator = ActivityPagination()
            page = paginator.paginate_queryset(feed.feed_recent(user=request.user), request, view=self)
            return paginator.get_paginated_response(ActivitySerializer(page, many=True).data)
        page = feed.feed_page(
            user=request.user,
            cursor=filters.validated_data.get("cursor"),
            page_size=page_size_of(request.query_params.get("page_size")),
        )
        url = request.build_absolute_uri()
        return Response(
            {
                "next": replace_query_param(url, "cursor", page.next_cursor) if page.next_cursor else None,
                "previous": None,
                "results": ActivitySerializer(page.activities, many=True).data,
            }
        )


class ActivityListApi(WriteGuardMixin, APIView):
    """Activities you may see, newest first (`?user_id=` for one person's); publish a post."""

    throttle_scope = "post"
    # Declared so the schema shows GET's paginated envelope, not a bare list.
    pagination_class = ActivityPagination

    class FilterSerializer(serializers.Serializer):
        user_id = serializers.UUIDField(required=False)

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000)
        visibility = serializers.ChoiceField(
            Activity.Visibility.values, required=False, default=Activity.Visibility.FRIENDS
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("user_id", str, description="Public id (UUID) of the author."),
            OpenApiParameter("cursor", str),
            PAGE_SIZE,
        ],
        responses={
            200: ActivitySerializer(many=True),
            400: ErrorEnvelopeSerializer,
            404: ErrorEnvelopeSerializer,
        },
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        author = None
        if "user_id" in filters.validated_data:
            author = user_get_visible(viewer=request.user, public_id=filters.validated_data["user_id"])
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(
            activities.activities_for_list(user=request.user, author=author), request, view=self
        )
        return paginator.get_paginated_response(ActivitySerializer(page, many=True).data)

    @extend_schema(
        request=InputSerializer,
        responses={201: ActivitySerializer, **ERRORS},
        description="Verified e-mail needed (403 `email_not_verified`); muted or suspended members get 403 "
        "`muted` / `suspended`. The content filter answers 400 with `code` `banned_term`, "
        "`too_many_links` or `duplicate_post`; the `post` throttle scope answers 429.",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activity = activities.post_create(author=request.user, **data.validated_data)
        return Response(_card(request, activity), status=status.HTTP_201_CREATED)


class ActivityDetailApi(WriteGuardMixin, APIView):
    """One activity with its counts and `liked_by_me`; the author edits, the author or a moderator deletes."""

    class UpdateSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000, required=False, allow_blank=True)
        visibility = serializers.ChoiceField(Activity.Visibility.values, required=False)

    @extend_schema(responses={200: ActivitySerializer, 404: ErrorEnvelopeSerializer})
    def get(self, request: Request, activity_id: str) -> Response:
        return Response(
            ActivitySerializer(
                activities.activity_get_visible(user=request.user, activity_id=activity_id)
            ).data
        )

    def _update(self, request: Request, activity_id: str) -> Response:
        activity = activities.activity_get_visible(user=request.user, activity_id=activity_id)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        activities.activity_update(activity=activity, user=request.user, **data.validated_data)
        return Response(_card(request, activity))

    @extend_schema(
        request=UpdateSerializer,
        responses={200: ActivitySerializer, **ERRORS},
        description="Author only (403 `not_author`); only the fields sent change; new text passes the "
        "content filter.",
    )
    def put(self, request: Request, activity_id: str) -> Response:
        return self._update(request, activity_id)

    @extend_schema(request=UpdateSerializer, responses={200: ActivitySerializer, **ERRORS})
    def patch(self, request: Request, activity_id: str) -> Response:
        return self._update(request, activity_id)

    @extend_schema(
        responses={204: None, 403: ErrorEnvelopeSerializer, 404: ErrorEnvelopeSerializer},
        description="Soft delete by the author, or by a moderator (recorded in the audit trail).",
    )
    def delete(self, request: Request, activity_id: str) -> Response:
        activity = activities.activity_get_deletable(user=request.user, activity_id=activity_id)
        activities.activity_delete(activity=activity, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


LikeSerializer = inline_serializer(
    "ActivityLike", {"liked": serializers.BooleanField(), "like_count": serializers.IntegerField()}
)


class ActivityLikeApi(APIView):
    """Like or unlike; both are idempotent and the count stays exact under concurrency.

    Liking needs a confirmed address and is limited at the `post` rate on its own counter, so
    throwaway accounts and like/unlike loops cannot flood an author (who is told once anyway).
    """

    def get_permissions(self):
        permissions = super().get_permissions()
        if self.request.method == "POST":
            permissions.append(IsEmailVerified())
        return permissions

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.request.method == "POST":
            throttles.append(LikeRateThrottle())
        return throttles

    @extend_schema(
        request=None,
        responses={200: LikeSerializer, **ERRORS},
        description="Verified e-mail needed (403 `email_not_verified`); 429 past the `post` rate. The "
        "author hears of the first like only, however often it is taken back and given again.",
    )
    def post(self, request: Request, activity_id: str) -> Response:
        activity = activities.activity_get_visible(user=request.user, activity_id=activity_id)
        activities.activity_like(activity=activity, user=request.user)
        return Response({"liked": True, "like_count": activities.like_count(activity)})

    @extend_schema(responses={204: None, 403: ErrorEnvelopeSerializer, 404: ErrorEnvelopeSerializer})
    def delete(self, request: Request, activity_id: str) -> Response:
        activity = activities.activity_get_visible(user=request.user, activity_id=activity_id)
        activities.activity_unlike(activity=activity, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ActivityCommentApi(WriteGuardMixin, APIView):
    """Comment on an activity, or reply to one of its comments with `parent_id`."""

    throttle_scope = "comment"

    class InputSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000)
        parent_id = serializers.UUIDField(required=False, allow_null=True)

    @extend_schema(
        request=InputSerializer,
        responses={201: CommentSerializer, **ERRORS},
        description=f"Replies nest up to depth {activities.MAX_COMMENT_DEPTH} (deeper → 400 `too_deep`). "
        "The content filter answers 400 `banned_term`, `too_many_links` or `duplicate_comment`.",
    )
    def post(self, request: Request, activity_id: str) -> Response:
        activity = activities.activity_get_visible(user=request.user, activity_id=activity_id)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = activities.comment_create(
            activity=activity,
            author=request.user,
            text=data.validated_data["text"],
            parent_id=data.validated_data.get("parent_id"),
        )
        context = {"activity_public_ids": {activity.pk: activity.public_id}}
        return Response(CommentSerializer(comment, context=context).data, status=status.HTTP_201_CREATED)


class ActivityCommentsApi(APIView):
    """The thread, flat in reading order: each comment followed by its replies, with `parent_id`
    and `depth`; a deleted comment that has replies stays as `is_removed: true`."""

    @extend_schema(
        parameters=[OpenApiParameter("page", int, description="From 1."), PAGE_SIZE],
        responses={200: CommentPageSerializer, 404: ErrorEnvelopeSerializer},
    )
    def get(self, request: Request, activity_id: str) -> Response:
        activity = activities.activity_get_visible(user=request.user, activity_id=activity_id)
        thread = activities.comment_thread(activity=activity, user=request.user)
        paginator = PagePagination()
        page = paginator.paginate_queryset(thread, request, view=self)
        context = {
            "activity_public_ids": {activity.pk: activity.public_id},
            "comment_public_ids": {entry.comment.pk: entry.comment.public_id for entry in thread},
        }
        return paginator.get_paginated_response(CommentSerializer(page, many=True, context=context).data)


class CommentDetailApi(WriteGuardMixin, APIView):
    """Your own comment: edit its text or delete it; moderators delete any."""

    class UpdateSerializer(serializers.Serializer):
        text = serializers.CharField(max_length=2000)

    def _update(self, request: Request, comment_id: str) -> Response:
        comment = activities.comment_get_visible(user=request.user, comment_id=comment_id)
        data = self.UpdateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        comment = activities.comment_update(comment=comment, user=request.user, **data.validated_data)
        return Response(CommentSerializer(comment).data)

    @extend_schema(request=UpdateSerializer, responses={200: CommentSerializer, **ERRORS})
    def put(self, request: Request, comment_id: str) -> Response:
        return self._update(request, comment_id)

    @extend_schema(request=UpdateSerializer, responses={200: CommentSerializer, **ERRORS})
    def patch(self, request: Request, comment_id: str) -> Response:
        return self._update(request, comment_id)

    @extend_schema(responses={204: None, 403: ErrorEnvelopeSerializer, 404: ErrorEnvelopeSerializer})
    def delete(self, request: Request, comment_id: str) -> Response:
        comment = activities.comment_get_deletable(user=request.user, comment_id=comment_id)
        activities.comment_delete(comment=comment, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ReportCreateApi(APIView):
    """Report an activity, comment, exercise, program or person you can see."""

    permission_classes = [IsAuthenticated, IsEmailVerified]

    def get_throttles(self):
        return [*super().get_throttles(), ReportRateThrottle()]

    class InputSerializer(serializers.Serializer):
        target_type = serializers.ChoiceField(Report.TargetType.choices)
        target_id = serializers.UUIDField(help_text="The public id of what you report.")
        reason = serializers.CharField(max_length=500)

    @extend_schema(
        request=InputSerializer,
        responses={201: ReportSerializer, 200: ReportSerializer, **ERRORS},
        description="201 for a new report, 200 with your existing one when you report the same thing "
        "again (even once it is hidden). Verified e-mail needed (403 `email_not_verified`); your own "
        "activity or comment → 400 `self_report`; 429 past the `post` rate. Enough distinct verified "
        "reporters (`FITAI_REPORT_HIDE_THRESHOLD`, 3) hide an activity or a "
        "comment from everyone but moderators until a moderator reviews it.",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report, created = report_create(reporter=request.user, **data.validated_data)
        return Response(
            ReportSerializer(report).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )
