"""Rules of availability, the booking window, promo codes and carts, called directly."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.utils import timezone

from checkout.models import Booking, Payment, SlotHold
from storefront import capacity, exceptions, services
from storefront.models import (
    Cart,
    CartItem,
    PromoCode,
    PromoRedemption,
    SlotCapacityOverride,
)
from tests import factories

IST = zoneinfo.ZoneInfo("Asia/Kolkata")
pytestmark = pytest.mark.django_db


def availability_of(date, slot):
    (result,) = [a for a in capacity.slot_availability(date=date) if a.slot == slot]
    return result


# Availability -------------------------------------------------------------------


def test_default_capacity_is_the_slots_own():
    slot = factories.make_slot(capacity=4)
    date = factories.booking_date(5)
    availability = availability_of(date, slot)
    assert (availability.capacity, availability.taken, availability.remaining) == (
        4,
        0,
        4,
    )
    assert not availability.is_full


def test_per_slot_override_beats_whole_day_override():
    morning = factories.make_slot(start=datetime.time(6, 0), capacity=4)
    evening = factories.make_slot(start=datetime.time(18, 0), capacity=4)
    date = factories.booking_date(5)
    SlotCapacityOverride.objects.create(date=date, slot=None, capacity=2)
    SlotCapacityOverride.objects.create(date=date, slot=morning, capacity=6)
    assert availability_of(date, morning).capacity == 6
    assert availability_of(date, evening).capacity == 2
    # Another day is untouched.
    assert availability_of(date + datetime.timedelta(days=1), evening).capacity == 4


def test_blackout_closes_every_slot():
    slot = factories.make_slot(capacity=4)
    date = factories.booking_date(5)
    SlotCapacityOverride.objects.create(
        date=date, slot=None, capacity=0, reason="Festival"
    )
    assert availability_of(date, slot).is_full


def test_inactive_slot_has_no_capacity_and_is_not_listed():
    active = factories.make_slot(start=datetime.time(8, 0))
    inactive = factories.make_slot(start=datetime.time(10, 0), is_active=False)
    date = factories.booking_date(5)
    assert [a.slot for a in capacity.slot_availability(date=date)] == [active]
    (explicit,) = capacity.slot_availability(date=date, slots=[inactive])
    assert explicit.capacity == 0


def _hold(*, slot, date, priests, state, expires_in):
    user = factories.make_user()
    cart = Cart.objects.create(user=user, status=Cart.Status.FROZEN)
    payment = Payment.objects.create(
        merchant_order_id=f"OP-{user.pk}-{state}-{expires_in}",
        user=user,
        cart=cart,
        amount_paise=150100,
    )
    booking = None
    if state == SlotHold.State.BOOKED:
        Payment.objects.filter(pk=payment.pk).update(
            status=Payment.Status.SUCCESS, resolution=Payment.Resolution.BOOKED
        )
        booking = Booking.objects.create(
            payment=payment,
            user=user,
            subtotal_paise=150100,
            total_paise=150100,
            address={},
            first_date=date,
        )
    return SlotHold.objects.create(
        payment=payment,
        booking=booking,
        date=date,
        slot=slot,
        priests=priests,
        state=state,
        expires_at=timezone.now() + datetime.timedelta(seconds=expires_in),
    )


def test_live_holds_and_bookings_take_capacity_expired_and_released_do_not():
    slot = factories.make_slot(capacity=10)
    date = factories.booking_date(5)
    _hold(slot=slot, date=date, priests=1, state=SlotHold.State.HELD, expires_in=600)
    _hold(slot=slot, date=date, priests=2, state=SlotHold.State.HELD, expires_in=-1)
    _hold(slot=slot, date=date, priests=3, state=SlotHold.State.BOOKED, expires_in=-600)
    _hold(
        slot=slot, date=date, priests=4, state=SlotHold.State.RELEASED, expires_in=600
    )
    availability = availability_of(date, slot)
    assert availability.taken == 1 + 3
    assert availability.remaining == 6
    # Another date is not affected.
    assert availability_of(date + datetime.timedelta(days=1), slot).taken == 0


# Booking window -------------------------------------------------------------------


@time_machine.travel(datetime.datetime(2026, 12, 1, 23, 30, tzinfo=IST), tick=False)
def test_booking_window_is_tomorrow_to_90_days_in_india_late_at_night():
    # 23:30 IST is still 1 December in India (18:00 UTC).
    first, last = services.bookable_date_range()
    assert first == datetime.date(2026, 12, 2)
    assert last == datetime.date(2026, 12, 1) + datetime.timedelta(days=90)
    with pytest.raises(exceptions.BookingDateError, match="from tomorrow"):
        services.validate_booking_date(datetime.date(2026, 12, 1))
    services.validate_booking_date(datetime.date(2026, 12, 2))
    services.validate_booking_date(datetime.date(2027, 3, 1))  # +90
    with pytest.raises(exceptions.BookingDateError, match="90 days"):
        services.validate_booking_date(datetime.date(2027, 3, 2))  # +91


@time_machine.travel(
    datetime.datetime(2026, 12, 1, 18, 45, tzinfo=datetime.UTC), tick=False
)
def test_booking_window_moves_at_midnight_india_not_utc():
    # 18:45 UTC is 00:15 IST on 2 December.
    first, _last = services.bookable_date_range()
    assert first == datetime.date(2026, 12, 3)


# Promo codes ---------------------------------------------------------------------


def test_percent_discount_floors_paise():
    promo = factories.make_promo(percent=15)
    assert services.promo_discount(promo=promo, subtotal_paise=99999) == 14999


def test_percent_discount_is_capped():
    promo = factories.make_promo(percent=10, max_discount_paise=50000)
    assert services.promo_discount(promo=promo, subtotal_paise=1000000) == 50000
    assert services.promo_discount(promo=promo, subtotal_paise=400000) == 40000


def test_flat_discount_above_subtotal_gives_total_zero():
    promo = factories.make_promo(kind=PromoCode.Kind.FLAT, flat_paise=100000)
    slot = factories.make_slot()
    package = factories.make_package(price_paise=50100)
    cart = factories.make_cart(items=[(package, factories.booking_date(), slot)])
    cart.promo = promo
    cart.save()
    totals = services.cart_totals(cart=cart)
    assert (totals.subtotal_paise, totals.discount_paise, totals.total_paise) == (
        50100,
        50100,
        0,
    )


def test_min_order_boundary_is_inclusive():
    promo = factories.make_promo(min_order_paise=100000)
    services.check_promo(promo=promo, subtotal_paise=100000)
    with pytest.raises(exceptions.PromoError, match=r"at least ₹1,000\.$"):
        services.check_promo(promo=promo, subtotal_paise=99999)


def test_validity_window_boundaries():
    now = timezone.now()
    promo = factories.make_promo(
        valid_from=now, valid_until=now + datetime.timedelta(days=1)
    )
    services.check_promo(promo=promo, subtotal_paise=100000, now=now)
    with pytest.raises(exceptions.PromoError, match="valid from"):
        services.check_promo(
            promo=promo, subtotal_paise=100000, now=now - datetime.timedelta(seconds=1)
        )
    services.check_promo(
        promo=promo,
        subtotal_paise=100000,
        now=now + datetime.timedelta(days=1, seconds=-1),
    )
    with pytest.raises(exceptions.PromoError, match="expired"):
        services.check_promo(
            promo=promo, subtotal_paise=100000, now=now + datetime.timedelta(days=1)
        )


def test_usage_limit_and_per_customer_limit():
    promo = factories.make_promo(usage_limit=2, per_customer_limit=1)
    asha, ravi, meera = (
        factories.make_user(),
        factories.make_user(),
        factories.make_user(),
    )
    services.check_promo(promo=promo, subtotal_paise=100000, user=asha)
    PromoRedemption.objects.create(
        promo=promo, user=asha, reference="BK-1", discount_paise=1
    )
    with pytest.raises(exceptions.PromoError, match="already used"):
        services.check_promo(promo=promo, subtotal_paise=100000, user=asha)
    services.check_promo(promo=promo, subtotal_paise=100000, user=ravi)
    PromoRedemption.objects.create(
        promo=promo, user=ravi, reference="BK-2", discount_paise=1
    )
    with pytest.raises(exceptions.PromoError, match="fully used"):
        services.check_promo(promo=promo, subtotal_paise=100000, user=meera)


def test_inactive_promo_is_refused():
    promo = factories.make_promo(is_active=False)
    with pytest.raises(exceptions.PromoError, match="no longer active"):
        services.check_promo(promo=promo, subtotal_paise=100000)


def test_promo_lookup_ignores_case_and_spaces():
    promo = factories.make_promo(code="FIRSTPUJA")
    assert services.find_promo("  firstPuja ") == promo
    with pytest.raises(exceptions.PromoError, match="does not exist"):
        services.find_promo("NOPE")


# Cart operations -----------------------------------------------------------------


@pytest.fixture
def slot():
    return factories.make_slot(capacity=3)


@pytest.fixture
def package():
    return factories.make_package(price_paise=150100, priest_count=1)


def test_add_to_cart_and_duplicate_refused(slot, package):
    cart = factories.make_cart()
    date = factories.booking_date()
    services.add_to_cart(cart=cart, package=package, date=date, slot=slot)
    with pytest.raises(exceptions.CartError, match="already in your cart"):
        services.add_to_cart(cart=cart, package=package, date=date, slot=slot)
    assert cart.items.count() == 1


def test_full_slot_counts_priests_already_in_the_same_cart(slot):
    date = factories.booking_date()
    two_priests = factories.make_package(priest_count=2)
    other = factories.make_package(priest_count=2)
    cart = factories.make_cart(items=[(two_priests, date, slot)])
    # 2 in the cart + 2 more > capacity 3.
    with pytest.raises(exceptions.SlotUnavailableError, match="pick another slot"):
        services.add_to_cart(cart=cart, package=other, date=date, slot=slot)
    assert cart.items.count() == 1


def test_full_slot_refused(slot, package):
    date = factories.booking_date()
    SlotCapacityOverride.objects.create(date=date, slot=slot, capacity=0)
    cart = factories.make_cart()
    with pytest.raises(exceptions.SlotUnavailableError, match="is full"):
        services.add_to_cart(cart=cart, package=package, date=date, slot=slot)
    assert not cart.items.exists()


def test_remove_and_change(slot, package):
    date = factories.booking_date()
    other_slot = factories.make_slot(start=datetime.time(16, 0))
    cart = factories.make_cart(items=[(package, date, slot)])
    item = cart.items.get()
    moved = services.change_cart_item(
        cart=cart,
        item_id=item.pk,
        date=date + datetime.timedelta(days=1),
        slot=other_slot,
    )
    assert (moved.date, moved.slot) == (date + datetime.timedelta(days=1), other_slot)
    services.remove_from_cart(cart=cart, item_id=item.pk)
    assert not cart.items.exists()
    with pytest.raises(exceptions.CartError, match="not in your cart"):
        services.remove_from_cart(cart=cart, item_id=item.pk)


def test_frozen_cart_refuses_every_edit(slot, package):
    date = factories.booking_date()
    cart = factories.make_cart(items=[(package, date, slot)])
    item = cart.items.get()
    cart.status = Cart.Status.FROZEN
    cart.save()
    promo = factories.make_promo()
    edits = [
        lambda: services.add_to_cart(
            cart=cart,
            package=package,
            date=date + datetime.timedelta(days=1),
            slot=slot,
        ),
        lambda: services.remove_from_cart(cart=cart, item_id=item.pk),
        lambda: services.change_cart_item(
            cart=cart,
            item_id=item.pk,
            date=date + datetime.timedelta(days=2),
            slot=slot,
        ),
        lambda: services.apply_promo(cart=cart, code=promo.code),
        lambda: services.remove_promo(cart=cart),
    ]
    for edit in edits:
        with pytest.raises(exceptions.CartError, match="waiting for a payment"):
            edit()
    assert list(cart.items.values_list("date", flat=True)) == [date]


# Addresses -----------------------------------------------------------------------


def test_first_address_becomes_default_and_one_default_only():
    from storefront.models import Address

    user = factories.make_user()
    first = services.save_address(
        address=Address(**_address_fields()), user=user, make_default=False
    )
    assert first.is_default
    second = services.save_address(address=Address(**_address_fields()), user=user)
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (True, False)
    services.set_default_address(address=second)
    assert list(Address.objects.filter(user=user, is_default=True)) == [second]
    services.delete_address(address=Address.objects.get(pk=second.pk))
    first.refresh_from_db()
    assert first.is_default


def _address_fields():
    return {
        "full_name": "Asha Sharma",
        "phone": "+919876543210",
        "line1": "12 MG Road",
        "city": "Pune",
        "state": "MH",
        "pincode": "411001",
    }


def test_merge_keeps_duplicates_once(slot, package):
    user = factories.make_user()
    date = factories.booking_date()
    other = factories.make_package()
    user_cart = factories.make_cart(user=user, items=[(package, date, slot)])
    session_cart = factories.make_cart(
        session_key="abc", items=[(package, date, slot), (other, date, slot)]
    )
    merged = services.merge_session_cart(session_cart=session_cart, user=user)
    assert merged == user_cart
    assert CartItem.objects.filter(cart=user_cart).count() == 2
    session_cart.refresh_from_db()
    assert session_cart.status == Cart.Status.MERGED
