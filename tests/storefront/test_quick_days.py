"""The service page's quick picks are the next days with room for the package.

``capacity.days_with_room`` must give, for many dates at once and in a fixed
number of queries, the answer ``slot_availability`` gives date by date.
"""

import datetime

import pytest
from django.utils import timezone

from checkout.models import Payment, SlotHold
from priests.models import LeaveDay
from storefront import capacity, services
from storefront.models import SlotCapacityOverride
from tests import factories
from tests.priests.conftest import BENGALURU, World, make_booking

pytestmark = pytest.mark.django_db

PUNE = {**BENGALURU, "city": "Pune", "pincode": "411001"}


def quick_days(client, service, **params):
    response = client.get(service.get_absolute_url(), params)
    return response.context["quick_days"], response.content.decode()


def test_full_days_are_left_out_of_the_quick_picks(client):
    package = factories.make_package(price_paise=110100)
    morning = factories.make_slot(start=datetime.time(8, 0), capacity=1)
    evening = factories.make_slot(start=datetime.time(18, 0), capacity=1)
    first, _last = services.bookable_date_range()
    third = first + datetime.timedelta(days=2)
    # Tomorrow: both slots booked. The day after: one slot free. Third day:
    # closed by staff.
    for slot in (morning, evening):
        make_booking(package=package, slot=slot, date=first)
    make_booking(package=package, slot=morning, date=first + datetime.timedelta(1))
    SlotCapacityOverride.objects.create(date=third, slot=None, capacity=0)

    days, html = quick_days(client, package.service)

    expected = [first + datetime.timedelta(days=n) for n in (1, *range(3, 9))]
    assert days == expected
    assert f'id="day-{first}"' not in html
    assert f'id="day-{third}"' not in html
    # "Tomorrow" names tomorrow only, not the first chip.
    assert "Tomorrow" not in html.split('class="day-row')[1].split("</div>")[0]


def test_a_package_of_more_priests_needs_that_many_free(client):
    single = factories.make_package(price_paise=110100)
    pair = factories.make_package(
        service=single.service, tier="premium", priest_count=2, price_paise=210100
    )
    slot = factories.make_slot(start=datetime.time(8, 0), capacity=2)
    first, _last = services.bookable_date_range()
    make_booking(package=single, slot=slot, date=first)

    days, _html = quick_days(client, single.service, package=pair.pk)
    assert first not in days and len(days) == 7
    days, _html = quick_days(client, single.service, package=single.pk)
    assert days[0] == first


def test_roster_language_place_leave_and_bookings_decide(client, settings):
    world = World()
    priest = world.priest(areas=[("city", "Bengaluru")])
    first, _last = services.bookable_date_range()
    LeaveDay.objects.create(priest=priest.priest, date=first)
    for slot in world.slots:
        make_booking(package=world.hindi, slot=slot, date=first + datetime.timedelta(1))
    session = client.session
    session["puja_city"] = "Bengaluru"
    session.save()

    days, _html = quick_days(client, world.service, package=world.hindi.pk)
    assert days[:2] == [first + datetime.timedelta(n) for n in (2, 3)]
    assert len(days) == 7
    # Nobody speaks Tamil: no day has room, and the page says so.
    days, html = quick_days(client, world.service, package=world.tamil.pk)
    assert days == []
    assert "No free times in the next four weeks" in html
    # Nobody serves Pune.
    session["puja_city"] = "Pune"
    session.save()
    days, _html = quick_days(client, world.service, package=world.hindi.pk)
    assert days == []


