"""Editors work the possible-shift queue: view and change (close) shifts, never delete."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="positions",
            codename__in=["view_possibleshift", "change_possibleshift"],
        )
    )


def revoke(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    for group in Group.objects.filter(name="Editors"):
        group.permissions.remove(
            *Permission.objects.filter(codename__in=["view_possibleshift", "change_possibleshift"])
        )


class Migration(migrations.Migration):
    dependencies = [("positions", "0005_review")]

    operations = [migrations.RunPython(grant, revoke)]
