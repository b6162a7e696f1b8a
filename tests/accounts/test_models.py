"""The user model: e-mail login, case-insensitive uniqueness, public ids, roles."""

import uuid

import pytest
from django.contrib.auth import authenticate
from django.contrib.auth.models import Group
from django.db import IntegrityError, transaction

from accounts.models import User
from tests.factories import DEFAULT_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_create_user_normalises_the_whole_email_to_lower_case():
    user = User.objects.create_user(email="  Ana.Lift@Example.COM ", username="ana", password="x")
    assert user.email == "ana.lift@example.com"


def test_email_is_unique_whatever_its_case():
    UserFactory(email="sam@example.com")
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(email="SAM@example.com", username="sam2")


def test_username_is_unique_whatever_its_case():
    UserFactory(username="Coach")
    with pytest.raises(IntegrityError), transaction.atomic():
        UserFactory(username="coach")


def test_users_log_in_with_their_email_in_any_case():
    user = UserFactory(email="kim@example.com")
    assert authenticate(username="KIM@Example.com", password=DEFAULT_PASSWORD) == user
    assert authenticate(username="kim@example.com", password="wrong") is None


def test_public_id_is_a_random_uuid_distinct_from_the_primary_key():
    first, second = UserFactory(), UserFactory()
    assert isinstance(first.public_id, uuid.UUID)
    assert first.public_id.version == 4
    assert first.public_id != second.public_id


def test_role_groups_exist_after_migrations():
    assert set(Group.objects.values_list("name", flat=True)) >= {"trainer", "moderator"}


def test_createsuperuser_fields():
    admin = User.objects.create_superuser(email="Boss@Example.com", username="boss", password="x")
    assert admin.is_staff
    assert admin.is_superuser
    assert admin.email == "boss@example.com"
    assert User.REQUIRED_FIELDS == ["username"]


def test_username_pattern_is_enforced_by_full_clean():
    from django.core.exceptions import ValidationError

    user = User(email="x@example.com", username="no spaces!")
    user.set_password("x")
    with pytest.raises(ValidationError, match="3 to 30 characters"):
        user.full_clean()
