"""Let trainers and moderators see and change programs in the admin (to feature them, and more).

Permissions are normally created after `migrate` finishes (post_migrate), too late for a data
migration that assigns them, so they are created here first for this app.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ("trainer", "moderator")
CODENAMES = ("view_workouttemplate", "change_workouttemplate")


def grant_program_permissions(apps, schema_editor):
    app_config = apps.get_app_config("templates_app")
    # The migration state's app configs have no models module, which makes create_permissions skip them.
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="templates_app", codename__in=CODENAMES
    )
    for name in ROLES:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(*permissions)


def revoke_program_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(
        content_type__app_label="templates_app", codename__in=CODENAMES
    )
    for group in Group.objects.filter(name__in=ROLES):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("templates_app", "0001_initial"),
        ("accounts", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_program_permissions, revoke_program_permissions)]
