"""Fixtures for the staff side: the PhonePe sandbox, staff of each role, paid bookings."""

import datetime
import hashlib
import itertools

import pytest
from django.contrib.auth.models import Group
from django.test import TestCase
from django.utils import timezone

from checkout import services
from checkout.models import Booking, BookingItem, Payment
from checkout.roles import OPERATIONS, PRIESTS, SUPPORT, ensure_staff_groups
from tests import factories
from tests.sandbox_process import SandboxProcess

WEBHOOK_PATH = "/api/payments/webhook/phonepe/"
GOOD_AUTH = hashlib.sha256(b"okpuja_webhook:okpuja12345").hexdigest()
PASSWORD = "staff-pw-123"

_orders = itertools.count(1)


@pytest.fixture(scope="session")
def sandbox():
    """One PhonePe sandbox process for the session; webhooks are recorded, not sent."""
    with SandboxProcess(
        webhook_url=None, webhook_delay=0.05, webhook_retries=0, refund_step_seconds=0.1
    ) as process:
        yield process


@pytest.fixture
def phonepe(sandbox, settings):
    """The sandbox, reset, with the storefront's PhonePe client pointed at it."""
    sandbox.reset()
    sandbox.clear_faults()
    sandbox.configure(webhook_url=None)
    settings.PHONEPE_ENV = "LOCAL"
    settings.PHONEPE_BASE_URL = sandbox.base_url
    settings.PHONEPE_OAUTH_URL = ""
    settings.PHONEPE_TIMEOUT_SECONDS = 2
    settings.SITE_URL = "http://testserver"
    return sandbox


class Staff:
    """One user per role, made through the real groups (``checkout.roles``)."""

    def __init__(self):
        groups = ensure_staff_groups()
        self.ops = self._staff("ops", groups[OPERATIONS], first_name="Meera")
        self.support = self._staff("support", groups[SUPPORT], first_name="Ravi")
        self.priest = self._staff(
            "pandit.sharma", groups[PRIESTS], first_name="Ramesh", last_name="Sharma"
        )
        self.priest2 = self._staff(
            "pandit.iyer", groups[PRIESTS], first_name="Venkatesh", last_name="Iyer"
        )
        self.customer = factories.make_user(
            email="devotee@example.in", password=PASSWORD
        )
        self.superuser = factories.make_user(
            email="root@okpuja.in", password=PASSWORD, is_staff=True, is_superuser=True
        )

    @staticmethod
    def _staff(name, group, **extra):
        user = factories.make_user(
            email=f"{name}@okpuja.in", password=PASSWORD, is_staff=True, **extra
        )
        user.groups.add(group)
        return user

    def role(self, name):
        return None if name == "anonymous" else getattr(self, name)


@pytest.fixture
def staff(db):
    return Staff()


class Shop:
    """A slot and a package; pays for bookings through the real money path."""

    def __init__(self, *, price_paise=210000):
        self.slot = factories.make_slot(start=datetime.time(8, 0), capacity=10)
        self.package = factories.make_package(price_paise=price_paise)

    def start(self, *, days_ahead=10, email=None):
        user = factories.make_user(email=email)
        address = factories.make_address(user=user)
        cart = factories.make_cart(
            user=user,
            items=[(self.package, factories.booking_date(days_ahead), self.slot)],
        )
        return services.start_payment(cart=cart, user=user, address=address)

    def paid_booking(self, sandbox, **kwargs):
        """Pay on the sandbox and settle through ``sync_payment``; return the booking."""
        payment = self.start(**kwargs)
        sandbox.settle(payment.merchant_order_id, "pay_upi")
        # Run the after-commit work (the confirmation email) as a real commit would.
        with TestCase.captureOnCommitCallbacks(execute=True):
            payment = services.sync_payment(payment=payment, source="test")
        assert payment.status == Payment.Status.SUCCESS, payment.failure_reason
        return Booking.objects.select_related("payment", "user").get(payment=payment)


@pytest.fixture
def shop(db):
    return Shop()


@pytest.fixture
def paid_booking(shop, phonepe):
    return shop.paid_booking(phonepe)


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
