"""The status poll answered before Django's stack (checkout/fast_poll.py): only
what the full request would answer, to whom it would answer it.

These call the WSGI application itself (config.wsgi wraps Django in
FastPoll); Django's test client would go around the wrapper.
"""

import datetime
import io
import re

import pytest
from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.middleware.csrf import _unmask_cipher_token
from django.utils import timezone

from checkout.fast_poll import FastPoll
from checkout.models import Booking, Payment
from tests import factories
from tests.checkout.test_views import confirm_url, paid_booking
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db(transaction=True)

CSRF_SECRET = "abcdefghijklmnopqrstuvwxyzABCDEF"  # 32 letters, as Django's


class CountingDjango:
    """Django's WSGI handler, counting the requests it serves."""

    def __init__(self):
        self.handler = WSGIHandler()
        self.calls = 0

    def __call__(self, environ, start_response):
        self.calls += 1
        return self.handler(environ, start_response)


@pytest.fixture
def app():
    return FastPoll(CountingDjango())


def get(app, url, cookies, **headers):
    path, _, query = url.partition("?")
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "HTTP_HX_REQUEST": "true",
        **{f"HTTP_{name.upper()}": value for name, value in headers.items()},
    }
    seen = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, response_headers

    body = b"".join(app(environ, start_response))
    return (
        int(seen["status"].split()[0]),
        seen["headers"],
        body.decode(errors="replace"),
    )


def booked_and_signed_in(phonepe, client):
    """A booked payment, and its owner's cookies."""
    payment, booking = paid_booking(phonepe, Shop())
    return payment, booking, signed_in(client, payment.user)


def signed_in(client, user):
    client.force_login(user)
    return {
        settings.SESSION_COOKIE_NAME: client.cookies[
            settings.SESSION_COOKIE_NAME
        ].value,
        settings.CSRF_COOKIE_NAME: CSRF_SECRET,
    }


def served_by_django(app):
    return app.app.calls


def test_a_repeated_poll_is_answered_with_the_same_response(phonepe, client, app):
    payment, booking, cookies = booked_and_signed_in(phonepe, client)
    first = get(app, confirm_url(payment), cookies)
    assert first[0] == 286 and booking.book_id in first[2]
    assert served_by_django(app) == 1
    again = get(app, confirm_url(payment), cookies)
    assert served_by_django(app) == 1  # kept
    assert again == first  # status, every header (CSP, Vary, HX-Trigger...), body
    assert any(name == "Vary" and "Cookie" in value for name, value in again[1])


def test_signed_out_or_someone_else_goes_through_django_and_is_refused(
    phonepe, client, app
):
    payment, _booking, cookies = booked_and_signed_in(phonepe, client)
    get(app, confirm_url(payment), cookies)
    assert get(app, confirm_url(payment), cookies)[0] == 286
    calls = served_by_django(app)
    stranger = signed_in(client, factories.make_user())  # a session of their own
    assert get(app, confirm_url(payment), stranger)[0] == 404
    client.logout()  # the owner's session is gone
    assert get(app, confirm_url(payment), cookies)[0] == 404
    assert served_by_django(app) == calls + 2


def test_a_password_change_or_a_deactivation_ends_the_kept_answers(
    phonepe, client, app
):
    payment, _booking, cookies = booked_and_signed_in(phonepe, client)
    get(app, confirm_url(payment), cookies)
    assert get(app, confirm_url(payment), cookies)[0] == 286
    user = payment.user
    user.set_password("a-new-password-789")
    user.save()
    assert get(app, confirm_url(payment), cookies)[0] == 404
    cookies = signed_in(client, user)
    assert get(app, confirm_url(payment), cookies)[0] == 286
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert get(app, confirm_url(payment), cookies)[0] == 404


def test_a_changed_booking_is_a_new_answer(phonepe, client, app):
    payment, booking, cookies = booked_and_signed_in(phonepe, client)
    get(app, confirm_url(payment), cookies)
    booking.status = Booking.Status.CANCELLED
    booking.save()
    calls = served_by_django(app)
    status, _headers, body = get(app, confirm_url(payment), cookies)
    assert served_by_django(app) == calls + 1
    badge = re.search(r'data-testid="booking-status">([^<]*)<', body).group(1)
    assert "cancelled" in badge.lower()


