"""Packages needing N priests get N distinct matching free priests, and everyone knows."""

import datetime

import icalendar
import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from api.tokens import issue_token
from checkout import operations
from checkout.errors import CheckoutError
from checkout.models import Booking
from checkout.roles import OPERATIONS, ensure_staff_groups
from priests import selectors, services
from priests.models import Assignment
from tests import factories
from tests.priests.conftest import make_booking


@pytest.fixture
def ops(db):
    user = factories.make_user(email="ops-teams@okpuja.in", is_staff=True)
    user.groups.add(ensure_staff_groups()[OPERATIONS])
    return user


def live_priests(booking):
    return set(
        Assignment.objects.live()
        .filter(booking=booking)
        .values_list("priest_id", flat=True)
    )


def test_auto_assign_gives_a_two_priest_puja_two_distinct_priests(
    world, settings, django_capture_on_commit_callbacks
):
    settings.PRIESTS_AUTO_ASSIGN = True
    first = world.priest(first_name="Ravi")
    second = world.priest(first_name="Shyam")
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    with django_capture_on_commit_callbacks(execute=True):
        services.auto_assign(booking_id=booking.pk)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ASSIGNED
    assert live_priests(booking) == {first.pk, second.pk}
    assert Assignment.objects.filter(booking=booking).count() == 2
    # The customer reads both names; each priest is told who comes with them.
    customer = next(m for m in mail.outbox if m.to == [booking.user.email])
    assert "Ravi" in customer.subject and "Shyam" in customer.subject
    assert "Ravi Priest" in customer.body and "Shyam Priest" in customer.body
    to_first = next(m for m in mail.outbox if m.to == [first.email])
    assert "With you: Shyam" in to_first.body


def test_staff_naming_one_priest_fills_the_other_place(world, ops):
    lead = world.priest(first_name="Lead")
    busy = world.priest(first_name="Busy")
    idle = world.priest(first_name="Idle")
    evening = make_booking(package=world.hindi, slot=world.evening, date=world.date)
    services.assign_priest(booking=evening, priest=busy, actor=ops)
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=lead, actor=ops)
    booking.refresh_from_db()
    assert booking.assigned_priest == lead
    # The least busy matching priest takes the second place.
    assert live_priests(booking) == {lead.pk, idle.pk}
    assert [p.pk for p in selectors.booking_team(booking)] == [lead.pk, idle.pk]


def test_too_few_free_priests_assign_nobody(world, ops):
    only = world.priest()
    world.priest(languages=["ta"])
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    with pytest.raises(CheckoutError, match="needs 2 priests; only 1"):
        services.assign_priest(booking=booking, priest=only, actor=ops)
    assert not Assignment.objects.exists()
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_a_co_priest_busy_elsewhere_is_never_double_booked(world, ops):
    a, b, c = world.priest(), world.priest(), world.priest()
    first = make_booking(package=world.pair, slot=world.morning, date=world.date)
    services.assign_priests(booking=first, priests=[a, b], actor=ops)
    # 7:00 overlaps the 6:00 puja's 90 minutes: a and b are busy, c alone is free.
    overlapping = make_booking(package=world.pair, slot=world.later, date=world.date)
    with pytest.raises(CheckoutError, match="already busy"):
        services.assign_priests(booking=overlapping, priests=[c, b], actor=ops)
    with pytest.raises(CheckoutError, match="only 1"):
        services.assign_priest(booking=overlapping, priest=c, actor=ops)
    assert not Assignment.objects.filter(booking=overlapping).exists()


def test_co_priest_declines_lead_keeps_place_and_the_board_fills_it(
    client, world, ops, django_capture_on_commit_callbacks
):
    lead, co, spare = (
        world.priest(first_name="Lead"),
        world.priest(first_name="Co"),
        world.priest(first_name="Spare"),
    )
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    services.assign_priests(booking=booking, priests=[lead, co], actor=ops)
    services.accept_assignment(booking=booking, priest=lead)
    services.decline_assignment(booking=booking, priest=co, reason="Fever")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert live_priests(booking) == {lead.pk}
    # The lead's place stays accepted; the board suggests for the open place only.
    assert Assignment.objects.get(booking=booking, priest=lead).status == "accepted"
    assert set(services.suggest_priests(bookings=[booking])[booking.pk]) == {
        co.pk,
        spare.pk,
    }
    client.force_login(ops)
    page = client.get(
        reverse("admin:priests_board"), {"date": world.date.isoformat()}
    ).content.decode()
    assert "1 more priest needed" in page and "Assign Spare" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:priests_board_assign"),
            {"booking": booking.pk, "priest": spare.pk},
        )
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ASSIGNED
    assert booking.assigned_priest == lead
    assert live_priests(booking) == {lead.pk, spare.pk}
    assert Assignment.objects.get(booking=booking, priest=lead).status == "accepted"
    told = {m.to[0]: m.subject for m in mail.outbox}
    assert "has changed" in told[booking.user.email]
    assert "New puja" in told[spare.email]
    assert lead.email not in told  # nothing changed for the lead


def test_a_priest_who_declined_comes_last_in_suggestions_and_auto_assign(
    world, ops, settings
):
    # "Aarav" sorts first by load and id; once he declines he is the last resort.
    declining = world.priest(first_name="Aarav")
    other = world.priest(first_name="Bhola")
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priests(booking=booking, priests=[declining], actor=ops)
    services.decline_assignment(booking=booking, priest=declining, reason="Away")
    booking.refresh_from_db()
    assert services.suggest_priests(bookings=[booking])[booking.pk] == [
        other.pk,
        declining.pk,
    ]
    settings.PRIESTS_AUTO_ASSIGN = True
    services.auto_assign(booking_id=booking.pk)
    assert live_priests(booking) == {other.pk}


