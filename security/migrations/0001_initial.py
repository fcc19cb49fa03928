"""Replace the hand-written staffauth throttle with django-axes.

- drop staffauth's table of failed logins (the app is gone);
- create the database cache table that holds rate-limit counters;
- let Operations see and lift sign-in locks (axes' admin).
"""

from django.contrib.auth.management import create_permissions
from django.core.management import call_command
from django.db import migrations

AXES_PERMISSIONS = [
    "view_accessattempt",
    "delete_accessattempt",
    "view_accessfailurelog",
    "view_accesslog",
]


def create_cache_table(apps, schema_editor):
    # Does nothing when CACHES points at Redis or memory.
    call_command("createcachetable", database=schema_editor.connection.alias)


def grant_operations(apps, schema_editor):
    axes = apps.get_app_config("axes")
    axes.models_module = True
    create_permissions(
        axes, verbosity=0, using=schema_editor.connection.alias, apps=apps
    )
    axes.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _created = Group.objects.get_or_create(name="Operations")
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="axes", codename__in=AXES_PERMISSIONS
        )
    )


def revoke_operations(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Operations"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="axes", codename__in=AXES_PERMISSIONS
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("axes", "0010_accessattemptexpiration"),
        ("checkout", "0004_staff_groups"),
    ]

    operations = [
        migrations.RunSQL(
            "DROP TABLE IF EXISTS staffauth_failedlogin",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            "DELETE FROM django_migrations WHERE app = 'staffauth'",
            migrations.RunSQL.noop,
        ),
        migrations.RunPython(create_cache_table, migrations.RunPython.noop),
        migrations.RunPython(grant_operations, revoke_operations),
    ]
