"""Users in the admin: filters, search, the bulk actions, and the read-only login and identity lists."""

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client

from accounts import services
from accounts.models import AccountToken, SocialIdentity, TokenFamily, User
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS_URL = "/admin/accounts/user/"


@pytest.fixture
def staff_client(client):
    client.user = UserFactory(username="boss", is_staff=True, is_superuser=True, email_verified=True)
    client.force_login(client.user)
    return client


def _listed(response) -> set[str]:
    return {user.username for user in response.context["cl"].result_list}


def _messages(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _act(client, action: str, users: list[User]):
    return client.post(USERS_URL, {"action": action, "_selected_action": [user.pk for user in users]})


def test_a_member_who_is_not_staff_cannot_reach_the_user_admin(client):
    client.force_login(UserFactory())
    response = client.get(USERS_URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_the_user_list_shows_whether_the_address_is_verified(staff_client):
    UserFactory(username="checked", email_verified=True)
    response = staff_client.get(USERS_URL)
    assert response.status_code == 200
    assert "email_verified" in response.context["cl"].list_display
    assert "column-email_verified" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("email_verified__exact=1", {"boss", "checked"}),
        ("email_verified__exact=0", {"unchecked", "gone"}),
        ("is_active__exact=0", {"gone"}),
        ("is_staff__exact=1", {"boss"}),
    ],
)
def test_the_user_list_filters(staff_client, query, expected):
    UserFactory(username="checked", email_verified=True)
    UserFactory(username="unchecked")
    UserFactory(username="gone", is_active=False)
    assert _listed(staff_client.get(f"{USERS_URL}?{query}")) == expected


def test_the_user_list_filters_by_group(staff_client):
    UserFactory(username="mod", roles=["moderator"])
    UserFactory(username="coach", roles=["trainer"])
    group = Group.objects.get(name="moderator")
    assert _listed(staff_client.get(f"{USERS_URL}?groups__id__exact={group.pk}")) == {"mod"}


@pytest.mark.parametrize("q", ["ana.lifts@example", "ANA_L", "Okafor", "Anaïs"])
def test_the_user_list_searches_email_username_and_name(staff_client, q):
    UserFactory(username="ana_lifts", email="ana.lifts@example.com", first_name="Anaïs", last_name="Okafor")
    UserFactory(username="sam", email="sam@example.com", first_name="Sam", last_name="Reyes")
    assert _listed(staff_client.get(USERS_URL, {"q": q})) == {"ana_lifts"}


def test_deactivate_blocks_the_users_and_revokes_every_login(staff_client):
    target, bystander = UserFactory(), UserFactory()
    for user in (target, bystander):
        services.login_open(user=user)
    member_session = Client()
    member_session.force_login(target)

    response = _act(staff_client, "deactivate_users", [target])

    assert response.status_code == 302
    target.refresh_from_db()
    assert target.is_active is False
    assert list(TokenFamily.objects.filter(user=target).values_list("revoked_reason", flat=True)) == [
        "deactivated"
    ]
    assert TokenFamily.objects.get(user=bystander).revoked_at is None
    assert User.objects.get(pk=bystander.pk).is_active is True
    assert _messages(response) == ["Deactivated 1 user(s) and ended their logins."]
    assert LogEntry.objects.filter(object_id=str(target.pk)).exists()
    # Their browser session ends too: the session backend refuses inactive users.
    assert member_session.get("/").context["user"].is_authenticated is False


def test_deactivate_spares_the_admin_who_runs_it(staff_client):
    other = UserFactory()
    response = _act(staff_client, "deactivate_users", [staff_client.user, other])
    staff_client.user.refresh_from_db()
    assert staff_client.user.is_active is True
    assert User.objects.get(pk=other.pk).is_active is False
    assert _messages(response) == [
        "Deactivated 1 user(s) and ended their logins.",
        "You cannot deactivate your own account.",
    ]


def test_resend_verification_mails_only_the_unverified(staff_client, django_capture_on_commit_callbacks):
    unverified = UserFactory(email="todo@example.com")
    verified = UserFactory(email="done@example.com", email_verified=True)
    with django_capture_on_commit_callbacks(execute=True):
        response = _act(staff_client, "resend_verification_email", [unverified, verified])
    assert response.status_code == 302
    assert [message.to for message in mail.outbox] == [["todo@example.com"]]
    assert "/accounts/verify-email?token=" in mail.outbox[0].body
    assert _messages(response) == [
        "Queued a verification e-mail to 1 user(s). Skipped 1 already verified or inactive."
    ]


def test_token_families_are_listed_read_only_and_searchable_by_email(staff_client):
    services.login_open(user=UserFactory(email="ana@example.com"))
    services.login_open(user=UserFactory(email="sam@example.com"))
    response = staff_client.get("/admin/accounts/tokenfamily/", {"q": "ana@"})
    assert response.status_code == 200
    assert [family.user.email for family in response.context["cl"].result_list] == ["ana@example.com"]
    assert staff_client.get("/admin/accounts/tokenfamily/add/").status_code == 403
    family = TokenFamily.objects.get(user__email="ana@example.com")
    detail = staff_client.get(f"/admin/accounts/tokenfamily/{family.pk}/change/")
    assert detail.status_code == 200
    assert 'name="revoked_reason"' not in detail.content.decode()


def test_social_identities_are_read_only_and_account_tokens_are_not_in_the_admin(staff_client):
    identity = SocialIdentity.objects.create(user=UserFactory(), provider="google", subject="g-123")
    assert staff_client.get("/admin/accounts/socialidentity/").status_code == 200
    assert staff_client.get("/admin/accounts/socialidentity/add/").status_code == 403
    detail = staff_client.get(f"/admin/accounts/socialidentity/{identity.pk}/change/")
    assert 'name="subject"' not in detail.content.decode()
    assert not admin.site.is_registered(AccountToken)
    assert staff_client.get("/admin/accounts/accounttoken/").status_code == 404


def test_deleting_a_user_with_logins_is_not_blocked_by_the_read_only_lists(staff_client):
    user = UserFactory()
    services.login_open(user=user)
    SocialIdentity.objects.create(user=user, provider="apple", subject="a-1")
    response = staff_client.post(f"/admin/accounts/user/{user.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
