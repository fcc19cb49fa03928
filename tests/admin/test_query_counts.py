"""Changelist query counts do not grow with the number of rows (20 vs 200)."""

import pytest
from django.urls import reverse

from checkout.models import Booking, Payment, Refund
from tests.admin.conftest import make_bookings_fast

pytestmark = pytest.mark.django_db

# session, user, changelist (count, total count, date hierarchy, service filter
# lookups, rows, items prefetch), the user's permissions for actions.
BOOKING_LIST_QUERIES = 11
PAYMENT_LIST_QUERIES = 9
REFUND_LIST_QUERIES = 7


def with_refunds(bookings):
    for booking in bookings[::3]:
        Refund.objects.create(
            merchant_refund_id=f"{booking.payment.merchant_order_id}-R1",
            payment=booking.payment,
            booking=booking,
            amount_paise=1000,
            reason=Refund.Reason.CANCELLED,
        )
    Booking.objects.filter(pk__in=[b.pk for b in bookings[::2]]).update(
        status=Booking.Status.ASSIGNED
    )


@pytest.mark.parametrize("rows", [20, 200])
@pytest.mark.parametrize(
    "query",
    [
        "",
        "?status=open",
        "?when=upcoming&assigned=no",
        "?q=customer",
        "?service={service}",
    ],
)
def test_booking_changelist_queries(
    client, staff, django_assert_num_queries, rows, query
):
    bookings = make_bookings_fast(count=rows)
    with_refunds(bookings)
    service_id = bookings[0].items.get().package.service_id
    client.force_login(staff.ops)
    url = reverse("admin:checkout_booking_changelist") + query.format(
        service=service_id
    )
    with django_assert_num_queries(BOOKING_LIST_QUERIES):
        response = client.get(url)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == min(rows, 50)


@pytest.mark.parametrize("rows", [20, 200])
def test_booking_changelist_shows_every_column(client, staff, rows):
    bookings = make_bookings_fast(count=rows)
    with_refunds(bookings)
    client.force_login(staff.ops)
    response = client.get(reverse("admin:checkout_booking_changelist"))
    html = response.content.decode()
    for text in ("Ganesh Puja", "6:00 AM", "₹1,501.00", "Requested", "Customer"):
        assert text in html
    assert any(booking.book_id in html for booking in bookings)


@pytest.mark.parametrize("rows", [20, 200])
def test_payment_and_refund_changelist_queries(
    client, staff, django_assert_num_queries, rows
):
    bookings = make_bookings_fast(count=rows)
    with_refunds(bookings)
    client.force_login(staff.ops)
    with django_assert_num_queries(PAYMENT_LIST_QUERIES):
        client.get(reverse("admin:checkout_payment_changelist"))
    with django_assert_num_queries(PAYMENT_LIST_QUERIES):
        client.get(
            reverse("admin:checkout_payment_changelist") + "?attention=refund_pending"
        )
    with django_assert_num_queries(REFUND_LIST_QUERIES):
        client.get(reverse("admin:checkout_refund_changelist"))
    assert Payment.objects.count() == rows
