"""Capacity from the roster: who can perform a package at a place, date and slot."""

import datetime

import pytest
from django.urls import reverse

from priests.matching import Place, Roster, bookable_priests, slot_demands
from priests.models import LeaveDay, Priest
from tests.priests.conftest import BENGALURU, make_booking, make_priest

PUNE = {**BENGALURU, "city": "Pune", "pincode": "411001"}


def free(world, package, *, address=BENGALURU, slot=None, date=None):
    date = date or world.date
    slot = slot or world.morning
    roster = Roster.load(date=date)
    demands = slot_demands(date=date, slot_ids=[slot.pk])
    return bookable_priests(
        roster=roster,
        demands=demands,
        package=package,
        place=Place.for_address(package.service, address),
        slot_id=slot.pk,
    )


def test_language_must_match(world):
    world.priest(languages=["hi"])
    assert free(world, world.hindi) == 1
    assert free(world, world.tamil) == 0
    world.priest(languages=["ta", "en"])
    assert free(world, world.tamil) == 1


def test_area_by_city_pin_prefix_and_online(world):
    world.priest(areas=[("city", "bengaluru ")])
    world.priest(areas=[("pin", "411")])
    world.priest(areas=[("online", "")])
    assert free(world, world.hindi, address=BENGALURU) == 1
    assert free(world, world.hindi, address=PUNE) == 1
    assert free(world, world.online_hindi, address=PUNE) == 1
    assert free(world, world.hindi, address={**BENGALURU, "city": "Chennai"}) == 0


def test_puja_by_category_or_single_service(world):
    from tests import factories

    other = factories.make_service()
    package = factories.make_package(service=other, language="hi")
    world.priest()  # performs the Ganesh category only
    assert free(world, package) == 0
    make_priest(services=[other], slots=world.slots)
    assert free(world, package) == 1


def test_weekly_slots_and_leave_days(world):
    user = world.priest(slots=[world.morning], weekdays=[world.date.weekday()])
    assert free(world, world.hindi, slot=world.morning) == 1
    assert free(world, world.hindi, slot=world.evening) == 0
    other_day = world.date + datetime.timedelta(days=1)
    assert free(world, world.hindi, date=other_day) == 0
    LeaveDay.objects.create(priest=Priest.objects.get(user=user), date=world.date)
    assert free(world, world.hindi) == 0


def test_inactive_priests_are_not_bookable(world):
    user = world.priest()
    Priest.objects.filter(user=user).update(is_active=False)
    assert free(world, world.hindi) == 0


def test_bookings_take_their_matching_priests(world):
    world.priest(languages=["hi"])
    world.priest(languages=["hi", "ta"])
    assert free(world, world.hindi) == 2
    make_booking(package=world.tamil, slot=world.morning, date=world.date)
    # The Tamil booking can only be served by the second priest.
    assert free(world, world.hindi) == 1
    assert free(world, world.tamil) == 0
    # Another slot, date or city is not affected.
    assert free(world, world.hindi, slot=world.evening) == 2


def test_bookings_elsewhere_do_not_take_priests_here(world):
    world.priest(areas=[("city", "Bengaluru")])
    world.priest(areas=[("city", "Pune")])
    make_booking(package=world.hindi, slot=world.morning, date=world.date, address=PUNE)
    assert free(world, world.hindi, address=BENGALURU) == 1
    assert free(world, world.hindi, address=PUNE) == 0


def test_packages_needing_two_priests_need_two_matching(world):
    world.priest()
    assert free(world, world.pair) == 1  # one matching priest: a pair cannot book
    world.priest()
    world.priest()
    make_booking(package=world.pair, slot=world.morning, date=world.date)
    assert free(world, world.hindi) == 1


