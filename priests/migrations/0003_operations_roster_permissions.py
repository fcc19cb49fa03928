"""Let Operations keep the priest roster and see assignments (frozen here)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

OPERATIONS_ROSTER_PERMISSIONS = [
    "view_priest",
    "add_priest",
    "change_priest",
    "view_servicearea",
    "add_servicearea",
    "change_servicearea",
    "delete_servicearea",
    "view_weeklyavailability",
    "add_weeklyavailability",
    "change_weeklyavailability",
    "delete_weeklyavailability",
    "view_leaveday",
    "add_leaveday",
    "change_leaveday",
    "delete_leaveday",
    "view_assignment",
]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("priests")
    app_config.models_module = True
    create_permissions(
        app_config, verbosity=0, using=schema_editor.connection.alias, apps=apps
    )
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Operations")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="priests",
            codename__in=OPERATIONS_ROSTER_PERMISSIONS,
        )
    )


class Migration(migrations.Migration):
    dependencies = [
        ("priests", "0002_assignment_no_overlap"),
        ("checkout", "0004_staff_groups"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
