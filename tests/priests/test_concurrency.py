"""No double-booking under concurrency (PostgreSQL: row locks and the exclusion constraint)."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from checkout.errors import CheckoutError
from priests import services
from priests.models import Assignment
from tests import factories
from tests.priests.conftest import World, make_booking

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_exclusion_constraint_refuses_overlapping_live_assignments():
    world = World()
    priest = world.priest()
    first = make_booking(package=world.hindi, slot=world.morning, date=world.date)
    second = make_booking(package=world.hindi, slot=world.later, date=world.date)
    one = first.items.get()
    other = second.items.get()
    start, end = services.item_window(one)
    Assignment.objects.create(
        booking=first, item=one, priest=priest, starts_at=start, ends_at=end
    )
    other_start, other_end = services.item_window(other)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.create(
            booking=second,
            item=other,
            priest=priest,
            starts_at=other_start,
            ends_at=other_end,
        )
    # A declined assignment does not hold the priest's time.
    Assignment.objects.create(
        booking=second,
        item=other,
        priest=priest,
        starts_at=other_start,
        ends_at=other_end,
        status=Assignment.Status.DECLINED,
    )


def test_concurrent_assignments_of_one_priest_one_wins():
    world = World()
    priest = world.priest()
    ops = factories.make_user(email="ops-race@okpuja.in", is_staff=True)
    bookings = [
        make_booking(package=world.hindi, slot=world.morning, date=world.date),
        make_booking(package=world.hindi, slot=world.later, date=world.date),
    ]
    barrier = threading.Barrier(2)
    outcomes = []

    def assign(booking):
        try:
            barrier.wait(timeout=10)
            services.assign_priest(booking=booking, priest=priest, actor=ops)
            outcomes.append("assigned")
        except CheckoutError as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    threads = [threading.Thread(target=assign, args=(b,)) for b in bookings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
        assert not thread.is_alive(), "assignment hung"
    assert outcomes.count("assigned") == 1, outcomes
    assert Assignment.objects.live().filter(priest=priest).count() == 1
