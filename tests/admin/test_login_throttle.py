"""One sign-in throttle (django-axes) for every sign-in form.

Five failures for an account within 15 minutes lock that account on the
admin login, the storefront login and the password-reset form alike, for 15
minutes, whatever address or spelling is used; Operations can see and lift
locks in the admin.
"""

import datetime
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from tests import factories
from tests.admin.conftest import PASSWORD

pytestmark = pytest.mark.django_db

LOCKED = "Too many failed sign-in attempts"
CUSTOMER_PASSWORD = "pw-for-tests-123"


def admin_sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=ip,
    )


def shop_sign_in(client, email, password, ip="10.0.0.1"):
    return client.post(
        reverse("storefront:login"),
        {"username": email, "password": password},
        REMOTE_ADDR=ip,
    )


def admin_signed_in(response):
    return response.status_code == 302 and response["Location"] == reverse(
        "admin:index"
    )


def shop_signed_in(response):
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def assert_locked(response):
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert "_auth_user_id" not in response.client.session


def test_customer_sign_in_is_throttled(client):
    """Finding 1: 15 wrong passwords, then the right one, used to sign in."""
    customer = factories.make_user(email="asha@example.in")
    answers = [
        shop_sign_in(client, customer.email, "wrong").status_code for _ in range(15)
    ]
    assert answers[:4] == [200] * 4  # the form again, with its error
    assert set(answers[4:]) == {429}  # the fifth failure locks
    assert_locked(shop_sign_in(client, customer.email, CUSTOMER_PASSWORD))


def test_a_lock_taken_on_the_admin_holds_on_the_storefront(client, staff):
    """Finding 2: a lock on /admin/login/ was walked around on /account/login/."""
    for _ in range(4):
        assert admin_sign_in(client, staff.support.email, "wrong").status_code == 200
    assert_locked(admin_sign_in(client, staff.support.email, "wrong"))
    assert_locked(admin_sign_in(client, staff.support.email, PASSWORD))
    assert_locked(shop_sign_in(client, staff.support.email, PASSWORD, ip="10.9.9.9"))
    # Not signed in anywhere, so the admin stays shut.
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_lock_taken_on_the_storefront_holds_on_the_admin(client, staff):
    staff.ops.username = "meera"
    staff.ops.save()
    for _ in range(5):
        shop_sign_in(client, staff.ops.email, "wrong")
    # Username instead of email, another case and another address: same account.
    assert_locked(admin_sign_in(client, "meera", PASSWORD, ip="10.7.7.7"))
    assert_locked(admin_sign_in(client, staff.ops.email.upper(), PASSWORD))


def test_failures_on_both_forms_add_up(client, staff):
    for _ in range(3):
        admin_sign_in(client, staff.ops.email, "wrong")
    for _ in range(2):
        shop_sign_in(client, staff.ops.email, "wrong", ip="10.1.1.1")
    assert_locked(shop_sign_in(client, staff.ops.email, PASSWORD))