def busy_world():
    """Priests, leave, bookings, a pending payment's hold and an override."""
    world = World()
    priests = [world.priest() for _ in range(3)]
    world.priest(languages=["ta"], weekdays=[0, 2, 4])
    world.priest(areas=[("city", "Pune")], slots=[world.morning])
    first, _last = services.bookable_date_range()
    dates = [first + datetime.timedelta(days=n) for n in range(21)]
    LeaveDay.objects.create(priest=priests[0].priest, date=dates[4])
    LeaveDay.objects.create(priest=priests[1].priest, date=dates[4])
    for n in (0, 4, 5, 9):
        for slot in world.slots:
            make_booking(package=world.pair, slot=slot, date=dates[n])
    for slot in world.slots:
        make_booking(package=world.hindi, slot=slot, date=dates[6], address=PUNE)
    # A payment in flight holds a priest too (its snapshot says for what).
    user = factories.make_user()
    payment = Payment.objects.create(
        merchant_order_id="OKP-QUICK-1",
        user=user,
        cart=factories.make_cart(user=user),
        amount_paise=world.hindi.price_paise,
        snapshot={
            "lines": [
                {
                    "package_id": world.hindi.pk,
                    "date": dates[7].isoformat(),
                    "slot_id": world.evening.pk,
                    "priest_count": 3,
                }
            ],
            "address": BENGALURU,
        },
    )
    SlotHold.objects.create(
        payment=payment,
        date=dates[7],
        slot=world.evening,
        priests=3,
        state=SlotHold.State.HELD,
        expires_at=timezone.now() + datetime.timedelta(minutes=30),
    )
    SlotCapacityOverride.objects.create(date=dates[8], slot=None, capacity=0)
    SlotCapacityOverride.objects.create(date=dates[10], slot=world.morning, capacity=0)
    return world, dates


@pytest.mark.parametrize("address", [BENGALURU, PUNE, None])
@pytest.mark.parametrize("package_name", ["hindi", "tamil", "pair", "online_hindi"])
def test_same_answer_as_slot_availability_date_by_date(address, package_name):
    world, dates = busy_world()
    package = getattr(world, package_name)

    def has_room(date):
        return any(
            slot.remaining >= package.priest_count
            for slot in capacity.slot_availability(
                date=date, package=package, address=address
            )
        )

    expected = {date for date in dates if has_room(date)}
    assert (
        capacity.days_with_room(dates=dates, package=package, address=address)
        == expected
    )
    # The world is not trivial: some days have room, some do not.
    if address is BENGALURU and package_name in {"hindi", "pair"}:
        assert 0 < len(expected) < len(dates)


def test_same_answer_without_a_roster():
    package = factories.make_package(priest_count=2)
    slots = [factories.make_slot(start=datetime.time(h, 0), capacity=2) for h in (6, 9)]
    first, _last = services.bookable_date_range()
    dates = [first + datetime.timedelta(days=n) for n in range(10)]
    for slot in slots:
        make_booking(package=package, slot=slot, date=dates[0])
    make_booking(package=package, slot=slots[0], date=dates[1])
    SlotCapacityOverride.objects.create(date=dates[2], slot=slots[1], capacity=0)
    SlotCapacityOverride.objects.create(date=dates[2], slot=slots[0], capacity=1)
    expected = {
        date
        for date in dates
        if any(
            a.remaining >= 2
            for a in capacity.slot_availability(date=date, package=package)
        )
    }
    assert capacity.days_with_room(dates=dates, package=package) == expected
    assert dates[0] not in expected and dates[2] not in expected
    assert dates[1] in expected


# slots, overrides, live holds (sums), is there a roster, 6 roster reads
# (priests, weekly slots, categories, pujas, areas, leave), live holds (who
# for), the bookings' items, their packages.
DAYS_WITH_ROOM_QUERIES = 13


def test_days_with_room_takes_fixed_queries(django_assert_num_queries):
    world, dates = busy_world()
    with django_assert_num_queries(DAYS_WITH_ROOM_QUERIES):
        capacity.days_with_room(dates=dates[:3], package=world.hindi, address=BENGALURU)
    for _ in range(10):
        world.priest(languages=["hi", "ta"])
    more = [dates[-1] + datetime.timedelta(days=n) for n in range(1, 40)]
    for date in more[::3]:
        make_booking(package=world.tamil, slot=world.later, date=date)
    with django_assert_num_queries(DAYS_WITH_ROOM_QUERIES):
        capacity.days_with_room(
            dates=dates + more, package=world.hindi, address=BENGALURU
        )