def test_board_assigns_the_suggested_team_in_one_click(client, world, ops):
    first, second = world.priest(first_name="Ravi"), world.priest(first_name="Shyam")
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    client.force_login(ops)
    page = client.get(
        reverse("admin:priests_board"), {"date": world.date.isoformat()}
    ).content.decode()
    assert "2 more priests needed" in page
    assert "Ravi Priest" in page and "+ Shyam" in page
    client.post(
        reverse("admin:priests_board_assign"),
        {"booking": booking.pk, "priest": [first.pk, second.pk]},
    )
    assert live_priests(booking) == {first.pk, second.pk}
    page = client.get(
        reverse("admin:priests_board"), {"date": world.date.isoformat()}
    ).content.decode()
    assert page.count(f">{booking.book_id}</a>") == 2  # in both priests' columns
    assert "(co-priest)" in page
    missing = client.post(
        reverse("admin:priests_board_assign"), {"booking": booking.pk, "priest": 0}
    )
    assert missing.status_code == 404


def test_admin_assign_page_takes_co_priests(client, world, ops):
    lead, co = world.priest(first_name="Lead"), world.priest(first_name="Co")
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    client.force_login(ops)
    url = reverse("admin:checkout_booking_assign") + f"?ids={booking.pk}"
    assert "Co-priests" in client.get(url).content.decode()
    refused = client.post(
        url, {"ids": booking.pk, "priest": lead.pk, "co_priests": [lead.pk]}
    )
    assert refused.status_code == 200
    assert not Assignment.objects.exists()
    client.post(url, {"ids": booking.pk, "priest": lead.pk, "co_priests": [co.pk]})
    booking.refresh_from_db()
    assert booking.assigned_priest == lead
    assert live_priests(booking) == {lead.pk, co.pk}


def test_portal_shows_each_priest_the_puja_with_co_priests(client, world, ops):
    lead, co = world.priest(first_name="Lead"), world.priest(first_name="Co")
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    services.assign_priests(booking=booking, priests=[lead, co], actor=ops)
    client.force_login(co)
    page = client.get(reverse("priests:portal")).content.decode()
    assert booking.book_id in page
    assert "With you: Lead" in page
    # The co-priest accepts their own place through the portal.
    client.post(reverse("priests:accept", args=[booking.book_id]))
    assert Assignment.objects.get(booking=booking, priest=co).status == "accepted"
    assert Assignment.objects.get(booking=booking, priest=lead).status == "offered"


def test_booking_completes_when_the_whole_team_is_done(world, ops):
    lead, co = world.priest(), world.priest()
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    services.assign_priests(booking=booking, priests=[lead, co], actor=ops)
    start = Assignment.objects.filter(booking=booking).first().starts_at
    with time_machine.travel(start + datetime.timedelta(minutes=95)):
        services.complete_assignment(booking=booking, priest=lead, note="")
        assert Booking.objects.get(pk=booking.pk).status == Booking.Status.ASSIGNED
        services.complete_assignment(booking=booking, priest=co, note="All well")
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.COMPLETED


def test_booking_page_names_every_pandit(client, world, ops):
    lead, co = world.priest(first_name="Lead"), world.priest(first_name="Co")
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    services.assign_priests(booking=booking, priests=[lead, co], actor=ops)
    client.force_login(booking.user)
    page = client.get(
        reverse("checkout:booking-detail", args=[booking.book_id])
    ).content.decode()
    assert lead.get_full_name() in page and co.get_full_name() in page


def test_calendar_file_and_api_name_every_pandit_lead_first(client, world, ops):
    lead, co = world.priest(first_name="Lead"), world.priest(first_name="Co")
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    services.assign_priests(booking=booking, priests=[lead, co], actor=ops)
    client.force_login(booking.user)
    ics = client.get(reverse("checkout:booking-calendar", args=[booking.book_id]))
    event = next(iter(icalendar.Calendar.from_ical(ics.content).walk("VEVENT")))
    names = f"{lead.get_full_name()}, {co.get_full_name()}"
    assert f"Pandit: {names}" in str(event["DESCRIPTION"])
    token = issue_token(user=booking.user).raw
    detail = client.get(
        f"/api/bookings/{booking.book_id}/", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()
    assert detail["priest"] == lead.get_full_name()
    assert detail["priests"] == [lead.get_full_name(), co.get_full_name()]


def test_staff_cancel_of_a_team_booking_tells_every_priest(
    world, ops, django_capture_on_commit_callbacks
):
    lead, co = world.priest(), world.priest()
    booking = make_booking(package=world.pair, slot=world.morning, date=world.date)
    services.assign_priests(booking=booking, priests=[lead, co], actor=ops)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        operations.cancel_booking(
            booking=booking, actor=ops, refund_paise=0, reason="Family emergency"
        )
    assert not live_priests(booking)
    cancelled = {m.to[0] for m in mail.outbox if m.subject.endswith("was cancelled")}
    assert {lead.email, co.email} <= cancelled


def test_naming_more_priests_than_needed_is_refused(world, ops):
    a, b = world.priest(), world.priest()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    with pytest.raises(CheckoutError, match="needs 1 priest"):
        services.assign_priests(booking=booking, priests=[a, b], actor=ops)
    assert not Assignment.objects.exists()
