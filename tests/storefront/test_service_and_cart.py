"""Service page, slots fragment, add to cart, the cart page, its fragments and promo codes."""

import datetime
import json
import zoneinfo

import pytest
from django.urls import reverse
from django.utils.cache import has_vary_header

from storefront.models import Cart, CartItem, SlotCapacityOverride
from tests import factories

IST = zoneinfo.ZoneInfo("Asia/Kolkata")
NOW = datetime.datetime(2026, 12, 1, 23, 30, tzinfo=IST)
TODAY = datetime.date(2026, 12, 1)
pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture(autouse=True)
def late_evening_in_india(time_machine):
    """Freeze the clock at 23:30 IST, when UTC is still 'today' too."""
    time_machine.move_to(NOW, tick=False)


def day(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def service():
    return factories.make_service(title="Satyanarayan Katha")


@pytest.fixture
def package(service):
    return factories.make_package(service=service, price_paise=150100, priest_count=2)


@pytest.fixture
def slot():
    return factories.make_slot(start=datetime.time(8, 0), capacity=3, label="Pratah")


def add(client, package, date, slot, **extra):
    data = {"package": package.pk, "date": str(date), "slot": slot.pk}
    data.update(extra.pop("data", {}))
    return client.post(reverse("storefront:cart-add"), data, **extra)


def cart_lines():
    return list(CartItem.objects.values_list("package_id", "date", "slot_id"))


# Service page and slots ------------------------------------------------------------


def test_service_page_shows_packages_and_booking_window(client, service, package, slot):
    response = client.get(service.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert "Satyanarayan Katha" in html and "₹1,501" in html
    assert 'min="2026-12-02"' in html and 'max="2027-03-01"' in html
    assert "Pick a date to see the free times" in html


@pytest.mark.parametrize("slug", ["no-such-puja", "inactive"])
def test_unknown_or_inactive_service_is_404(client, slug):
    factories.make_package(service=factories.make_service(is_active=False))
    inactive = factories.make_service(is_active=False)
    slug = inactive.slug if slug == "inactive" else slug
    assert client.get(reverse("storefront:service", args=[slug])).status_code == 404
    assert (
        client.get(reverse("storefront:service-slots", args=[slug])).status_code == 404
    )


def test_slots_fragment_shows_free_priests_and_full_slots(
    client, service, package, slot
):
    evening = factories.make_slot(start=datetime.time(18, 0), capacity=4)
    SlotCapacityOverride.objects.create(date=day(3), slot=evening, capacity=0)
    url = reverse("storefront:service-slots", args=[service.slug])
    response = client.get(url, {"date": str(day(3))}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<div id="when">')
    assert 'id="slots"' in html and 'aria-pressed="true"' in html
    assert "<html" not in html
    assert "3 priests free" in html
    assert "Full" in html and "disabled" in html


def test_service_page_accepts_date_without_javascript(client, service, package, slot):
    response = client.get(service.get_absolute_url(), {"date": str(day(2))})
    assert "3 priests free" in response.content.decode()


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2026-12-01", "from tomorrow onwards"),
        ("2026-11-01", "from tomorrow onwards"),
        ("2027-03-02", "up to 90 days ahead"),
        ("not-a-date", "valid date"),
        ("2026-02-30", "valid date"),
    ],
)
def test_bad_dates_give_an_inline_message(
    client, service, package, slot, date, message
):
    url = reverse("storefront:service-slots", args=[service.slug])
    response = client.get(url, {"date": date}, **HTMX)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert "priests free" not in response.content.decode()


# Add to cart ------------------------------------------------------------------------


def test_add_with_htmx_renders_success_and_triggers_cart_changed(client, package, slot):
    response = add(client, package, day(1), slot, **HTMX)
    assert response.status_code == 200
    assert "cartChanged" in response["HX-Trigger"]
    html = response.content.decode()
    assert "Added to your cart" in html and "<html" not in html
    assert cart_lines() == [(package.pk, day(1), slot.pk)]
    badge = client.get(reverse("storefront:cart-badge"))
    assert '<span id="cart-badge"' in badge.content.decode()
    assert ">1<" in badge.content.decode()


def test_add_without_javascript_redirects_to_cart_with_message(client, package, slot):
    response = add(client, package, day(90), slot, follow=True)
    assert response.redirect_chain == [(reverse("storefront:cart"), 302)]
    assert "was added to your cart" in response.content.decode()
    assert len(cart_lines()) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"date": "2026-12-01"}, "from tomorrow onwards"),
        ({"date": "2027-03-02"}, "up to 90 days ahead"),
        ({"date": "garbage"}, "valid date"),
        ({"date": ""}, "Please choose a date"),
        ({"slot": "999999"}, "not offered"),
        ({"slot": "abc"}, "not offered"),
        ({"slot": ""}, "Please choose a time slot"),
    ],
)
def test_bad_add_input_gives_message_and_saves_nothing(
    client, package, slot, change, message
):
    for extra in (HTMX, {}):
        response = add(client, package, day(2), slot, data=change, **extra)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert cart_lines() == []


