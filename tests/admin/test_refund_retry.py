"""A refund PhonePe refused is visible (filter, overview card) and Operations can
retry it: a new refund of the same amount through the money path."""

import time

import pytest
from django.urls import reverse

from checkout import operations, refunds, selectors
from checkout.models import AuditEntry, Payment, Refund
from checkout.services import CheckoutError
from tests import factories
from tests.admin.conftest import make_bookings_fast, make_failed_refund

pytestmark = pytest.mark.django_db

PAYMENTS = "admin:checkout_payment_changelist"
REFUNDS = "admin:checkout_refund_changelist"


def listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def overview(client):
    response = client.get(reverse("admin:index"))
    return {card["key"]: card for card in response.context["cards"]}


def stray_payment():
    """Paid, no booking (the booking could not be made); its refund then failed."""
    user = factories.make_user()
    return Payment.objects.create(
        merchant_order_id="OKP-STRAY-1",
        user=user,
        cart=factories.make_cart(user=user),
        amount_paise=99900,
        status=Payment.Status.SUCCESS,
        resolution=Payment.Resolution.REFUNDED,
    )


def wait_until_completed(refund, timeout=10):
    deadline = time.monotonic() + timeout
    while refund.state != Refund.State.COMPLETED:
        assert time.monotonic() < deadline, f"{refund} still {refund.state}"
        time.sleep(0.1)
        refund = refunds.sync_refund(refund=refund, source="test")
    return refund


def test_failed_refunds_have_a_filter_and_an_overview_card(client, staff):
    [booking] = make_bookings_fast(count=1)
    failed = make_failed_refund(payment=booking.payment, booking=booking)
    stray = stray_payment()
    make_failed_refund(payment=stray)
    [fine] = make_bookings_fast(count=1)
    Refund.objects.create(
        merchant_refund_id="OKP-FINE-R1",
        payment=fine.payment,
        booking=fine,
        amount_paise=50000,
        reason=Refund.Reason.CANCELLED,
        state=Refund.State.COMPLETED,
    )
    client.force_login(staff.ops)
    url = reverse(PAYMENTS)
    assert listed(client, url + "?attention=refund_failed") == {
        booking.payment_id,
        stray.pk,
    }
    # A failed refund paid nothing back: the stray payment is still owed.
    assert listed(client, url + "?attention=paid_without_booking") == {stray.pk}
    cards = overview(client)
    assert cards["refunds-failed"]["count"] == 2
    assert cards["refunds-failed"]["url"] == url + "?attention=refund_failed"
    assert cards["paid-without-booking"]["count"] == 1
    page = client.get(reverse("admin:index")).content.decode()
    assert 'id="overview-refunds-failed"' in page and "Refunds failed" in page
    assert "?attention=refund_failed" in client.get(url).content.decode()

    # Once retried, a failed refund leaves the queue.
    AuditEntry.objects.create(
        source="admin", action=selectors.REFUND_RETRIED, refund=failed
    )
    assert listed(client, url + "?attention=refund_failed") == {stray.pk}
    assert overview(client)["refunds-failed"]["count"] == 1


def test_retry_starts_a_new_refund_that_completes(
    client, staff, phonepe, paid_booking, mailoutbox, django_capture_on_commit_callbacks
):
    payment = paid_booking.payment
    failed = make_failed_refund(payment=payment, booking=paid_booking)
    assert refunds.refundable_paise(payment) == 210000  # nothing went back yet
    mailoutbox.clear()
    client.force_login(staff.ops)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(REFUNDS),
            {"action": "retry_action", "_selected_action": [failed.pk]},
            follow=True,
        )
    new = Refund.objects.exclude(pk=failed.pk).get(payment=payment)
    assert f"Refund {new.merchant_refund_id} of ₹2,100.00 started" in (
        response.content.decode()
    )
    assert (new.amount_paise, new.booking, new.reason, new.created_by) == (
        210000,
        paid_booking,
        Refund.Reason.CANCELLED,
        staff.ops,
    )
    assert new.merchant_refund_id != failed.merchant_refund_id
    assert new.note.startswith(f"Retry of {failed.merchant_refund_id}")
    assert new.state in {Refund.State.PENDING, Refund.State.CONFIRMED}
    assert [m.subject for m in mailoutbox] == ["Your OkPuja refund has started"]
    marker = AuditEntry.objects.get(refund=failed, action=selectors.REFUND_RETRIED)
    assert marker.actor == staff.ops
    assert AuditEntry.objects.filter(
        refund=new, action="refund.requested", actor=staff.ops
    ).exists()
    url = reverse(PAYMENTS)
    assert listed(client, url + "?attention=refund_failed") == set()
    assert listed(client, url + "?attention=refund_pending") == {payment.pk}

    new = wait_until_completed(new)
    failed.refresh_from_db()
    assert failed.state == Refund.State.FAILED  # kept as it was, for the record
    assert refunds.refundable_paise(payment) == 0
    assert phonepe.stats()["calls"]["refund"] == 1

    # Pressing retry again starts nothing.
    response = client.post(
        reverse(REFUNDS),
        {"action": "retry_action", "_selected_action": [failed.pk]},
        follow=True,
    )
    assert "was already retried" in response.content.decode()
    assert payment.refunds.count() == 2


