"""Cancel with refund against the PhonePe sandbox: full, partial, twice, too much.

The refund's later states arrive as PhonePe's ``pg.refund.*`` webhooks, taken
from the sandbox's delivery log and posted to our webhook URL, or through the
"re-check refund" button.
"""

import time

import pytest
from django.urls import reverse

from checkout import operations, refunds
from checkout.models import AuditEntry, Booking, Refund, SlotHold
from checkout.services import CheckoutError
from tests.fixtures import GOOD_AUTH, WEBHOOK_PATH

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops_client(client, staff):
    client.force_login(staff.ops)
    return client


def cancel(client, booking, amount, reason="Family emergency, puja postponed"):
    return client.post(
        reverse("admin:checkout_booking_cancel", args=[booking.pk]),
        {"refund_amount": amount, "reason": reason},
    )


def wait_for_refund_event(sandbox, booking, event, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        for delivery in sandbox.webhooks(booking.payment.merchant_order_id):
            if delivery["event"] == event:
                return delivery
        assert time.monotonic() < deadline, f"no {event} webhook from the sandbox"
        time.sleep(0.05)


@pytest.mark.parametrize(
    "amount", ["-1", "12.345", "abc", "1e3", "", "0.50", "2100.01", "1,2"]
)
def test_cancel_form_rejects_bad_amounts(ops_client, paid_booking, amount):
    response = cancel(ops_client, paid_booking, amount)
    assert response.status_code == 200
    assert response.context["form"].errors["refund_amount"]
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.CONFIRMED
    assert not Refund.objects.exists()


def test_cancel_page_offers_the_full_refundable_amount(ops_client, paid_booking):
    page = ops_client.get(
        reverse("admin:checkout_booking_cancel", args=[paid_booking.pk])
    )
    assert page.context["form"]["refund_amount"].value() == "2100.00"
    assert "₹2,100.00" in page.content.decode()


def test_full_refund(
    ops_client,
    staff,
    phonepe,
    paid_booking,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = cancel(ops_client, paid_booking, "2100.00")
    assert response.status_code == 302
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.CANCELLED
    assert set(
        SlotHold.objects.filter(booking=paid_booking).values_list("state", flat=True)
    ) == {SlotHold.State.RELEASED}
    [refund] = paid_booking.refunds.all()
    assert refund.amount_paise == 210000
    assert refund.reason == Refund.Reason.CANCELLED
    assert refund.note == "Family emergency, puja postponed"
    assert refund.created_by == staff.ops
    assert refund.state == Refund.State.PENDING  # PhonePe accepted the request
    assert refund.gateway_refund_id
    assert phonepe.stats()["calls"]["refund"] >= 1
    actions = list(
        AuditEntry.objects.filter(booking=paid_booking, source="admin").values_list(
            "action", flat=True
        )
    )
    assert actions[:4] == [
        "booking.cancelled",
        "hold.released",
        "refund.requested",
        "refund.pending",
    ]
    assert [m.subject for m in mailoutbox] == ["Your OkPuja refund has started"]
    assert refunds.refundable_paise(paid_booking.payment) == 0


@pytest.mark.parametrize("typed", ["1499.50", "₹1,499.5"])
def test_partial_refund_in_rupees_and_paise(ops_client, phonepe, paid_booking, typed):
    response = cancel(ops_client, paid_booking, typed)
    assert response.status_code == 302
    [refund] = paid_booking.refunds.all()
    assert refund.amount_paise == 149950
    assert refunds.refundable_paise(paid_booking.payment) == 60050
    page = ops_client.get(
        reverse("admin:checkout_booking_change", args=[paid_booking.pk])
    )
    html = page.content.decode()
    assert "₹1,499.50" in html and "₹600.50" in html  # refund and still refundable


def test_cancel_twice_refunds_once(ops_client, phonepe, paid_booking):
    assert cancel(ops_client, paid_booking, "2100.00").status_code == 302
    again = ops_client.post(
        reverse("admin:checkout_booking_cancel", args=[paid_booking.pk]),
        {"refund_amount": "2100.00", "reason": "double click"},
        follow=True,
    )
    assert "is cancelled; it cannot be cancelled." in again.content.decode()
    assert paid_booking.refunds.count() == 1
    assert phonepe.stats()["calls"]["refund"] == 1
    with pytest.raises(CheckoutError):
        operations.cancel_booking(
            booking=paid_booking, actor=None, refund_paise=100, reason="again"
        )
    assert paid_booking.refunds.count() == 1


def test_refund_over_the_paid_amount_is_rejected_and_nothing_changes(
    ops_client, phonepe, paid_booking
):
    response = cancel(ops_client, paid_booking, "2100.01")
    assert response.status_code == 200
    assert "At most ₹2,100.00 can be refunded." in str(response.context["form"].errors)
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.CONFIRMED
    assert not Refund.objects.exists()
    assert not AuditEntry.objects.filter(booking=paid_booking, source="admin").exists()
    assert phonepe.stats()["calls"]["refund"] == 0


def test_operation_checks_what_is_left_after_earlier_refunds(
    staff, phonepe, paid_booking
):
    refunds.request_refund(
        payment=paid_booking.payment,
        amount_paise=200000,
        reason=Refund.Reason.OTHER,
        note="goodwill",
        booking=paid_booking,
    )
    with pytest.raises(CheckoutError, match="At most ₹100.00"):
        operations.cancel_booking(
            booking=paid_booking, actor=staff.ops, refund_paise=10001, reason="too much"
        )
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.CONFIRMED
    assert paid_booking.refunds.count() == 1
    booking, refund = operations.cancel_booking(
        booking=paid_booking, actor=staff.ops, refund_paise=10000, reason="the rest"
    )
    assert booking.status == Booking.Status.CANCELLED
    assert refund.amount_paise == 10000
    assert refunds.refundable_paise(booking.payment) == 0


def test_refund_webhooks_move_the_refund_to_completed(
    client, ops_client, phonepe, paid_booking
):
    cancel(ops_client, paid_booking, "2100.00")
    refund = paid_booking.refunds.get()
    delivery = wait_for_refund_event(phonepe, paid_booking, "pg.refund.completed")
    assert delivery["merchant_refund_id"] == refund.merchant_refund_id
    response = client.post(
        WEBHOOK_PATH,
        data=delivery["body"],
        content_type="application/json",
        HTTP_AUTHORIZATION=GOOD_AUTH,
    )
    assert response.status_code == 200
    refund.refresh_from_db()
    assert refund.state == Refund.State.COMPLETED
    page = ops_client.get(
        reverse("admin:checkout_booking_change", args=[paid_booking.pk])
    )
    assert "refund-completed" in page.content.decode()
    assert AuditEntry.objects.filter(refund=refund, action="refund.completed").exists()

    # A forged delivery is refused and changes nothing.
    forged = client.post(
        WEBHOOK_PATH,
        data=delivery["body"],
        content_type="application/json",
        HTTP_AUTHORIZATION="0" * 64,
    )
    assert forged.status_code == 401


def test_recheck_refund_button(ops_client, phonepe, paid_booking):
    cancel(ops_client, paid_booking, "1000.00")
    refund = paid_booking.refunds.get()
    wait_for_refund_event(phonepe, paid_booking, "pg.refund.completed")
    page = ops_client.get(
        reverse("admin:checkout_booking_change", args=[paid_booking.pk])
    )
    assert 'id="tool-recheck-refunds"' in page.content.decode()
    response = ops_client.post(
        reverse("admin:checkout_booking_recheck_refunds", args=[paid_booking.pk]),
        follow=True,
    )
    assert response.status_code == 200
    refund.refresh_from_db()
    assert refund.state == Refund.State.COMPLETED
    assert 'id="tool-recheck-refunds"' not in response.content.decode()


def test_phonepe_down_leaves_the_refund_requested_until_rechecked(
    ops_client, phonepe, paid_booking
):
    phonepe.set_faults(refund_api="error")
    response = cancel(ops_client, paid_booking, "2100.00")
    assert response.status_code == 302
    refund = paid_booking.refunds.get()
    assert refund.state == Refund.State.REQUESTED  # kept, sent again later
    assert refund.last_error
    paid_booking.refresh_from_db()
    assert paid_booking.status == Booking.Status.CANCELLED
    page = ops_client.get(response["Location"])
    assert "Requested" in page.content.decode()

    phonepe.clear_faults()
    ops_client.post(
        reverse("admin:checkout_booking_recheck_refunds", args=[paid_booking.pk])
    )
    refund.refresh_from_db()
    assert refund.state in {Refund.State.PENDING, Refund.State.CONFIRMED}
    assert paid_booking.refunds.count() == 1  # same merchantRefundId, sent once more
