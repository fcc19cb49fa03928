"""The Operations board: bookings by slot and priest, unassigned first, one-click assign."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from checkout.models import Booking
from checkout.roles import OPERATIONS, SUPPORT, ensure_staff_groups
from tests import factories
from tests.priests.conftest import make_booking


@pytest.fixture
def ops(db):
    user = factories.make_user(email="ops-board@okpuja.in", is_staff=True)
    user.groups.add(ensure_staff_groups()[OPERATIONS])
    return user


def board(client, date, view="day"):
    return client.get(reverse("admin:priests_board"), {"date": date, "view": view})


def test_board_needs_the_assign_permission(client, world):
    support = factories.make_user(email="support-board@okpuja.in", is_staff=True)
    support.groups.add(ensure_staff_groups()[SUPPORT])
    client.force_login(support)
    assert board(client, world.date.isoformat()).status_code == 403


def test_unassigned_highlighted_with_suggestion_and_one_click_assign(
    client, world, ops
):
    priest = world.priest(first_name="Suggested")
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    client.force_login(ops)
    page = board(client, world.date.isoformat()).content.decode()
    assert 'class="booking unassigned"' in page
    assert "1 booking needs a priest" in page
    assert "Assign Suggested" in page
    response = client.post(
        reverse("admin:priests_board_assign"),
        {"booking": booking.pk, "priest": priest.pk, "back": "?date=x"},
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.assigned_priest == priest
    page = board(client, world.date.isoformat()).content.decode()
    assert "0 bookings need a priest" in page
    # A busy priest is refused, not double-booked.
    clash = make_booking(package=world.hindi, slot=world.later, date=world.date)
    client.post(
        reverse("admin:priests_board_assign"),
        {"booking": clash.pk, "priest": priest.pk},
    )
    assert Booking.objects.get(pk=clash.pk).assigned_priest is None
    assert client.get(reverse("admin:priests_board_assign")).status_code == 405
    junk = client.post(reverse("admin:priests_board_assign"), {"booking": "x"})
    assert junk.status_code == 404


def test_board_with_200_bookings_takes_a_fixed_number_of_queries(client, world, ops):
    priests = [world.priest() for _ in range(6)]
    client.force_login(ops)

    def fill(count):
        for n in range(count):
            booking = make_booking(
                package=world.hindi, slot=world.slots[n % 3], date=world.date
            )
            if n % 4 == 0:
                Booking.objects.filter(pk=booking.pk).update(
                    assigned_priest=priests[n % 6], status=Booking.Status.ASSIGNED
                )

    fill(10)
    with CaptureQueriesContext(connection) as small:
        assert board(client, world.date.isoformat()).status_code == 200
    fill(190)
    with CaptureQueriesContext(connection) as large:
        response = board(client, world.date.isoformat())
    assert response.status_code == 200
    assert (
        response.content.decode().count('class="booking unassigned"') == 149
    )  # 51 assigned
    assert len(large) == len(small), [q["sql"][:80] for q in large]
    week = board(client, world.date.isoformat(), view="week")
    assert week.status_code == 200
    assert week.content.decode().count('class="booking unassigned"') == 149