def test_retry_from_the_payments_queue(client, staff, phonepe, paid_booking):
    payment = paid_booking.payment
    make_failed_refund(payment=payment, booking=paid_booking, amount_paise=100050)
    client.force_login(staff.ops)
    url = reverse(PAYMENTS) + "?attention=refund_failed"
    assert listed(client, url) == {payment.pk}
    response = client.post(
        url,
        {"action": "retry_refunds_action", "_selected_action": [payment.pk]},
        follow=True,
    )
    assert "of ₹1,000.50 started" in response.content.decode()
    assert listed(client, url) == set()
    new = payment.refunds.exclude(state=Refund.State.FAILED).get()
    assert wait_until_completed(new).amount_paise == 100050


def test_only_a_failed_refund_is_retried(staff, phonepe, paid_booking):
    payment = paid_booking.payment
    refund = refunds.request_refund(
        payment=payment, amount_paise=50000, reason=Refund.Reason.OTHER
    )
    with pytest.raises(CheckoutError, match="only a failed refund is retried"):
        operations.retry_refund(refund=refund, actor=staff.ops)
    assert payment.refunds.count() == 1
    assert not AuditEntry.objects.filter(action=selectors.REFUND_RETRIED).exists()


def test_nothing_left_to_refund_is_not_retried(staff, phonepe, paid_booking):
    payment = paid_booking.payment
    failed = make_failed_refund(payment=payment, booking=paid_booking)
    # Meanwhile the whole amount went back another way.
    refunds.request_refund(
        payment=payment, amount_paise=210000, reason=Refund.Reason.OTHER
    )
    with pytest.raises(CheckoutError, match="was not retried: At most ₹0.00"):
        operations.retry_refund(refund=failed, actor=staff.ops)
    assert payment.refunds.count() == 2
    assert AuditEntry.objects.filter(
        refund=failed, action="refund.retry_not_started", actor=staff.ops
    ).exists()


ROLES = ["ops", "support", "priest", "customer", "anonymous", "superuser"]
# (url name, action) -> expected answer per role, in ROLES order ("login" for
# priests too: with no admin permission they never get in); "done" is a
# redirect back to the list after a new refund was started.
RETRY_POSTS = {
    (PAYMENTS, "retry_refunds_action"): (
        "done",
        200,
        "login",
        "login",
        "login",
        "done",
    ),
    (REFUNDS, "retry_action"): ("done", 403, "login", "login", "login", "done"),
}


@pytest.mark.parametrize("where", list(RETRY_POSTS))
@pytest.mark.parametrize("role", ROLES)
def test_retry_permission_matrix(client, staff, phonepe, paid_booking, role, where):
    payment = paid_booking.payment
    failed = make_failed_refund(payment=payment, booking=paid_booking)
    user = staff.role(role)
    if user is not None:
        client.force_login(user)
    url_name, action = where
    selected = failed.pk if url_name == REFUNDS else payment.pk
    response = client.post(
        reverse(url_name), {"action": action, "_selected_action": [selected]}
    )
    expected = RETRY_POSTS[where][ROLES.index(role)]
    if expected == "login":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))
    elif expected == "done":
        assert response.status_code == 302
    else:
        assert response.status_code == expected
    started = payment.refunds.exclude(pk=failed.pk)
    retried = AuditEntry.objects.filter(refund=failed, action=selectors.REFUND_RETRIED)
    if expected == "done":
        assert started.count() == 1
        assert retried.get().actor == user
    else:
        assert not started.exists()
        assert not retried.exists()
        assert phonepe.stats()["calls"]["refund"] == 0


def test_refund_phonepe_fails_is_found_and_retried(
    client, staff, phonepe, paid_booking
):
    """The whole way: PhonePe fails the cancellation's refund, Operations sees it
    on the overview and retries it once PhonePe works again."""
    payment = paid_booking.payment
    phonepe.set_faults(order=payment.merchant_order_id, refund_outcome="fail")
    client.force_login(staff.ops)
    client.post(
        reverse("admin:checkout_booking_cancel", args=[paid_booking.pk]),
        {"refund_amount": "2,100", "reason": "Puja moved to the temple"},
    )
    refund = payment.refunds.get()
    deadline = time.monotonic() + 10
    while refund.state != Refund.State.FAILED:
        assert time.monotonic() < deadline, f"{refund} still {refund.state}"
        time.sleep(0.1)
        refund = refunds.sync_refund(refund=refund, source="test")
    assert overview(client)["refunds-failed"]["count"] == 1
    url = reverse(PAYMENTS) + "?attention=refund_failed"
    assert listed(client, url) == {payment.pk}
    page = client.get(reverse("admin:checkout_payment_change", args=[payment.pk]))
    assert refund.last_error in page.content.decode()

    phonepe.clear_faults()
    client.post(
        url, {"action": "retry_refunds_action", "_selected_action": [payment.pk]}
    )
    new = payment.refunds.exclude(pk=refund.pk).get()
    assert wait_until_completed(new).amount_paise == 210000
    assert overview(client)["refunds-failed"]["count"] == 0
    assert refunds.refundable_paise(payment) == 0