@pytest.mark.parametrize("package_id", ["999999", "abc", ""])
def test_tampered_package_is_404(client, slot, package_id):
    response = client.post(
        reverse("storefront:cart-add"),
        {"package": package_id, "date": str(day(2)), "slot": slot.pk},
    )
    assert response.status_code == 404
    assert cart_lines() == []


def test_inactive_package_inactive_slot_full_slot_and_duplicate(
    client, service, package, slot
):
    inactive = factories.make_package(service=service, language="en", is_active=False)
    response = add(client, inactive, day(2), slot, **HTMX)
    assert "is no longer available" in response.content.decode()

    closed = factories.make_slot(start=datetime.time(12, 0), is_active=False)
    response = add(client, package, day(2), closed, **HTMX)
    assert "not offered" in response.content.decode()

    SlotCapacityOverride.objects.create(date=day(4), slot=slot, capacity=1)
    response = add(client, package, day(4), slot, **HTMX)
    assert "Only 1 priest(s) are free" in response.content.decode()
    assert "HX-Trigger" not in response
    assert cart_lines() == []

    add(client, package, day(2), slot, **HTMX)
    response = add(client, package, day(2), slot, **HTMX)
    assert "already in your cart" in response.content.decode()
    assert len(cart_lines()) == 1


def test_package_of_inactive_service_without_javascript(client, package, slot, service):
    service.is_active = False
    service.save()
    response = add(client, package, day(2), slot, follow=True)
    assert response.status_code == 200
    assert "is no longer available" in response.content.decode()
    assert cart_lines() == []


def test_get_is_not_allowed_on_cart_add(client):
    assert client.get(reverse("storefront:cart-add")).status_code == 405


# Cart page ---------------------------------------------------------------------------


@pytest.fixture
def cart_with_line(client, package, slot):
    add(client, package, day(11), slot)
    return Cart.objects.get()


def test_empty_cart(client):
    response = client.get(reverse("storefront:cart"))
    html = response.content.decode()
    assert "Your cart is empty" in html and "Browse pujas" in html


def test_cart_page_lists_lines_and_totals(client, cart_with_line):
    response = client.get(reverse("storefront:cart"))
    html = response.content.decode()
    assert "Satyanarayan Katha" in html
    assert "Sat, 12 Dec 2026" in html
    assert "8:00 AM (Pratah)" in html
    assert 'id="total" class="mb-0">₹1,501' in html
    assert "Proceed to checkout" in html
    assert 'id="cart-badge"' in html


def test_remove_line_with_htmx(client, cart_with_line):
    item = cart_with_line.items.get()
    response = client.post(reverse("storefront:cart-remove", args=[item.pk]), **HTMX)
    assert response.status_code == 200
    assert "cartChanged" in response["HX-Trigger"]
    assert response.content.decode().lstrip().startswith('<div id="cart-summary"')
    assert "Your cart is empty" in response.content.decode()
    assert cart_lines() == []


