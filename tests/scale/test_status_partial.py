"""The confirm page's status partial: one query (checkout.poll), no writes
while nothing changes, only ever for its owner, and a cached settled fragment
that follows changes to the booking."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checkout.models import Booking, Payment
from storefront import page_cache
from tests import factories
from tests.checkout.test_views import confirm_url, paid_booking
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db(transaction=True)

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_pending_poll_is_one_query_and_writes_nothing(
    phonepe, client, django_assert_num_queries
):
    payment = Shop().start()
    client.force_login(payment.user)
    first = client.get(confirm_url(payment), **HTMX)  # asks PhonePe once
    assert first.status_code == 200 and 'data-state="pending"' in first.content.decode()
    checked = Payment.objects.get(pk=payment.pk).last_checked_at
    assert checked is not None
    with django_assert_num_queries(1):
        response = client.get(confirm_url(payment), **HTMX)
    assert response.status_code == 200
    assert 'data-state="pending"' in response.content.decode()
    with CaptureQueriesContext(connection) as queries:
        client.get(confirm_url(payment), **HTMX)
    # A SELECT (prepared on PostgreSQL: EXECUTE of checkout.poll's statement).
    reads = [q["sql"].lstrip() for q in queries]
    assert all(sql.startswith(("SELECT", "EXECUTE okpuja_poll_")) for sql in reads)
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


def test_a_pending_poll_turns_into_the_long_wait_fragment_with_a_live_token(
    phonepe, client
):
    import time_machine

    payment = Shop().start()
    client.force_login(payment.user)
    client.get(confirm_url(payment), **HTMX)  # asks PhonePe once
    with time_machine.travel(payment.created_at + datetime.timedelta(seconds=29)):
        Payment.objects.filter(pk=payment.pk).update(last_checked_at=timezone.now())
        short = client.get(confirm_url(payment), **HTMX).content.decode()  # cached
    assert "Cancel this payment" not in short
    with time_machine.travel(payment.created_at + datetime.timedelta(seconds=31)):
        Payment.objects.filter(pk=payment.pk).update(last_checked_at=timezone.now())
        long = client.get(confirm_url(payment), **HTMX).content.decode()
        again = client.get(confirm_url(payment), **HTMX).content.decode()  # kept
    assert "Cancel this payment" in long and 'data-testid="long-pending"' in long
    token = r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"'
    assert re.search(token, long)[1] != re.search(token, again)[1]  # each its own
    assert page_cache.CSRF_PLACEHOLDER not in again


# The confirm page once booked: the session, the payment with its owner and
# booking and the header's cart badge in one statement (checkout.poll); the
# status region is the kept fragment.
CONFIRM_PAGE_QUERIES = 1


def test_confirm_page_of_a_booked_payment_is_one_query_and_follows_changes(
    phonepe, client, django_assert_num_queries
):
    payment, booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    first = client.get(confirm_url(payment))
    assert first.status_code == 200 and booking.book_id in first.content.decode()
    with django_assert_num_queries(CONFIRM_PAGE_QUERIES):
        page = client.get(confirm_url(payment))
    html = page.content.decode()
    assert booking.book_id in html and "Your puja is booked" in html
    assert status_badge(page) == status_badge(first)
    booking.status = Booking.Status.CANCELLED
    booking.save()
    assert "cancelled" in status_badge(client.get(confirm_url(payment))).lower()


def test_confirm_page_sends_a_signed_out_visitor_to_sign_in(phonepe, client):
    payment, _booking = paid_booking(phonepe, Shop())
    response = client.get(confirm_url(payment))
    assert response.status_code == 302 and "/login/" in response["Location"]
    stranger = factories.make_user()
    client.force_login(stranger)
    assert client.get(confirm_url(payment)).status_code == 404


# The one read (checkout.poll) does what SessionStore.load() and
# django.contrib.auth.get_user would have done.


def test_an_expired_session_is_signed_out_and_sent_to_sign_in(phonepe, client):
    from django.contrib.sessions.models import Session

    payment, _booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    assert client.get(confirm_url(payment), **HTMX).status_code == 286
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get(confirm_url(payment), **HTMX).status_code == 404
    response = client.get(confirm_url(payment))
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_a_forged_session_cookie_is_nobody(phonepe, client, settings):
    payment, _booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    from django.contrib.sessions.models import Session

    # The owner's session row with its data re-signed by someone without the key.
    Session.objects.filter(session_key=key).update(session_data="e30:forged:signature")
    assert client.get(confirm_url(payment), **HTMX).status_code == 404
    client.cookies[settings.SESSION_COOKIE_NAME] = "not-a-session-key-at-all"
    assert client.get(confirm_url(payment), **HTMX).status_code == 404


def test_the_poll_varies_with_the_cookie(phonepe, client):
    payment, _booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    response = client.get(confirm_url(payment), **HTMX)
    assert response.status_code == 286
    assert "Cookie" in response["Vary"]


def test_the_confirm_page_badge_counts_the_customers_live_cart(phonepe, client):
    shop = Shop()
    payment, booking = paid_booking(phonepe, shop)
    client.force_login(payment.user)
    assert badge(client.get(confirm_url(payment))) == "0"
    # Two pujas in a new cart: the kept page is not reused for the new badge.
    factories.make_cart(
        user=payment.user,
        items=[
            (shop.package, factories.booking_date(40), shop.slot),
            (shop.package, factories.booking_date(41), shop.slot),
        ],
    )
    html = client.get(confirm_url(payment)).content.decode()
    assert booking.book_id in html
    assert badge(html) == "2"


def badge(page):
    html = page if isinstance(page, str) else page.content.decode()
    return re.search(r'id="cart-badge"[^>]*>([^<]*)<', html, re.S).group(1).strip()


def test_with_sessions_kept_only_in_the_cache_the_poll_reads_them_there(
    phonepe, client, settings
):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
    payment, booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    response = client.get(confirm_url(payment), **HTMX)
    assert response.status_code == 286 and booking.book_id in response.content.decode()
    client.force_login(factories.make_user())
    assert client.get(confirm_url(payment), **HTMX).status_code == 404


def test_a_pending_fragment_without_a_form_costs_no_csrf_token(
    phonepe, client, settings
):
    import time_machine

    payment = Shop().start()
    client.force_login(payment.user)
    client.get(confirm_url(payment), **HTMX)  # asks PhonePe once
    client.cookies.pop(settings.CSRF_COOKIE_NAME, None)
    short = client.get(confirm_url(payment), **HTMX)  # kept, and no form in it
    assert 'data-state="pending"' in short.content.decode()
    assert settings.CSRF_COOKIE_NAME not in short.cookies
    with time_machine.travel(payment.created_at + datetime.timedelta(seconds=31)):
        Payment.objects.filter(pk=payment.pk).update(last_checked_at=timezone.now())
        long = client.get(confirm_url(payment), **HTMX)
    assert "Cancel this payment" in long.content.decode()
    assert settings.CSRF_COOKIE_NAME in long.cookies  # its form's token is live
