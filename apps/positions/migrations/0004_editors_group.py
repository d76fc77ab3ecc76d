"""The Editors group: add and change everything editorial; only administrators delete."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

EDITORIAL = {
    "actors": ["country", "bloc", "organization", "person", "role"],
    "statements": ["event", "source", "quote"],
    "positions": ["topic", "stance", "position"],
}


def create_editors(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    editors, _ = Group.objects.get_or_create(name="Editors")
    codenames = [
        f"{action}_{model}"
        for models in EDITORIAL.values()
        for model in models
        for action in ("add", "change", "view")
    ]
    permissions = Permission.objects.filter(
        content_type__app_label__in=EDITORIAL.keys(), codename__in=codenames
    )
    editors.permissions.set(permissions)


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Editors").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("positions", "0003_position_stance_topic_fk"),
        ("actors", "0001_initial"),
        ("statements", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
