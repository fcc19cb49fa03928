"""Rate limits where abuse is cheap: 429 with Retry-After, nothing changed.

Counters live in a cache shared by every web process: the last test runs two
gunicorn processes on one database cache and counts across both.
"""

import hashlib
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from checkout.models import Payment, WebhookDelivery
from storefront.models import Cart
from tests import factories
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db

WEBHOOK = "/api/payments/webhook/phonepe/"
GOOD_AUTH = hashlib.sha256(b"okpuja_webhook:okpuja12345").hexdigest()


@pytest.fixture
def limits(settings):
    """Set some limits low; return a function that sets one."""
    settings.RATE_LIMITS = dict(settings.RATE_LIMITS)

    def set_limit(name, rate):
        settings.RATE_LIMITS[name] = rate

    return set_limit


def assert_429(response, *, json_body=False):
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 3600
    if json_body:
        assert response.json()["error"]["code"] == "rate_limited"
    else:
        assert "Too many requests" in response.content.decode()


def test_signup_is_limited_per_ip(client, limits):
    limits("signup", "3/h")

    def sign_up(n, ip="10.0.0.1"):
        return client.post(
            reverse("storefront:signup"),
            {
                "first_name": "Asha",
                "last_name": "Sharma",
                "email": f"new{n}@example.in",
                "phone": "9876543210",
                "password1": "a-long-pass-phrase-1",
                "password2": "a-long-pass-phrase-1",
            },
            REMOTE_ADDR=ip,
        )

    for n in range(3):
        assert sign_up(n).status_code in (200, 302)
        client.logout()
    users = get_user_model().objects.count()
    assert_429(sign_up(99))
    assert get_user_model().objects.count() == users  # nothing created
    assert sign_up(100, ip="10.0.0.2").status_code in (200, 302)


def test_login_is_limited_per_ip_across_forms(client, limits):
    limits("login", "4/15m")
    for n in range(2):
        client.post(
            reverse("storefront:login"),
            {"username": f"u{n}@x.in", "password": "x"},
        )
        client.post(reverse("admin:login"), {"username": f"a{n}", "password": "x"})
    user = factories.make_user()
    response = client.post(
        reverse("storefront:login"),
        {"username": user.email, "password": "pw-for-tests-123"},
    )
    assert_429(response)
    assert "_auth_user_id" not in client.session
    assert_429(client.post(reverse("admin:login"), {"username": "a", "password": "x"}))
    # Reading the form is not counted.
    assert client.get(reverse("storefront:login")).status_code == 200


def test_password_reset_is_limited_per_email_and_per_ip(client, limits):
    limits("password_reset_email", "2/h")
    limits("password_reset", "4/h")
    user = factories.make_user(email="asha@example.in")
    url = reverse("storefront:password_reset")
    for _ in range(2):
        assert client.post(url, {"email": "Asha@Example.in"}).status_code == 302
    assert_429(client.post(url, {"email": "asha@example.in"}, REMOTE_ADDR="10.3.3.3"))
    assert len(mail.outbox) == 2
    assert client.post(url, {"email": "other@example.in"}).status_code == 302
    assert client.post(url, {"email": "third@example.in"}).status_code == 302
    assert_429(
        client.post(url, {"email": "fourth@example.in"})
    )  # the fifth from one IP
    assert user.email == "asha@example.in"


def test_promo_apply_is_limited(client, limits):
    limits("promo_apply", "3/10m")
    shop = Shop()
    user, cart, _address = shop.customer()
    promo = factories.make_promo(code="DIWALI10")
    client.force_login(user)
    for _ in range(3):
        client.post(reverse("storefront:promo-apply"), {"code": "NOPE"})
    assert_429(client.post(reverse("storefront:promo-apply"), {"code": promo.code}))
    cart.refresh_from_db()
    assert cart.promo is None


def test_pay_is_limited(client, limits, phonepe):
    limits("pay", "2/10m")
    shop = Shop()
    user, cart, address = shop.customer()
    client.force_login(user)
    for _ in range(2):
        client.post(reverse("checkout:pay"), {"address": "x"})
    assert_429(client.post(reverse("checkout:pay"), {"address": str(address.pk)}))
    assert not Payment.objects.exists()
    assert Cart.objects.get(pk=cart.pk).status == Cart.Status.OPEN


def test_process_cart_and_check_booking_are_limited(client, limits):
    limits("process_cart", "2/10m")
    limits("check_booking", "3/m")
    client.force_login(factories.make_user())
    for _ in range(2):
        client.post(
            "/api/payments/process-cart/", "{}", content_type="application/json"
        )
    assert_429(
        client.post(
            "/api/payments/process-cart/", "{}", content_type="application/json"
        ),
        json_body=True,
    )
    for _ in range(3):
        assert client.get("/api/payments/OKP-1/check-booking/").status_code == 404
    assert_429(client.get("/api/payments/OKP-1/check-booking/"), json_body=True)


def test_unauthenticated_webhooks_are_limited_but_phonepe_is_not(client, limits):
    limits("webhook_unauthenticated", "3/m")
    for _ in range(3):
        assert (
            client.post(WEBHOOK, "{}", content_type="application/json").status_code
            == 401
        )
    assert_429(
        client.post(WEBHOOK, "{}", content_type="application/json"), json_body=True
    )
    assert WebhookDelivery.objects.count() == 3  # the refused one is not stored
    body = json.dumps({"event": "checkout.order.completed", "payload": {}})
    for _ in range(5):
        response = client.post(
            WEBHOOK, body, content_type="application/json", HTTP_AUTHORIZATION=GOOD_AUTH
        )
        assert response.status_code == 200


def test_the_confirm_page_poll_is_never_limited(client, limits, phonepe):
    for name in ("pay", "process_cart", "check_booking", "promo_apply", "login"):
        limits(name, "1/h")
    payment = Shop().start()
    client.force_login(payment.user)
    url = reverse("checkout:confirm") + f"?order={payment.merchant_order_id}"
    for _ in range(30):
        assert client.get(url, HTTP_HX_REQUEST="true").status_code in (200, 286)


# Shared across processes ---------------------------------------------------------


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url():
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    return (
        f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


@pytest.mark.django_db(transaction=True)
def test_counters_are_shared_by_two_gunicorn_processes(settings):
    """Two web processes, one database cache: the limit holds across both."""
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": settings.CACHE_TABLE,
        }
    }
    call_command("createcachetable")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.security.shared_cache_settings",
        "DATABASE_URL": _database_url(),
    }
    root = Path(__file__).resolve().parents[2]
    ports = [_free_port(), _free_port()]
    servers = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],
            cwd=root,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port in ports:
            deadline = time.monotonic() + 60
            while True:
                try:
                    requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                    break
                except requests.RequestException:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.1)
        answers = [
            requests.post(
                f"http://127.0.0.1:{ports[n % 2]}{WEBHOOK}",
                data="{}",
                headers={"Content-Type": "application/json"},
                timeout=10,
            )
            for n in range(6)
        ]
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=10)
    assert [answer.status_code for answer in answers] == [401] * 4 + [429] * 2
    assert WebhookDelivery.objects.count() == 4
