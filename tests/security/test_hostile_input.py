"""Hostile input never gives 500: JSON endpoints, the webhook and forms.

Run on PostgreSQL too (it cannot store NUL characters or lone surrogates).
"""

import hashlib
import json

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from checkout.models import Payment, WebhookDelivery
from tests import factories
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/payments/webhook/phonepe/"
PROCESS_CART = "/api/payments/process-cart/"
GOOD_AUTH = hashlib.sha256(b"okpuja_webhook:okpuja12345").hexdigest()

NESTED = "[" * 100000 + "]" * 100000
HOSTILE_JSON_BODIES = {
    # The body from the report: over the size cap before the depth is looked at.
    "nested": (NESTED, 413),
    # Deep but small: once a RecursionError and a 500.
    "nested_small": ("[" * 30000 + "]" * 30000, 400),
    "nested_objects": ('{"a":' * 5000 + "1" + "}" * 5000, 400),
    "huge": ('{"cart_id": 1, "pad": "' + "x" * 200_000 + '"}', 413),
    "binary": (bytes(range(256)) * 4, 400),
    "not_utf8": (b'{"cart_id": "\xff\xfe"}', 400),
    "utf16": ('{"cart_id": 1, "method": "PHONEPE"}'.encode("utf-16"), 400),
    "nul_raw": (b'{"cart_id": 1,\x00 "method": "PHONEPE"}', 400),
    "nul_escaped": ('{"cart_id": "1\\u0000", "method": "PHONEPE"}', 400),
    "lone_surrogate": ('{"cart_id": 1, "method": "\\ud800"}', 400),
    "nan": ('{"cart_id": NaN, "method": "PHONEPE"}', 400),
    "list": ("[1, 2]", 400),
    "string": ('"cart"', 400),
    "number": ("12", 400),
    "null": ("null", 400),
    "empty": ("", 400),
    "superscript_id": ('{"cart_id": "\u00b2", "method": "PHONEPE"}', 400),
    "circled_id": ('{"cart_id": "\u2462", "method": "PHONEPE"}', 400),
    "float_id": ('{"cart_id": 1.5, "method": "PHONEPE"}', 400),
    "object_id": ('{"cart_id": {"a": 1}, "method": "PHONEPE"}', 400),
    "huge_id": ('{"cart_id": "' + "9" * 40 + '", "method": "PHONEPE"}', 400),
}


@pytest.fixture
def customer_client(client):
    client.force_login(factories.make_user())
    return client


@pytest.mark.parametrize("name", list(HOSTILE_JSON_BODIES))
def test_process_cart_refuses_hostile_bodies(customer_client, name):
    body, status = HOSTILE_JSON_BODIES[name]
    response = customer_client.post(PROCESS_CART, body, content_type="application/json")
    assert response.status_code == status
    assert response.json()["success"] is False
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "content_type", ["multipart/form-data", "application/x-www-form-urlencoded"]
)
def test_process_cart_refuses_form_bodies(customer_client, content_type):
    """A form sent to the JSON endpoint once raised RawPostDataException."""
    if content_type == "multipart/form-data":
        response = customer_client.post(
            PROCESS_CART, {"cart_id": "1", "method": "PHONEPE"}
        )
    else:
        response = customer_client.post(
            PROCESS_CART, "cart_id=1&method=PHONEPE", content_type=content_type
        )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_content_type"


# Webhook ------------------------------------------------------------------------


def post_webhook(client, body, *, auth=GOOD_AUTH, **extra):
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(
        WEBHOOK, body, content_type="application/json", **headers, **extra
    )


def assert_no_delivery_stuck():
    assert not WebhookDelivery.objects.filter(
        outcome=WebhookDelivery.Outcome.RECEIVED
    ).exists()


@pytest.mark.parametrize(
    "name",
    [name for name in HOSTILE_JSON_BODIES if HOSTILE_JSON_BODIES[name][1] == 400],
)
def test_authenticated_webhook_refuses_hostile_bodies(client, name):
    body, _status = HOSTILE_JSON_BODIES[name]
    response = post_webhook(client, body)
    assert response.status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == WebhookDelivery.Outcome.MALFORMED
    assert delivery.http_status == 400
    assert "\x00" not in delivery.body


def test_nul_in_merchant_order_id_is_malformed_not_stuck(client):
    body = json.dumps(
        {
            "event": "checkout.order.completed",
            "payload": {"merchantOrderId": "OKP-1\u0000x", "state": "COMPLETED"},
        }
    )
    assert "\\u0000" in body
    response = post_webhook(client, body)
    assert response.status_code == 400
    assert_no_delivery_stuck()


def test_nul_in_an_unauthenticated_body_is_stored_without_it(client):
    response = post_webhook(client, b'{"event": "x\x00"}', auth="wrong")
    assert response.status_code == 401
    delivery = WebhookDelivery.objects.get()
    assert "\x00" not in delivery.body
    assert_no_delivery_stuck()


