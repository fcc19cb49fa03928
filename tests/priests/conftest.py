"""Roster and booking factories for the priests tests.

Bookings are written straight to the database (a paid payment with its
snapshot, the booking, its items and booked slot holds), the same rows
``checkout.services`` writes after PhonePe took the money; the money path
itself is tested in tests/checkout.
"""

import datetime
import itertools

import pytest
from django.utils import timezone

from checkout.models import Booking, BookingItem, Payment, SlotHold
from checkout.roles import PRIESTS, ensure_staff_groups
from priests.models import Priest, ServiceArea, WeeklyAvailability
from tests import factories

_seq = itertools.count(1)

BENGALURU = {
    "full_name": "Asha Sharma",
    "phone": "+919876543210",
    "city": "Bengaluru",
    "pincode": "560038",
    "lines": ["Flat 12, MG Road", "Indiranagar", "Bengaluru 560038"],
}


def make_priest(
    *,
    languages=("hi",),
    categories=(),
    services=(),
    areas=(("city", "Bengaluru"),),
    slots=(),
    weekdays=range(7),
    first_name="Ramesh",
    email=None,
):
    n = next(_seq)
    group = ensure_staff_groups()[PRIESTS]
    user = factories.make_user(
        email=email or f"priest{n}@okpuja.in",
        first_name=first_name,
        last_name=f"Priest{n}",
        phone=f"+9198123{n:05d}",
    )
    user.groups.add(group)
    priest = Priest.objects.create(user=user, languages=list(languages))
    priest.categories.set(categories)
    priest.services.set(services)
    ServiceArea.objects.bulk_create(
        ServiceArea(priest=priest, kind=kind, value=value) for kind, value in areas
    )
    WeeklyAvailability.objects.bulk_create(
        WeeklyAvailability(priest=priest, weekday=day, slot=slot)
        for day in weekdays
        for slot in slots
    )
    return user


def make_booking(*, package, slot, date, address=None, user=None, lines=1):
    """A paid, booked order for ``package`` in ``slot`` on ``date``."""
    n = next(_seq)
    user = user or factories.make_user()
    address = address or BENGALURU
    cart = factories.make_cart(user=user)
    line = {
        "package_id": package.pk,
        "service_title": package.service.title,
        "package_label": package.get_tier_display(),
        "language": package.get_language_display(),
        "date": date.isoformat(),
        "slot_id": slot.pk,
        "slot_label": slot.display,
        "price_paise": package.price_paise,
        "priest_count": package.priest_count,
    }
    payment = Payment.objects.create(
        merchant_order_id=f"OKP-PR-{n}",
        user=user,
        cart=cart,
        amount_paise=package.price_paise,
        status=Payment.Status.SUCCESS,
        resolution=Payment.Resolution.BOOKED,
        snapshot={"lines": [line], "address": address},
    )
    booking = Booking.objects.create(
        payment=payment,
        user=user,
        subtotal_paise=package.price_paise,
        total_paise=package.price_paise,
        address=address,
        first_date=date,
        book_id=f"BK-P{n:07d}",
    )
    BookingItem.objects.create(
        booking=booking,
        package=package,
        service_title=package.service.title,
        package_label=package.get_tier_display(),
        language=package.get_language_display(),
        date=date,
        slot=slot,
        slot_label=slot.display,
        price_paise=package.price_paise,
        priest_count=package.priest_count,
    )
    SlotHold.objects.create(
        payment=payment,
        booking=booking,
        date=date,
        slot=slot,
        priests=package.priest_count,
        state=SlotHold.State.BOOKED,
        expires_at=timezone.now() + datetime.timedelta(hours=1),
    )
    return booking


def next_weekday(weekday, *, after_days=3):
    day = timezone.localdate() + datetime.timedelta(days=after_days)
    while day.weekday() != weekday:
        day += datetime.timedelta(days=1)
    return day


class World:
    """A Hindi Ganesh puja at home and an online one, two slots, an ops user."""

    def __init__(self):
        self.category = factories.make_category(name="Ganesh", slug="ganesh")
        self.service = factories.make_service(
            category=self.category, duration_minutes=90
        )
        self.online = factories.make_service(
            category=self.category, kind="online", duration_minutes=60
        )
        self.hindi = factories.make_package(service=self.service, language="hi")
        self.tamil = factories.make_package(
            service=self.service, language="ta", tier="standard"
        )
        self.pair = factories.make_package(
            service=self.service, language="hi", tier="premium", priest_count=2
        )
        self.online_hindi = factories.make_package(service=self.online, language="hi")
        self.morning = factories.make_slot(start=datetime.time(6, 0), capacity=10)
        self.later = factories.make_slot(start=datetime.time(7, 0), capacity=10)
        self.evening = factories.make_slot(start=datetime.time(18, 0), capacity=10)
        self.slots = [self.morning, self.later, self.evening]
        self.date = next_weekday(2)  # a Wednesday

    def priest(self, **kwargs):
        kwargs.setdefault("categories", [self.category])
        kwargs.setdefault("slots", self.slots)
        return make_priest(**kwargs)


@pytest.fixture
def world(db):
    return World()
