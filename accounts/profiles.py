"""Profiles and preferences: the person's own description of themselves and how FitAI behaves for them."""

from datetime import date
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts import metrics, services
from accounts.models import BodyMetric, Profile, User, normalize_email
from accounts.preferences import PreferencesError, preferences_merge, preferences_resolve
from fitai import events

MIN_AGE, MAX_AGE = 13, 120
MAX_INTERESTS, MAX_INTEREST_LENGTH = 20, 40
# Emitted after commit with `user_id` when a member's time zone preference changes.
TIMEZONE_CHANGED = "preferences.timezone_changed"
events.declare(TIMEZONE_CHANGED)

USER_FIELDS = ("username", "email", "first_name", "last_name")
PROFILE_FIELDS = ("bio", "birth_date", "height_cm", "fitness_level", "location", "interests")


def profile_get(*, user: User) -> Profile:
    """The user's profile, created with defaults the first time it is needed."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        profile, _ = Profile.objects.get_or_create(user=user)
        user.profile = profile
        return profile


def user_preferences(*, user: User) -> dict[str, Any]:
    """The complete preferences document of the user: the one way other apps read preferences."""
    return preferences_resolve(profile_get(user=user).preferences)


def user_today(*, user: User) -> date:
    """Today's date where the user lives (their timezone preference), by Django's clock."""
    return timezone.now().astimezone(ZoneInfo(user_preferences(user=user)["timezone"])).date()


def age_on(birth_date: date | None, today: date) -> int | None:
    if birth_date is None:
        return None
    return today.year - birth_date.year - ((today.month, today.day) < (birth_date.month, birth_date.day))


@transaction.atomic
def profile_update(*, user: User, weight_kg: Decimal | None = None, **changes: Any) -> User:
    """Change what was sent; a new e-mail address must be verified again, a weight is a new metric."""
    user = User.objects.select_for_update().get(pk=user.pk)
    profile = profile_get(user=user)
    errors: dict[str, list[str]] = {}
    new_username = changes.get("username")
    if (
        new_username
        and new_username.lower() != user.username.lower()
        and User.objects.filter(username__iexact=new_username).exclude(pk=user.pk).exists()
    ):
        errors["username"] = ["That username is taken."]
    email_changed = False
    if "email" in changes:
        changes["email"] = normalize_email(changes["email"])
        email_changed = changes["email"] != user.email
        if email_changed and User.objects.filter(email=changes["email"]).exists():
            errors["email"] = ["An account with this e-mail address already exists."]
    if changes.get("birth_date") is not None:
        today = user_today(user=user)
        age = age_on(changes["birth_date"], today)
        if changes["birth_date"] > today:
            errors["birth_date"] = ["A birth date cannot be in the future."]
        elif not MIN_AGE <= age <= MAX_AGE:
            errors["birth_date"] = [f"FitAI is for people aged {MIN_AGE} to {MAX_AGE}."]
    if errors:
        raise ValidationError(errors)

    for field in USER_FIELDS:
        if field in changes:
            setattr(user, field, changes[field])
    if email_changed:
        user.email_verified, user.email_verified_at = False, None
    user.save()
    for field in PROFILE_FIELDS:
        if field in changes:
            setattr(profile, field, changes[field])
    profile.save()
    if weight_kg is not None:
        metrics.metric_record(user=user, kind=BodyMetric.Kind.WEIGHT, value=weight_kg)
    if email_changed:
        services.email_verification_queue(user=user)
    user.profile = profile
    return user


@transaction.atomic
def preferences_update(*, user: User, changes: Any) -> dict[str, Any]:
    """Deep-merge a partial document; bad or unknown keys are reported by their dotted path."""
    profile = Profile.objects.select_for_update().get(pk=profile_get(user=user).pk)
    previous_zone = preferences_resolve(profile.preferences)["timezone"]
    try:
        document = preferences_merge(preferences_resolve(profile.preferences), changes)
    except PreferencesError as error:
        raise ValidationError(error.errors) from None
    profile.preferences = document
    # Indexed copies for search and visibility filters.
    profile.searchable = document["privacy"]["searchable"]
    profile.profile_visibility = document["privacy"]["profile_visibility"]
    profile.save(update_fields=["preferences", "searchable", "profile_visibility", "updated_at"])
    user.profile = profile  # Readers of this user object now see the new document.
    if document["timezone"] != previous_zone:
        # "A day" moves with the time zone: apps that keep per-day data recount it.
        events.emit(TIMEZONE_CHANGED, user_id=user.pk)
    return document
