"""Create the staff groups (Operations, Support, Priests) with their permissions."""

from django.contrib.auth.management import create_permissions
from django.db import migrations


def create_staff_groups(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate);
    # create them now so the groups can be given them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(
            app_config, verbosity=0, using=schema_editor.connection.alias, apps=apps
        )
        app_config.models_module = None

    from checkout.roles import ensure_staff_groups

    ensure_staff_groups(apps=apps)


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("checkout", "0003_staff_permissions"),
    ]

    operations = [
        migrations.RunPython(create_staff_groups, migrations.RunPython.noop),
    ]
