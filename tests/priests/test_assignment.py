"""Assignment: only matching, free priests; decline, accept, done; everyone is told."""

import datetime

import pytest
import time_machine
from django.core import mail

from checkout import operations
from checkout.errors import CheckoutError
from checkout.models import AuditEntry, Booking
from priests import services
from priests.models import Assignment, LeaveDay, Priest
from storefront import formats
from tests import factories
from tests.priests.conftest import make_booking


@pytest.fixture
def ops(db):
    return factories.make_user(email="ops-priests@okpuja.in", is_staff=True)


def test_assign_writes_assignment_audit_and_tells_priest_and_customer(
    world, ops, django_capture_on_commit_callbacks
):
    priest = world.priest()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_priest(booking=booking, priest=priest, actor=ops)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.ASSIGNED
    assert booking.assigned_priest == priest
    (assignment,) = Assignment.objects.filter(booking=booking)
    assert assignment.status == Assignment.Status.OFFERED
    assert assignment.ends_at - assignment.starts_at == datetime.timedelta(minutes=90)
    assert assignment.starts_at.hour == 0 and assignment.starts_at.minute == 30  # UTC
    assert AuditEntry.objects.filter(
        booking=booking, action="booking.priest_assigned", actor=ops
    ).exists()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [booking.user.email, priest.email]
    )


def test_only_matching_priests_can_be_assigned(world, ops):
    tamil_only = world.priest(languages=["ta"])
    pune = world.priest(areas=[("city", "Pune")])
    on_leave = world.priest()
    LeaveDay.objects.create(priest=Priest.objects.get(user=on_leave), date=world.date)
    customer = factories.make_user()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    for priest in (tamil_only, pune, on_leave, customer):
        with pytest.raises(CheckoutError):
            services.assign_priest(booking=booking, priest=priest, actor=ops)
    assert not Assignment.objects.exists()
    assert Booking.objects.get(pk=booking.pk).status == Booking.Status.CONFIRMED


def test_a_priest_is_never_double_booked(world, ops):
    priest = world.priest()
    first = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    # 7:00 starts inside the 6:00 puja's 90 minutes.
    overlapping = make_booking(package=world.hindi, slot=world.later, date=world.date)
    evening = make_booking(package=world.hindi, slot=world.evening, date=world.date)
    services.assign_priest(booking=first, priest=priest, actor=ops)
    with pytest.raises(CheckoutError, match="already busy"):
        services.assign_priest(booking=overlapping, priest=priest, actor=ops)
    services.assign_priest(booking=evening, priest=priest, actor=ops)
    assert Assignment.objects.live().filter(priest=priest).count() == 2
    suggestions = services.suggest_priests(bookings=[overlapping])
    assert suggestions[overlapping.pk] == []


def test_suggestions_are_matching_free_and_least_busy_first(world, ops):
    busy = world.priest(first_name="Busy")
    idle = world.priest(first_name="Idle")
    world.priest(languages=["ta"])
    other = make_booking(package=world.hindi, slot=world.evening, date=world.date)
    services.assign_priest(booking=other, priest=busy, actor=ops)
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    assert services.suggest_priests(bookings=[booking])[booking.pk] == [
        idle.pk,
        busy.pk,
    ]


def test_reassignment_frees_the_old_priest_and_tells_everyone(
    world, ops, django_capture_on_commit_callbacks
):
    first, second = world.priest(), world.priest()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=first, actor=ops)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.assign_priest(booking=booking, priest=second, actor=ops)
    assert list(
        Assignment.objects.live()
        .filter(booking=booking)
        .values_list("priest", flat=True)
    ) == [second.pk]
    subjects = {m.to[0]: m.subject for m in mail.outbox}
    assert "has changed" in subjects[booking.user.email]
    assert "another priest" in subjects[first.email]
    assert "New puja" in subjects[second.email]