def test_the_lock_lasts_15_minutes(client, staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            admin_sign_in(client, staff.ops.email, "wrong")
        locked = admin_sign_in(client, staff.ops.email, PASSWORD)
        assert_locked(locked)
        assert "15 minutes" in locked.content.decode()
        assert locked["Retry-After"] == "900"
        clock.shift(datetime.timedelta(minutes=14))
        locked = shop_sign_in(client, staff.ops.email, PASSWORD)
        assert_locked(locked)
        assert "1 minute" in locked.content.decode()
        clock.shift(datetime.timedelta(minutes=1, seconds=1))
        assert admin_signed_in(admin_sign_in(client, staff.ops.email, PASSWORD))


def test_failures_spread_over_time_do_not_lock(client, staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(8):
            admin_sign_in(client, staff.ops.email, "wrong")
            clock.shift(datetime.timedelta(minutes=16))
        assert admin_signed_in(admin_sign_in(client, staff.ops.email, PASSWORD))


def test_a_successful_sign_in_resets_the_count(client, staff):
    for _ in range(4):
        admin_sign_in(client, staff.ops.email, "wrong")
    assert admin_signed_in(admin_sign_in(client, staff.ops.email, PASSWORD))
    client.logout()
    for _ in range(4):
        admin_sign_in(client, staff.ops.email, "wrong")
    assert admin_signed_in(admin_sign_in(client, staff.ops.email, PASSWORD))


def test_other_accounts_can_still_sign_in(client, staff):
    for _ in range(5):
        admin_sign_in(client, staff.ops.email, "wrong", ip="10.0.0.2")
    assert admin_signed_in(admin_sign_in(client, staff.support.email, PASSWORD))


def test_the_answer_does_not_tell_whether_the_account_exists(client, staff):
    for email in (staff.ops.email, "nobody@okpuja.in"):
        for _ in range(5):
            shop_sign_in(client, email, "wrong")
    known = shop_sign_in(client, staff.ops.email, "wrong")
    unknown = shop_sign_in(client, "nobody@okpuja.in", "wrong")
    assert known.status_code == unknown.status_code == 429
    assert known["Retry-After"] == unknown["Retry-After"]

    def text(response):  # the CSRF token differs on every page (and its forms)
        return re.sub(
            r'(?:"X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+"',
            "",
            response.content.decode(),
        )

    assert text(known) == text(unknown)


def test_password_reset_confirm_is_refused_while_locked(client, staff):
    user = staff.ops
    for _ in range(5):
        shop_sign_in(client, user.email, "wrong")
    url = reverse(
        "storefront:password_reset_confirm",
        args=[
            urlsafe_base64_encode(force_bytes(user.pk)),
            default_token_generator.make_token(user),
        ],
    )
    form_url = client.get(url)["Location"]  # Django moves the token to the session
    new_password = "a-brand-new-pass-42"
    response = client.post(
        form_url, {"new_password1": new_password, "new_password2": new_password}
    )
    assert_locked(response)
    user.refresh_from_db()
    assert not user.check_password(new_password)


def test_operations_see_and_lift_locks(client, staff):
    customer = staff.customer
    for _ in range(5):
        shop_sign_in(client, customer.email, "wrong")
    assert_locked(shop_sign_in(client, customer.email, PASSWORD))
    attempt = AccessAttempt.objects.get()
    assert attempt.username == customer.email

    client.force_login(staff.support)  # Support may not see locks
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert client.get(changelist).status_code == 403

    client.force_login(staff.ops)
    page = client.get(changelist)
    assert page.status_code == 200
    assert customer.email in page.content.decode()
    assert "Locked Out" in page.content.decode()
    delete_url = reverse("admin:axes_accessattempt_delete", args=[attempt.pk])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    client.logout()

    assert shop_signed_in(shop_sign_in(client, customer.email, PASSWORD))


def test_priests_cannot_sign_in_to_the_admin(client, staff):
    # Priests are not staff (they have the priest portal): the admin's own
    # "not a staff account" refusal.
    response = admin_sign_in(client, staff.priest.email, PASSWORD)
    assert response.status_code == 200
    assert "staff account" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Staff with no admin permission at all get a plain message, not an empty admin.
    clerk = factories.make_user(email="clerk@okpuja.in", is_staff=True)
    clerk.set_password(PASSWORD)
    clerk.save()
    response = admin_sign_in(client, clerk.email, PASSWORD)
    assert response.status_code == 200
    assert "has no staff pages yet" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Signed in on the storefront instead, the admin still refuses them.
    client.force_login(staff.priest)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert re.match(re.escape(reverse("admin:login")), response["Location"])


def api_token(client, email, password, ip="10.0.0.1"):
    return client.post(
        "/api/auth/token/",
        {"email": email, "password": password},
        content_type="application/json",
        REMOTE_ADDR=ip,
    )


def test_the_api_token_endpoint_shares_the_account_lock(client):
    """Apps sign in with POST /api/auth/token/: the same lock as every form."""
    customer = factories.make_user(email="app-user@example.in")
    answers = [api_token(client, customer.email, "wrong").status_code for _ in range(5)]
    assert answers[:4] == [401] * 4
    locked = api_token(client, customer.email, CUSTOMER_PASSWORD)
    assert locked.status_code == 429
    assert locked.json()["error"]["code"] == "signin_locked"
    # And the lock taken through the API holds on the storefront's form.
    assert_locked(shop_sign_in(client, customer.email, CUSTOMER_PASSWORD))
