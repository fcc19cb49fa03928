"""No customer waits on a sick gateway: PhonePe calls in requests have a time budget.

Against the sandbox process with its ``status_api: hang`` fault (scoped to one
order). The bounds asserted here are the budgets themselves plus generous slack
for a loaded machine; they prove that nothing waits for the 10 s timeout and
its retries (~31 s before).
"""

import threading
import time

import pytest
import requests
from django.core import mail
from django.test import Client
from django.utils import timezone

from checkout import phonepe as gateway
from checkout import reconcile
from checkout.models import Booking, Payment, WebhookDelivery
from tests.checkout.test_money_path import delivered_body, post_webhook
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db(transaction=True)

SLACK = 2.0  # seconds of scheduling noise allowed on a shared 2-core machine


@pytest.fixture
def budgets(settings):
    settings.PHONEPE_REQUEST_BUDGET_SECONDS = 1.5
    settings.PHONEPE_WEBHOOK_BUDGET_SECONDS = 0.8
    settings.CHECKOUT_GATEWAY_CHECK_MIN_SECONDS = 0
    return settings


def timed(function):
    started = time.monotonic()
    result = function()
    return result, time.monotonic() - started


def test_client_calls_share_one_budget_and_nested_budgets_never_extend(phonepe):
    payment = Shop().start()
    phonepe.set_faults(
        order=payment.merchant_order_id, status_api="hang", hang_seconds=8
    )
    client = gateway.get_client()

    started = time.monotonic()
    with pytest.raises(gateway.PhonePeBudgetExhausted):
        with gateway.time_budget(1.0), gateway.time_budget(30):
            client.get_order_status(payment.merchant_order_id)
    assert time.monotonic() - started < 1.0 + SLACK
    # Once the budget is spent, calls fail at once.
    with gateway.time_budget(0):
        started = time.monotonic()
        with pytest.raises(gateway.PhonePeBudgetExhausted):
            client.get_order_status(payment.merchant_order_id)
        assert time.monotonic() - started < 0.5
    assert gateway._remaining() is None  # outside any budget again


def test_webhook_is_acknowledged_within_budget_and_booked_by_the_reconciler_once(
    phonepe, client, budgets
):
    payment = Shop().start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = delivered_body(
        phonepe, payment.merchant_order_id, "checkout.order.completed"
    )
    phonepe.set_faults(
        order=payment.merchant_order_id, status_api="hang", hang_seconds=10
    )

    response, elapsed = timed(lambda: post_webhook(client, body))

    assert response.status_code == 200  # accepted: PhonePe need not resend it
    assert elapsed < budgets.PHONEPE_WEBHOOK_BUDGET_SECONDS + SLACK
    delivery = WebhookDelivery.objects.get()
    assert delivery.outcome == WebhookDelivery.Outcome.DEFERRED
    assert "background" in delivery.error
    assert Booking.objects.count() == 0

    phonepe.clear_faults()
    counts = reconcile.reconcile_due_payments()

    assert counts["webhook_processed"] == 1
    delivery.refresh_from_db()
    assert delivery.outcome == WebhookDelivery.Outcome.PROCESSED
    assert Booking.objects.get().payment == payment
    # Again: nothing left to do, nothing done twice.
    counts = reconcile.reconcile_due_payments()
    assert not any(key.startswith("webhook_") for key in counts)
    assert Booking.objects.count() == 1
    assert [m.subject for m in mail.outbox if "booked" in m.subject] == [
        f"Your puja is booked: {Booking.objects.get().book_id}"
    ]


def test_duplicate_delivery_of_a_settled_order_asks_phonepe_nothing(phonepe, client):
    payment = Shop().start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = delivered_body(
        phonepe, payment.merchant_order_id, "checkout.order.completed"
    )
    assert post_webhook(client, body).status_code == 200
    calls = phonepe.stats()["calls"]["status"]

    for _ in range(3):
        assert post_webhook(client, body).status_code == 200

    assert phonepe.stats()["calls"]["status"] == calls
    assert WebhookDelivery.objects.filter(outcome="ignored").count() == 3


