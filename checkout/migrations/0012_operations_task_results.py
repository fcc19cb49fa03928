"""Let Operations read the task results (failed emails and refund submissions
with their tracebacks) in the admin; frozen here like 0004_staff_groups."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

TASK_RESULT_PERMISSIONS = ["view_dbtaskresult"]


def grant(apps, schema_editor):
    app_config = apps.get_app_config("django_tasks_database")
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
            content_type__app_label="django_tasks_database",
            codename__in=TASK_RESULT_PERMISSIONS,
        )
    )


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for group in Group.objects.filter(name="Operations"):
        group.permissions.remove(
            *Permission.objects.filter(
                content_type__app_label="django_tasks_database",
                codename__in=TASK_RESULT_PERMISSIONS,
            )
        )


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
        ("checkout", "0011_refund_claims"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
