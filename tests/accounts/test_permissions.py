"""`IsEmailVerified`, the gate for public writes in the apps above accounts."""

import pytest
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate
from rest_framework.views import APIView

from accounts.permissions import IsEmailVerified
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class PostApi(APIView):
    permission_classes = [IsEmailVerified]

    def post(self, request):
        return Response({"posted": True}, status=201)


def call(user):
    request = APIRequestFactory().post("/", {}, format="json")
    if user is not None:
        force_authenticate(request, user=user)
    return PostApi.as_view()(request)


def test_unverified_users_are_refused_with_a_clear_code():
    response = call(UserFactory(email_verified=False))
    response.render()
    assert response.status_code == 403
    assert response.data["error"]["code"] == "email_not_verified"
    assert "Confirm your e-mail" in response.data["error"]["message"]


def test_verified_users_pass():
    assert call(UserFactory(email_verified=True)).status_code == 201


def test_anonymous_users_are_asked_to_authenticate():
    assert call(None).status_code == 401
