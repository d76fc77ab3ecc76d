"""Who may do what through the API: anyone reads (only signed-in users in private mode);
editors add and change; administrators delete."""

from django.conf import settings
from rest_framework import permissions


def private_mode_refuses(request) -> bool:
    """Whether private mode (REQUIRE_LOGIN) turns this request away: it is anonymous."""
    user = request.user
    return settings.REQUIRE_LOGIN and not (user and user.is_authenticated)


class SignedInInPrivateMode(permissions.BasePermission):
    """Everyone, or in private mode only users signed in by session or token (the schema
    and the API docs)."""

    def has_permission(self, request, view):
        return not private_mode_refuses(request)


class EditorialPermissions(permissions.DjangoModelPermissions):
    """Reads for everyone (signed-in users only, in private mode); POST needs the model's add_
    permission and PUT/PATCH its change_ permission (the Editors group has both); DELETE is
    for superusers only."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": [],
        "HEAD": [],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
        if private_mode_refuses(request):
            return False
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method == "DELETE":
            return user.is_superuser
        if getattr(view, "queryset", None) is None and not hasattr(view, "get_queryset"):
            return user.is_superuser
        return super().has_permission(request, view)
