"""A priest on a phone signs in, accepts one puja, declines another, completes today's."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from checkout.models import Booking
from checkout.roles import OPERATIONS, ensure_staff_groups
from priests import services
from priests.models import Assignment, LeaveDay
from tests import factories
from tests.e2e.conftest import PHONE, SCREENSHOT_DIR
from tests.priests.conftest import World, make_booking

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "priest-journey-123"


def test_priest_accepts_declines_and_completes_on_a_phone(live_server, page):
    world = World()
    dawn = factories.make_slot(start=datetime.time(0, 0), capacity=10)
    priest = world.priest(
        email="pandit.journey@okpuja.in",
        first_name="Ramesh",
        slots=[*world.slots, dawn],
        areas=[("city", "Bengaluru"), ("online", "")],
    )
    priest.set_password(PASSWORD)
    priest.save()
    today = timezone.localdate()
    ops = factories.make_user(email="ops-journey@okpuja.in", is_staff=True)
    started = make_booking(package=world.hindi, slot=dawn, date=today)
    accept = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    decline = make_booking(
        package=world.online_hindi, slot=world.evening, date=world.date
    )
    for booking in (started, accept, decline):
        services.assign_priest(booking=booking, priest=priest, actor=ops)
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(PHONE)

    # The portal sends an anonymous visitor to the storefront's sign-in.
    page.goto(live_server.url + "/priest/")
    page.get_by_label("Email").fill(priest.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Namaste, Ramesh")).to_be_visible()
    today_card = page.locator(f'article[data-book-id="{started.book_id}"]')
    expect(today_card).to_contain_text("12:00 AM IST")
    expect(today_card.get_by_role("link", name="Open in Maps")).to_be_visible()
    page.screenshot(
        path=str(SCREENSHOT_DIR / "priest-portal-phone.png"), full_page=True
    )

    # Accept an upcoming puja.
    card = page.locator(f'article[data-book-id="{accept.book_id}"]')
    card.get_by_role("button", name="Accept").click()
    expect(page.locator(".alert").first).to_contain_text(f"Accepted {accept.book_id}")
    expect(card.locator(".badge")).to_have_text("Accepted")

    # Decline the online one, with a reason.
    card = page.locator(f'article[data-book-id="{decline.book_id}"]')
    expect(card).to_contain_text("Online puja")
    card.get_by_text("Decline", exact=True).click()
    card.get_by_label("Why can you not take it?").fill("Travelling to Nashik")
    page.screenshot(
        path=str(SCREENSHOT_DIR / "priest-decline-phone.png"), full_page=True
    )
    card.get_by_role("button", name="Decline this puja").click()
    expect(page.locator(".alert").first).to_contain_text(f"Declined {decline.book_id}")
    expect(page.locator(f'article[data-book-id="{decline.book_id}"]')).to_have_count(0)

    # Today's puja has started: mark it done with a note.
    card = page.locator(f'article[data-book-id="{started.book_id}"]')
    card.get_by_label("Note for Operations (optional)").fill("Family was very happy")
    card.get_by_role("button", name="Mark done").click()
    expect(page.locator(".alert").first).to_contain_text(
        f"Marked {started.book_id} done"
    )
    page.screenshot(path=str(SCREENSHOT_DIR / "priest-done-phone.png"), full_page=True)

    # A leave day next week.
    page.get_by_role("link", name="Leave days").click()
    leave_day = world.date + datetime.timedelta(days=1)
    page.get_by_label("Date").fill(leave_day.isoformat())
    page.get_by_label("Reason (optional)").fill("Family wedding")
    page.get_by_role("button", name="Add leave day").click()
    expect(page.locator(".list-group")).to_contain_text("Family wedding")
    page.screenshot(path=str(SCREENSHOT_DIR / "priest-leave-phone.png"), full_page=True)

    assert Booking.objects.get(pk=started.pk).status == Booking.Status.COMPLETED
    assert Assignment.objects.get(booking=accept).status == "accepted"
    declined = Booking.objects.get(pk=decline.pk)
    assert (declined.status, declined.assigned_priest) == ("confirmed", None)
    assert Assignment.objects.get(booking=decline).reason == "Travelling to Nashik"
    assert LeaveDay.objects.filter(priest__user=priest, date=leave_day).exists()


def test_operations_assigns_from_the_board(live_server, page):
    world = World()
    world.priest(first_name="Ramesh")
    world.priest(first_name="Venkatesh", languages=["hi", "ta"])
    ops = factories.make_user(
        email="ops-board-journey@okpuja.in", password=PASSWORD, is_staff=True
    )
    ops.groups.add(ensure_staff_groups()[OPERATIONS])
    waiting = make_booking(package=world.tamil, slot=world.morning, date=world.date)
    make_booking(package=world.hindi, slot=world.evening, date=world.date)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/admin/priests/priest/board/?date={world.date}")
    page.get_by_label("Email or username").or_(page.get_by_label("Username")).fill(
        ops.email
    )
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#unassigned-count")).to_have_text("2 bookings need a priest")
    card = page.locator(f'.booking.unassigned[data-book-id="{waiting.book_id}"]')
    # Only the Tamil-speaking priest is suggested for the Tamil puja.
    expect(card.get_by_role("button")).to_have_count(1)
    page.screenshot(path=str(SCREENSHOT_DIR / "priest-board.png"), full_page=True)
    card.get_by_role("button", name="Assign Venkatesh").click()
    expect(page.locator(".messagelist")).to_contain_text("assigned to")
    expect(page.locator("#unassigned-count")).to_have_text("1 booking needs a priest")
    page.screenshot(path=str(SCREENSHOT_DIR / "priest-board-after.png"), full_page=True)
    assert Booking.objects.get(pk=waiting.pk).assigned_priest.first_name == "Venkatesh"
