"""Tokens: issued for email + password, hashed at rest, expiring, revocable."""

import datetime
import hashlib

import time_machine
from django.utils import timezone

from api.models import ApiToken
from api.tokens import issue_token
from tests import factories
from tests.api.conftest import ApiClient, assert_error


def test_token_for_email_and_password_works_as_bearer(client, db):
    user = factories.make_user(email="asha@example.in")
    anon = ApiClient(client)
    response = anon.post(
        "/api/auth/token/",
        {"email": "Asha@Example.in", "password": "pw-for-tests-123", "name": "Phone"},
    )
    assert response.status_code == 201
    body = response.json()
    raw = body["token"]
    assert raw.startswith("okp_") and body["prefix"] == raw[:12]
    assert body["name"] == "Phone"
    # Only the hash is stored.
    token = ApiToken.objects.get()
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {token.prefix, token.key_hash, token.name}
    assert token.expires_at > timezone.now() + datetime.timedelta(days=89)

    assert_error(anon.get("/api/cart/"), 401, "not_authenticated")
    mine = ApiClient(client, raw).get("/api/cart/")
    assert mine.status_code == 200
    assert mine.json()["cart_id"] is None
    assert ApiToken.objects.get().last_used_at is not None
    assert user.pk == token.user_id


def test_wrong_password_unknown_email_and_bad_bodies(client, db):
    factories.make_user(email="asha@example.in")
    anon = ApiClient(client)
    for email, password in [
        ("asha@example.in", "wrong"),
        ("nobody@example.in", "pw-for-tests-123"),
    ]:
        response = anon.post("/api/auth/token/", {"email": email, "password": password})
        assert_error(response, 401, "invalid_credentials")
    assert_error(anon.post("/api/auth/token/", {"email": "x"}), 400, "invalid_password")
    assert_error(anon.post("/api/auth/token/", "{"), 400, "invalid_json")
    assert ApiToken.objects.count() == 0


def test_inactive_user_gets_no_token_and_loses_tokens(client, db):
    user = factories.make_user(email="gone@example.in")
    raw = issue_token(user=user).raw
    user.is_active = False
    user.save()
    anon = ApiClient(client)
    response = anon.post(
        "/api/auth/token/", {"email": "gone@example.in", "password": "pw-for-tests-123"}
    )
    assert_error(response, 401, "invalid_credentials")
    assert_error(ApiClient(client, raw).get("/api/cart/"), 401, "invalid_token")


def test_expired_token_is_refused(client, customer):
    raw = issue_token(user=customer).raw
    api = ApiClient(client, raw)
    assert api.get("/api/cart/").status_code == 200
    later = timezone.now() + datetime.timedelta(days=91)
    with time_machine.travel(later):
        assert_error(api.get("/api/cart/"), 401, "invalid_token")


def test_revoked_token_is_refused_on_every_endpoint(client, customer):
    raw = issue_token(user=customer).raw
    api = ApiClient(client, raw)
    assert api.delete("/api/auth/token/").json() == {"success": True}
    assert ApiToken.objects.get().revoked_at is not None
    for path in ["/api/cart/", "/api/addresses/", "/api/bookings/"]:
        assert_error(api.get(path), 401, "invalid_token")
    assert_error(api.post("/api/cart/promo/", {"code": "X"}), 401, "invalid_token")


def test_garbage_tokens_are_refused(client, customer):
    for raw in ["nope", "okp_" + "a" * 43, "okp_" + "é" * 200]:
        assert_error(ApiClient(client, raw).get("/api/cart/"), 401, "invalid_token")


def test_session_auth_needs_csrf_for_writes(customer):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer)
    api = ApiClient(browser)
    assert api.get("/api/addresses/").status_code == 200
    assert_error(api.post("/api/cart/promo/", {"code": "X"}), 403, "csrf_failed")
    browser.get("/account/api-tokens/")  # sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    response = api.post(
        "/api/cart/promo/", {"code": "X"}, headers={"X-CSRFToken": csrf}
    )
    # Past the CSRF check: the customer has no cart yet.
    assert_error(response, 404, "cart_not_found")


def test_token_page_lists_creates_once_and_revokes(client, customer):
    other = factories.make_user()
    theirs = issue_token(user=other, name="Their phone").token
    client.force_login(customer)
    page = client.get("/account/api-tokens/").content.decode()
    assert "No tokens yet" in page and "Their phone" not in page

    response = client.post("/account/api-tokens/", {"name": "My phone"})
    html = response.content.decode()
    token = ApiToken.objects.get(user=customer)
    raw = html.split(
        'id="new-token" class="form-control font-monospace" readonly value="'
    )[1].split('"')[0]
    assert raw.startswith(token.prefix)
    assert hashlib.sha256(raw.encode()).hexdigest() == token.key_hash
    # Shown once: the list page never shows it again.
    assert raw not in client.get("/account/api-tokens/").content.decode()

    assert client.post(f"/account/api-tokens/{theirs.pk}/revoke/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None
    response = client.post(f"/account/api-tokens/{token.pk}/revoke/", follow=True)
    assert "was revoked" in response.content.decode()
    assert_error(ApiClient(client, raw).get("/api/bookings/"), 401, "invalid_token")
    assert "Revoked" in client.get("/account/api-tokens/").content.decode()


def test_token_page_needs_login(client, db):
    response = client.get("/account/api-tokens/")
    assert response.status_code == 302 and "/login" in response["Location"]


def test_tokens_per_user_are_capped(customer):
    with time_machine.travel(timezone.now(), tick=True):
        for n in range(22):
            issue_token(user=customer, name=f"t{n}")
    assert ApiToken.objects.usable().filter(user=customer).count() == 20