def test_decline_returns_booking_to_the_queue_with_reason(world, ops):
    priest = world.priest()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    with pytest.raises(CheckoutError):
        services.decline_assignment(booking=booking, priest=priest, reason="  ")
    services.decline_assignment(booking=booking, priest=priest, reason="Fever")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.assigned_priest is None
    assignment = Assignment.objects.get(booking=booking)
    assert (assignment.status, assignment.reason) == (
        Assignment.Status.DECLINED,
        "Fever",
    )
    assert AuditEntry.objects.filter(
        booking=booking, action="booking.priest_declined", to_state="confirmed"
    ).exists()
    # The declined priest's time is free again.
    assert services.suggest_priests(bookings=[booking])[booking.pk] == [priest.pk]


def test_only_the_assigned_priest_can_respond(world, ops):
    priest, other = world.priest(), world.priest()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    for action in (
        lambda: services.accept_assignment(booking=booking, priest=other),
        lambda: services.decline_assignment(booking=booking, priest=other, reason="x"),
    ):
        with pytest.raises(CheckoutError):
            action()
    services.accept_assignment(booking=booking, priest=priest)
    assert Assignment.objects.get(booking=booking).status == "accepted"


def test_done_only_once_the_puja_started(world, ops):
    priest = world.priest()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    with pytest.raises(CheckoutError, match="once the puja has started"):
        services.complete_assignment(booking=booking, priest=priest, note="")
    start = Assignment.objects.get(booking=booking).starts_at
    with time_machine.travel(start + datetime.timedelta(minutes=100)):
        services.complete_assignment(booking=booking, priest=priest, note="All well")
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED
    assert Assignment.objects.get(booking=booking).note == "All well"


def test_cancellation_releases_and_tells_the_priest(
    world, ops, django_capture_on_commit_callbacks
):
    priest = world.priest()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        operations.cancel_booking(
            booking=booking, actor=ops, refund_paise=0, reason="Family emergency"
        )
    assert not Assignment.objects.live().filter(booking=booking).exists()
    assert any(
        m.to == [priest.email] and m.subject.endswith("was cancelled")
        for m in mail.outbox
    )


def test_leave_day_refused_over_a_puja(world, ops):
    priest = world.priest()
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    with pytest.raises(CheckoutError, match="reassign"):
        services.add_leave_day(priest=priest, date=world.date)
    services.add_leave_day(priest=priest, date=world.date + datetime.timedelta(days=1))
    assert LeaveDay.objects.filter(priest__user=priest).count() == 1


def test_auto_assign_picks_the_least_busy(world, ops, settings):
    busy, idle = world.priest(), world.priest()
    services.assign_priest(
        booking=make_booking(package=world.hindi, slot=world.evening, date=world.date),
        priest=busy,
        actor=ops,
    )
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    settings.PRIESTS_AUTO_ASSIGN = False
    assert services.auto_assign(booking_id=booking.pk) is None
    settings.PRIESTS_AUTO_ASSIGN = True
    assert services.auto_assign(booking_id=booking.pk).assigned_priest == idle


def test_reschedule_moves_the_priest_or_frees_them(
    world, ops, django_capture_on_commit_callbacks
):
    from checkout import selfservice

    priest = world.priest(slots=[world.morning, world.evening])
    world.priest(first_name="Later", slots=[world.later])
    booking = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    services.assign_priest(booking=booking, priest=priest, actor=ops)
    item = booking.items.get()
    mail.outbox.clear()
    # Still matching and free in the evening: the priest's time moves along.
    with django_capture_on_commit_callbacks(execute=True):
        selfservice.reschedule(
            booking=booking,
            user=booking.user,
            item_id=item.pk,
            date=world.date,
            slot=world.evening,
        )
    assignment = Assignment.objects.live().get(booking=booking)
    assert assignment.starts_at.astimezone(services.IST).hour == 18
    assert Booking.objects.get(pk=booking.pk).assigned_priest == priest
    assert [m.subject for m in mail.outbox if m.to == [priest.email]] == [
        f"Rescheduled: {booking.book_id}, now {formats.day(world.date)}"
    ]
    # The priest does not work at 7:00: freed, the booking back in the queue.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        selfservice.reschedule(
            booking=booking,
            user=booking.user,
            item_id=item.pk,
            date=world.date,
            slot=world.later,
        )
    booking.refresh_from_db()
    assert (booking.status, booking.assigned_priest) == ("confirmed", None)
    assert not Assignment.objects.live().filter(booking=booking).exists()
    assert "no longer needed" in mail.outbox[0].subject
