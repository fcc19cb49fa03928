"""The priest portal through the test client: access, accept, decline, done, leave."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from checkout.models import Booking
from priests import services
from priests.models import Assignment, LeaveDay
from tests import factories
from tests.factories import make_user
from tests.priests.conftest import make_booking

PASSWORD = "pw-for-tests-123"


@pytest.fixture
def assigned(world):
    priest = world.priest(email="portal-priest@okpuja.in")
    ops = make_user(email="ops-portal@okpuja.in", is_staff=True)
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    return priest, booking


def test_only_priests_get_in(client, world):
    url = reverse("priests:portal")
    assert client.get(url).status_code == 302  # to the storefront login
    client.force_login(factories.make_user())
    assert client.get(url).status_code == 403


def test_priest_sees_assignment_with_time_place_and_customer(client, assigned):
    priest, booking = assigned
    booking.items.update(sankalp={"names": "Asha and Ravi Sharma", "gotra": "Kashyap"})
    client.force_login(priest)
    response = client.get(reverse("priests:portal"))
    page = response.content.decode()
    assert response.status_code == 200
    assert booking.book_id in page
    assert "6:00 AM IST" in page
    assert "Sankalp for Asha and Ravi Sharma; gotra Kashyap" in page
    assert "Asha Sharma" in page and "tel:+919876543210" in page
    assert "https://www.google.com/maps/search/?api=1&amp;query=" in page
    assert priest.is_staff is False


def test_accept_decline_and_done_through_the_portal(client, world, assigned):
    priest, booking = assigned
    client.force_login(priest)
    url = reverse("priests:accept", args=[booking.book_id])
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert Assignment.objects.get(booking=booking).status == "accepted"
    start = Assignment.objects.get(booking=booking).starts_at
    with time_machine.travel(start + datetime.timedelta(minutes=5)):
        client.post(
            reverse("priests:done", args=[booking.book_id]), {"note": "Done well"}
        )
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.COMPLETED
    # Declining needs a reason and leaves the booking untouched without one.
    other = make_booking(package=world.hindi, slot=world.evening, date=world.date)
    services.assign_priest(booking=other, priest=priest, actor=None)
    decline = reverse("priests:decline", args=[other.book_id])
    client.post(decline, {"reason": ""})
    assert Booking.objects.get(pk=other.pk).status == Booking.Status.ASSIGNED
    client.post(decline, {"reason": "Travelling"})
    other.refresh_from_db()
    assert (other.status, other.assigned_priest) == (Booking.Status.CONFIRMED, None)


def test_priest_cannot_act_on_someone_elses_booking(client, world, assigned):
    _priest, booking = assigned
    intruder = world.priest()
    client.force_login(intruder)
    response = client.post(reverse("priests:accept", args=[booking.book_id]))
    assert response.status_code == 404
    assert Assignment.objects.get(booking=booking).status == "offered"


def test_leave_days(client, world):
    priest = world.priest()
    client.force_login(priest)
    url = reverse("priests:leave")
    day = world.date + datetime.timedelta(days=2)
    assert client.post(url, {"date": "not-a-date"}).status_code == 400
    assert client.post(url, {"date": "2000-01-01"}).status_code == 400
    assert (
        client.post(url, {"date": day.isoformat(), "reason": "Wedding"}).status_code
        == 302
    )
    assert LeaveDay.objects.filter(priest__user=priest, date=day).exists()
    assert "Wedding" in client.get(url).content.decode()
    remove = reverse("priests:leave-remove")
    assert client.post(remove, {"date": "junk"}).status_code == 400
    client.post(remove, {"date": day.isoformat()})
    assert not LeaveDay.objects.filter(priest__user=priest).exists()
