"""The customer journey once in Hindi, end to end: catalog -> pay -> confirmed.

The browser says it prefers Hindi (``Accept-Language: hi-IN``), so the first
page is already Hindi; every page of ours then shows Hindi text and no English
UI word: a Latin word on the page that also occurs in the English messages of
``locale/hi`` (the catalogue of everything the shop says) is an untranslated
string. Brands, proper nouns and the customer's own data are allowed.
Screenshots at 390x844 land in test-artifacts/screenshots/hindi-*.png.
"""

import datetime
import re
from pathlib import Path

import polib
import pytest
from playwright.sync_api import expect

from checkout.models import Booking, Payment
from tests import factories
from tests.sandbox_process import SandboxProcess
from tests.translations import PO

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}

# Names that stay Latin in Hindi too: the brand, PhonePe, payment methods.
ALLOWED = {"okpuja", "phonepe", "upi", "whatsapp", "ist", "gst", "gstin", "pin", "id"}
DEVANAGARI = re.compile(r"[\u0900-\u097F]")
# Booking and order references, emails and URLs are data, not words.
DATA = re.compile(r"\b(?:BK|OKP)-[A-Z0-9-]+|\S+@\S+|https?://\S+")


def english_words() -> set[str]:
    """Every word of three letters or more in the shop's English messages."""
    words = set()
    for entry in polib.pofile(str(PO)):
        text = re.sub(r"%\([a-z_]+\)[sd]|\{[a-z_]+\}|<[^>]+>", " ", entry.msgid)
        words |= {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}
    return words - ALLOWED


ENGLISH = english_words()


def visible_text(page) -> str:
    """The page's visible text, without the language switcher's own "English" and
    the business's registered name and address (data from settings)."""
    return page.evaluate(
        """() => {
            const switchers = [...document.querySelectorAll('.language-switcher, .footer-address')];
            switchers.forEach((s) => { s.dataset.display = s.style.display; s.style.display = 'none'; });
            const text = document.body.innerText;
            switchers.forEach((s) => { s.style.display = s.dataset.display; });
            return text;
        }"""
    )


def assert_hindi(page, *, allowed=()):
    """The page is in Hindi: Devanagari on it, and no English word of the shop's."""
    expect(page.locator("html")).to_have_attribute("lang", "hi-IN")
    text = DATA.sub(" ", visible_text(page))
    assert DEVANAGARI.search(text), text[:300]
    latin = {w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)}
    left = sorted((latin & ENGLISH) - {a.lower() for a in allowed})
    assert left == [], f"English left on {page.url}: {left}"


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"hindi-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def sandbox_process():
    with SandboxProcess(
        webhook_delay=2, webhook_retries=3, webhook_backoff=0.5
    ) as process:
        yield process


@pytest.fixture
def hindi_shop(sandbox_process, live_server, settings):
    sandbox_process.reset()
    sandbox_process.configure(
        webhook_url=live_server.url + "/api/payments/webhook/phonepe/", webhook_delay=2
    )
    settings.PHONEPE_BASE_URL = sandbox_process.base_url
    settings.PHONEPE_OAUTH_URL = ""
    settings.SITE_URL = live_server.url
    category = factories.make_category(name="Satyanarayan Katha", slug="satyanarayan")
    category.name_hi = "सत्यनारायण कथा"
    category.description_hi = "पारिवारिक अवसरों पर भगवान विष्णु की प्रिय कथा।"
    category.save()
    service = factories.make_service(category=category, title="Satyanarayan Katha")
    service.title_hi = "सत्यनारायण कथा"
    service.summary_hi = "भगवान सत्यनारायण की पाँच अध्यायों वाली कथा।"
    service.description_hi = "कथा के पाँचों अध्याय, पंचामृत अभिषेक और शीरे का प्रसाद।"
    service.included_hi = "सत्यनारायण स्थापना\nपाँच अध्याय की कथा\nपंचामृत"
    service.save()
    factories.make_package(service=service, price_paise=210000, priest_count=1)
    slot = factories.make_slot(start=datetime.time(18, 0), capacity=3)
    slot.label_en = "Sandhya"
    slot.label_hi = "संध्या"
    slot.save()
    return live_server, service


@pytest.fixture
def hindi_page(page):
    page.set_viewport_size(PHONE)
    page.set_extra_http_headers({"Accept-Language": "hi-IN,hi;q=0.9,en;q=0.5"})
    return page


