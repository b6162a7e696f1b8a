"""The preferences document: its schema, defaults, validation and deep merge.

The document is versioned. Stored documents are read through `preferences_resolve`, which lays
them over the current defaults, so keys added in a later version appear with their default.
A PUT sends any part of the document; `preferences_merge` validates every key against the schema
and reports bad or unknown keys by their dotted path (`notifications.activity_like.email`).
"""

import copy
import re
from collections.abc import Callable
from functools import cache
from typing import Any
from zoneinfo import available_timezones

PREFERENCES_VERSION = 1

NOTIFICATION_TYPES = (
    "friend_request",
    "friend_accepted",
    "activity_like",
    "activity_comment",
    "comment_reply",
    "mention",
    "challenge_update",
    "goal_achieved",
    "personal_record",
    "exercise_moderation",
    "export_ready",
    "weekly_summary",
)
CHANNELS = ("in_app", "email", "push")
# E-mail is for what a person would miss; the rest stays in the app and on the phone.
EMAILED_BY_DEFAULT = {"friend_request", "exercise_moderation", "export_ready", "weekly_summary"}
VISIBILITIES = ("public", "friends", "private")

Validator = Callable[[Any], Any]


class PreferencesError(ValueError):
    """Bad keys or values, as `{dotted path: [message]}`."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("Invalid preferences.")
        self.errors = errors


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("Must be true or false.")
    return value


def _choice(*options: str) -> Validator:
    def validate(value: Any) -> str:
        if value not in options:
            raise ValueError(f"Must be one of: {', '.join(options)}.")
        return value

    return validate


def _number(low: float, high: float, *, integer: bool = False) -> Validator:
    def validate(value: Any) -> float | int:
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            kind = "a whole number" if integer else "a number"
            raise ValueError(f"Must be {kind} from {low:g} to {high:g}.")
        return value

    return validate


@cache
def _timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def _timezone(value: Any) -> str:
    if not isinstance(value, str) or value not in _timezones():
        raise ValueError("Must be an IANA time zone such as Europe/Berlin.")
    return value


def _locale(value: Any) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z]{2}(-[A-Z]{2})?", value):
        raise ValueError("Must be a language tag such as en or en-GB.")
    return value


SCHEMA: dict[str, Any] = {
    "units": {
        "weight": _choice("kg", "lb"),
        "length": _choice("cm", "in"),
        "distance": _choice("km", "mi"),
    },
    "notifications": {kind: dict.fromkeys(CHANNELS, _boolean) for kind in NOTIFICATION_TYPES},
    "privacy": {
        "profile_visibility": _choice(*VISIBILITIES),
        "workout_visibility": _choice(*VISIBILITIES),
        "searchable": _boolean,
        "show_on_leaderboards": _boolean,
    },
    "workout": {
        "default_rest_seconds": _number(0, 900, integer=True),
        "auto_start_rest_timer": _boolean,
        "rest_timer_sound": _boolean,
        "plate_increment_kg": _number(0.25, 10),
        "show_warmup_sets": _boolean,
    },
    "ai": {
        "enabled": _boolean,
        "coach_tone": _choice("encouraging", "direct", "technical"),
        "use_training_history": _boolean,
    },
    "timezone": _timezone,
    "locale": _locale,
}

DEFAULTS: dict[str, Any] = {
    "version": PREFERENCES_VERSION,
    "units": {"weight": "kg", "length": "cm", "distance": "km"},
    "notifications": {
        kind: {"in_app": True, "email": kind in EMAILED_BY_DEFAULT, "push": True}
        for kind in NOTIFICATION_TYPES
    },
    "privacy": {
        "profile_visibility": "friends",
        "workout_visibility": "private",
        "searchable": True,
        "show_on_leaderboards": True,
    },
    "workout": {
        "default_rest_seconds": 90,
        "auto_start_rest_timer": True,
        "rest_timer_sound": True,
        "plate_increment_kg": 2.5,
        "show_warmup_sets": True,
    },
    "ai": {"enabled": True, "coach_tone": "encouraging", "use_training_history": True},
    "timezone": "UTC",
    "locale": "en",
}


def preferences_resolve(stored: dict[str, Any] | None) -> dict[str, Any]:
    """The full current document: the defaults with the stored values laid over them."""
    document = copy.deepcopy(DEFAULTS)
    _overlay(document, stored or {}, SCHEMA)
    document["version"] = PREFERENCES_VERSION
    return document


def _overlay(target: dict[str, Any], source: dict[str, Any], schema: dict[str, Any]) -> None:
    """Copy the values of `source` that the schema still knows; old or unknown keys are dropped."""
    for key, value in source.items():
        spec = schema.get(key)
        if isinstance(spec, dict) and isinstance(value, dict):
            _overlay(target[key], value, spec)
        elif spec is not None and not isinstance(spec, dict):
            try:
                target[key] = spec(value)
            except ValueError:
                continue


def preferences_merge(current: dict[str, Any], changes: Any) -> dict[str, Any]:
    """Validate a partial document and deep-merge it into `current`; raise `PreferencesError`."""
    if not isinstance(changes, dict):
        raise PreferencesError({"non_field_errors": ["Send a JSON object."]})
    changes = dict(changes)
    version = changes.pop("version", PREFERENCES_VERSION)
    errors: dict[str, list[str]] = {}
    if version != PREFERENCES_VERSION:
        errors["version"] = [f"This server speaks version {PREFERENCES_VERSION} of the preferences."]
    merged = copy.deepcopy(current)
    _merge(merged, changes, SCHEMA, "", errors)
    if errors:
        raise PreferencesError(errors)
    return merged


def _merge(target: dict, changes: dict, schema: dict, prefix: str, errors: dict[str, list[str]]) -> None:
    for key, value in changes.items():
        path = f"{prefix}{key}"
        spec = schema.get(key) if isinstance(key, str) else None
        if spec is None:
            errors[path] = ["Unknown preference."]
        elif isinstance(spec, dict):
            if isinstance(value, dict):
                _merge(target[key], value, spec, path + ".", errors)
            else:
                errors[path] = ["Must be an object."]
        else:
            try:
                target[key] = spec(value)
            except ValueError as error:
                errors[path] = [str(error)]
