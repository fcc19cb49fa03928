"""Fixtures for the staff side: staff of each role and bookings made fast.

The PhonePe sandbox, ``shop`` and ``paid_booking`` come from ``tests/fixtures.py``.
"""

import datetime
import itertools

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from checkout.models import Booking, BookingItem, Payment, Refund
from checkout.roles import OPERATIONS, PRIESTS, SUPPORT, ensure_staff_groups
from tests import factories

PASSWORD = "staff-pw-123"

_orders = itertools.count(1)


class Staff:
    """One user per role, made through the real groups (``checkout.roles``)."""

    def __init__(self):
        groups = ensure_staff_groups()
        self.ops = self._staff("ops", groups[OPERATIONS], first_name="Meera")
        self.support = self._staff("support", groups[SUPPORT], first_name="Ravi")
        # Priests are not staff: they use the priest portal, not the admin.
        self.priest = self._staff(
            "pandit.sharma",
            groups[PRIESTS],
            first_name="Ramesh",
            last_name="Sharma",
            is_staff=False,
        )
        self.priest2 = self._staff(
            "pandit.iyer",
            groups[PRIESTS],
            first_name="Venkatesh",
            last_name="Iyer",
            is_staff=False,
        )
        self.customer = factories.make_user(
            email="devotee@example.in", password=PASSWORD
        )
        self.superuser = factories.make_user(
            email="root@okpuja.in", password=PASSWORD, is_staff=True, is_superuser=True
        )
        factories.roster_for_every_priest()

    @staticmethod
    def _staff(name, group, **extra):
        extra.setdefault("is_staff", True)
        user = factories.make_user(
            email=f"{name}@okpuja.in", password=PASSWORD, **extra
        )
        user.groups.add(group)
        return user

    def role(self, name):
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture
def staff(db):
    return Staff()


def make_bookings_fast(
    *, count, service_title="Ganesh Puja", days_ahead=5, **booking_extra
):
    """Create paid bookings straight in the database (for list and query-count tests)."""
    user = factories.make_user()
    package = factories.make_package()
    slot = factories.make_slot(start=datetime.time(6, next(_orders) % 60))
    cart = factories.make_cart(user=user)
    date = timezone.localdate() + datetime.timedelta(days=days_ahead)
    stamp = next(_orders)
    payments = Payment.objects.bulk_create(
        Payment(
            merchant_order_id=f"OKP-FAST-{stamp}-{n}",
            user=user,
            cart=cart,
            amount_paise=150100,
            status=Payment.Status.SUCCESS,
            resolution=Payment.Resolution.BOOKED,
        )
        for n in range(count)
    )
    bookings = Booking.objects.bulk_create(
        Booking(
            payment=payment,
            user=user,
            subtotal_paise=150100,
            total_paise=150100,
            address={
                "full_name": "Asha",
                "phone": "+919876543210",
                "lines": ["MG Road"],
            },
            first_date=date,
            book_id=f"BK-F{stamp:03d}{n:04d}"[:11],
            **booking_extra,
        )
        for n, payment in enumerate(payments)
    )
    BookingItem.objects.bulk_create(
        BookingItem(
            booking=booking,
            package=package,
            service_title=service_title,
            package_label="Basic",
            language="Hindi",
            date=date,
            slot=slot,
            slot_label="6:00 AM",
            price_paise=150100,
            priest_count=1,
        )
        for booking in bookings
    )
    return bookings


def group(name):
    return Group.objects.get(name=name)


def make_failed_refund(*, payment, booking=None, amount_paise=None, number=1):
    """A refund PhonePe refused, written straight to the database."""
    return Refund.objects.create(
        merchant_refund_id=f"{payment.merchant_order_id}-R{number}",
        payment=payment,
        booking=booking,
        amount_paise=payment.amount_paise if amount_paise is None else amount_paise,
        reason=Refund.Reason.CANCELLED,
        note="Family emergency",
        state=Refund.State.FAILED,
        last_error="TRANSACTION_NOT_FOUND: No transaction found for this refund",
    )
