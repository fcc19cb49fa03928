"""A signed-in visitor's header in one statement (storefront/visitor.py):
the same user and count as django.contrib.auth and the cart badge would give,
and anything unusual left to django.contrib.auth."""

import pytest
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.models import Session
from django.urls import reverse

from tests import factories
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db

CATALOG = "/"


def header_name(response):
    return "Namaste, Meera" in response.content.decode()


def badge(response):
    import re

    html = response.content.decode()
    return re.search(r'id="cart-badge"[^>]*>([^<]*)<', html, re.S).group(1).strip()


def test_the_signed_in_header_and_badge_match_the_usual_way(client):
    shop = Shop()
    user = factories.make_user(first_name="Meera")
    factories.make_cart(
        user=user,
        items=[
            (shop.package, factories.booking_date(20), shop.slot),
            (shop.package, factories.booking_date(21), shop.slot),
        ],
    )
    other = factories.make_user()
    factories.make_cart(
        user=other, items=[(shop.package, factories.booking_date(22), shop.slot)]
    )
    client.force_login(user)
    response = client.get(CATALOG)
    assert header_name(response) and badge(response) == "2"
    assert response.wsgi_request.user == user
    assert not response.wsgi_request.user.get_deferred_fields()  # read whole


def test_a_password_changed_elsewhere_signs_the_visitor_out(client):
    user = factories.make_user(first_name="Meera")
    client.force_login(user)
    assert header_name(client.get(CATALOG))
    user.set_password("another-password-456")
    user.save()
    response = client.get(CATALOG)
    assert not header_name(response)
    assert not response.wsgi_request.user.is_authenticated
    # As django.contrib.auth does: the session is flushed.
    assert (
        not Session.objects.filter(
            session_key=client.cookies["sessionid"].value
        ).exists()
        or HASH_SESSION_KEY not in client.session
    )


def test_an_inactive_customer_gets_the_anonymous_header(client):
    user = factories.make_user(first_name="Meera")
    client.force_login(user)
    assert header_name(client.get(CATALOG))
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    response = client.get(CATALOG)
    assert not header_name(response)
    assert not response.wsgi_request.user.is_authenticated


def test_a_session_signed_with_an_old_secret_key_is_renewed_the_usual_way(
    client, settings
):
    user = factories.make_user(first_name="Meera")
    settings.SECRET_KEY = "an-old-secret-key-for-this-test-only-0123456789"
    client.force_login(user)
    old_hash = client.session[HASH_SESSION_KEY]
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-secret-key-for-this-test-only-987654321"
    response = client.get(CATALOG)
    assert header_name(response)  # still signed in (django.contrib.auth's fallback)
    assert client.session[HASH_SESSION_KEY] != old_hash  # and the hash renewed


class OwnWayBackend(ModelBackend):
    """Loads a session's user its own way (here: refuses everyone)."""

    def get_user(self, user_id):
        return None


def test_a_backend_that_loads_users_its_own_way_is_left_to_it(client, settings):
    settings.AUTHENTICATION_BACKENDS = [
        *settings.AUTHENTICATION_BACKENDS,
        f"{__name__}.OwnWayBackend",
    ]
    user = factories.make_user(first_name="Meera")
    client.force_login(user, backend=f"{__name__}.OwnWayBackend")
    response = client.get(CATALOG)
    assert not header_name(response)  # its get_user said no
    assert not response.wsgi_request.user.is_authenticated


def test_the_catalog_signed_in_is_two_queries_once_prepared(
    client, django_assert_num_queries
):
    client.force_login(factories.make_user(first_name="Meera"))
    client.get(reverse("storefront:catalog"))
    with django_assert_num_queries(2):
        assert header_name(client.get(reverse("storefront:catalog")))