def test_remove_line_without_javascript_redirects(client, cart_with_line):
    item = cart_with_line.items.get()
    response = client.post(reverse("storefront:cart-remove", args=[item.pk]))
    assert response.status_code == 302 and response["Location"] == reverse(
        "storefront:cart"
    )


def test_someone_elses_line_is_404(client, package, slot, cart_with_line):
    other = factories.make_cart(
        session_key="someone-else", items=[(package, day(20), slot)]
    )
    item = other.items.get()
    assert (
        client.post(reverse("storefront:cart-remove", args=[item.pk])).status_code
        == 404
    )
    assert (
        client.post(
            reverse("storefront:cart-change", args=[item.pk]),
            {"date": str(day(21)), "slot": slot.pk},
        ).status_code
        == 404
    )
    assert (
        client.get(
            reverse("storefront:cart-item-slots", args=[item.pk]), **HTMX
        ).status_code
        == 404
    )
    assert other.items.count() == 1


def test_cart_actions_without_a_cart_are_404(client):
    assert client.post(reverse("storefront:cart-remove", args=[1])).status_code == 404
    assert client.post(reverse("storefront:promo-remove")).status_code == 404


def test_change_line_in_place(client, cart_with_line, slot):
    item = cart_with_line.items.get()
    evening = factories.make_slot(start=datetime.time(18, 0))
    response = client.post(
        reverse("storefront:cart-change", args=[item.pk]),
        {"date": str(day(12)), "slot": evening.pk},
        **HTMX,
    )
    assert response.status_code == 200
    assert "Sun, 13 Dec 2026" in response.content.decode()
    item.refresh_from_db()
    assert (item.date, item.slot) == (day(12), evening)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"date": "2026-12-01"}, "from tomorrow onwards"),
        ({"date": "2027-05-01"}, "up to 90 days ahead"),
        ({"date": "nope"}, "valid date"),
        ({"slot": "424242"}, "not offered"),
    ],
)
def test_bad_change_keeps_the_line(client, cart_with_line, slot, data, message):
    item = cart_with_line.items.get()
    post = {"date": str(day(12)), "slot": slot.pk, **data}
    response = client.post(
        reverse("storefront:cart-change", args=[item.pk]), post, **HTMX
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert cart_lines() == [(item.package_id, day(11), slot.pk)]


def test_line_slots_fragment(client, cart_with_line):
    item = cart_with_line.items.get()
    url = reverse("storefront:cart-item-slots", args=[item.pk])
    response = client.get(url, {"date": str(day(5))}, **HTMX)
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div class="col-sm-5" id="line-slots-{item.pk}"')
    assert "3 free" in html
    assert (
        "from tomorrow onwards"
        in client.get(url, {"date": "2026-11-30"}, **HTMX).content.decode()
    )


def test_promo_apply_changes_totals_and_remove(client, cart_with_line):
    factories.make_promo(code="FIRSTPUJA", percent=10, max_discount_paise=50000)
    response = client.post(
        reverse("storefront:promo-apply"), {"code": "firstpuja"}, **HTMX
    )
    html = response.content.decode()
    assert "Promo code FIRSTPUJA applied" in html
    assert "Discount (FIRSTPUJA)" in html and "−₹150.10" in html
    assert 'id="total" class="mb-0">₹1,350.90' in html
    assert "cartChanged" in response["HX-Trigger"]
    cart_with_line.refresh_from_db()
    assert cart_with_line.promo.code == "FIRSTPUJA"

    response = client.post(reverse("storefront:promo-remove"), **HTMX)
    assert "The promo code was removed" in response.content.decode()
    cart_with_line.refresh_from_db()
    assert cart_with_line.promo is None


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("NOPE", "does not exist"),
        ("", "Please enter a promo code"),
        ("X" * 31, "valid promo code"),
        ("BIGORDER", "needs an order of at least ₹5,000"),
        ("OLD", "has expired"),
    ],
)
def test_promo_errors_are_shown_and_nothing_saved(
    client, cart_with_line, code, message
):
    factories.make_promo(code="BIGORDER", min_order_paise=500000)
    factories.make_promo(code="OLD", valid_until=NOW - datetime.timedelta(days=1))
    for extra in (HTMX, {"follow": True}):
        response = client.post(
            reverse("storefront:promo-apply"), {"code": code}, **extra
        )
        assert response.status_code == 200
        assert message in response.content.decode()
    cart_with_line.refresh_from_db()
    assert cart_with_line.promo is None


