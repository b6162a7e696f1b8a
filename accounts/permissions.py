"""Permissions on account state, for the apps above.

`IsEmailVerified` guards public writes (SECURITY.md, API6). Later apps add it to:
posting activities and comments (community), rating exercises and templates, submitting
exercises (exercises), and making a template public (templates_app).
"""

from rest_framework import permissions


class IsEmailVerified(permissions.BasePermission):
    message = "Confirm your e-mail address first: we sent you a link."
    code = "email_not_verified"

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.email_verified)
