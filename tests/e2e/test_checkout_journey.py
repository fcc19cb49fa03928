"""A customer books and pays through the browser, against the sandbox process.

The sandbox delivers its webhook 3 s late, so the confirm page visibly polls.
"""

import datetime
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from checkout.models import Booking, Payment
from tests import factories
from tests.sandbox_process import SandboxProcess

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def sandbox_process():
    with SandboxProcess(
        webhook_delay=3, webhook_retries=3, webhook_backoff=0.5
    ) as process:
        yield process


@pytest.fixture
def journey(sandbox_process, live_server, settings):
    # PhonePe asked at most once a minute: the webhook, not a poll, settles.
    return open_shop(
        sandbox_process, live_server, settings, webhook_delay=3, check_seconds=60
    )


def open_shop(sandbox_process, live_server, settings, *, webhook_delay, check_seconds):
    """A shop with one puja and slot, paying through the sandbox, whose webhook
    arrives ``webhook_delay`` s late; PhonePe is asked at most every
    ``check_seconds``. Returns (live_server, the puja)."""
    sandbox_process.reset()
    sandbox_process.configure(
        webhook_url=live_server.url + "/api/payments/webhook/phonepe/",
        webhook_delay=webhook_delay,
    )
    settings.PHONEPE_BASE_URL = sandbox_process.base_url
    settings.PHONEPE_OAUTH_URL = ""
    settings.SITE_URL = live_server.url
    settings.CHECKOUT_GATEWAY_CHECK_MIN_SECONDS = check_seconds
    category = factories.make_category(name="Ganesh Puja", slug="ganesh")
    service = factories.make_service(category=category, title="Ganesh Chaturthi Puja")
    factories.make_package(service=service, price_paise=210000, priest_count=1)
    factories.make_slot(start=datetime.time(8, 0), capacity=3)
    return live_server, service


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"checkout-{name}.png"), full_page=True)


def add_to_cart(page, base_url, service):
    page.goto(f"{base_url}/")
    page.get_by_role("link", name=re.compile(service.title)).first.click()
    expect(page.get_by_role("heading", name=service.title)).to_be_visible()
    page.locator("label[for^=tier-]").first.click()
    date = (datetime.date.today() + datetime.timedelta(days=5)).isoformat()
    with page.expect_response(re.compile("/slots/")):
        page.locator("#booking-date").fill(date)
    slot = page.locator("#slots label.slot-btn").first
    expect(slot).to_be_visible()
    slot.click()
    expect(page.locator("#slots input[name=slot]").first).to_be_checked()
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#cart-badge")).to_have_text(re.compile("1"))
    fill_sankalp(page, base_url)


def fill_sankalp(page, base_url, names="Asha Sharma, Ravi Sharma"):
    """Give the cart's first line the names the priest needs for the sankalp."""
    page.goto(f"{base_url}/cart/")
    page.get_by_label(re.compile("^Names")).first.fill(names)
    page.get_by_role("button", name="Save sankalp").first.click()
    expect(page.get_by_text("The sankalp details were saved.")).to_be_visible()


def sign_up_and_add_address(page, base_url):
    page.goto(f"{base_url}/account/signup/?next=/checkout/")
    page.locator("#id_full_name").fill("Asha Sharma")
    page.locator("#id_email").fill("asha@example.in")
    page.locator("#id_phone").fill("98765 43210")
    page.locator("#id_password1").fill("puja-secret-2026")
    page.locator("#id_password2").fill("puja-secret-2026")
    page.get_by_role("button", name=re.compile("Sign up|Create account", re.I)).click()
    expect(page).to_have_url(re.compile("/checkout/"))
    page.get_by_role("link", name="Add a new address").click()
    page.locator("#id_full_name").fill("Asha Sharma")
    page.locator("#id_phone").fill("+91 98765 43210")
    page.locator("#id_line1").fill("12 Shanti Apartments, MG Road")
    page.locator("#id_city").fill("Bengaluru")
    page.locator("#id_state").select_option(label="Karnataka")
    page.locator("#id_pincode").fill("560038")
    page.get_by_role("button", name=re.compile("Save", re.I)).click()
    expect(page).to_have_url(re.compile("/checkout/"))


def test_customer_books_and_pays(page, journey):
    live_server, service = journey
    add_to_cart(page, live_server.url, service)
    sign_up_and_add_address(page, live_server.url)
    pay = page.get_by_test_id("pay-button")
    expect(pay).to_have_text(re.compile(r"Pay ₹2,100 with PhonePe"))
    shot(page, "review")

    pay.click()
    expect(page.get_by_text("₹2,100.00").first).to_be_visible()
    page.get_by_test_id("pay-upi").click()

    expect(page).to_have_url(re.compile(r"/confirmbooking/\?order=OKP-"))
    expect(page.get_by_text("Confirming your payment")).to_be_visible()
    shot(page, "confirming")
    book_id = page.get_by_test_id("book-id")
    expect(book_id).to_have_text(re.compile(r"^BK-[A-Z0-9]{8}$"), timeout=20_000)
    expect(page.get_by_test_id("booking-status")).to_have_text("Confirmed")
    shot(page, "confirmed")
    booking = Booking.objects.get()
    assert book_id.inner_text() == booking.book_id
    assert booking.payment.status == Payment.Status.SUCCESS
    page.get_by_role("link", name="My bookings").last.click()
    expect(page.get_by_text(booking.book_id)).to_be_visible()


def test_decline_then_try_again_and_pay(page, journey):
    live_server, service = journey
    add_to_cart(page, live_server.url, service)
    sign_up_and_add_address(page, live_server.url)

    page.get_by_test_id("pay-button").click()
    page.get_by_test_id("decline").click()
    expect(page.get_by_role("heading", name="Payment failed")).to_be_visible(
        timeout=20_000
    )
    expect(page.get_by_text("Nothing was charged")).to_be_visible()
    shot(page, "failed")

    page.get_by_test_id("try-again").click()
    page.get_by_test_id("pay-button").click()
    page.get_by_test_id("pay-card").click()
    expect(page.get_by_test_id("booking-status")).to_have_text(
        "Confirmed", timeout=20_000
    )
    assert Payment.objects.filter(status=Payment.Status.FAILED).count() == 1
    assert Booking.objects.count() == 1
