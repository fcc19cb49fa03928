"""Sign up, log in (with cart merge), log out, password reset and the address book."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from storefront.models import Address, Cart, CartItem, User
from tests import factories

pytestmark = pytest.mark.django_db


def signup_data(**extra):
    data = {
        "full_name": "Ravi Kumar",
        "email": "Ravi@Example.in",
        "phone": "098765 43210",
        "password1": "tulsi-leaf-2026",
        "password2": "tulsi-leaf-2026",
    }
    data.update(extra)
    return data


def test_signup_normalises_phone_and_email_and_logs_in(client):
    response = client.post(reverse("storefront:signup"), signup_data())
    assert response.status_code == 302
    user = User.objects.get()
    assert (user.email, user.phone, user.first_name, user.last_name) == (
        "ravi@example.in",
        "+919876543210",
        "Ravi",
        "Kumar",
    )
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"phone": "12345"}, "valid 10-digit Indian mobile"),
        ({"password2": "different-pass-99"}, "do not match"),
        ({"password1": "12345678", "password2": "12345678"}, "too common"),
        ({"email": "not-an-email"}, "valid email"),
        ({"full_name": ""}, "This field is required"),
    ],
)
def test_signup_rejects_bad_input(client, data, message):
    response = client.post(reverse("storefront:signup"), signup_data(**data))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_signup_refuses_existing_email_any_case(client):
    factories.make_user(email="ravi@example.in")
    response = client.post(
        reverse("storefront:signup"), signup_data(email="RAVI@example.in")
    )
    assert "already exists" in response.content.decode()
    assert User.objects.count() == 1


def test_login_with_email_honours_safe_next_only(client):
    factories.make_user(email="asha@example.in", password="pw-for-tests-123")
    response = client.post(
        reverse("storefront:login"),
        {
            "username": "ASHA@example.in",
            "password": "pw-for-tests-123",
            "next": "/cart/",
        },
    )
    assert response["Location"] == "/cart/"
    client.post(reverse("storefront:logout"))
    response = client.post(
        reverse("storefront:login"),
        {
            "username": "asha@example.in",
            "password": "pw-for-tests-123",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == reverse("storefront:catalog")


def test_login_with_wrong_password(client):
    factories.make_user(email="asha@example.in")
    response = client.post(
        reverse("storefront:login"), {"username": "asha@example.in", "password": "nope"}
    )
    assert response.status_code == 200
    assert "correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_post_only(client):
    user = factories.make_user()
    client.force_login(user)
    assert client.get(reverse("storefront:logout")).status_code == 405
    response = client.post(reverse("storefront:logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def _anonymous_add(client, package, date, slot):
    client.post(
        reverse("storefront:cart-add"),
        {"package": package.pk, "date": str(date), "slot": slot.pk},
    )


def test_login_merges_the_anonymous_cart_keeping_duplicates_once(client):
    slot = factories.make_slot()
    date = factories.booking_date(10)
    shared, extra = factories.make_package(), factories.make_package()
    user = factories.make_user(email="asha@example.in", password="pw-for-tests-123")
    user_cart = factories.make_cart(user=user, items=[(shared, date, slot)])
    _anonymous_add(client, shared, date, slot)
    _anonymous_add(client, extra, date, slot)
    anonymous_cart = Cart.objects.get(user__isnull=True)

    client.post(
        reverse("storefront:login"),
        {"username": "asha@example.in", "password": "pw-for-tests-123"},
    )
    assert sorted(
        CartItem.objects.filter(cart=user_cart).values_list("package_id", flat=True)
    ) == [
        shared.pk,
        extra.pk,
    ]
    anonymous_cart.refresh_from_db()
    assert anonymous_cart.status == Cart.Status.MERGED
    html = client.get(reverse("storefront:cart")).content.decode()
    assert html.count("Remove</button>") == 2


def test_signup_keeps_the_anonymous_cart(client):
    slot = factories.make_slot()
    package = factories.make_package()
    _anonymous_add(client, package, factories.booking_date(3), slot)
    client.post(reverse("storefront:signup"), signup_data())
    cart = Cart.objects.get()
    assert cart.user == User.objects.get()
    assert cart.items.count() == 1


def test_password_reset_sends_a_working_link(client):
    factories.make_user(email="asha@example.in")
    response = client.post(
        reverse("storefront:password_reset"), {"email": "asha@example.in"}
    )
    assert response["Location"] == reverse("storefront:password_reset_done")
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "Reset your OkPuja password"
    link = next(line for line in body.splitlines() if "/account/reset/" in line)
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    assert "Choose a new password" in response.content.decode()


def test_password_reset_for_unknown_email_sends_nothing(client):
    response = client.post(
        reverse("storefront:password_reset"), {"email": "who@example.in"}
    )
    assert response.status_code == 302
    assert mail.outbox == []


# Addresses -------------------------------------------------------------------------


def address_data(**extra):
    data = {
        "full_name": "Asha Sharma",
        "phone": "+91 98765-43210",
        "line1": "12 MG Road",
        "line2": "",
        "landmark": "",
        "city": "Pune",
        "state": "MH",
        "pincode": "411001",
    }
    data.update(extra)
    return data


@pytest.fixture
def customer(client):
    user = factories.make_user()
    client.force_login(user)
    return user


def test_addresses_need_login(client):
    response = client.get(reverse("storefront:addresses"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("storefront:login"))


def test_add_first_address_becomes_default_with_normalised_phone(client, customer):
    response = client.post(reverse("storefront:address-add"), address_data())
    assert response["Location"] == reverse("storefront:addresses")
    address = Address.objects.get()
    assert (address.user, address.phone, address.is_default) == (
        customer,
        "+919876543210",
        True,
    )
    html = client.get(reverse("storefront:addresses")).content.decode()
    assert "+91 98765 43210" in html and "Default" in html


def test_second_address_can_take_over_default(client, customer):
    first = factories.make_address(user=customer)
    client.post(
        reverse("storefront:address-add"), address_data(is_default="on", city="Nashik")
    )
    second = Address.objects.get(city="Nashik")
    first.refresh_from_db()
    assert (first.is_default, second.is_default) == (False, True)
    client.post(reverse("storefront:address-default", args=[first.pk]))
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.is_default, second.is_default) == (True, False)


def test_edit_and_delete(client, customer):
    address = factories.make_address(user=customer)
    other = factories.make_address(user=customer, is_default=False, city="Mysuru")
    response = client.post(
        reverse("storefront:address-edit", args=[address.pk]),
        address_data(city="Nagpur"),
    )
    assert response.status_code == 302
    address.refresh_from_db()
    assert address.city == "Nagpur" and address.is_default
    client.post(reverse("storefront:address-delete", args=[address.pk]))
    assert list(Address.objects.all()) == [other]
    other.refresh_from_db()
    assert other.is_default


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"pincode": "012345"}, "valid 6-digit PIN"),
        ({"pincode": "56003"}, "valid 6-digit PIN"),
        ({"pincode": "5600381"}, "valid 6-digit PIN"),
        ({"phone": "5555555555"}, "valid 10-digit Indian mobile"),
        ({"state": "ZZ"}, "Select a valid choice"),
        ({"city": ""}, "This field is required"),
    ],
)
def test_bad_address_input(client, customer, data, message):
    response = client.post(reverse("storefront:address-add"), address_data(**data))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Address.objects.exists()


def test_someone_elses_address_is_404(client, customer):
    theirs = factories.make_address(user=factories.make_user(), city="Chennai")
    for name in ("address-edit",):
        assert (
            client.get(reverse(f"storefront:{name}", args=[theirs.pk])).status_code
            == 404
        )
        assert (
            client.post(
                reverse(f"storefront:{name}", args=[theirs.pk]), address_data()
            ).status_code
            == 404
        )
    for name in ("address-delete", "address-default"):
        assert (
            client.post(reverse(f"storefront:{name}", args=[theirs.pk])).status_code
            == 404
        )
    theirs.refresh_from_db()
    assert theirs.city == "Chennai" and theirs.is_default


def test_address_form_offers_every_state_and_ut(client, customer):
    html = client.get(reverse("storefront:address-add")).content.decode()
    assert "Andaman and Nicobar Islands" in html and "West Bengal" in html


def test_signup_with_errors_keeps_next(client):
    response = client.post(
        "/account/signup/", {"email": "not-an-email", "next": "/checkout/"}
    )

    assert response.status_code == 200
    assert '<input type="hidden" name="next" value="/checkout/">' in response.text


def test_signup_after_an_error_still_goes_where_the_customer_was_going(client):
    form = {
        "full_name": "Asha Sharma",
        "email": "asha@example.in",
        "phone": "98765 43210",
        "password1": "puja-secret-2026",
        "password2": "not-the-same-2026",
        "next": "/checkout/",
    }
    response = client.post("/account/signup/", form)
    assert response.status_code == 200
    kept = re.search(r'name="next" value="([^"]*)"', response.text).group(1)

    response = client.post(
        "/account/signup/", {**form, "password2": "puja-secret-2026", "next": kept}
    )
    assert response.status_code == 302
    assert response["Location"] == "/checkout/"


def test_signup_never_follows_an_unsafe_next(client):
    response = client.post(
        "/account/signup/",
        {
            "full_name": "Asha Sharma",
            "email": "asha@example.in",
            "phone": "98765 43210",
            "password1": "puja-secret-2026",
            "password2": "puja-secret-2026",
            "next": "https://evil.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("storefront:catalog")
