"""Repeated failed admin sign-ins lock the username (and a busy IP) for a while."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from tests.admin.conftest import PASSWORD

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        "staffauth" not in settings.INSTALLED_APPS,
        reason='needs "staffauth" in INSTALLED_APPS (config.settings.py)',
    ),
]

LOCKED = "Too many failed sign-in attempts"


def sign_in(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=ip,
    )


def signed_in(response):
    return response.status_code == 302 and response["Location"] == reverse(
        "admin:index"
    )


def test_five_failures_lock_the_username_even_with_the_right_password(client, staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(5):
            response = sign_in(client, staff.ops.email, "wrong")
            assert response.status_code == 200
            assert LOCKED not in response.content.decode()
        locked = sign_in(client, staff.ops.email, PASSWORD)
        assert not signed_in(locked)
        assert LOCKED in locked.content.decode()
        assert "15 minutes" in locked.content.decode()
        # Case and another address do not get around it.
        assert (
            LOCKED
            in sign_in(
                client, staff.ops.email.upper(), PASSWORD, ip="10.9.9.9"
            ).content.decode()
        )

        clock.shift(datetime.timedelta(minutes=14))
        assert LOCKED in sign_in(client, staff.ops.email, PASSWORD).content.decode()
        clock.shift(datetime.timedelta(minutes=1, seconds=1))
        assert signed_in(sign_in(client, staff.ops.email, PASSWORD))


def test_other_staff_can_still_sign_in(client, staff):
    for _ in range(5):
        sign_in(client, staff.ops.email, "wrong", ip="10.0.0.2")
    assert signed_in(sign_in(client, staff.support.email, PASSWORD, ip="10.0.0.3"))


def test_failures_spread_over_time_do_not_lock(client, staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(8):
            sign_in(client, staff.ops.email, "wrong")
            clock.shift(datetime.timedelta(minutes=4))
        assert signed_in(sign_in(client, staff.ops.email, PASSWORD))


def test_a_successful_sign_in_resets_the_count(client, staff):
    for _ in range(4):
        sign_in(client, staff.ops.email, "wrong")
    assert signed_in(sign_in(client, staff.ops.email, PASSWORD))
    client.logout()
    for _ in range(4):
        sign_in(client, staff.ops.email, "wrong")
    assert signed_in(sign_in(client, staff.ops.email, PASSWORD))


def test_one_address_guessing_many_usernames_is_locked(client, staff):
    for n in range(20):
        sign_in(client, f"guess{n}@okpuja.in", "wrong", ip="10.6.6.6")
    locked = sign_in(client, staff.ops.email, PASSWORD, ip="10.6.6.6")
    assert LOCKED in locked.content.decode()
    assert signed_in(sign_in(client, staff.ops.email, PASSWORD, ip="10.0.0.7"))


def test_customers_failing_to_reach_admin_count_as_failures(client, staff):
    for _ in range(5):
        response = sign_in(client, staff.customer.email, PASSWORD)
        assert response.status_code == 200  # customers are not staff: refused
    assert LOCKED in sign_in(client, staff.customer.email, PASSWORD).content.decode()
