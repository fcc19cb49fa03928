"""axe-core finds no serious or critical violation on any storefront or checkout page.

Every page is checked at phone (390x844) and desktop (1280x800) size, in the
states a customer sees: empty and filled, before and after htmx swaps, with
errors, signed in and out, after paying through the sandbox process.
"""

import datetime
import json
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from storefront.models import Package, TimeSlot
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOT_DIR
from tests.sandbox_process import SandboxProcess

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js").read_text()
BLOCKING = {"serious", "critical"}


class Axe:
    """Run axe-core on the current page at both sizes and collect what blocks."""

    def __init__(self, page):
        self.page = page
        self.checked = []
        self.problems = []

    def check(self, label):
        # evaluate() runs outside the page's Content-Security-Policy.
        if not self.page.evaluate("typeof window.axe !== 'undefined'"):
            self.page.evaluate(AXE)
        # Check what the customer sees once htmx has swapped and settled.
        # (Polled with evaluate(): wait_for_function evaluates a string, which
        # the page's CSP rightly refuses.)
        for _ in range(200):
            if self.page.evaluate(
                "!document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')"
            ):
                break
            self.page.wait_for_timeout(50)
        original = self.page.viewport_size
        for size_name, size in (("phone", PHONE), ("desktop", DESKTOP)):
            self.page.set_viewport_size(size)
            result = self.page.evaluate(
                "async () => (await axe.run(document, {resultTypes: ['violations']}))"
                ".violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
                " nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' '"
                " + JSON.stringify(n.any.concat(n.all).map(c => c.data)))}))"
            )
            for violation in result:
                if violation["impact"] in BLOCKING:
                    self.problems.append(
                        {"page": label, "size": size_name, **violation}
                    )
            # Keep what was checked, to look at: test-artifacts/screenshots/a11y-*.
            SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
            name = re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-")
            self.page.evaluate("window.scrollTo(0, 0)")
            self.page.screenshot(
                path=str(SCREENSHOT_DIR / f"a11y-{name}-{size_name}.png"),
                full_page=True,
            )
        self.checked.append(label)
        self.page.set_viewport_size(original)

    def assert_clean(self):
        assert self.problems == [], json.dumps(
            self.problems, indent=1, ensure_ascii=False
        )


@pytest.fixture(scope="module")
def sandbox_process():
    with SandboxProcess(webhook_delay=0) as process:
        yield process


@pytest.fixture
def shop(sandbox_process, live_server, settings):
    sandbox_process.reset()
    sandbox_process.configure(
        webhook_url=live_server.url + "/api/payments/webhook/phonepe/"
    )
    settings.PHONEPE_BASE_URL = sandbox_process.base_url
    settings.PHONEPE_OAUTH_URL = ""
    settings.SITE_URL = live_server.url
    ganesh = factories.make_category(name="Ganesh Puja", slug="ganesh")
    havan = factories.make_category(name="Havan & Homam", slug="havan")
    service = factories.make_service(category=ganesh, title="Ganesh Puja")
    for tier, price in ((Package.Tier.BASIC, 140100), (Package.Tier.PREMIUM, 510000)):
        for language in ("hi", "ta"):
            factories.make_package(
                service=service, tier=tier, language=language, price_paise=price
            )
    homam = factories.make_service(category=havan, title="Ganapati Homam")
    factories.make_package(service=homam, price_paise=310100)
    factories.make_slot(start=datetime.time(8, 0), capacity=3, label="Pratah")
    factories.make_slot(start=datetime.time(18, 0), capacity=1)
    factories.make_promo(code="FIRSTPUJA", percent=10)
    factories.make_policy_pages()
    return live_server, service


