"""An Operations staff member finds a booking, assigns a priest and cancels it with a refund.

The booking is paid on the PhonePe sandbox process, which sends its webhooks
(payment and ``pg.refund.*``) to the live server.
"""

import datetime
import time
from pathlib import Path

import pytest
from django.test import TestCase
from playwright.sync_api import expect

from checkout import services
from checkout.models import Booking, Refund
from checkout.roles import OPERATIONS, PRIESTS, ensure_staff_groups
from tests import factories
from tests.sandbox_process import SandboxProcess

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WEBHOOK_PATH = "/api/payments/webhook/phonepe/"
PASSWORD = "ops-journey-123"


@pytest.fixture
def live_phonepe(live_server, settings):
    with SandboxProcess(
        webhook_url=live_server.url + WEBHOOK_PATH,
        webhook_delay=0.1,
        webhook_retries=3,
        webhook_backoff=0.3,
        refund_step_seconds=0.3,
    ) as sandbox:
        settings.PHONEPE_ENV = "LOCAL"
        settings.PHONEPE_BASE_URL = sandbox.base_url
        settings.PHONEPE_OAUTH_URL = ""
        settings.SITE_URL = live_server.url
        yield sandbox


def wait_for_delivery(sandbox, order, event, timeout=15):
    """Wait until the sandbox has delivered ``event`` to the live server (HTTP 200)."""
    deadline = time.monotonic() + timeout
    while True:
        if any(
            d["event"] == event and d["status"] == 200 for d in sandbox.webhooks(order)
        ):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{event} for {order} not delivered: {sandbox.webhooks(order)}"
            )
        time.sleep(0.05)


def paid_booking(sandbox):
    slot = factories.make_slot(start=datetime.time(7, 30), capacity=4)
    package = factories.make_package(price_paise=310000)
    customer = factories.make_user(
        email="lakshmi.devotee@example.in", first_name="Lakshmi"
    )
    address = factories.make_address(user=customer)
    cart = factories.make_cart(
        user=customer, items=[(package, factories.booking_date(6), slot)]
    )
    payment = services.start_payment(cart=cart, user=customer, address=address)
    sandbox.settle(payment.merchant_order_id, "pay_upi")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.sync_payment(payment=payment, source="test")
    return Booking.objects.get(payment=payment)


def test_operations_assigns_a_priest_and_cancels_with_a_refund(
    live_server, live_phonepe, page
):
    groups = ensure_staff_groups()
    ops = factories.make_user(
        email="meera.ops@okpuja.in",
        password=PASSWORD,
        is_staff=True,
        first_name="Meera",
    )
    ops.groups.add(groups[OPERATIONS])
    priest = factories.make_user(
        email="pandit.sharma@okpuja.in",
        first_name="Ramesh",
        last_name="Sharma",
    )
    priest.groups.add(groups[PRIESTS])
    booking = paid_booking(live_phonepe)
    factories.roster_for_every_priest()
    order = booking.payment.merchant_order_id
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page.set_viewport_size({"width": 1600, "height": 1000})
    # Sign in.
    page.goto(live_server.url + "/admin/")
    page.get_by_label("Email or username").or_(page.get_by_label("Username")).fill(
        ops.email
    )
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#overview")).to_be_visible()
    expect(page.locator("#overview-upcoming .count")).to_have_text("1")

    # Find the booking by its book id.
    page.get_by_role("link", name="Bookings", exact=True).first.click()
    page.locator("#searchbar").fill(booking.book_id)
    page.locator("#changelist-search").get_by_role("button", name="Search").click()
    row = page.locator("#result_list tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Lakshmi")
    expect(row).to_contain_text("₹3,100.00")
    expect(row).to_contain_text("Confirmed")
    page.screenshot(path=str(SCREENSHOTS / "admin-booking-list.png"), full_page=True)
    row.get_by_role("link", name=booking.book_id).click()

    # Assign a priest on the intermediate page.
    expect(
        page.locator("h2, h1").filter(has_text=booking.book_id).first
    ).to_be_visible()
    page.locator("#tool-assign").click()
    page.get_by_label("Priest:", exact=True).select_option(
        label="Ramesh Sharma (pandit.sharma@okpuja.in)"
    )
    page.locator("#assign-submit").click()
    expect(page.locator(".messagelist")).to_contain_text("Ramesh Sharma assigned")
    expect(page.locator(".field-status")).to_contain_text("Priest assigned")
    expect(page.locator(".field-assigned_priest")).to_contain_text("Ramesh Sharma")

    # Cancel with a partial refund.
    page.locator("#tool-cancel").click()
    expect(page.get_by_label("Refund (₹)")).to_have_value("3100.00")
    page.get_by_label("Refund (₹)").fill("2500.50")
    page.get_by_label("Reason").fill("Family travelling; puja moved to a temple")
    page.locator("#cancel-submit").click()
    expect(page.locator(".messagelist")).to_contain_text("cancelled. Refund")
    expect(page.locator(".field-status")).to_contain_text("Cancelled")
    expect(page.locator(".field-refunds_display")).to_contain_text("₹2,500.50")
    expect(page.locator(".field-refundable")).to_contain_text("₹599.50")

    # PhonePe finishes the refund and says so by webhook; the page shows it.
    wait_for_delivery(live_phonepe, order, "pg.refund.completed")
    page.reload()
    expect(page.locator(".field-refunds_display .refund-completed")).to_have_text(
        "Completed"
    )
    expect(page.locator(".field-audit_display")).to_contain_text("refund.completed")
    # The tax documents: the invoice and the refund's credit note, as PDFs.
    documents = page.locator(".field-documents_display")
    expect(documents).to_contain_text("CN/")
    expect(documents).to_contain_text("₹2,500.50")
    with page.expect_download() as download:
        documents.get_by_test_id("document-pdf").last.click()
    assert download.value.suggested_filename.startswith("credit-note-CN-")
    page.screenshot(path=str(SCREENSHOTS / "admin-booking-detail.png"), full_page=True)

    refund = Refund.objects.get(booking=booking)
    assert (refund.amount_paise, refund.state) == (250050, Refund.State.COMPLETED)
    booking.refresh_from_db()
    assert (booking.status, booking.assigned_priest_id) == (
        Booking.Status.CANCELLED,
        priest.pk,
    )
