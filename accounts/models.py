"""Accounts: the user, the tokens mailed to them, their login sessions and their linked identities.

People log in with their e-mail or username; URLs and tokens carry `public_id`, never the pk.
"""

import hashlib
import uuid
from decimal import Decimal

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
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
    email_verified = models.BooleanField(
        default=False, help_text="Set when the user follows the link mailed to their current address."
    )
    email_verified_at = models.DateTimeField(null=True, blank=True)

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


def token_digest(raw: str) -> str:
    """Tokens are stored as their SHA-256 digest: a database leak reveals no usable link."""
    return hashlib.sha256(raw.encode()).hexdigest()


class AccountToken(models.Model):
    """A single-use secret mailed to the user to verify an address or reset a password."""

    class Purpose(models.TextChoices):
        VERIFY_EMAIL = "verify_email", "Verify e-mail"
        RESET_PASSWORD = "reset_password", "Reset password"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_tokens")
    purpose = models.CharField(max_length=20, choices=Purpose.choices)
    digest = models.CharField(max_length=64, unique=True)
    email = models.EmailField(help_text="The address the token was sent to; verification applies to it only.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} for {self.user}"


class TokenFamily(models.Model):
    """One login: the chain of refresh tokens it rotates through.

    Only the newest refresh token of the chain (`current_jti`) may be used. Presenting an older
    one means a token was copied, so the whole chain is revoked and that login must start again.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="token_families")
    current_jti = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_refreshed_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=30, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "token families"
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self) -> str:
        return f"Login of {self.user} at {self.created_at:%Y-%m-%d %H:%M}"


class LoginThrottleState(models.Model):
    """Consecutive failed logins for one login name, known account or not (no enumeration)."""

    identifier_digest = models.CharField(max_length=64, unique=True)
    failures = models.PositiveIntegerField(default=0)
    last_failure_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.failures} failures"


class SocialIdentity(models.Model):
    """A Google or Apple account linked to a user, by the provider's stable subject id."""

    class Provider(models.TextChoices):
        GOOGLE = "google", "Google"
        APPLE = "apple", "Apple"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="social_identities")
    provider = models.CharField(max_length=10, choices=Provider.choices)
    subject = models.CharField(max_length=255)
    email = models.EmailField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "social identities"
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="accounts_social_identity_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} identity of {self.user}"


class FitnessLevel(models.TextChoices):
    BEGINNER = "beginner", "Beginner"
    INTERMEDIATE = "intermediate", "Intermediate"
    ADVANCED = "advanced", "Advanced"


class Visibility(models.TextChoices):
    PUBLIC = "public", "Everyone"
    FRIENDS = "friends", "Friends"
    PRIVATE = "private", "Only me"


class Profile(models.Model):
    """What a person tells about themselves, and their preferences document (`accounts.preferences`).

    `searchable` and `profile_visibility` copy two preferences into indexed columns for search.
    """

    user = models.OneToOneField(User, on_delete=models.CASCADE, primary_key=True, related_name="profile")
    bio = models.TextField(max_length=1000, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    height_cm = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("50")), MaxValueValidator(Decimal("272"))],
    )
    fitness_level = models.CharField(max_length=12, choices=FitnessLevel.choices, blank=True)
    location = models.CharField(max_length=100, blank=True)
    interests = models.JSONField(default=list, blank=True, help_text="Up to 20 short tags.")
    avatar = models.CharField(max_length=255, blank=True, help_text="Storage name of the 512 px avatar.")
    avatar_thumb = models.CharField(
        max_length=255, blank=True, help_text="Storage name of the 128 px avatar."
    )
    preferences = models.JSONField(default=dict, blank=True)
    searchable = models.BooleanField(default=True)
    profile_visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.FRIENDS
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["searchable", "profile_visibility"])]

    def __str__(self) -> str:
        return f"Profile of {self.user}"


class BodyMetric(models.Model):
    """One measurement of the body at a moment; values are stored in the kind's metric unit."""

    class Kind(models.TextChoices):
        WEIGHT = "weight", "Weight"
        BODY_FAT = "body_fat", "Body fat"
        WAIST = "waist", "Waist"
        CHEST = "chest", "Chest"
        HIPS = "hips", "Hips"
        ARM = "arm", "Arm"
        THIGH = "thigh", "Thigh"
        CALF = "calf", "Calf"
        NECK = "neck", "Neck"
        SHOULDERS = "shoulders", "Shoulders"
        RESTING_HEART_RATE = "resting_heart_rate", "Resting heart rate"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="body_metrics")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    value = models.DecimalField(max_digits=6, decimal_places=2)
    unit = models.CharField(max_length=5, help_text="kg, %, cm or bpm, by kind.")
    measured_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-measured_at", "-created_at"]
        indexes = [
            # Serves the list filtered by kind and date range, newest first, and "latest weight".
            models.Index(fields=["user", "kind", "-measured_at"], name="accounts_metric_user_kind_time"),
            models.Index(fields=["user", "-measured_at"], name="accounts_metric_user_time"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value} {self.unit}"


class Friendship(models.Model):
    """The one relation between two people, whoever started it: pending, accepted or blocked.

    The pair is stored ordered (`user_low` has the smaller pk), so a pair has exactly one row.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        ACCEPTED = "accepted", "Accepted"
        BLOCKED = "blocked", "Blocked"

    user_low = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    user_high = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices)
    requested_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    blocked_by = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user_low", "user_high"], name="accounts_friendship_pair_unique"),
            models.CheckConstraint(
                condition=models.Q(user_low__lt=models.F("user_high")),
                name="accounts_friendship_pair_ordered",
            ),
        ]
        indexes = [
            models.Index(fields=["user_low", "status"], name="accounts_friend_low_status"),
            models.Index(fields=["user_high", "status"], name="accounts_friend_high_status"),
        ]

    def __str__(self) -> str:
        return f"{self.user_low_id} and {self.user_high_id}: {self.status}"
