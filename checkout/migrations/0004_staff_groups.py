"""Create the staff groups (Operations, Support, Priests) with their permissions.

The groups and permissions are frozen here as they were when this migration
was written: a migration must not call live code (``checkout.roles`` may
change later; a later change to the groups gets a migration of its own).
``checkout.roles.ensure_staff_groups`` keeps the live definition for
``create_demo_staff``.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_PERMISSIONS = {
    "Operations": [
        "checkout.view_booking",
        "checkout.change_booking",
        "checkout.view_bookingitem",
        "checkout.assign_priest",
        "checkout.complete_booking",
        "checkout.cancel_booking",
        "checkout.resend_confirmation",
        "checkout.export_bookings",
        "checkout.view_payment",
        "checkout.recheck_payment",
        "checkout.view_refund",
        "checkout.view_webhookdelivery",
        "checkout.replay_webhook",
        "checkout.view_auditentry",
        "checkout.view_slothold",
    ],
    "Support": [
        "checkout.view_booking",
        "checkout.view_bookingitem",
        "checkout.resend_confirmation",
        "checkout.view_payment",
    ],
    # Priests sign in to nothing: they are staff only so that they can be
    # assigned to bookings.
    "Priests": [],
}


def create_staff_groups(apps, schema_editor):
    # Permissions are normally created after all migrations (post_migrate);
    # create them now so the groups can be given them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(
            app_config, verbosity=0, using=schema_editor.connection.alias, apps=apps
        )
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, dotted in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = {tuple(perm.split(".", 1)) for perm in dotted}
        permissions = [
            permission
            for permission in Permission.objects.filter(
                codename__in={codename for _app, codename in wanted}
            ).select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        found = {(p.content_type.app_label, p.codename) for p in permissions}
        if wanted - found:
            raise LookupError(
                "Permissions missing: "
                + ", ".join(sorted(".".join(m) for m in wanted - found))
            )
        group.permissions.set(permissions)


class Migration(migrations.Migration):

    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("checkout", "0003_staff_permissions"),
    ]

    operations = [
        migrations.RunPython(create_staff_groups, migrations.RunPython.noop),
    ]
