"""Pay holds priests from the roster: matching ones at the checkout address only."""

import datetime

import pytest

from checkout import services
from checkout.errors import CheckoutError
from checkout.models import Payment, SlotHold
from priests.models import Priest
from storefront.exceptions import SlotUnavailableError
from tests import factories
from tests.checkout.test_concurrency import run_concurrently
from tests.priests.conftest import make_priest


class RosterShop:
    """A 10-priest slot by number, but one Hindi priest in Bengaluru on the roster."""

    def __init__(self, *, priest_count=1):
        self.slot = factories.make_slot(start=datetime.time(8, 0), capacity=10)
        self.package = factories.make_package(language="hi", priest_count=priest_count)
        self.date = factories.booking_date(10)
        self.priest = make_priest(
            languages=["hi"],
            categories=[self.package.service.category],
            slots=[self.slot],
        )

    def customer(self, **address):
        user = factories.make_user()
        address = factories.make_address(user=user, **address)
        cart = factories.make_cart(
            user=user, items=[(self.package, self.date, self.slot)]
        )
        return user, cart, address


@pytest.mark.django_db
def test_pay_needs_a_matching_priest_at_the_address(phonepe):
    shop = RosterShop()
    user, cart, pune = shop.customer(city="Pune", pincode="411001", state="MH")
    with pytest.raises(CheckoutError, match="full"):
        services.start_payment(cart=cart, user=user, address=pune)
    assert not SlotHold.objects.exists()
    bengaluru = factories.make_address(user=user, is_default=False)
    payment = services.start_payment(cart=cart, user=user, address=bengaluru)
    assert payment.holds.get().priests == 1
    # The only matching priest is held: the next customer cannot even add it.
    with pytest.raises(SlotUnavailableError, match="full"):
        shop.customer()


@pytest.mark.django_db
def test_packages_needing_two_priests_need_two_matching_priests(phonepe):
    shop = RosterShop(priest_count=2)
    pune = make_priest(
        languages=["hi"],
        categories=[shop.package.service.category],
        slots=[shop.slot],
        areas=[("city", "Pune")],
    )
    # Two priests anywhere: the cart takes it; only one comes to Bengaluru.
    user, cart, address = shop.customer()
    with pytest.raises(CheckoutError, match="Only 1 priest"):
        services.start_payment(cart=cart, user=user, address=address)
    Priest.objects.get(user=pune).areas.create(kind="pin", value="560")
    assert services.start_payment(cart=cart, user=user, address=address).pk


@pytest.mark.django_db
def test_override_stays_a_cap_and_blackout(phonepe):
    from storefront.models import SlotCapacityOverride

    shop = RosterShop()
    user, cart, address = shop.customer()
    SlotCapacityOverride.objects.create(date=shop.date, slot=shop.slot, capacity=0)
    with pytest.raises(CheckoutError, match="full"):
        services.start_payment(cart=cart, user=user, address=address)


@pytest.mark.django_db
def test_leave_takes_the_priest_out_of_capacity(phonepe):
    shop = RosterShop()
    user, cart, address = shop.customer()
    Priest.objects.get(user=shop.priest).leave_days.create(date=shop.date)
    with pytest.raises(CheckoutError, match="full"):
        services.start_payment(cart=cart, user=user, address=address)


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_two_customers_race_for_the_last_matching_priest(
    phonepe,
    monkeypatch,
):
    """Guards the slot row locks with roster capacity: one priest, two payers.

    The slot's number says 10; the roster has one matching priest. The check
    is widened by a pause, so without the lock both would hold the priest.
    """
    import time

    check = services.capacity.check_slot_has_room

    def check_then_pause(**kwargs):
        result = check(**kwargs)
        time.sleep(0.5)
        return result

    monkeypatch.setattr(services.capacity, "check_slot_has_room", check_then_pause)
    shop = RosterShop()
    customers = [shop.customer(), shop.customer()]
    results = run_concurrently(
        [
            lambda c=c: services.start_payment(cart=c[1], user=c[0], address=c[2])
            for c in customers
        ]
    )
    payments = [r for r in results if isinstance(r, Payment)]
    errors = [r for r in results if isinstance(r, CheckoutError)]
    assert len(payments) == 1, results
    assert len(errors) == 1 and "full" in errors[0].message, results
    assert SlotHold.objects.live().count() == 1


@pytest.mark.django_db
def test_auto_assignment_right_after_booking(
    phonepe,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.PRIESTS_AUTO_ASSIGN = True
    shop = RosterShop()
    user, cart, address = shop.customer()
    payment = services.start_payment(cart=cart, user=user, address=address)
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    with django_capture_on_commit_callbacks(execute=True):
        payment = services.sync_payment(payment=payment, source="test")
    booking = payment.booking
    booking.refresh_from_db()
    assert booking.assigned_priest == shop.priest
    assert booking.audit_entries.filter(source="auto-assign").exists()
