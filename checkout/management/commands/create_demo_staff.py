"""Create the staff groups and demo staff accounts (safe to run again)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from checkout.roles import OPERATIONS, SUPPORT, ensure_staff_groups

DEMO_STAFF = [
    # email, password, group, first name, last name, phone
    ("ops@okpuja.in", "ops12345", OPERATIONS, "Meera", "Operations", ""),
    ("support@okpuja.in", "support12345", SUPPORT, "Ravi", "Support", ""),
]


class Command(BaseCommand):
    help = (
        "Create the Operations, Support and Priests groups and demo staff accounts "
        "(demo priests: load_demo_priests). "
        "Existing accounts keep their passwords."
    )

    def handle(self, *args, **options):
        groups = ensure_staff_groups()
        User = get_user_model()
        for email, password, group_name, first_name, last_name, phone in DEMO_STAFF:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={
                    "username": email,
                    "first_name": first_name,
                    "last_name": last_name,
                    "phone": phone,
                },
            )
            if created:
                user.set_password(password)
            user.is_staff = True
            user.is_active = True
            user.save()
            user.groups.add(groups[group_name])
            self.stdout.write(
                f"{'Created' if created else 'Kept'} {email} ({group_name})."
            )
        if settings.DEBUG:
            self.stdout.write(
                "\nDemo staff logins for /admin/ (local development only):"
            )
            for email, password, group_name, *_rest in DEMO_STAFF:
                self.stdout.write(f"  {email:<26} {password:<14} {group_name}")
