"""Role permissions shared by every app. Object visibility is not here: selectors scope it (404)."""

from typing import Any

from django.db.models.signals import m2m_changed
from rest_framework import permissions

TRAINER = "trainer"
MODERATOR = "moderator"
_ROLES = "_fitai_role_names"


def user_role_names(user) -> frozenset[str]:
    """The names of the user's groups, read once per user object.

    Each request loads its own user, so this memoises per request: a view whose selector and
    serializer both ask "is this a moderator?" (comments, challenge detail) costs one query, not
    one per question. As with Django's permission cache on the user object, groups changed
    elsewhere show from the next request on; `user.groups.add/remove/set/clear` on this very
    object forgets the memo at once.
    """
    names = getattr(user, _ROLES, None)
    if names is None:
        names = frozenset(user.groups.values_list("name", flat=True))
        setattr(user, _ROLES, names)
    return names


def _forget_role_names(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in {"post_add", "post_remove", "post_clear"}:
        instance.__dict__.pop(_ROLES, None)


m2m_changed.connect(_forget_role_names, dispatch_uid="fitai.api.permissions.forget_role_names")


def user_has_role(user, *roles: str) -> bool:
    """Whether the user is staff or belongs to one of the groups named by `roles`."""
    if not user or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return not user_role_names(user).isdisjoint(roles)


class IsModerator(permissions.BasePermission):
    message = "Only moderators may do this."

    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, MODERATOR)


class IsTrainerOrModerator(permissions.BasePermission):
    message = "Only trainers and moderators may do this."

    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, TRAINER, MODERATOR)