def test_no_serious_violations_on_any_storefront_or_checkout_page(page, shop):
    live_server, service = shop
    base = live_server.url
    axe = Axe(page)
    page.set_viewport_size(PHONE)

    page.goto(base + "/")
    axe.check("catalog")
    page.get_by_label("Search pujas").fill("havan")
    expect(page.locator("#results article")).to_have_count(1)
    axe.check("catalog: search results (htmx)")
    page.goto(base + "/?q=nothing-matches")
    axe.check("catalog: nothing found")
    for slug in ("about", "terms", "privacy", "cancellation-refund"):
        page.goto(f"{base}/pages/{slug}/")
        axe.check(f"page {slug}")

    page.goto(base + service.get_absolute_url())
    axe.check("service")
    page.get_by_test_id("book-bar").get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("book-bar")).to_contain_text("Please choose a date")
    axe.check("service: errors (htmx)")
    day = factories.booking_date(3).isoformat()
    page.locator(f"#day-{day}").click()
    expect(page.locator("#slots")).to_contain_text("priests free")
    expect(page.locator("#add-errors")).to_have_count(0)
    expect(page.get_by_test_id("book-bar")).to_contain_text("Basic · Hindi")
    axe.check("service: times (htmx)")
    page.locator("label[for^=slot-]").first.click()
    page.get_by_test_id("book-bar").get_by_role("button", name="Add to cart").click()
    expect(page.get_by_test_id("book-bar")).to_contain_text("Added to your cart")
    axe.check("service: added (htmx)")

    page.goto(base + "/cart/")
    axe.check("cart")
    page.get_by_label("Have a promo code?").fill("FIRSTPUJA")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#cart-summary")).to_contain_text("applied")
    axe.check("cart: promo applied (htmx)")
    page.get_by_label(re.compile("^Names")).first.fill("Asha Sharma, Ravi Sharma")
    page.get_by_role("button", name="Save sankalp").first.click()
    expect(page.get_by_text("The sankalp details were saved.")).to_be_visible()
    axe.check("cart: sankalp saved")

    page.goto(base + "/account/login/")
    axe.check("login")
    page.get_by_role("button", name="Log in").click()
    axe.check("login: errors")
    page.goto(base + "/account/password-reset/")
    axe.check("password reset")
    page.goto(base + "/account/signup/?next=/checkout/")
    page.get_by_role("button", name=re.compile("Sign up|Create account", re.I)).click()
    axe.check("signup: errors")
    page.locator("#id_full_name").fill("Asha Sharma")
    page.locator("#id_email").fill("asha@example.in")
    page.locator("#id_phone").fill("98765 43210")
    page.locator("#id_password1").fill("puja-secret-2026")
    page.locator("#id_password2").fill("puja-secret-2026")
    page.get_by_role("button", name=re.compile("Sign up|Create account", re.I)).click()
    expect(page).to_have_url(re.compile("/checkout/"))
    axe.check("checkout: no address")

    page.get_by_role("link", name="Add a new address").click()
    page.get_by_role("button", name=re.compile("Save", re.I)).click()
    axe.check("address form: errors")
    page.locator("#id_full_name").fill("Asha Sharma")
    page.locator("#id_phone").fill("+91 98765 43210")
    page.locator("#id_line1").fill("12 Shanti Apartments, MG Road")
    page.locator("#id_city").fill("Bengaluru")
    page.locator("#id_state").select_option(label="Karnataka")
    page.locator("#id_pincode").fill("560038")
    page.get_by_role("button", name=re.compile("Save", re.I)).click()
    expect(page).to_have_url(re.compile("/checkout/"))
    axe.check("checkout")
    page.goto(base + "/account/addresses/")
    axe.check("addresses")

    page.goto(base + "/checkout/")
    page.get_by_test_id("pay-button").click()
    page.get_by_test_id("pay-upi").click()
    expect(page).to_have_url(re.compile(r"/confirmbooking/\?order=OKP-"))
    expect(page.get_by_test_id("booking-status")).to_have_text(
        re.compile("confirmed", re.I), timeout=20_000
    )
    axe.check("confirm: booked")
    page.goto(base + "/bookings/")
    axe.check("my bookings")
    page.get_by_role("link", name=re.compile("BK-")).first.click()
    axe.check("booking detail")

    assert len(axe.checked) >= 24
    axe.assert_clean()


def _paid_booking(sandbox_process, *, user, package, slot, date):
    from django.test import TestCase

    from checkout import services
    from checkout.models import Booking

    address = factories.make_address(user=user)
    cart = factories.make_cart(user=user, items=[(package, date, slot)])
    payment = services.start_payment(cart=cart, user=user, address=address)
    sandbox_process.settle(payment.merchant_order_id, "pay_upi")
    with TestCase.captureOnCommitCallbacks(execute=True):
        services.sync_payment(payment=payment, source="test")
    return Booking.objects.get(payment=payment)