def test_language_and_encoding_are_part_of_what_is_kept(phonepe, client, app):
    payment, _booking, cookies = booked_and_signed_in(phonepe, client)
    english = get(app, confirm_url(payment), cookies)
    calls = served_by_django(app)
    hindi = get(app, confirm_url(payment), {**cookies, "django_language": "hi"})
    assert served_by_django(app) == calls + 1 and hindi[2] != english[2]
    assert ("Content-Language", "hi") in hindi[1]
    assert get(app, confirm_url(payment), {**cookies, "django_language": "hi"}) == hindi
    gzipped = get(app, confirm_url(payment), cookies, ACCEPT_ENCODING="gzip")
    assert served_by_django(app) == calls + 2
    assert ("Content-Encoding", "gzip") in gzipped[1]
    assert get(app, confirm_url(payment), cookies) == english


def long_wait(payment):
    """The payment has waited a minute and PhonePe was asked a moment ago."""
    Payment.objects.filter(pk=payment.pk).update(
        created_at=timezone.now() - datetime.timedelta(minutes=1),
        last_checked_at=timezone.now(),
    )


def test_the_long_wait_gets_a_fresh_token_from_the_visitors_own_secret(
    phonepe, client, app
):
    payment = Shop().start()
    long_wait(payment)
    cookies = signed_in(client, payment.user)
    first = get(app, confirm_url(payment), cookies)
    assert "Cancel this payment" in first[2]
    answers = [get(app, confirm_url(payment), cookies) for _ in range(2)]
    assert served_by_django(app) == 1
    token = r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"'
    tokens = [re.search(token, body)[1] for _status, _headers, body in answers]
    assert tokens[0] != tokens[1]  # masked afresh
    assert {_unmask_cipher_token(t) for t in tokens} == {CSRF_SECRET}
    assert all(
        name != "Set-Cookie" for _s, headers, _b in answers for name, _v in headers
    )
    # The token works: the cancel form posts.
    client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    client_with_checks = client.__class__(enforce_csrf_checks=True)
    client_with_checks.cookies = client.cookies
    response = client_with_checks.post(
        "/confirmbooking/cancel/",
        {"order": payment.merchant_order_id, "csrfmiddlewaretoken": tokens[1]},
    )
    assert response.status_code == 302
    # Without a CSRF cookie of its own, the visitor goes through Django.
    del cookies[settings.CSRF_COOKIE_NAME]
    calls = served_by_django(app)
    get(app, confirm_url(payment), cookies)
    assert served_by_django(app) == calls + 1


def test_a_due_phonepe_check_goes_through_django(phonepe, client, app):
    payment = Shop().start()
    cookies = signed_in(client, payment.user)
    get(app, confirm_url(payment), cookies)  # asks PhonePe, then keeps nothing
    get(app, confirm_url(payment), cookies)  # kept now
    calls = served_by_django(app)
    get(app, confirm_url(payment), cookies)
    assert served_by_django(app) == calls
    Payment.objects.filter(pk=payment.pk).update(
        last_checked_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    status, _headers, _body = get(app, confirm_url(payment), cookies)
    assert served_by_django(app) == calls + 1
    assert status == 286 and Booking.objects.filter(payment=payment).exists()


@pytest.mark.parametrize(
    "url_suffix, headers, extra_cookies",
    [
        ("", {"HX_HISTORY_RESTORE_REQUEST": "true"}, {}),
        ("&x=1", {}, {}),
        ("", {}, {"messages": "something"}),
    ],
    ids=["history restore", "another parameter", "a flash message waits"],
)
def test_anything_else_goes_through_django(
    phonepe, client, app, url_suffix, headers, extra_cookies
):
    payment, _booking, cookies = booked_and_signed_in(phonepe, client)
    get(app, confirm_url(payment), cookies)
    calls = served_by_django(app)
    get(app, confirm_url(payment) + url_suffix, {**cookies, **extra_cookies}, **headers)
    assert served_by_django(app) == calls + 1
