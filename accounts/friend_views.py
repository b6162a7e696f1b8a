"""Friends and user search: `/api/v1/users/friends...` and `/api/v1/users/search`.

Status codes where API.md leaves room:
- `POST friends/request`: 201 when a request is created; 200 when it changes nothing (already
  sent, already friends) or accepts the request they had sent you. Yourself → 400
  `self_friendship`; unknown, inactive or blocking you → 404 `user_not_found`; someone you
  blocked → 409 `user_blocked`.
- `PUT friends/:userId`: 200 with the relation; `decline` answers `friendship_status: none`.
  Accept or decline without a request from them → 409 (`no_pending_request`,
  `not_request_recipient`, `already_friends`, `user_blocked`); accepting twice or declining
  nothing is a no-op (200), so retries are safe.
- `DELETE friends/:userId`: 204; nothing to remove → 404 `friendship_not_found`; someone who
  blocked you → 404 `user_not_found`, exactly as for a user who does not exist.
"""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import friendships, search
from accounts.friend_serializers import FriendSerializer, SearchResultSerializer
from accounts.friendships import FriendListFilter, Relation
from accounts.models import FitnessLevel
from fitai.api.pagination import PagePagination
from fitai.api.serializers import ErrorEnvelopeSerializer
from fitai.api.throttling import ScopedRateThrottle, UserRateThrottle

CONFLICT = OpenApiResponse(ErrorEnvelopeSerializer, description="The friendship's state forbids this.")
NOT_FOUND = OpenApiResponse(
    ErrorEnvelopeSerializer, description="No such user, or they blocked you (indistinguishable)."
)


class FriendListApi(APIView):
    """Your friends, the requests you received or sent, or the people you blocked; newest first."""

    pagination_class = PagePagination

    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(
            [choice.value for choice in FriendListFilter], default=FriendListFilter.ACCEPTED.value
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=[choice.value for choice in FriendListFilter],
                default=FriendListFilter.ACCEPTED.value,
                description="`incoming`/`outgoing`: pending requests to you / from you.",
            )
        ],
        responses=FriendSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        rows = friendships.friendships_for_user(
            user=request.user, status=FriendListFilter(filters.validated_data["status"])
        )
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(rows, request, view=self)
        relations = [friendships.relation_from_row(viewer=request.user, row=row) for row in page]
        return paginator.get_paginated_response(FriendSerializer(relations, many=True).data)


class FriendRequestApi(APIView):
    """Ask someone to be friends, by public id or username; if they already asked you, you are friends."""

    class InputSerializer(serializers.Serializer):
        user_id = serializers.UUIDField(required=False, help_text="Their public id, or:")
        username = serializers.CharField(max_length=30, required=False, help_text="their username.")

        def validate(self, attrs):
            if ("user_id" in attrs) == ("username" in attrs):
                raise serializers.ValidationError("Give either user_id or username.")
            return attrs

    @extend_schema(
        request=InputSerializer,
        responses={
            201: OpenApiResponse(FriendSerializer, description="Request sent."),
            200: OpenApiResponse(
                FriendSerializer, description="Already requested or friends, or their request accepted."
            ),
            404: NOT_FOUND,
            409: OpenApiResponse(ErrorEnvelopeSerializer, description="You blocked this user."),
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        other = friendships.user_get_visible(
            viewer=request.user,
            public_id=data.validated_data.get("user_id"),
            username=data.validated_data.get("username"),
        )
        relation, created = friendships.friendship_request(from_user=request.user, to_user=other)
        return Response(
            FriendSerializer(relation).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class FriendDetailApi(APIView):
    """Answer a request (accept, decline), block someone, or end the relation (DELETE)."""

    class InputSerializer(serializers.Serializer):
        action = serializers.ChoiceField(["accept", "decline", "block"])

    ACTIONS = {
        "accept": friendships.friendship_accept,
        "decline": friendships.friendship_decline,
        "block": friendships.friendship_block,
    }

    @extend_schema(
        request=InputSerializer,
        responses={200: FriendSerializer, 404: NOT_FOUND, 409: CONFLICT},
    )
    def put(self, request: Request, user_id) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        other = friendships.user_get_visible(viewer=request.user, public_id=user_id)
        relation: Relation = self.ACTIONS[data.validated_data["action"]](user=request.user, other=other)
        return Response(FriendSerializer(relation).data)

    @extend_schema(responses={204: None, 404: NOT_FOUND})
    def delete(self, request: Request, user_id) -> Response:
        other = friendships.user_get_visible(viewer=request.user, public_id=user_id)
        friendships.friendship_remove(user=request.user, other=other)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserSearchApi(APIView):
    """Find people by username, name, location or interests, typos forgiven; only those who may be found."""

    pagination_class = PagePagination
    throttle_classes = [UserRateThrottle, ScopedRateThrottle]
    throttle_scope = "search"

    class FilterSerializer(serializers.Serializer):
        q = serializers.CharField(min_length=1, max_length=search.QUERY_MAX_LENGTH)
        fitness_level = serializers.ChoiceField(FitnessLevel.values, required=False)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "q",
                {"type": "string", "minLength": 1, "maxLength": search.QUERY_MAX_LENGTH},
                required=True,
                description="Words to look for; typos are tolerated.",
            ),
            OpenApiParameter("fitness_level", str, enum=FitnessLevel.values),
        ],
        responses=SearchResultSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        ids = search.user_search(
            viewer=request.user,
            query=filters.validated_data["q"],
            fitness_level=filters.validated_data.get("fitness_level"),
        )
        paginator = self.pagination_class()
        page_ids = paginator.paginate_queryset(ids, request, view=self)
        users = search.users_for_cards(ids=page_ids)
        statuses = friendships.friendship_status_between(viewer=request.user, others=users)
        relations = [Relation(user=user, status=statuses[user.pk]) for user in users]
        return paginator.get_paginated_response(SearchResultSerializer(relations, many=True).data)
