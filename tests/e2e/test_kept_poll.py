"""A customer waits on the confirm page while PhonePe's webhook is late: the
repeated status polls are answered from kept responses (checkout/fast_poll.py,
in front of Django as config/wsgi.py puts it; see tests/e2e/conftest.py), and
the page goes on showing the wait, then the booking."""

import re

import pytest
from playwright.sync_api import expect

from checkout.models import Booking
from tests.e2e.test_checkout_journey import (
    add_to_cart,
    open_shop,
    sign_up_and_add_address,
)
from tests.sandbox_process import SandboxProcess

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

WEBHOOK_DELAY = 9


@pytest.fixture(scope="module")
def sandbox_process():
    with SandboxProcess(webhook_delay=WEBHOOK_DELAY) as process:
        yield process


@pytest.fixture
def shop(sandbox_process, live_server, settings):
    # No PhonePe check falls due while the customer waits: every poll after
    # the first of an answer may be answered from the kept response.
    return open_shop(
        sandbox_process,
        live_server,
        settings,
        webhook_delay=WEBHOOK_DELAY,
        check_seconds=600,
    )


def test_the_wait_is_shown_by_kept_answers_until_the_booking(page, shop):
    live_server, service = shop
    add_to_cart(page, live_server.url, service)
    sign_up_and_add_address(page, live_server.url)
    page.get_by_test_id("pay-button").click()
    page.get_by_test_id("pay-upi").click()
    expect(page).to_have_url(re.compile(r"/confirmbooking/\?order=OKP-"))

    # Three polls while the webhook is still on its way: the first goes
    # through Django and is kept, the next two are answered from it.
    waiting = page.get_by_role("heading", name="Confirming your payment…")
    for _ in range(3):
        with page.expect_response(
            lambda r: (
                "/confirmbooking/" in r.url and r.request.headers.get("hx-request")
            )
        ) as polled:
            pass
        assert polled.value.status == 200
        assert "Confirming your payment" in polled.value.text()
        expect(waiting).to_be_visible()
    assert not Booking.objects.exists()

    expect(page.get_by_test_id("booking-status")).to_have_text(
        "Confirmed", timeout=20_000
    )
    assert page.get_by_test_id("book-id").inner_text() == Booking.objects.get().book_id