def test_the_whole_journey_in_hindi(hindi_page, hindi_shop):
    page = hindi_page
    live_server, service = hindi_shop
    base = live_server.url

    # Catalog: Hindi from the first visit (Accept-Language), no prefix in the URL.
    page.goto(f"{base}/")
    expect(
        page.get_by_role("link", name=re.compile("सत्यनारायण कथा")).first
    ).to_be_visible()
    expect(page.get_by_text("₹2,100").first).to_be_visible()
    assert_hindi(page)
    shot(page, "catalog")

    # Service page: Hindi content and a slot read the Hindi way.
    page.locator(f"a.service-link[href='{service.get_absolute_url()}']").click()
    expect(page.get_by_role("heading", level=1, name="सत्यनारायण कथा")).to_be_visible()
    expect(page.get_by_text("पाँच अध्याय की कथा")).to_be_visible()
    date = datetime.date.today() + datetime.timedelta(days=5)
    # htmx starts listening once the page has loaded (its script is deferred).
    page.wait_for_load_state()
    with page.expect_response(re.compile("/slots/")):
        page.locator("#booking-date").fill(date.isoformat())
    slot = page.locator("#slots label.slot-btn").first
    expect(slot).to_contain_text("शाम 6:00")
    slot.click()
    assert_hindi(page)
    shot(page, "service")
    page.locator("#add-to-cart button[type=submit]").last.click()
    expect(page.locator("#cart-badge")).to_have_text(re.compile("1"))

    # Cart: sankalp in Hindi.
    page.goto(f"{base}/cart/")
    expect(page.get_by_role("heading", name="आपकी टोकरी")).to_be_visible()
    page.get_by_label(re.compile("^नाम")).first.fill("आशा शर्मा, रवि शर्मा")
    page.get_by_role("button", name="संकल्प सहेजें").first.click()
    expect(page.get_by_text("संकल्प का विवरण सहेज लिया गया।")).to_be_visible()
    assert_hindi(page)
    shot(page, "cart")

    # Sign up and add the address, in Hindi.
    page.goto(f"{base}/account/signup/?next=/checkout/")
    expect(page.get_by_role("heading", name="अपना खाता बनाएँ")).to_be_visible()
    assert_hindi(page)
    shot(page, "signup")
    page.locator("#id_full_name").fill("Asha Sharma")
    page.locator("#id_email").fill("asha@example.in")
    page.locator("#id_phone").fill("98765 43210")
    page.locator("#id_password1").fill("puja-secret-2026")
    page.locator("#id_password2").fill("puja-secret-2026")
    page.get_by_role("button", name="खाता बनाएँ").click()
    expect(page).to_have_url(re.compile("/checkout/"))
    page.get_by_role("link", name="नया पता जोड़ें").click()
    assert_hindi(page)
    shot(page, "address")
    page.locator("#id_full_name").fill("Asha Sharma")
    page.locator("#id_phone").fill("+91 98765 43210")
    page.locator("#id_line1").fill("12 Shanti Apartments, MG Road")
    page.locator("#id_city").fill("Bengaluru")
    page.locator("#id_state").select_option(value="KA")
    page.locator("#id_pincode").fill("560038")
    page.get_by_role("button", name="पता सहेजें").click()

    # Checkout: review and pay, in Hindi (the address is the customer's own text).
    expect(page).to_have_url(re.compile("/checkout/"))
    pay = page.get_by_test_id("pay-button")
    expect(pay).to_have_text(re.compile(r"PhonePe से ₹2,100(\.00)? चुकाएँ"))
    assert_hindi(page, allowed={"Shanti", "Apartments", "Road", "Bengaluru"})
    shot(page, "checkout")
    pay.click()

    # PhonePe's own page (the sandbox) is PhonePe's, in English.
    page.get_by_test_id("pay-upi").click()

    # Confirm page: the polled states and the booking, in Hindi.
    expect(page).to_have_url(re.compile(r"/confirmbooking/\?order=OKP-"))
    expect(page.get_by_test_id("book-id")).to_have_text(
        re.compile(r"^BK-[A-Z0-9]{8}$"), timeout=20_000
    )
    expect(page.get_by_role("heading", name="आपकी पूजा बुक हो गई")).to_be_visible()
    expect(page.get_by_test_id("booking-status")).to_have_text("पक्की")
    expect(page.get_by_text("सत्यनारायण कथा").first).to_be_visible()
    assert_hindi(page, allowed={"Asha", "Sharma", "Shanti", "Apartments", "Road"})
    shot(page, "confirmed")
    booking = Booking.objects.get()
    assert booking.payment.status == Payment.Status.SUCCESS
    assert booking.user.language == "hi"

    page.get_by_role("link", name="मेरी बुकिंग").last.click()
    expect(page.get_by_text(booking.book_id)).to_be_visible()
    assert_hindi(page)
    shot(page, "my-bookings")


def test_the_switcher_changes_the_language_and_keeps_the_page(page, hindi_shop):
    live_server, service = hindi_shop
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{service.get_absolute_url()}")
    expect(page.locator("html")).to_have_attribute("lang", "en-IN")
    page.locator("header .language-switcher button[lang=hi]").click()
    expect(page).to_have_url(f"{live_server.url}{service.get_absolute_url()}")
    expect(page.get_by_role("heading", level=1, name="सत्यनारायण कथा")).to_be_visible()
    assert_hindi(page)
    page.locator("footer .language-switcher button[lang=en]").click()
    expect(
        page.get_by_role("heading", level=1, name="Satyanarayan Katha")
    ).to_be_visible()


def test_the_checker_catches_an_english_ui_string(page, live_server):
    page.set_content(
        '<html lang="hi-IN"><body><p>आपकी टोकरी</p><button>Add to cart</button></body></html>'
    )
    with pytest.raises(AssertionError, match="English left"):
        assert_hindi(page)
