"""Payments, the webhook inbox and the overview on the admin index."""

import datetime
import json

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from checkout import operations
from checkout.models import AuditEntry, Booking, Payment, Refund, WebhookDelivery
from tests import factories
from tests.admin.conftest import make_bookings_fast
from tests.fixtures import GOOD_AUTH, WEBHOOK_PATH

pytestmark = pytest.mark.django_db


def paid_without_booking_payment():
    """A payment made 'paid without booking' on purpose (what must never stay so)."""
    user = factories.make_user()
    return Payment.objects.create(
        merchant_order_id="OKP-EXCEPTION-1",
        user=user,
        cart=factories.make_cart(user=user),
        amount_paise=99900,
        status=Payment.Status.SUCCESS,
    )


def changelist_ids(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {obj.pk for obj in response.context["cl"].result_list}


def test_paid_without_booking_filter_catches_the_exception(client, staff, paid_booking):
    stray = paid_without_booking_payment()
    client.force_login(staff.ops)
    url = reverse("admin:checkout_payment_changelist")
    assert changelist_ids(client, url + "?attention=paid_without_booking") == {stray.pk}
    # Once it is refunded it leaves the queue and shows as "refund pending".
    Refund.objects.create(
        merchant_refund_id="OKP-EXCEPTION-1-R1",
        payment=stray,
        amount_paise=99900,
        reason=Refund.Reason.OTHER,
        state=Refund.State.PENDING,
    )
    assert changelist_ids(client, url + "?attention=paid_without_booking") == set()
    assert changelist_ids(client, url + "?attention=refund_pending") == {stray.pk}


def test_overview_counts_link_to_filtered_lists(
    client, staff, django_assert_max_num_queries
):
    make_bookings_fast(count=2, days_ahead=0)  # today
    make_bookings_fast(count=3, days_ahead=4)  # upcoming
    [assigned] = make_bookings_fast(count=1, days_ahead=4)
    Booking.objects.filter(pk=assigned.pk).update(
        status=Booking.Status.ASSIGNED, assigned_priest=staff.priest
    )
    make_bookings_fast(count=1, days_ahead=0, status=Booking.Status.CANCELLED)
    make_bookings_fast(count=1, days_ahead=-3)  # past, still unassigned
    paid_without_booking_payment()
    client.force_login(staff.ops)
    response = client.get(reverse("admin:index"))
    cards = {card["key"]: card for card in response.context["cards"]}
    assert {key: card["count"] for key, card in cards.items()} == {
        "today": 2,
        "upcoming": 4,
        "unassigned": 6,
        "paid-without-booking": 1,
        "refunds-pending": 0,
        "refunds-failed": 0,
        "webhooks-waiting": 0,
        "webhooks-failed": 0,
        "webhooks-replayed": 0,
    }
    for card in cards.values():
        response = client.get(card["url"])
        assert response.status_code == 200, card
        assert response.context["cl"].result_count == card["count"], card
    # The normal app list is still there.
    assert (
        "Checkout and bookings" in client.get(reverse("admin:index")).content.decode()
    )


def test_overview_is_a_handful_of_queries(client, staff, django_assert_num_queries):
    make_bookings_fast(count=30)
    client.force_login(staff.ops)
    client.get(reverse("admin:index"))  # warm the session and content types
    # session + user + 2 permission lookups + 4 overview counts + admin log
    with django_assert_num_queries(9):
        client.get(reverse("admin:index"))


def test_support_overview_shows_only_what_it_may_open(client, staff):
    # A staff member without checkout permissions sees no cards.
    clerk = factories.make_user(email="clerk@okpuja.in", is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_service"))
    client.force_login(clerk)
    assert client.get(reverse("admin:index")).context.get("cards", []) == []
    # With no permission at all the admin has nothing for them.
    clerk.user_permissions.clear()
    assert client.get(reverse("admin:index")).status_code == 302
    # Priests are not staff: the admin sends them to its login.
    client.force_login(staff.priest)
    assert client.get(reverse("admin:index")).status_code == 302


def test_recheck_payment_action_settles_a_pending_payment(
    client, staff, shop, phonepe, django_capture_on_commit_callbacks
):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    client.force_login(staff.ops)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:checkout_payment_changelist"),
            {"action": "recheck_action", "_selected_action": [payment.pk]},
            follow=True,
        )
    assert "1 payment re-checked with PhonePe; 1 changed." in response.content.decode()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCESS
    assert Booking.objects.filter(payment=payment).count() == 1
    entry = AuditEntry.objects.get(payment=payment, action="payment.rechecked")
    assert entry.actor == staff.ops
    # Again: nothing changes, still one booking.
    operations.recheck_payment(payment=payment, actor=staff.ops)
    assert Booking.objects.filter(payment=payment).count() == 1


def test_support_cannot_recheck_payments(client, staff, shop, phonepe):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    client.force_login(staff.support)
    client.post(
        reverse("admin:checkout_payment_changelist"),
        {"action": "recheck_action", "_selected_action": [payment.pk]},
    )
    payment.refresh_from_db()
    assert payment.status == Payment.Status.PENDING
    assert phonepe.stats()["calls"]["status"] == 0


def test_replay_of_a_webhook_changes_nothing_the_second_time(
    client, staff, shop, phonepe, django_capture_on_commit_callbacks, mailoutbox
):
    payment = shop.start()
    phonepe.settle(payment.merchant_order_id, "pay_upi")
    [delivery] = [
        d
        for d in phonepe.wait_for_webhooks(payment.merchant_order_id, 1)
        if d["event"] == "checkout.order.completed"
    ][:1]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            WEBHOOK_PATH,
            data=delivery["body"],
            content_type="application/json",
            HTTP_AUTHORIZATION=GOOD_AUTH,
        )
    assert response.status_code == 200
    stored = WebhookDelivery.objects.get()
    assert stored.outcome == WebhookDelivery.Outcome.PROCESSED
    booking = Booking.objects.get(payment=payment)
    emails_before = len(mailoutbox)
    audit_before = AuditEntry.objects.exclude(action="webhook.replayed").count()

    client.force_login(staff.ops)
    url = reverse("admin:checkout_webhookdelivery_changelist")
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                url,
                {"action": "replay_action", "_selected_action": [stored.pk]},
                follow=True,
            )
        assert "replayed: HTTP 200" in response.content.decode()
    stored.refresh_from_db()
    assert stored.outcome == WebhookDelivery.Outcome.IGNORED  # nothing left to do
    assert Booking.objects.filter(payment=payment).get() == booking
    assert len(mailoutbox) == emails_before
    assert AuditEntry.objects.exclude(action="webhook.replayed").count() == audit_before
    assert (
        AuditEntry.objects.filter(action="webhook.replayed", actor=staff.ops).count()
        == 2
    )


