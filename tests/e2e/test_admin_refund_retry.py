"""Operations finds a refund PhonePe refused from the overview and retries it.

The booking is paid on the PhonePe sandbox process; the refused refund is
written to the database (PhonePe's refusal is not what this journey is about);
the retried refund completes on the sandbox, which says so by webhook.
"""

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from checkout.models import Refund
from checkout.roles import OPERATIONS, ensure_staff_groups
from tests import factories
from tests.fixtures import Shop

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PASSWORD = "ops-retry-123"


def test_operations_retries_a_failed_refund(live_server, live_phonepe, page):
    ops = factories.make_user(
        email="meera.ops@okpuja.in", password=PASSWORD, is_staff=True
    )
    ops.groups.add(ensure_staff_groups()[OPERATIONS])
    booking = Shop(price_paise=310000).paid_booking(
        live_phonepe, email="lakshmi.devotee@example.in"
    )
    payment = booking.payment
    failed = Refund.objects.create(
        merchant_refund_id=f"{payment.merchant_order_id}-R1",
        payment=payment,
        booking=booking,
        amount_paise=310000,
        reason=Refund.Reason.CANCELLED,
        state=Refund.State.FAILED,
        last_error="INTERNAL_SERVER_ERROR: refund could not be processed",
    )
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size({"width": 1400, "height": 900})

    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email or username").or_(page.get_by_label("Username")).fill(
        ops.email
    )
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    card = page.locator("#overview-refunds-failed")
    expect(card.locator(".count")).to_have_text("1")
    expect(card).to_have_class("card alert")
    page.screenshot(path=str(SCREENSHOTS / "admin-index-overview.png"), full_page=True)

    # The card opens the payments queue, filtered to failed refunds.
    card.get_by_role("link").click()
    expect(page).to_have_url(
        f"{live_server.url}/admin/checkout/payment/?attention=refund_failed"
    )
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(payment.merchant_order_id)
    expect(page.locator("#changelist-filter .selected").first).to_contain_text(
        "Refund failed"
    )
    page.screenshot(
        path=str(SCREENSHOTS / "admin-payments-refund-failed.png"), full_page=True
    )

    # Retry it.
    rows.locator("input.action-select").check()
    page.locator("select[name=action]").select_option("retry_refunds_action")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("of ₹3,100.00 started")
    expect(page.locator("#result_list tbody tr")).to_have_count(0)

    new = Refund.objects.exclude(pk=failed.pk).get(payment=payment)
    deadline = time.monotonic() + 15
    while new.state != Refund.State.COMPLETED:
        assert time.monotonic() < deadline, f"{new} still {new.state}"
        time.sleep(0.1)
        new.refresh_from_db()
    page.goto(f"{live_server.url}/admin/checkout/payment/{payment.pk}/change/")
    expect(page.locator(".field-refunds_display .refund-completed")).to_have_text(
        "Completed"
    )
    expect(page.locator(".field-refunds_display .refund-failed")).to_have_text("Failed")
    page.screenshot(path=str(SCREENSHOTS / "admin-payment-retried.png"), full_page=True)
