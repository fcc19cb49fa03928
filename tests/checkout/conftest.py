"""Fixtures for the money path: the real PhonePe sandbox process and a ready cart."""

import datetime
import hashlib

import pytest
from django.core import mail

from checkout import services
from tests import factories
from tests.sandbox_process import SandboxProcess

WEBHOOK_PATH = "/api/payments/webhook/phonepe/"
GOOD_AUTH = hashlib.sha256(b"okpuja_webhook:okpuja12345").hexdigest()


@pytest.fixture(scope="session")
def sandbox():
    with SandboxProcess(
        webhook_delay=0.1,
        webhook_retries=3,
        webhook_backoff=0.3,
        refund_step_seconds=0.2,
    ) as process:
        yield process


@pytest.fixture
def phonepe(sandbox, settings):
    """The sandbox, reset, with the storefront's client pointed at it."""
    sandbox.reset()
    settings.PHONEPE_ENV = "LOCAL"
    settings.PHONEPE_BASE_URL = sandbox.base_url
    settings.PHONEPE_OAUTH_URL = ""
    settings.PHONEPE_TIMEOUT_SECONDS = 1
    settings.SITE_URL = "http://testserver"
    return sandbox


@pytest.fixture
def live_phonepe(phonepe, live_server, settings):
    """The sandbox delivering webhooks to a live server running the storefront."""
    settings.SITE_URL = live_server.url
    phonepe.configure(webhook_url=live_server.url + WEBHOOK_PATH)
    return phonepe


class Shop:
    """One slot, one package and a customer with an address and a filled cart."""

    def __init__(self, *, capacity=2, priest_count=1, price_paise=210000):
        self.slot = factories.make_slot(start=datetime.time(8, 0), capacity=capacity)
        self.package = factories.make_package(
            price_paise=price_paise, priest_count=priest_count
        )
        self.date = factories.booking_date(10)

    def customer(self, *, email=None):
        user = factories.make_user(email=email)
        address = factories.make_address(user=user)
        cart = factories.make_cart(
            user=user, items=[(self.package, self.date, self.slot)]
        )
        return user, cart, address

    def start(self, *, email=None):
        user, cart, address = self.customer(email=email)
        payment = services.start_payment(cart=cart, user=user, address=address)
        return payment


@pytest.fixture
def shop(db):
    return Shop()


def confirmation_emails(booking=None):
    subjects = [
        m.subject for m in mail.outbox if m.subject.startswith("Your puja is booked")
    ]
    if booking is not None:
        subjects = [s for s in subjects if booking.book_id in s]
    return subjects
