"""checkout.poll's one statement reads what the ORM would have read."""

import pytest
from django.contrib.sessions.models import Session

from checkout import poll
from checkout.models import Payment
from storefront.models import User
from tests import factories
from tests.checkout.test_views import paid_booking
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def same_fields(found, expected, names):
    for name in names:
        attname = type(expected)._meta.get_field(name).attname
        assert getattr(found, attname) == getattr(expected, attname), name


def test_a_booked_payment_reads_as_the_orm_reads_it(phonepe, client):
    shop = Shop()
    payment, booking = paid_booking(phonepe, shop)
    client.force_login(payment.user)
    session = Session.objects.get()
    found = poll.read(
        payment.merchant_order_id, session_key=session.session_key, with_count=True
    )
    expected = Payment.objects.select_related("booking", "user").get(pk=payment.pk)
    same_fields(found.payment, expected, poll.PAYMENT_FIELDS)
    same_fields(found.payment.booking, expected.booking, poll.BOOKING_FIELDS)
    same_fields(found.payment.user, expected.user, poll.USER_FIELDS)
    assert found.payment.user.is_active is True
    assert found.payment.booking.payment is found.payment
    assert found.session_data == session.session_data
    assert found.cart_count == 0
    # What was not read is deferred, and read when asked for.
    assert "phone" in found.payment.user.get_deferred_fields()
    assert found.payment.user.phone == User.objects.get(pk=payment.user_id).phone


def test_a_pending_payment_has_no_booking_and_asks_no_more(
    phonepe, django_assert_num_queries
):
    payment = Shop().start()
    found = poll.read(payment.merchant_order_id, session_key=None)
    assert found.payment.pk == payment.pk and found.session_data is None
    assert found.cart_count is None
    with django_assert_num_queries(0):
        with pytest.raises(Payment.booking.RelatedObjectDoesNotExist):
            found.payment.booking  # noqa: B018 - known to be missing


def test_an_unknown_order_or_session(phonepe):
    payment = Shop().start()
    assert poll.read("OKP-unknown", session_key="x" * 32).payment is None
    found = poll.read(payment.merchant_order_id, session_key="x" * 32)
    assert found.payment.pk == payment.pk and found.session_data == ""


def test_the_count_is_the_customers_live_cart_lines(phonepe):
    shop = Shop()
    payment = shop.start()  # its cart is frozen: it counts
    factories.make_cart(
        user=factories.make_user(),  # someone else's cart does not
        items=[(shop.package, factories.booking_date(40), shop.slot)],
    )
    found = poll.read(payment.merchant_order_id, session_key=None, with_count=True)
    assert found.cart_count == payment.cart.items.count() >= 1


# On PostgreSQL the statement is prepared once per connection (planning its
# joins costs more than running them).


@pytest.mark.postgres
def test_the_statement_is_prepared_once_and_survives_losing_it(phonepe, client, caplog):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    payment, booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    url = f"/confirmbooking/?order={payment.merchant_order_id}"
    with CaptureQueriesContext(connection) as first:
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 286
    with CaptureQueriesContext(connection) as second:
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 286
    assert [q["sql"].split()[0] for q in second] == ["EXECUTE"]
    assert sum(q["sql"].startswith("PREPARE") for q in first) <= 1
    # A pooler hands the next request another server session (or someone
    # deallocates it): the poll still answers, and prepares it again next time.
    with connection.cursor() as cursor:
        cursor.execute("DEALLOCATE ALL")
    response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 286 and booking.book_id in response.content.decode()
    assert "running it unprepared" in caplog.text
    with CaptureQueriesContext(connection) as again:
        assert client.get(url, HTTP_HX_REQUEST="true").status_code == 286
    assert [q["sql"].split()[0] for q in again] == ["PREPARE", "EXECUTE"]


@pytest.mark.postgres
def test_prepared_statements_can_be_turned_off(phonepe, client, settings):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.DB_PREPARED_STATEMENTS = False
    payment, booking = paid_booking(phonepe, Shop())
    client.force_login(payment.user)
    url = f"/confirmbooking/?order={payment.merchant_order_id}"
    client.get(url, HTTP_HX_REQUEST="true")  # renders and keeps the fragment
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 286 and booking.book_id in response.content.decode()
    assert [q["sql"].split()[0] for q in queries] == ["SELECT"]