def test_webhook_over_the_limit_is_413_and_not_stored(client, settings):
    settings.WEBHOOK_MAX_BODY_BYTES = 10_000
    response = post_webhook(client, "x" * 10_001)
    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()
    response = post_webhook(client, "x" * 10_001, auth="wrong")
    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_unauthenticated_delivery_stores_a_bounded_prefix_and_its_size(client):
    body = json.dumps({"event": "spam", "pad": "y" * 50_000})
    response = post_webhook(client, body, auth="wrong")
    assert response.status_code == 401
    delivery = WebhookDelivery.objects.get()
    assert len(delivery.body) == 1024
    assert body.startswith(delivery.body)
    assert delivery.headers["Content-Length"] == str(len(body))
    assert delivery.outcome == WebhookDelivery.Outcome.UNAUTHENTICATED


def test_authenticated_delivery_is_stored_whole(client):
    body = json.dumps(
        {"event": "checkout.order.completed", "payload": {"pad": "z" * 5000}}
    )
    post_webhook(client, body)
    assert WebhookDelivery.objects.get().body == body


# Forms ----------------------------------------------------------------------------


FORM_URLS = [
    "storefront:login",
    "storefront:signup",
    "storefront:cart-add",
    "storefront:promo-apply",
    "storefront:password_reset",
    "checkout:pay",
    "storefront:address-add",
]


@pytest.mark.parametrize("url_name", FORM_URLS)
def test_form_posts_in_utf16_are_400(url_name):
    """Once a 500: the CSRF check and then the 400 page both failed to read it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(factories.make_user())
    body = "username=a%40b.in&password=x&code=X"  # the test client encodes it
    response = client.post(
        reverse(url_name),
        body,
        content_type="application/x-www-form-urlencoded; charset=utf-16",
    )
    assert response.status_code == 400


@pytest.mark.parametrize("url_name", FORM_URLS)
@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (NESTED, "application/json"),
        (bytes(range(256)) * 40, "application/octet-stream"),
        (
            b"a=" + b"%00" * 1000 + b"&package=%C2%B2",
            "application/x-www-form-urlencoded",
        ),
        (
            "package=\u2462&address=\u00b2&code=\u00b2",
            "application/x-www-form-urlencoded",
        ),
        ("x=" + "y" * 300_000, "application/x-www-form-urlencoded"),
    ],
    ids=["json", "binary", "nul", "unicode-digits", "huge"],
)
def test_form_endpoints_answer_hostile_bodies_without_500(
    customer_client, url_name, body, content_type
):
    response = customer_client.post(reverse(url_name), body, content_type=content_type)
    assert response.status_code < 500
    assert not Payment.objects.exists()


def test_unicode_digits_in_the_pay_address_are_refused(customer_client, phonepe):
    shop = Shop()
    user, cart, address = shop.customer()
    customer_client.force_login(user)
    for address_id in ("\u00b2", "\u2462", "\u0663"):
        response = customer_client.post(
            reverse("checkout:pay"), {"address": address_id}
        )
        # Not an address: back to the checkout page with its message, no 500.
        assert response.status_code in (302, 303)
        assert response["Location"].startswith(reverse("checkout:checkout"))
    assert not Payment.objects.exists()


# Property-based: any body, never a 500, never a stuck inbox row ---------------------


def _containers(children):
    return st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.text(max_size=12), children, max_size=4),
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
    _containers,
    max_leaves=20,
)
webhook_like = st.fixed_dictionaries(
    {
        "event": st.one_of(st.text(max_size=30), json_values),
        "payload": st.one_of(
            st.fixed_dictionaries(
                {
                    "merchantOrderId": st.one_of(st.text(max_size=70), json_values),
                    "state": st.one_of(st.text(max_size=10), json_values),
                    "amount": json_values,
                }
            ),
            json_values,
        ),
    }
)
bodies = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda text: text.encode("utf-8", "surrogatepass")),
    json_values.map(lambda value: json.dumps(value).encode()),
    webhook_like.map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries({"cart_id": json_values, "method": json_values}).map(
        lambda value: json.dumps(value).encode()
    ),
)
PROPERTY_SETTINGS = hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@PROPERTY_SETTINGS
@given(body=bodies)
def test_webhook_never_500s_on_any_body(client, settings, body):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "webhook_unauthenticated": ""}
    for auth in (GOOD_AUTH, None):
        response = post_webhook(client, body, auth=auth)
        assert response.status_code in (200, 400, 401, 413), response.status_code
    assert_no_delivery_stuck()


@PROPERTY_SETTINGS
@given(body=bodies)
def test_process_cart_never_500s_on_any_body(customer_client, settings, body):
    settings.RATE_LIMITS = {**settings.RATE_LIMITS, "process_cart": ""}
    response = customer_client.post(PROCESS_CART, body, content_type="application/json")
    assert response.status_code in (400, 404, 413), response.status_code
    assert not Payment.objects.exists()
