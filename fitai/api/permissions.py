"""Role permissions shared by every app. Object visibility is not here: selectors scope it (404)."""

from rest_framework import permissions

TRAINER = "trainer"
MODERATOR = "moderator"


def user_has_role(user, *roles: str) -> bool:
    """Whether the user is staff or belongs to one of the groups named by `roles`."""
    if not user or not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return user.groups.filter(name__in=roles).exists()


class IsModerator(permissions.BasePermission):
    message = "Only moderators may do this."

    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, MODERATOR)


class IsTrainerOrModerator(permissions.BasePermission):
    message = "Only trainers and moderators may do this."

    def has_permission(self, request, view) -> bool:
        return user_has_role(request.user, TRAINER, MODERATOR)
