"""Who may do what through the API: anyone reads; editors add and change; administrators delete."""

from rest_framework import permissions


def can_see_drafts(user, model) -> bool:
    """Whether the user may see unpublished rows of this model (editors and administrators)."""
    if not (user and user.is_authenticated):
        return False
    opts = model._meta
    return user.has_perm(f"{opts.app_label}.change_{opts.model_name}")


class EditorialPermissions(permissions.DjangoModelPermissions):
    """Reads for everyone; POST needs the model's add_ permission and PUT/PATCH its change_
    permission (the Editors group has both); DELETE is for superusers only."""

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": [],
        "HEAD": [],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
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
