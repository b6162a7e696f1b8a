"""Seed accounts: a demo member, so a fresh `make run` can be tried at once (never in production)."""

from django.conf import settings

from accounts.models import User

DEMO_EMAIL = "demo@fitai.local"


def seed(stdout) -> None:
    """Create the demo account when it is missing; its password comes from FITAI_DEMO_PASSWORD."""
    if settings.DJANGO_ENV == "production" or not settings.FITAI_DEMO_PASSWORD:
        return
    if User.objects.filter(email=DEMO_EMAIL).exists():
        return
    User.objects.create_user(
        email=DEMO_EMAIL, username="demo", password=settings.FITAI_DEMO_PASSWORD, first_name="Demo"
    )
    stdout.write(f"Created the demo account {DEMO_EMAIL}.")