def test_roster_reads_take_fixed_queries(world, django_assert_num_queries):
    """Availability of every slot must not become N+1 over priests or bookings."""

    def all_slots():
        roster = Roster.load(date=world.date)
        demands = slot_demands(
            date=world.date, slot_ids=[slot.pk for slot in world.slots]
        )
        return [
            bookable_priests(
                roster=roster,
                demands=demands,
                package=world.hindi,
                place=Place.for_address(world.service, BENGALURU),
                slot_id=slot.pk,
            )
            for slot in world.slots
        ]

    world.priest()
    world.priest()
    make_booking(package=world.hindi, slot=world.morning, date=world.date)
    # 5 roster reads + live holds + the bookings' items + their packages.
    with django_assert_num_queries(8):
        assert all_slots() == [1, 2, 2]
    for _ in range(8):
        world.priest(languages=["hi", "ta"])
    for slot in world.slots:
        make_booking(package=world.tamil, slot=slot, date=world.date)
        make_booking(package=world.hindi, slot=slot, date=world.date)
    with django_assert_num_queries(8):
        assert all_slots() == [7, 8, 8]


@pytest.mark.parametrize("priests", [1, 12])
def test_service_page_availability_is_not_n_plus_1_over_priests(
    client, world, django_assert_num_queries, priests
):
    for _ in range(priests):
        world.priest()
    make_booking(package=world.tamil, slot=world.morning, date=world.date)
    session = client.session
    session["puja_city"] = "Bengaluru"
    session.save()
    # session, service, packages, slots, overrides, holds, roster in use,
    # 5 roster reads, live holds, the bookings' items, their packages, cart badge;
    # the quick days (13, capacity.days_with_room for four weeks at once)
    with django_assert_num_queries(16 + 13):
        response = client.get(
            world.service.get_absolute_url(),
            {"date": str(world.date), "package": world.hindi.pk},
        )
    assert f"{priests} priest" in response.content.decode()


def test_service_page_shows_priests_for_the_chosen_city(client, world):
    world.priest(areas=[("city", "Pune")])
    world.priest(areas=[("city", "Pune")])
    world.priest(areas=[("city", "Bengaluru")])
    url = world.service.get_absolute_url()
    params = {"date": str(world.date), "package": world.hindi.pk}
    assert "3 priests free" in client.get(url, params).content.decode()
    client.post(
        reverse("storefront:set-city", args=[world.service.slug]), {"city": "pune"}
    )
    page = client.get(url, params).content.decode()
    assert "2 priests free" in page and "Free priests shown for pune" in page
    bad = client.post(
        reverse("storefront:set-city", args=[world.service.slug]), {"city": "<script>"}
    )
    assert bad.status_code == 302
    assert client.session["puja_city"] == "pune"


def test_signed_in_customer_sees_their_default_address_city(client, world):
    from tests import factories

    world.priest(areas=[("pin", "411")])
    customer = factories.make_user()
    factories.make_address(user=customer, city="Pune", pincode="411001", state="MH")
    client.force_login(customer)
    params = {"date": str(world.date), "package": world.hindi.pk}
    page = client.get(world.service.get_absolute_url(), params).content.decode()
    assert "1 priest free" in page and "Free priests shown for Pune" in page


def test_api_slots_count_priests_for_the_package_and_city(client, world):
    """The API asks the same roster as the service page: language and city."""
    world.priest(areas=[("city", "Pune")])
    world.priest(areas=[("city", "Pune")], languages=("ta",))
    world.priest(areas=[("city", "Bengaluru")])
    url = f"/api/catalog/packages/{world.hindi.pk}/slots/"

    def remaining(**params):
        body = client.get(url, {"date": str(world.date), **params}).json()
        return {slot["slot_id"]: slot["remaining"] for slot in body["slots"]}

    assert remaining()[world.morning.pk] == 2  # Hindi priests anywhere
    assert remaining(city="Pune")[world.morning.pk] == 1
    assert remaining(city="Mysuru")[world.morning.pk] == 0
    tamil = f"/api/catalog/packages/{world.tamil.pk}/slots/"
    body = client.get(tamil, {"date": str(world.date), "city": "Pune"}).json()
    assert {s["slot_id"]: s["remaining"] for s in body["slots"]}[world.morning.pk] == 1
    bad = client.get(url, {"date": str(world.date), "pincode": "12"})
    assert bad.status_code == 400
