"""Staff roles: the groups that run the business from Django admin.

``ensure_staff_groups()`` creates or updates the groups and their permissions.
It runs in the ``0004_staff_groups`` data migration (so the groups exist on
every database) and in ``create_demo_staff``; running it again changes nothing.
Superusers have every permission; customers (``is_staff=False``) never reach
the admin.
"""

from django.apps import apps as global_apps

OPERATIONS = "Operations"
SUPPORT = "Support"
PRIESTS = "Priests"

# "app_label.codename" per group. Priests are not staff: they sign in to the
# priest portal (/priest/) on the site, never to the admin.
GROUP_PERMISSIONS = {
    OPERATIONS: [
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
        # Emails and refund submissions run as tasks: see what failed, and why.
        "django_tasks_database.view_dbtaskresult",
        "priests.view_priest",
        "priests.add_priest",
        "priests.change_priest",
        "priests.view_servicearea",
        "priests.add_servicearea",
        "priests.change_servicearea",
        "priests.delete_servicearea",
        "priests.view_weeklyavailability",
        "priests.add_weeklyavailability",
        "priests.change_weeklyavailability",
        "priests.delete_weeklyavailability",
        "priests.view_leaveday",
        "priests.add_leaveday",
        "priests.change_leaveday",
        "priests.delete_leaveday",
        "priests.view_assignment",
        # See and lift sign-in locks (django-axes; README "Security").
        "axes.view_accessattempt",
        "axes.delete_accessattempt",
        "axes.view_accessfailurelog",
        "axes.view_accesslog",
    ],
    SUPPORT: [
        "checkout.view_booking",
        "checkout.view_bookingitem",
        "checkout.resend_confirmation",
        "checkout.view_payment",
    ],
    PRIESTS: [],
}


def ensure_staff_groups(*, apps=global_apps):
    """Create the staff groups and set their permissions exactly; return them by name.

    ``apps`` is the app registry, or a migration's historical one.
    """
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    groups = {}
    for name, dotted in GROUP_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        wanted = set()
        for perm in dotted:
            app_label, codename = perm.split(".", 1)
            wanted.add((app_label, codename))
        permissions = [
            permission
            for permission in Permission.objects.filter(
                codename__in={codename for _app, codename in wanted}
            ).select_related("content_type")
            if (permission.content_type.app_label, permission.codename) in wanted
        ]
        found = {(p.content_type.app_label, p.codename) for p in permissions}
        missing = wanted - found
        if missing:
            raise LookupError(
                "Permissions missing (run migrate first): "
                + ", ".join(sorted(".".join(m) for m in missing))
            )
        group.permissions.set(permissions)
        groups[name] = group
    return groups
