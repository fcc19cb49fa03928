"""Checkout follows the chosen address; a two-priest online puja and its video link."""

import datetime

import pytest
from playwright.sync_api import expect

from priests import services
from priests.models import VideoLink
from tests import factories
from tests.e2e.conftest import DESKTOP, PHONE, SCREENSHOT_DIR
from tests.priests.conftest import World, make_booking, make_priest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "teams-journey-123"


def log_in(page, url, email):
    page.goto(url)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_checkout_rechecks_the_priests_when_the_address_changes(live_server, page):
    slot = factories.make_slot(start=datetime.time(8, 0), capacity=10)
    package = factories.make_package(language="hi")
    make_priest(categories=[package.service.category], slots=[slot])
    customer = factories.make_user(email="teams-checkout@example.in", password=PASSWORD)
    factories.make_address(user=customer)
    factories.make_address(
        user=customer, is_default=False, city="Pune", pincode="411001", state="MH"
    )
    factories.make_cart(
        user=customer, items=[(package, factories.booking_date(10), slot)]
    )
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    log_in(page, live_server.url + "/account/login/?next=/checkout/", customer.email)
    pay = page.get_by_test_id("pay-button")
    expect(pay).to_be_enabled()
    page.get_by_label("Pune", exact=False).check()
    expect(page.get_by_test_id("line-unavailable")).to_contain_text(
        "No priest for this puja is free in Pune"
    )
    expect(page.get_by_test_id("pay-button")).to_be_disabled()
    page.screenshot(
        path=str(SCREENSHOT_DIR / "checkout-address-no-priest.png"), full_page=True
    )
    page.get_by_label("Bengaluru", exact=False).check()
    expect(page.get_by_test_id("line-unavailable")).to_have_count(0)
    expect(page.get_by_test_id("pay-button")).to_be_enabled()


def test_co_priest_sets_the_video_link_the_customer_joins(live_server, page):
    world = World()
    pair_online = factories.make_package(
        service=world.online, language="hi", tier="premium", priest_count=2
    )
    lead = world.priest(first_name="Ramesh", areas=[("online", "")])
    co = world.priest(
        first_name="Suresh", email="co.pandit@okpuja.in", areas=[("online", "")]
    )
    co.set_password(PASSWORD)
    co.save()
    customer = factories.make_user(email="teams-online@example.in", password=PASSWORD)
    booking = make_booking(
        package=pair_online, slot=world.morning, date=world.date, user=customer
    )
    services.assign_priests(booking=booking, priests=[lead, co], actor=None)

    page.set_viewport_size(PHONE)
    log_in(page, live_server.url + "/priest/", co.email)
    card = page.locator(f'article[data-book-id="{booking.book_id}"]')
    expect(card.get_by_test_id("co-priests")).to_contain_text("Ramesh")
    card.get_by_label("Video-call link (https)").fill("https://meet.example.com/ok-1")
    card.get_by_role("button", name="Send link").click()
    expect(page.locator(".alert").first).to_contain_text("Video link saved")
    expect(card.get_by_test_id("video-link")).to_contain_text(
        "https://meet.example.com/ok-1"
    )
    page.screenshot(
        path=str(SCREENSHOT_DIR / "priest-portal-team-video-phone.png"),
        full_page=True,
    )
    assert VideoLink.objects.get(item__booking=booking).url.endswith("/ok-1")

    page.context.clear_cookies()
    log_in(
        page,
        f"{live_server.url}/account/login/?next=/bookings/{booking.book_id}/",
        customer.email,
    )
    expect(page.get_by_test_id("timeline-2")).to_contain_text("Ramesh")
    expect(page.get_by_test_id("timeline-2")).to_contain_text("Suresh")
    expect(page.get_by_test_id("video-link")).to_have_attribute(
        "href", "https://meet.example.com/ok-1"
    )
    page.screenshot(
        path=str(SCREENSHOT_DIR / "booking-team-video-phone.png"), full_page=True
    )


def test_operations_staffs_a_two_priest_puja_in_one_click(live_server, page):
    from checkout.roles import OPERATIONS, ensure_staff_groups

    world = World()
    world.priest(first_name="Ramesh")
    world.priest(first_name="Suresh")
    world.priest(first_name="Online", areas=[("online", "")])
    ops = factories.make_user(
        email="ops-teams-journey@okpuja.in", password=PASSWORD, is_staff=True
    )
    ops.groups.add(ensure_staff_groups()[OPERATIONS])
    pair = make_booking(package=world.pair, slot=world.morning, date=world.date)
    online = make_booking(
        package=world.online_hindi, slot=world.evening, date=world.date
    )
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/admin/priests/priest/board/?date={world.date}")
    page.get_by_label("Email or username").or_(page.get_by_label("Username")).fill(
        ops.email
    )
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    card = page.locator(f'.booking.unassigned[data-book-id="{pair.book_id}"]')
    expect(card).to_contain_text("2 more priests needed")
    page.screenshot(path=str(SCREENSHOT_DIR / "priest-board-team.png"), full_page=True)
    card.get_by_role("button", name="Assign Ramesh Priest").first.click()
    expect(page.locator(".messagelist")).to_contain_text(f"assigned to {pair.book_id}")
    expect(page.locator("#unassigned-count")).to_have_text("1 booking needs a priest")
    online_card = page.locator(f'.booking.unassigned[data-book-id="{online.book_id}"]')
    online_card.get_by_label("Video-call link (https)").fill(
        "https://meet.example.com/x"
    )
    online_card.get_by_role("button", name="Set video link").click()
    expect(page.locator(".messagelist")).to_contain_text("Video link saved")
    page.screenshot(
        path=str(SCREENSHOT_DIR / "priest-board-team-after.png"), full_page=True
    )
    assert (
        VideoLink.objects.get(item__booking=online).url == "https://meet.example.com/x"
    )
