"""The confirm page's status partial: two queries, no writes while nothing
changes, only ever for its owner, and a cached settled fragment that follows
changes to the booking."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checkout.models import Booking, Payment
from tests import factories
from tests.checkout.test_views import confirm_url, paid_booking
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_pending_poll_is_two_queries_and_writes_nothing(
    phonepe, client, django_assert_num_queries
):
    payment = Shop().start()
    client.force_login(payment.user)
    first = client.get(confirm_url(payment), **HTMX)  # asks PhonePe once
    assert first.status_code == 200 and 'data-state="pending"' in first.content.decode()
    checked = Payment.objects.get(pk=payment.pk).last_checked_at
    assert checked is not None
    with django_assert_num_queries(2):
        response = client.get(confirm_url(payment), **HTMX)
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get(confirm_url(payment), **HTMX)
    assert all(q["sql"].lstrip().upper().startswith("SELECT") for q in queries)
    after = Payment.objects.get(pk=payment.pk)
    assert after.last_checked_at == checked and after.status == Payment.Status.PENDING


def test_pending_poll_asks_phonepe_again_once_the_interval_passed(
    phonepe, client, settings
):
    payment = Shop().start()
    client.force_login(payment.user)
    client.get(confirm_url(payment), **HTMX)
    Payment.objects.filter(pk=payment.pk).update(
        last_checked_at=timezone.now() - datetime.timedelta(seconds=60)
    )
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    response = client.get(confirm_url(payment), **HTMX)
    assert response.status_code == 286
    assert Booking.objects.filter(payment=payment).exists()


def test_settled_fragment_follows_booking_changes(phonepe, client):
    payment, booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    before = status_badge(client.get(confirm_url(payment), **HTMX))
    assert "confirmed" in before.lower()
    booking.status = Booking.Status.CANCELLED
    booking.save()
    after = status_badge(client.get(confirm_url(payment), **HTMX))
    assert "cancelled" in after.lower()


def status_badge(response):
    html = response.content.decode()
    return re.search(r'data-testid="booking-status">([^<]*)<', html).group(1)


def test_only_the_owner_sees_the_partial(phonepe, client):
    payment, _booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    assert client.get(confirm_url(payment), **HTMX).status_code == 286  # cached now
    client.force_login(factories.make_user())
    assert client.get(confirm_url(payment), **HTMX).status_code == 404
    assert client.get(confirm_url(payment)).status_code == 404
    client.logout()
    assert client.get(confirm_url(payment), **HTMX).status_code == 404


def test_a_session_from_before_a_password_change_is_refused(phonepe, client):
    payment, _booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    assert client.get(confirm_url(payment), **HTMX).status_code == 286
    user = payment.user
    user.set_password("a-new-password-123")
    user.save()
    assert client.get(confirm_url(payment), **HTMX).status_code == 404


def test_an_inactive_customer_is_refused(phonepe, client):
    payment, _booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    assert client.get(confirm_url(payment), **HTMX).status_code == 286
    type(payment.user).objects.filter(pk=payment.user_id).update(is_active=False)
    assert client.get(confirm_url(payment), **HTMX).status_code == 404
