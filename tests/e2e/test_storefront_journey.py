"""A customer browses, filters, picks a date and slot, adds to cart and applies a promo."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from storefront.models import Package, Service
from tests import factories

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("transactional_db")]


@pytest.fixture
def shop():
    ganesh = factories.make_category(name="Ganesh Puja", slug="ganesh", position=0)
    havan = factories.make_category(name="Havan & Homam", slug="havan", position=1)
    griha = factories.make_category(
        name="Griha Pravesh", slug="griha-pravesh", position=2
    )
    ganesh_puja = factories.make_service(
        category=ganesh,
        title="Ganesh Puja",
        summary="Shodashopachar puja of Shri Ganesh for new beginnings.",
        description="A complete worship of Lord Ganesha with modak and durva offerings.",
    )
    ganesh_puja.image = "img/services/diya-saffron.svg"
    ganesh_puja.save()
    for tier, price, priests in (
        (Package.Tier.BASIC, 210100, 1),
        (Package.Tier.STANDARD, 350100, 2),
        (Package.Tier.PREMIUM, 710100, 3),
    ):
        for language in ("hi", "en", "mr"):
            factories.make_package(
                service=ganesh_puja,
                tier=tier,
                language=language,
                price_paise=price + (10000 if language != "hi" else 0),
                priest_count=priests,
            )
    others = [
        (havan, "Ganapati Homam", Service.Kind.TEMPLE, "havan-maroon", 510100),
        (havan, "Gayatri Havan", Service.Kind.ONLINE, "bell-blue", 110100),
        (griha, "Griha Pravesh Puja", Service.Kind.HOME, "kalash-saffron", 1100100),
        (griha, "Vastu Shanti Puja", Service.Kind.HOME, "temple-green", 810100),
        (
            ganesh,
            "Sankashti Chaturthi Puja",
            Service.Kind.ONLINE,
            "lotus-maroon",
            150100,
        ),
    ]
    for category, title, kind, image, price in others:
        service = factories.make_service(category=category, title=title, kind=kind)
        service.image = f"img/services/{image}.svg"
        service.save()
        factories.make_package(service=service, price_paise=price)
        factories.make_package(
            service=service, language="en", price_paise=price + 10000
        )
    for hour, label, capacity in (
        (6, "Brahma muhurat", 3),
        (8, "", 5),
        (10, "", 6),
        (12, "", 4),
        (16, "", 5),
        (18, "Sandhya", 4),
    ):
        factories.make_slot(
            start=datetime.time(hour, 0), label=label, capacity=capacity
        )
    factories.make_promo(
        code="FIRSTPUJA", percent=10, max_discount_paise=50000, min_order_paise=100000
    )
    return {"ganesh": ganesh_puja}


def test_browse_filter_book_and_apply_promo(live_server, page, shop, screenshot):
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(live_server.url + "/")
    expect(
        page.get_by_role("heading", name="Book a puja with trusted pandits")
    ).to_be_visible()
    expect(page.locator("#results article")).to_have_count(6)
    screenshot("catalog")

    # Filter by category: only the results region is swapped, the URL follows.
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Category").select_option("ganesh")
    expect(page.locator("#results article")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"category=ganesh"))
    chips = page.get_by_role("navigation", name="Categories")
    expect(chips.get_by_role("link", name="Ganesh Puja")).to_have_attribute(
        "aria-current", "page"
    )
    assert page.evaluate("window.__sameDocument") is True

    # Open the service.
    page.locator("#results").get_by_role("link", name="Ganesh Puja", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Ganesh Puja")
    expect(page.locator("#cart-badge")).to_contain_text("0")

    # Pick a date: the free slots load without a reload.
    date = factories.booking_date(6)
    page.evaluate("window.__sameDocument = true")
    page.get_by_label("Or another date").fill(date.isoformat())
    slots = page.locator("#slots")
    expect(slots).to_contain_text("priests free")
    expect(slots).to_contain_text(date.strftime("%B"))
    page.locator("label[for=tier-standard]").click()
    page.locator("label[for=language-en]").click()
    expect(page.get_by_test_id("book-bar")).to_contain_text("Standard · English")
    expect(page.get_by_test_id("book-bar")).to_contain_text("₹3,601")
    page.locator("label[for^=slot-]").filter(has_text="10:00 AM").click()
    screenshot("service")

    # Add to cart: the badge changes without a page load.
    page.get_by_role("button", name="Add to cart").click()
    expect(page.locator("#add-to-cart")).to_contain_text("Added to your cart")
    expect(page.locator("#cart-badge")).to_contain_text("1")
    assert page.evaluate("window.__sameDocument") is True

    # The cart shows the line; a promo code changes the totals in place.
    page.get_by_role("link", name="View cart").click()
    expect(page.get_by_role("heading", name="Your cart")).to_be_visible()
    expect(page.locator(".cart-line")).to_contain_text("Ganesh Puja")
    expect(page.locator(".cart-line")).to_contain_text(date.strftime("%a, %-d %b %Y"))
    expect(page.locator("#total")).to_have_text("₹3,601")
    page.get_by_label("Have a promo code?").fill("firstpuja")
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("#discount")).to_have_text("−₹360.10")
    expect(page.locator("#total")).to_have_text("₹3,240.90")
    expect(page.locator("#cart-summary")).to_contain_text(
        "Promo code FIRSTPUJA applied"
    )
    screenshot("cart")

    # Removing the line empties the cart and the badge follows.
    page.get_by_role("button", name=re.compile("^Remove Ganesh Puja")).click()
    expect(page.locator("#cart-summary")).to_contain_text("Your cart is empty")
    expect(page.locator("#cart-badge")).to_contain_text("0")
    # The button that had focus is gone: focus moves to the updated region.
    expect(page.locator("#cart-summary")).to_be_focused()


def test_catalog_works_on_a_phone(live_server, page, shop):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/?kind=online")
    expect(page.locator("#results article")).to_have_count(2)
    # Filters fold away on phones; the search box stays.
    expect(page.get_by_label("Category")).to_be_hidden()
    page.get_by_text("Filters & sort").click()
    expect(page.get_by_label("Category")).to_be_visible()
    page.get_by_label("Search pujas").press_sequentially("gayatri")
    expect(page.locator("#results article")).to_have_count(1)
    expect(page).to_have_url(re.compile(r"/\?q=gayatri&kind=online$"))


def test_search_finds_what_people_type_as_they_type(live_server, page, shop):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + "/")
    search = page.get_by_label("Search pujas")
    # fill() sets the value at once, as pasting or autofill does: no key events.
    search.fill("गणेश")
    expect(page.locator("#results article")).to_have_count(3)
    expect(search).to_be_focused()
    expect(page.locator("#results article").first).to_contain_text("Ganesh Puja")
    search.fill("grihapravesh")
    expect(page.locator("#results article")).to_have_count(2)
    expect(page.locator("#results article").first).to_contain_text("Griha Pravesh Puja")
    search.fill("havan")
    expect(page.locator("#results article")).to_have_count(2)
    expect(page).to_have_url(re.compile(r"q=havan"))


def test_live_search_waits_until_the_customer_stops_typing(live_server, page, shop):
    """Typing "ganapati" key by key asks the server once or twice, not per key."""
    page.goto(live_server.url + "/")
    searches = []
    page.on(
        "request",
        lambda request: (
            searches.append(request.url)
            if request.headers.get("hx-request") and "q=" in request.url
            else None
        ),
    )
    search = page.get_by_label("Search pujas")
    search.press_sequentially("ganapati", delay=30)
    expect(page).to_have_url(re.compile(r"q=ganapati"))
    expect(page.locator("#results article").first).to_contain_text("Ganesh")
    assert 1 <= len(searches) <= 2, searches
    assert searches[-1].split("q=")[1].startswith("ganapati")


def test_phone_booking_with_the_sticky_bar(live_server, page, shop, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(live_server.url + shop["ganesh"].get_absolute_url())
    bar = page.get_by_test_id("book-bar")
    add = bar.get_by_role("button", name="Add to cart")
    # Price and action are on screen without scrolling.
    expect(bar).to_be_in_viewport()
    expect(add).to_be_in_viewport()
    expect(bar).to_contain_text("Basic · Hindi")
    expect(bar).to_contain_text("₹2,101")
    screenshot("service-phone-start")

    page.locator("label[for=tier-premium]").click()
    expect(bar).to_contain_text("₹7,101")
    page.locator("label[for=language-mr]").click()
    expect(bar).to_contain_text("Premium · Marathi")
    expect(bar).to_contain_text("₹7,201")

    # The next days are one tap each; the free times load in place.
    second_day = factories.booking_date(2)
    page.evaluate("window.__sameDocument = true")
    day = page.locator(f"#day-{second_day.isoformat()}")
    day.click()
    expect(page.locator("#slots")).to_contain_text(second_day.strftime("%B"))
    expect(page.locator(f"#day-{second_day.isoformat()}")).to_have_attribute(
        "aria-pressed", "true"
    )
    expect(page.locator(f"#day-{second_day.isoformat()}")).to_be_focused()
    page.locator("label[for^=slot-]").filter(has_text="8:00 AM").click()

    add.click()
    go = bar.get_by_role("link", name="Go to cart")
    expect(go).to_be_visible()
    expect(go).to_be_focused()
    expect(bar).to_contain_text("Added to your cart")
    header_cart = page.get_by_role("link", name=re.compile(r"^Cart 1 item$"))
    expect(header_cart).to_be_in_viewport()
    assert page.evaluate("window.__sameDocument") is True
    screenshot("service-phone-added")

    # A new choice offers "Add to cart" again; problems show in the bar.
    page.locator("label[for=language-hi]").click()
    bar.get_by_role("button", name="Add to cart").click()
    expect(bar).to_contain_text("Only 2 priest(s) are free in the 8:00 AM slot")
    expect(bar.get_by_role("button", name="Add to cart")).to_be_focused()
    page.locator("label[for=tier-basic]").click()
    bar.get_by_role("button", name="Add to cart").click()
    expect(bar.get_by_role("link", name="Go to cart")).to_be_visible()
    expect(page.locator("#cart-badge")).to_contain_text("2")
    bar.get_by_role("link", name="Go to cart").click()
    expect(page.locator(".cart-line")).to_have_count(2)


def test_phone_menu_opens_without_javascript(live_server, browser, shop):
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 390, "height": 844}
    )
    page = context.new_page()
    user = factories.make_user(email="menu@example.in")
    page.goto(live_server.url + "/account/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill("pw-for-tests-123")
    page.get_by_role("button", name="Log in").click()
    menu = page.get_by_role("navigation", name="Menu")
    expect(menu.get_by_role("link", name="My bookings")).to_be_hidden()
    page.locator(".phone-menu > summary").click()
    expect(menu.get_by_role("link", name="My bookings")).to_be_visible()
    menu.get_by_role("button", name="Log out").click()
    expect(page.get_by_text("You have been logged out.")).to_be_visible()
    context.close()