def test_unauthenticated_delivery_is_not_replayed(client, staff):
    delivery = WebhookDelivery.objects.create(
        body=json.dumps({"event": "checkout.order.completed", "payload": {}}),
        outcome=WebhookDelivery.Outcome.UNAUTHENTICATED,
    )
    client.force_login(staff.ops)
    response = client.post(
        reverse("admin:checkout_webhookdelivery_changelist"),
        {"action": "replay_action", "_selected_action": [delivery.pk]},
        follow=True,
    )
    assert "it is not replayed" in response.content.decode()


def test_webhook_inbox_filters(client, staff):
    WebhookDelivery.objects.create(
        authenticated=True, event="pg.refund.completed", outcome="processed"
    )
    bad = WebhookDelivery.objects.create(authenticated=False, outcome="unauthenticated")
    client.force_login(staff.ops)
    url = reverse("admin:checkout_webhookdelivery_changelist")
    assert changelist_ids(client, url + "?authenticated__exact=0") == {bad.pk}
    assert changelist_ids(client, url + "?outcome__exact=unauthenticated") == {bad.pk}
    assert len(changelist_ids(client, url + "?event=pg.refund.completed")) == 1


def test_overview_counts_webhooks_waiting_failed_and_replayed(client, staff):
    Outcome = WebhookDelivery.Outcome
    now = timezone.now()
    old = now - datetime.timedelta(minutes=10)
    deferred = WebhookDelivery.objects.create(outcome=Outcome.DEFERRED, body="{}")
    stuck = WebhookDelivery.objects.create(outcome=Outcome.RECEIVED, body="{}")
    fresh = WebhookDelivery.objects.create(outcome=Outcome.RECEIVED, body="{}")
    failed = WebhookDelivery.objects.create(outcome=Outcome.RETRY, body="{}")
    long_ago = WebhookDelivery.objects.create(outcome=Outcome.ERROR, body="{}")
    WebhookDelivery.objects.create(outcome=Outcome.PROCESSED, body="{}")
    WebhookDelivery.objects.filter(pk=stuck.pk).update(received_at=old)
    WebhookDelivery.objects.filter(pk=long_ago.pk).update(
        received_at=now - datetime.timedelta(days=2)
    )
    AuditEntry.objects.create(source="admin-replay", action="webhook.replayed")
    client.force_login(staff.ops)

    cards = {
        card["key"]: card
        for card in client.get(reverse("admin:index")).context["cards"]
    }

    assert cards["webhooks-waiting"]["count"] == 2
    assert cards["webhooks-failed"]["count"] == 1
    assert cards["webhooks-replayed"]["count"] == 1
    assert changelist_ids(client, cards["webhooks-waiting"]["url"]) == {
        deferred.pk,
        stuck.pk,
    }
    assert fresh.pk not in changelist_ids(client, cards["webhooks-waiting"]["url"])
    assert changelist_ids(client, cards["webhooks-failed"]["url"]) == {failed.pk}
    response = client.get(cards["webhooks-replayed"]["url"])
    assert response.context["cl"].result_count == 1
