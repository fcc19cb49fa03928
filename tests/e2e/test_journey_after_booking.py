"""After-booking journeys in the browser, against the PhonePe sandbox process.

An online puja booked without an address (sankalp from the cart to the admin),
the invoice, credit note and calendar downloads, self-cancel in each policy band, a
reschedule beaten to the last place, coming back from PhonePe in a fresh
browser, and giving up a payment that stays pending.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import TestCase
from icalendar import Calendar
from playwright.sync_api import expect

from checkout import services
from checkout.models import Booking, Payment, Refund
from storefront.models import Cart, CartItem, Service
from tests import factories
from tests.documents import pdf_text
from tests.e2e.test_accessibility import Axe
from tests.sandbox_process import SandboxProcess

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IST = ZoneInfo("Asia/Kolkata")
PASSWORD = "puja-journey-2026"
WEBHOOK_PATH = "/api/payments/webhook/phonepe/"


@pytest.fixture(scope="module")
def sandbox_process():
    with SandboxProcess(
        webhook_delay=0.2, webhook_retries=3, webhook_backoff=0.3
    ) as process:
        yield process


@pytest.fixture
def shop(sandbox_process, live_server, settings):
    sandbox_process.reset()
    sandbox_process.configure(webhook_url=live_server.url + WEBHOOK_PATH)
    settings.PHONEPE_ENV = "LOCAL"
    settings.PHONEPE_BASE_URL = sandbox_process.base_url
    settings.PHONEPE_OAUTH_URL = ""
    settings.SITE_URL = live_server.url
    slot = factories.make_slot(start=datetime.time(8, 0), capacity=1)
    home = factories.make_package(
        service=factories.make_service(title="Satyanarayan Puja"),
        price_paise=210000,
    )
    online = factories.make_package(
        service=factories.make_service(
            title="Online Rudrabhishek", kind=Service.Kind.ONLINE
        ),
        price_paise=110100,
    )
    return {
        "url": live_server.url,
        "sandbox": sandbox_process,
        "slot": slot,
        "home": home,
        "online": online,
        "date": factories.booking_date(10),
    }


def customer(email="kavya@example.in"):
    return factories.make_user(email=email, password=PASSWORD, first_name="Kavya")


def log_in(page, base_url, user, path="/account/login/"):
    if path:
        page.goto(base_url + path)
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()


def paid_booking(shop, user, *, package=None, date=None):
    address = factories.make_address(user=user)
    cart = factories.make_cart(
        user=user,
        items=[(package or shop["home"], date or shop["date"], shop["slot"])],
    )
    payment = services.start_payment(cart=cart, user=user, address=address)
    shop["sandbox"].settle(payment.merchant_order_id, "pay_upi")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.sync_payment(payment=payment, source="test")
    return Booking.objects.get(payment=payment)


def puja_starts(shop):
    return datetime.datetime.combine(shop["date"], shop["slot"].start_time, tzinfo=IST)


def test_online_puja_without_address_and_sankalp_to_the_admin(
    page, shop, screenshot, browser
):
    user = customer()
    cart = factories.make_cart(
        user=user, items=[(shop["online"], shop["date"], shop["slot"])]
    )
    CartItem.objects.filter(cart=cart).update(sankalp={})
    log_in(page, shop["url"], user)
    page.goto(shop["url"] + "/cart/")
    expect(
        page.get_by_text("Add the names for the sankalp before you pay.")
    ).to_be_visible()
    page.get_by_label(re.compile("^Names")).fill("Kavya Nair, Arun Nair")
    page.get_by_label("Gotra (optional)").fill("Vasishtha")
    page.get_by_label("Nakshatra / rashi (optional)").fill("Ashwini")
    page.get_by_label("Occasion (optional)").fill("Arun's birthday")
    page.get_by_label("Notes for the pandit (optional)").fill("Please chant slowly.")
    page.get_by_role("button", name="Save sankalp").click()
    expect(page.get_by_text("The sankalp details were saved.")).to_be_visible()
    expect(page.get_by_test_id(re.compile("^sankalp-"))).to_contain_text(
        "Kavya Nair, Arun Nair"
    )
    screenshot("journey-cart-sankalp")

    page.get_by_role("link", name="Proceed to checkout").click()
    expect(
        page.get_by_role("heading", name="Your phone / WhatsApp number")
    ).to_be_visible()
    expect(page.get_by_text("Where will the puja happen?")).to_have_count(0)
    expect(page.get_by_text("No home address is needed.")).to_be_visible()
    page.get_by_label("Mobile number").fill("12345")
    page.get_by_test_id("pay-button").click()
    expect(page.get_by_text("Please enter a phone / WhatsApp number")).to_be_visible()
    assert not Payment.objects.exists()
    # The online checkout (no address, a phone for the video link), with its error.
    axe = Axe(page)
    axe.check("checkout: online puja, phone error")
    axe.assert_clean()
    page.get_by_label("Mobile number").fill("98470 12345")
    screenshot("journey-checkout-online")
    page.get_by_test_id("pay-button").click()
    page.get_by_test_id("pay-upi").click()
    expect(page.get_by_test_id("book-id")).to_be_visible(timeout=20_000)
    expect(page.get_by_test_id("timeline")).to_contain_text("Pandit assigned")
    expect(page.get_by_test_id("booking-sankalp")).to_contain_text("Vasishtha")
    screenshot("journey-confirmed")
    booking = Booking.objects.get()
    assert booking.contact_phone == "+919847012345"
    assert booking.address == {
        "places": [{"kind": "online"}],
        "lines": ["Online (video call)"],
    }

    # Staff see the sankalp on the booking in the admin.
    factories.make_user(
        email="root@okpuja.in", password=PASSWORD, is_staff=True, is_superuser=True
    )
    staff = browser.new_context()
    admin = staff.new_page()
    admin.goto(shop["url"] + "/admin/")
    admin.get_by_label(re.compile("Email or username|Username")).fill("root@okpuja.in")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.goto(shop["url"] + f"/admin/checkout/booking/{booking.pk}/change/")
    expect(admin.locator(".field-sankalp_details").first).to_contain_text(
        "Kavya Nair, Arun Nair; gotra: Vasishtha; nakshatra / rashi: Ashwini"
    )
    staff.close()


def test_invoice_and_calendar_for_the_owner_only(page, shop, screenshot, browser):
    user = customer()
    booking = paid_booking(shop, user)
    log_in(
        page,
        shop["url"],
        user,
        path=f"/account/login/?next=/bookings/{booking.book_id}/",
    )
    expect(
        page.get_by_role("heading", name=f"Booking {booking.book_id}")
    ).to_be_visible()
    expect(page.get_by_test_id("booking-status")).to_have_text("Confirmed")
    screenshot("journey-booking-detail")

    with page.expect_download() as download:
        page.get_by_test_id("download-invoice").click()
    pdf = download.value
    assert pdf.suggested_filename.startswith("invoice-OKP-")
    with open(pdf.path(), "rb") as handle:
        text = pdf_text(handle.read())
    assert "TAX INVOICE" in text and "₹2,100.00" in text

    with page.expect_download() as download:
        page.get_by_test_id("add-to-calendar").click()
    with open(download.value.path(), "rb") as handle:
        calendar = Calendar.from_ical(handle.read())
    [event] = calendar.walk("VEVENT")
    assert event.decoded("DTSTART") == puja_starts(shop)
    assert "Bengaluru" in str(event["LOCATION"])
    href = page.get_by_test_id("share-whatsapp").get_attribute("href")
    assert href.startswith("https://wa.me/?text=") and booking.book_id in href

    other = browser.new_context()
    stranger = other.new_page()
    log_in(stranger, shop["url"], customer("intruder@example.in"))
    response = stranger.goto(shop["url"] + f"/bookings/{booking.book_id}/invoice/")
    assert response.status == 404
    other.close()


@pytest.mark.parametrize(
    ("band", "hours_before", "percent"),
    [("full", 72, 100), ("half", 30, 50), ("none", 10, 0)],
)
def test_self_cancel_in_each_policy_band(
    page, shop, screenshot, band, hours_before, percent
):
    user = customer()
    booking = paid_booking(shop, user)
    expected = 210000 * percent // 100
    moment = puja_starts(shop) - datetime.timedelta(hours=hours_before)
    with time_machine.travel(moment, tick=True):
        log_in(
            page,
            shop["url"],
            user,
            path=f"/account/login/?next=/bookings/{booking.book_id}/",
        )
        page.get_by_test_id("cancel-booking").click()
        amount = page.get_by_test_id("refund-amount")
        if percent:
            expect(amount).to_contain_text(f"₹{expected // 100:,}")
        else:
            expect(amount).to_contain_text("you get nothing back")
        screenshot(f"journey-cancel-{band}")
        page.get_by_test_id("confirm-cancel").click()
        status = page.get_by_test_id("booking-status")
        if percent:
            expect(status).to_contain_text(
                re.compile(
                    rf"Cancelled · refund ₹{expected // 100:,}\.00 (pending|completed)"
                )
            )
        else:
            expect(status).to_have_text("Cancelled · no refund")
        expect(status).not_to_have_class(re.compile("text-bg-success"))
        screenshot(f"journey-cancelled-{band}")
        credit_note = page.get_by_test_id("download-credit-note")
        if percent:
            with page.expect_download() as download:
                credit_note.click()
            assert download.value.suggested_filename.startswith("credit-note-CN-")
            with open(download.value.path(), "rb") as handle:
                text = pdf_text(handle.read())
            assert "CREDIT NOTE" in text and f"₹{expected // 100:,}.00" in text
        else:
            expect(credit_note).to_have_count(0)
        if band == "half":
            page.get_by_role("link", name="My bookings").first.click()
            expect(page.get_by_text(booking.book_id)).to_be_visible()
            screenshot("journey-my-bookings-cancelled")
    at_phonepe = shop["sandbox"].order(booking.payment.merchant_order_id)["refunds"]
    assert [r["amount"] for r in at_phonepe] == ([expected] if percent else [])
    assert [r.amount_paise for r in Refund.objects.all()] == (
        [expected] if percent else []
    )


def test_reschedule_into_a_slot_that_filled_up_is_refused(page, shop, screenshot):
    user = customer()
    booking = paid_booking(shop, user)
    later = shop["date"] + datetime.timedelta(days=1)
    log_in(
        page,
        shop["url"],
        user,
        path=f"/account/login/?next=/bookings/{booking.book_id}/",
    )
    page.get_by_test_id("reschedule").click()
    page.get_by_label(re.compile("^New date")).fill(later.isoformat())
    page.get_by_role("button", name="Show free times").click()
    page.get_by_label(re.compile("1 free")).check()
    screenshot("journey-reschedule")
    # Someone else books the last place while the customer decides.
    paid_booking(shop, customer("rival@example.in"), date=later)
    page.get_by_test_id("confirm-reschedule").click()
    expect(page.get_by_test_id("reschedule-error")).to_contain_text("is full")
    expect(page.get_by_label(re.compile("Full"))).to_be_disabled()
    assert booking.items.get().date == shop["date"]


def test_return_from_phonepe_in_a_fresh_browser(page, shop, browser, screenshot):
    user = customer()
    address = factories.make_address(user=user)
    cart = factories.make_cart(
        user=user, items=[(shop["home"], shop["date"], shop["slot"])]
    )
    payment = services.start_payment(cart=cart, user=user, address=address)
    fresh = browser.new_context()
    phone = fresh.new_page()
    phone.goto(payment.page_url)
    phone.get_by_test_id("pay-upi").click()
    expect(phone).to_have_url(re.compile(r"/account/login/\?next=/confirmbooking/"))
    log_in(phone, shop["url"], user, path=None)
    expect(phone).to_have_url(re.compile(r"/confirmbooking/\?order=OKP-"))
    expect(phone.get_by_test_id("book-id")).to_be_visible(timeout=20_000)
    fresh.close()
    # Someone else signing in with the link gets nothing.
    other = browser.new_context()
    stranger = other.new_page()
    stranger.goto(shop["url"] + payment.get_absolute_url())
    log_in(stranger, shop["url"], customer("stranger@example.in"), path=None)
    expect(stranger).to_have_title(re.compile("Page not found"))
    other.close()


def test_cancel_a_payment_that_stays_pending(page, shop, screenshot):
    user = customer()
    address = factories.make_address(user=user)
    cart = factories.make_cart(
        user=user, items=[(shop["home"], shop["date"], shop["slot"])]
    )
    payment = services.start_payment(cart=cart, user=user, address=address)
    log_in(
        page,
        shop["url"],
        user,
        path=f"/account/login/?next={payment.get_absolute_url()}",
    )
    expect(page.get_by_text("Confirming your payment")).to_be_visible()
    with time_machine.travel(
        payment.created_at + datetime.timedelta(seconds=35), tick=True
    ):
        page.reload()
        expect(page.get_by_test_id("long-pending")).to_contain_text(
            "taking longer than usual"
        )
        expect(page.get_by_test_id("return-to-phonepe")).to_have_attribute(
            "href", payment.page_url
        )
        screenshot("journey-pending-long")
        page.get_by_test_id("cancel-payment").click()
        expect(page.get_by_role("heading", name="Payment failed")).to_be_visible()
        expect(page.get_by_text("You cancelled this payment.")).to_be_visible()
        screenshot("journey-payment-cancelled")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.FAILED
    assert Cart.objects.get(pk=cart.pk).status == Cart.Status.OPEN
    assert not payment.holds.filter(state="held").exists()
