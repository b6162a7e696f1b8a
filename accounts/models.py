"""The user account. People log in with their e-mail (or username); URLs carry `public_id` only."""

import uuid

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

USERNAME_PATTERN = r"^[A-Za-z0-9_.]{3,30}$"


def normalize_email(email: str) -> str:
    """The whole address in lower case: e-mails are unique case-insensitively (API.md)."""
    return email.strip().lower()


class FitaiUserManager(UserManager):
    def create_user(self, username=None, email=None, password=None, **extra_fields):
        return super().create_user(username, normalize_email(email or ""), password, **extra_fields)

    def create_superuser(self, username=None, email=None, password=None, **extra_fields):
        return super().create_superuser(username, normalize_email(email or ""), password, **extra_fields)

    def get_by_natural_key(self, email: str):
        return self.get(email=normalize_email(email))


class User(AbstractUser):
    public_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, help_text="The id used in URLs and tokens."
    )
    email = models.EmailField("e-mail address", max_length=254, unique=True)
    username = models.CharField(
        max_length=30,
        unique=True,
        validators=[
            RegexValidator(USERNAME_PATTERN, "3 to 30 characters: letters, digits, underscores and dots.")
        ],
        help_text="Public handle shown in the community.",
        error_messages={"unique": "That username is taken."},
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["username"]

    objects = FitaiUserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
            models.UniqueConstraint(Lower("username"), name="accounts_user_username_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.username

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)