def test_promo_without_cart(client):
    factories.make_promo(code="FLAT200")
    response = client.post(
        reverse("storefront:promo-apply"), {"code": "FLAT200"}, **HTMX
    )
    assert "Add a puja to your cart" in response.content.decode()
    assert not Cart.objects.exists()


def test_frozen_cart_shows_notice_and_no_edit_controls(client, cart_with_line):
    cart_with_line.status = Cart.Status.FROZEN
    cart_with_line.save()
    user = factories.make_user()
    cart_with_line.user = user
    cart_with_line.save()
    client.force_login(user)
    html = client.get(reverse("storefront:cart")).content.decode()
    assert "Payment in progress" in html
    assert "Remove" not in html and "Change date or time" not in html
    assert "Apply" not in html and "Proceed to checkout" not in html
    item = cart_with_line.items.get()
    response = client.post(reverse("storefront:cart-remove", args=[item.pk]), **HTMX)
    assert "waiting for a payment" in response.content.decode()
    assert cart_with_line.items.count() == 1


# htmx: fragments vary on their headers; history restores get the whole page -----

HISTORY_RESTORE = {**HTMX, "HTTP_HX_HISTORY_RESTORE_REQUEST": "true"}


def test_every_view_that_can_answer_a_fragment_varies_on_the_htmx_headers(
    client, service, cart_with_line, slot
):
    day_and_slot = {"date": str(day(12)), "slot": slot.pk}
    for headers in ({}, HTMX):
        # The last request adds back the line the one before it removed.
        item = cart_with_line.items.get()
        requests = [
            ("get", reverse("storefront:catalog"), {}),
            ("get", reverse("storefront:service-slots", args=[service.slug]), {}),
            ("get", reverse("storefront:cart-item-slots", args=[item.pk]), {}),
            ("post", reverse("storefront:cart-change", args=[item.pk]), day_and_slot),
            ("post", reverse("storefront:promo-apply"), {"code": "NOSUCH"}),
            ("post", reverse("storefront:promo-remove"), {}),
            ("post", reverse("storefront:cart-remove", args=[item.pk]), {}),
            (
                "post",
                reverse("storefront:cart-add"),
                {"package": item.package_id, **day_and_slot},
            ),
        ]
        for method, url, data in requests:
            response = getattr(client, method)(url, data, **headers)
            assert response.status_code in (200, 302), (method, url)
            for header in ("HX-Request", "HX-History-Restore-Request"):
                assert has_vary_header(response, header), (method, url, headers)


def test_history_restore_of_the_slots_url_gets_the_whole_service_page(
    client, service, package, slot
):
    url = reverse("storefront:service-slots", args=[service.slug])
    response = client.get(url, {"date": str(day(3))}, **HISTORY_RESTORE)
    html = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="en-IN">' in html and "Satyanarayan Katha" in html
    assert "3 priests free" in html


def test_history_restore_of_a_line_slots_url_goes_to_the_cart(client, cart_with_line):
    item = cart_with_line.items.get()
    url = reverse("storefront:cart-item-slots", args=[item.pk])
    response = client.get(url, {"date": str(day(5))}, **HISTORY_RESTORE)
    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:cart")


def test_cart_changes_trigger_the_cart_changed_event(client, cart_with_line):
    item = cart_with_line.items.get()
    response = client.post(reverse("storefront:cart-remove", args=[item.pk]), **HTMX)
    assert json.loads(response["HX-Trigger"]) == {"cartChanged": {}}
