"""`manage.py seed` loads every app's seed data and can run again."""

import io

import pytest
from django.core.management import call_command

from accounts.models import User
from accounts.seed import DEMO_EMAIL

pytestmark = pytest.mark.django_db


def test_seed_creates_the_demo_account_once():
    out = io.StringIO()
    call_command("seed", stdout=out)
    call_command("seed", stdout=out)
    assert User.objects.filter(email=DEMO_EMAIL).count() == 1
    assert "Seed data loaded" in out.getvalue()


def test_seed_creates_no_demo_account_without_a_password(settings):
    settings.FITAI_DEMO_PASSWORD = ""
    call_command("seed", stdout=io.StringIO())
    assert not User.objects.filter(email=DEMO_EMAIL).exists()
