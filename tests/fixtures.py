"""Fixtures shared by the checkout and staff tests: the real PhonePe sandbox
process, the storefront's client pointed at it, and a shop that pays through
the real money path.

Registered for the whole suite through ``pytest_plugins`` in ``tests/conftest.py``.
"""

import datetime
import hashlib

import pytest
from django.core import mail
from django.test import TestCase

from checkout import services
from checkout.models import Booking, Payment
from tests import factories
from tests.sandbox_process import SandboxProcess

WEBHOOK_PATH = "/api/payments/webhook/phonepe/"
GOOD_AUTH = hashlib.sha256(b"okpuja_webhook:okpuja12345").hexdigest()


@pytest.fixture(scope="session")
def sandbox():
    """One PhonePe sandbox process for the session.

    Webhooks are recorded but not sent until a test points them somewhere
    (``live_phonepe``); ``phonepe`` puts every setting back before each test.
    """
    with SandboxProcess(
        webhook_url=None,
        webhook_delay=0.05,
        webhook_retries=3,
        webhook_backoff=0.3,
        refund_step_seconds=0.2,
    ) as process:
        yield process


@pytest.fixture
def phonepe(sandbox, settings):
    """The sandbox, reset (orders, faults, settings), with the storefront's client on it."""
    sandbox.reset()
    settings.PHONEPE_ENV = "LOCAL"
    settings.PHONEPE_BASE_URL = sandbox.base_url
    settings.PHONEPE_OAUTH_URL = ""
    settings.PHONEPE_TIMEOUT_SECONDS = 2
    settings.SITE_URL = "http://testserver"
    yield sandbox
    # Before the test's data goes: stop its deliveries and wait for any on the
    # wire, so none reaches a live server while the next test runs.
    sandbox.reset()


@pytest.fixture
def live_phonepe(phonepe, live_server, settings):
    """The sandbox delivering webhooks to a live server running the storefront."""
    settings.SITE_URL = live_server.url
    phonepe.configure(webhook_url=live_server.url + WEBHOOK_PATH)
    return phonepe


class Shop:
    """One slot and one package; customers with an address and a filled cart."""

    def __init__(self, *, capacity=2, priest_count=1, price_paise=210000):
        self.slot = factories.make_slot(start=datetime.time(8, 0), capacity=capacity)
        self.package = factories.make_package(
            price_paise=price_paise, priest_count=priest_count
        )
        self.date = factories.booking_date(10)
        # Staff priests (tests/admin) can take this puja.
        factories.roster_for_every_priest()

    def customer(self, *, email=None):
        user = factories.make_user(email=email)
        address = factories.make_address(user=user)
        cart = factories.make_cart(
            user=user, items=[(self.package, self.date, self.slot)]
        )
        return user, cart, address

    def start(self, *, email=None):
        """Press "Pay": return the PENDING payment."""
        user, cart, address = self.customer(email=email)
        return services.start_payment(cart=cart, user=user, address=address)

    def paid_booking(self, sandbox, *, email=None):
        """Pay on the sandbox and settle through ``sync_payment``; return the booking."""
        payment = self.start(email=email)
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


def confirmation_emails(booking=None):
    """Return the subjects of the booking confirmations sent (for ``booking``)."""
    subjects = [
        m.subject for m in mail.outbox if m.subject.startswith("Your puja is booked")
    ]
    if booking is not None:
        subjects = [s for s in subjects if booking.book_id in s]
    return subjects
