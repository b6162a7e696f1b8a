"""Let moderators work the community moderation screens of the admin (report queue, activities,
comments, banned terms, restrictions, audit trail).

Permissions are normally created after `migrate` finishes (post_migrate), too late for a data
migration that assigns them, so they are created here first for this app.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = (
    "view_report",
    "change_report",
    "view_activity",
    "change_activity",
    "view_comment",
    "change_comment",
    "view_bannedterm",
    "add_bannedterm",
    "change_bannedterm",
    "delete_bannedterm",
    "view_memberrestriction",
    "add_memberrestriction",
    "change_memberrestriction",
    "delete_memberrestriction",
    "view_moderationaction",
)


def grant_moderation_permissions(apps, schema_editor):
    app_config = apps.get_app_config("community")
    # The migration state's app configs have no models module, which makes create_permissions skip them.
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="community", codename__in=CODENAMES)
    group, _ = Group.objects.get_or_create(name="moderator")
    group.permissions.add(*permissions)


def revoke_moderation_permissions(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = Permission.objects.filter(content_type__app_label="community", codename__in=CODENAMES)
    for group in Group.objects.filter(name="moderator"):
        group.permissions.remove(*permissions)


class Migration(migrations.Migration):
    dependencies = [
        ("community", "0001_initial"),
        ("accounts", "0002_roles"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(grant_moderation_permissions, revoke_moderation_permissions)]