def test_poll_returns_within_the_budget_while_phonepe_hangs(phonepe, client, budgets):
    shop = Shop()
    payment = shop.start()
    phonepe.set_faults(
        order=payment.merchant_order_id, status_api="hang", hang_seconds=10
    )
    client.force_login(payment.user)

    response, elapsed = timed(
        lambda: client.get(
            f"/confirmbooking/?order={payment.merchant_order_id}",
            HTTP_HX_REQUEST="true",
        )
    )

    assert response.status_code == 200
    assert elapsed < budgets.PHONEPE_REQUEST_BUDGET_SECONDS + SLACK
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING  # still confirming


def test_one_customers_hanging_poll_does_not_delay_anothers(
    phonepe, live_server, budgets
):
    shop = Shop(capacity=4)
    hanging = shop.start()
    fast = shop.start()
    phonepe.set_faults(
        order=hanging.merchant_order_id, status_api="hang", hang_seconds=10
    )
    phonepe.settle(fast.merchant_order_id, "pay_upi")

    def session_cookie(user):
        own = Client()  # one session each: a second login would end the first
        own.force_login(user)
        return own.cookies["sessionid"].value

    cookies = {
        hanging.pk: session_cookie(hanging.user),
        fast.pk: session_cookie(fast.user),
    }
    times = {}

    def poll(payment):
        started = time.monotonic()
        response = requests.get(
            f"{live_server.url}/confirmbooking/?order={payment.merchant_order_id}",
            cookies={"sessionid": cookies[payment.pk]},
            headers={"HX-Request": "true"},
            timeout=30,
        )
        times[payment.pk] = (response.status_code, time.monotonic() - started)

    slow_thread = threading.Thread(target=poll, args=(hanging,))
    slow_thread.start()
    time.sleep(0.2)  # the hanging poll is waiting on PhonePe first
    poll(fast)
    slow_thread.join(timeout=30)

    assert times[fast.pk][0] == 286  # settled: htmx stops polling
    assert times[fast.pk][1] < SLACK  # not queued behind the hanging one
    assert times[hanging.pk][0] == 200
    assert times[hanging.pk][1] < budgets.PHONEPE_REQUEST_BUDGET_SECONDS + SLACK
    assert Booking.objects.get().payment == fast


def test_a_deferred_delivery_stays_deferred_while_phonepe_is_still_down(
    phonepe, client, budgets
):
    """Found by the chaos run: it was closed as a 503 PhonePe never got."""
    payment = Shop().start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = delivered_body(
        phonepe, payment.merchant_order_id, "checkout.order.completed"
    )
    phonepe.set_faults(status_api="error")
    assert post_webhook(client, body).status_code == 200

    reconcile.close_stuck_deliveries(now=timezone.now())

    delivery = WebhookDelivery.objects.get()
    assert (delivery.outcome, delivery.http_status) == ("deferred", 200)
    phonepe.clear_faults()
    reconcile.close_stuck_deliveries(now=timezone.now())
    delivery.refresh_from_db()
    assert (delivery.outcome, delivery.http_status) == ("processed", 200)
    assert Booking.objects.get().payment == payment


def test_duplicates_of_a_hanging_order_do_not_hold_the_reconciler(
    phonepe, client, budgets
):
    """Found by the chaos run: each duplicate waited for PhonePe in turn."""
    payment = Shop().start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    body = delivered_body(
        phonepe, payment.merchant_order_id, "checkout.order.completed"
    )
    phonepe.set_faults(
        order=payment.merchant_order_id, status_api="hang", hang_seconds=10
    )
    for _ in range(4):
        assert post_webhook(client, body).status_code == 200
    calls = phonepe.stats()["calls"]["status"]

    outcomes, elapsed = timed(
        lambda: reconcile.close_stuck_deliveries(now=timezone.now())
    )

    assert outcomes == ["deferred"]  # one tried; its duplicates wait
    assert elapsed < budgets.PHONEPE_REQUEST_BUDGET_SECONDS + SLACK
    assert phonepe.stats()["calls"]["status"] - calls <= 1
    assert WebhookDelivery.objects.filter(outcome="deferred").count() == 4
