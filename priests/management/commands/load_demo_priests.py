"""Create the demo priest roster: 12 priests, 3 cities, 5 languages, 2 online-only.

Safe to run again: priests are matched by email and their roster replaced.
Run after ``load_demo_data`` (it needs the categories and slots); ``make run``
does. Priests are not staff: they sign in to the priest portal on the site.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from checkout.roles import PRIESTS, ensure_staff_groups
from priests.models import Priest, ServiceArea, WeeklyAvailability
from storefront.models import Category, TimeSlot, User

PASSWORD = "priest12345"
EVERYTHING = "*"
CITY, PIN, ONLINE, TEMPLE = (
    ServiceArea.Kind.CITY,
    ServiceArea.Kind.PIN,
    ServiceArea.Kind.ONLINE,
    ServiceArea.Kind.TEMPLE,
)

# email, first, last, phone, languages, categories, areas, weekday off
ROSTER = [
    ("pandit.sharma@okpuja.in", "Ramesh", "Sharma", "+919812345601",
     ["hi", "en"], EVERYTHING, [(CITY, "Bengaluru"), (TEMPLE, "")], 0),
    ("pandit.iyer@okpuja.in", "Venkatesh", "Iyer", "+919812345602",
     ["ta", "en", "hi"], EVERYTHING, [(CITY, "Bengaluru"), (PIN, "560")], 1),
    ("pandit.rao@okpuja.in", "Srinivas", "Rao", "+919812345603",
     ["te", "hi"], EVERYTHING, [(CITY, "Bengaluru")], 2),
    ("pandit.bhat@okpuja.in", "Ganesh", "Bhat", "+919812345604",
     ["hi", "mr"], ["ganesh", "satyanarayan", "griha-pravesh", "havan"],
     [(PIN, "560"), (TEMPLE, "")], 3),
    ("pandit.joshi@okpuja.in", "Vinayak", "Joshi", "+919812345605",
     ["mr", "hi"], EVERYTHING, [(CITY, "Pune")], 4),
    ("pandit.kulkarni@okpuja.in", "Madhav", "Kulkarni", "+919812345606",
     ["mr", "hi", "en"], EVERYTHING, [(CITY, "Pune"), (PIN, "411")], 5),
    ("pandit.deshpande@okpuja.in", "Shridhar", "Deshpande", "+919812345607",
     ["mr"], ["ganesh", "samskara", "shraddh"], [(CITY, "Pune")], 6),
    ("pandit.mishra@okpuja.in", "Anand", "Mishra", "+919812345608",
     ["hi", "en"], EVERYTHING, [(CITY, "Pune"), (CITY, "Hyderabad")], 0),
    ("pandit.sastry@okpuja.in", "Raghava", "Sastry", "+919812345609",
     ["te", "hi"], EVERYTHING, [(CITY, "Hyderabad"), (PIN, "500")], 1),
    ("pandit.murthy@okpuja.in", "Krishna", "Murthy", "+919812345610",
     ["te", "ta", "en"], ["navagraha", "rudrabhishek", "lakshmi", "havan"],
     [(CITY, "Hyderabad")], 2),
    ("pandit.pandey@okpuja.in", "Shiv", "Pandey", "+919812345611",
     ["hi", "en"], EVERYTHING, [(ONLINE, "")], 3),
    ("pandit.subramanian@okpuja.in", "Hari", "Subramanian", "+919812345612",
     ["ta", "te", "en"], EVERYTHING, [(ONLINE, "")], 4),
]  # fmt: skip


class Command(BaseCommand):
    help = "Create or refresh the demo priest roster (run after load_demo_data)."

    @transaction.atomic
    def handle(self, *args, **options):
        slots = list(TimeSlot.objects.filter(is_active=True))
        categories = {c.slug: c for c in Category.objects.all()}
        if not slots or not categories:
            raise CommandError("Run load_demo_data first: no slots or categories.")
        group = ensure_staff_groups()[PRIESTS]
        for (
            email,
            first_name,
            last_name,
            phone,
            languages,
            category_slugs,
            areas,
            day_off,
        ) in ROSTER:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={"username": email},
            )
            if created:
                user.set_password(PASSWORD)
            user.first_name, user.last_name, user.phone = first_name, last_name, phone
            user.is_staff = False
            user.is_active = True
            user.save()
            user.groups.add(group)
            priest, _ = Priest.objects.update_or_create(
                user=user, defaults={"languages": languages, "is_active": True}
            )
            if category_slugs == EVERYTHING:
                priest.categories.set(categories.values())
            else:
                priest.categories.set([categories[s] for s in category_slugs])
            priest.services.clear()
            priest.areas.all().delete()
            ServiceArea.objects.bulk_create(
                ServiceArea(priest=priest, kind=kind, value=value)
                for kind, value in areas
            )
            priest.availability.all().delete()
            WeeklyAvailability.objects.bulk_create(
                WeeklyAvailability(priest=priest, weekday=weekday, slot=slot)
                for weekday in range(7)
                if weekday != day_off
                for slot in slots
            )
            self.stdout.write(f"{'Created' if created else 'Updated'} {email}.")
        if settings.DEBUG:
            self.stdout.write(
                f"\nDemo priests sign in at /account/login/ with password {PASSWORD} "
                "(local development only); their portal is /priest/."
            )
