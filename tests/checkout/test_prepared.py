"""checkout/prepared.py: the booking webhook's writes, built once per process,
write what the ORM would (values, defaults, pks) and move only the rows their
conditions match, on SQLite and on PostgreSQL."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checkout import prepared
from checkout.models import AuditEntry, Payment, SlotHold, WebhookDelivery
from storefront.models import Cart
from tests.checkout.test_money_path import delivered_body, post_webhook

pytestmark = pytest.mark.django_db(transaction=True)


def test_insert_writes_what_the_orm_writes_and_sets_the_pks(phonepe, shop):
    payment = shop.start()
    entries = [
        AuditEntry(
            source="test",
            action=f"test.{n}",
            payment=payment,
            payload={"n": n, "text": "नमस्ते"},
        )
        for n in range(3)
    ]
    before = timezone.now()
    for _round in range(2):  # the second round reuses the built statement
        for entry in entries:
            entry.pk = None
            entry._state.adding = True
        assert prepared.insert(entries) == entries
    assert all(entry.pk and not entry._state.adding for entry in entries)
    stored = AuditEntry.objects.filter(source="test").order_by("pk")
    assert [(e.pk, e.action, e.payload, e.payment_id) for e in stored[3:]] == [
        (e.pk, e.action, e.payload, payment.pk) for e in entries
    ]
    # auto_now_add filled as save() would; the defaults of what was not given.
    assert all(e.created_at >= before and e.message == "" for e in stored)
    assert prepared.insert([]) == []


def test_update_where_moves_only_the_rows_its_conditions_match(phonepe, shop):
    payment = shop.start()
    hold = payment.holds.get()
    now = timezone.now()
    # Expired holds and rows in another state are left alone.
    assert (
        prepared.update_where(
            SlotHold,
            {"payment": payment.pk, "expires_at__gt": hold.expires_at, "state": "held"},
            {"state": SlotHold.State.RELEASED},
        )
        == 0
    )
    assert (
        prepared.update_where(
            Payment,
            {"pk": payment.pk, "status": Payment.Status.FAILED},
            {"status": Payment.Status.SUCCESS},
        )
        == 0
    )
    moved = prepared.update_where(
        Payment,
        {"pk": payment.pk, "status": Payment.Status.PENDING},
        {
            "gateway_state": "PENDING",
            "next_check_at": None,
            "last_checked_at": now,
            "check_count": prepared.Increase(2),
        },
    )
    assert moved == 1
    payment.refresh_from_db()
    assert payment.check_count == 2
    assert payment.next_check_at is None and payment.last_checked_at == now
    assert (
        prepared.update_where(
            SlotHold,
            {
                "payment": payment.pk,
                "expires_at__gt": hold.expires_at - datetime.timedelta(seconds=1),
            },
            {"priests": 2},
        )
        == 1
    )
    assert SlotHold.objects.get(pk=hold.pk).priests == 2
    assert Cart.objects.get(pk=payment.cart_id).status == Cart.Status.FROZEN


@pytest.mark.postgres
@pytest.mark.parametrize(
    "case", ["booked", "wrong authorization", "unknown order", "not json"]
)
def test_the_receipt_is_flushed_by_a_synchronous_commit_before_any_answer(
    phonepe, shop, client, case
):
    """The stored delivery's commit does not wait for the disk (PostgreSQL):
    whichever way the webhook goes, its outcome is then written to the same
    row and committed synchronously (which flushes the WAL up to there,
    the receipt included) before the answer."""
    body = b"not json"
    if case == "booked":
        payment = shop.start()
        phonepe.settle(payment.merchant_order_id, "pay_upi")
        body = delivered_body(
            phonepe, payment.merchant_order_id, "checkout.order.completed"
        )
    elif case == "unknown order":
        body = {
            "event": "checkout.order.completed",
            "payload": {"merchantOrderId": "X"},
        }
    with CaptureQueriesContext(connection) as captured:
        if case == "wrong authorization":
            response = post_webhook(client, body, auth="wrong")
        else:
            response = post_webhook(client, body)
    statements = [query["sql"] for query in captured.captured_queries]
    # (A wrong Authorization first counts against the rate limit.)
    receipt = next(
        n
        for n, sql in enumerate(statements)
        if 'INSERT INTO "checkout_webhookdelivery"' in sql
    )
    assert statements[receipt].startswith(
        prepared.UNFLUSHED_COMMIT + 'INSERT INTO "checkout_webhookdelivery"'
    )
    statements = statements[receipt:]
    # The outcome's UPDATE of the same row, committed synchronously: by the
    # booking's COMMIT, or in autocommit by itself.
    outcome = max(
        n
        for n, sql in enumerate(statements)
        if sql.startswith('UPDATE "checkout_webhookdelivery"')
    )
    if case == "booked":
        assert "COMMIT" in statements[outcome + 1 :]
    else:
        assert "COMMIT" not in statements
    assert not any("synchronous_commit" in sql for sql in statements[1:])
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)
    delivery = WebhookDelivery.objects.get()
    assert delivery.http_status == response.status_code
    assert delivery.processed_at is not None
