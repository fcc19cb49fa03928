"""No double-booking under concurrency (PostgreSQL: row locks and the exclusion constraint)."""

import threading
import time

import pytest
from django.db import IntegrityError, connection, transaction

from checkout.errors import CheckoutError
from priests import services
from priests.models import Assignment, Priest
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


def _waiting_on_locks():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def test_concurrent_team_assignments_share_no_priest():
    """Two two-priest pujas at overlapping times, three free priests: one is staffed.

    The priests' rows are held locked until both assignments wait on them, so
    the two really overlap; they must then be decided one after the other.
    """
    world = World()
    priests = [world.priest() for _ in range(3)]
    ops = factories.make_user(email="ops-team-race@okpuja.in", is_staff=True)
    bookings = [
        make_booking(package=world.pair, slot=world.morning, date=world.date),
        make_booking(package=world.pair, slot=world.later, date=world.date),
    ]
    locked, release = threading.Event(), threading.Event()
    outcomes = []

    def hold_the_priests():
        try:
            with transaction.atomic():
                list(Priest.objects.select_for_update().values_list("pk", flat=True))
                locked.set()
                release.wait(timeout=15)
        finally:
            connection.close()

    def assign(booking, lead):
        try:
            services.assign_priest(booking=booking, priest=lead, actor=ops)
            outcomes.append("assigned")
        except CheckoutError as exc:
            outcomes.append(exc.message)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_priests)
    holder.start()
    assert locked.wait(timeout=10)
    # Each names its own lead; both want the third priest as co-priest.
    threads = [
        threading.Thread(target=assign, args=(bookings[0], priests[0])),
        threading.Thread(target=assign, args=(bookings[1], priests[1])),
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 10
    while _waiting_on_locks() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    both_waited = _waiting_on_locks() >= 2
    release.set()
    for thread in [holder, *threads]:
        thread.join(timeout=30)
        assert not thread.is_alive(), "assignment hung"
    assert both_waited, "the assignments did not wait for the priests' row locks"
    assert outcomes.count("assigned") == 1, outcomes
    assert any("already busy" in outcome for outcome in outcomes), outcomes
    live = list(Assignment.objects.live().values_list("priest_id", flat=True))
    assert len(live) == 2 and len(set(live)) == 2