def test_no_serious_violations_after_booking_and_on_the_other_pages(
    page, shop, sandbox_process
):
    """Self-service cancel and reschedule, a cancelled booking, a payment that
    stays pending and one given up, the password-reset steps, API tokens, the
    404 page, and the main pages in Hindi."""
    import time_machine
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    from checkout import refunds, services
    from checkout.models import Refund

    live_server, service = shop
    base = live_server.url
    axe = Axe(page)
    page.set_viewport_size(PHONE)
    package = service.packages.order_by("price_paise").first()
    slot = TimeSlot.objects.get(start_time=datetime.time(8, 0))
    user = factories.make_user(email="kavya@example.in", password="puja-a11y-2026")
    date = factories.booking_date(10)
    booking = _paid_booking(
        sandbox_process, user=user, package=package, slot=slot, date=date
    )

    page.goto(f"{base}/account/login/?next=/bookings/{booking.book_id}/")
    page.locator("#id_username").fill(user.email)
    page.locator("#id_password").fill("puja-a11y-2026")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("booking-status")).to_have_text("Confirmed")

    page.get_by_test_id("reschedule").click()
    axe.check("reschedule")
    page.get_by_label(re.compile("^New date")).fill(
        (date + datetime.timedelta(days=1)).isoformat()
    )
    page.get_by_role("button", name="Show free times").click()
    expect(page.get_by_test_id("confirm-reschedule")).to_be_visible()
    axe.check("reschedule: free times")
    page.goto(f"{base}/bookings/{booking.book_id}/reschedule/?date=2099-01-01")
    expect(page.get_by_test_id("reschedule-error")).to_be_visible()
    axe.check("reschedule: error")

    page.goto(f"{base}/bookings/{booking.book_id}/")
    page.get_by_test_id("cancel-booking").click()
    expect(page.get_by_test_id("refund-amount")).to_be_visible()
    axe.check("cancel: full refund")
    # Staff refunded part of it as a goodwill gesture: the page says so.
    refunds.request_refund(
        payment=booking.payment,
        amount_paise=50000,
        reason=Refund.Reason.OTHER,
        note="Goodwill",
        booking=booking,
    )
    page.reload()
    expect(page.get_by_test_id("refunded-before")).to_be_visible()
    axe.check("cancel: refunded before")
    page.get_by_test_id("confirm-cancel").click()
    expect(page.get_by_test_id("booking-status")).to_contain_text("Cancelled")
    axe.check("booking detail: cancelled")
    page.goto(f"{base}/bookings/{booking.book_id}/cancel/")
    axe.check("cancel: no longer possible")
    page.goto(f"{base}/bookings/")
    axe.check("my bookings: cancelled")

    # A payment that stays pending, then is given up.
    cart = factories.make_cart(user=user, items=[(package, date, slot)])
    payment = services.start_payment(
        cart=cart, user=user, address=user.addresses.first()
    )
    page.goto(base + payment.get_absolute_url())
    expect(page.get_by_text("Confirming your payment")).to_be_visible()
    axe.check("confirm: pending")
    with time_machine.travel(
        payment.created_at + datetime.timedelta(seconds=35), tick=True
    ):
        page.reload()
        expect(page.get_by_test_id("long-pending")).to_be_visible()
        axe.check("confirm: pending for long")
        # A keyboard user on "Cancel this payment" keeps it through the polls.
        cancel = page.get_by_test_id("cancel-payment")
        cancel.focus()
        region = page.locator("#booking-status")
        for _poll in range(2):
            # Mark the region; the next poll replaces it with an unmarked one.
            region.evaluate("element => element.setAttribute('data-seen', '')")
            expect(page.locator("#booking-status[data-seen]")).to_have_count(
                0, timeout=10_000
            )
            expect(cancel).to_be_focused()
        page.get_by_test_id("cancel-payment").click()
        expect(page.get_by_role("heading", name="Payment failed")).to_be_visible()
        axe.check("confirm: payment cancelled")

    page.goto(f"{base}/account/api-tokens/")
    axe.check("api tokens")
    page.goto(f"{base}/no-such-page/")
    axe.check("404")

    page.context.clear_cookies()
    page.goto(f"{base}/account/password-reset/")
    page.get_by_label(re.compile("Email", re.I)).fill(user.email)
    page.get_by_role("button", name=re.compile("reset|send", re.I)).click()
    expect(page).to_have_url(re.compile("/account/password-reset/sent/"))
    axe.check("password reset: sent")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    page.goto(f"{base}/account/reset/{uid}/{token}/")
    axe.check("password reset: new password")
    page.goto(f"{base}/account/reset/done/")
    axe.check("password reset: done")

    # The same pages in Hindi (Devanagari text, its own line heights).
    page.context.add_cookies([{"name": "django_language", "value": "hi", "url": base}])
    page.goto(base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "hi-IN")
    axe.check("hindi: catalog")
    page.goto(base + service.get_absolute_url())
    axe.check("hindi: service")
    page.goto(f"{base}/pages/cancellation-refund/")
    axe.check("hindi: cancellation policy")

    assert len(axe.checked) >= 19
    axe.assert_clean()
