"""Several reconcilers and workers on one PostgreSQL: each refund is sent to
PhonePe by one of them at a time (SELECT ... FOR UPDATE SKIP LOCKED claims)."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from checkout import reconcile, refunds
from checkout.models import Refund
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def requested_refunds(sandbox, count):
    """``count`` paid bookings with a refund each, requested and never sent."""
    shop = Shop(capacity=count + 1)
    created = []
    for _n in range(count):
        booking = shop.paid_booking(sandbox)
        payment = booking.payment
        created.append(
            Refund.objects.create(
                merchant_refund_id=f"{payment.merchant_order_id}-R1",
                payment=payment,
                booking=booking,
                amount_paise=payment.amount_paise,
                reason=Refund.Reason.CANCELLED,
            )
        )
    # Due for the reconciler (unchanged for a while).
    Refund.objects.update(
        updated_at=timezone.now()
        - refunds.RECHECK_AFTER
        - datetime.timedelta(seconds=1)
    )
    return created


def refund_calls(sandbox):
    return sandbox.stats()["calls"]["refund"]


def test_a_claimed_refund_waits_for_its_release_or_its_lease(phonepe):
    first, second, third = requested_refunds(phonepe, 3)
    now = timezone.now()

    mine = refunds.claim_refunds(now=now, limit=2)
    theirs = refunds.claim_refunds(now=now, limit=10)

    assert len(mine) == 2 and len(theirs) == 1
    assert {r.pk for r in mine} | {r.pk for r in theirs} == {
        first.pk,
        second.pk,
        third.pk,
    }
    assert refunds.claim_refunds(now=now, limit=10) == []
    refunds.release_refund(theirs[0])
    assert [r.pk for r in refunds.claim_refunds(now=now)] == [theirs[0].pk]
    later = now + refunds.CLAIM_LEASE + datetime.timedelta(seconds=1)
    assert len(refunds.claim_refunds(now=later, limit=10)) == 3


def test_a_refund_claimed_elsewhere_is_not_sent_until_released(phonepe):
    (refund,) = requested_refunds(phonepe, 1)
    calls = refund_calls(phonepe)
    (claimed,) = refunds.claim_refunds(refund_ids=[refund.pk])

    # The task (or a staff request) finds it claimed by a reconciler.
    unsent = refunds.submit_refund(refund=refund, source="task")

    assert unsent.state == Refund.State.REQUESTED
    assert refund_calls(phonepe) == calls
    refunds.release_refund(claimed)
    sent = refunds.submit_refund(refund=refund, source="task")
    assert sent.state in {Refund.State.PENDING, Refund.State.CONFIRMED}
    assert refund_calls(phonepe) == calls + 1
    # Its own claim is given back once sent.
    assert Refund.objects.get(pk=refund.pk).claimed_until is None


def test_the_reconciler_sends_requested_refunds_and_releases_them(phonepe):
    requested = requested_refunds(phonepe, 2)
    calls = refund_calls(phonepe)

    counts = reconcile.reconcile_due_payments()

    assert refund_calls(phonepe) == calls + 2
    assert sum(v for k, v in counts.items() if k.startswith("refund_")) == 2
    for refund in requested:
        refund.refresh_from_db()
        assert refund.state != Refund.State.REQUESTED
        assert refund.claimed_until is None


@pytest.mark.postgres
def test_two_reconcilers_never_send_the_same_refund(phonepe, monkeypatch):
    requested = requested_refunds(phonepe, 8)
    calls = refund_calls(phonepe)
    sending = set()
    sends = []
    overlaps = []
    lock = threading.Lock()
    real_send = refunds._send_refund

    def watched_send(*, refund, source):
        with lock:
            if refund.pk in sending:
                overlaps.append(refund.pk)
            sending.add(refund.pk)
            sends.append(refund.pk)
        try:
            time.sleep(0.05)  # widen the window a second reconciler could use
            return real_send(refund=refund, source=source)
        finally:
            with lock:
                sending.discard(refund.pk)

    monkeypatch.setattr(refunds, "_send_refund", watched_send)
    barrier = threading.Barrier(2)
    errors = []

    def reconciler():
        try:
            barrier.wait()
            for _n in range(3):
                reconcile.reconcile_due_payments(limit=3)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=reconciler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert overlaps == []
    # Every refund sent, and once (PhonePe saw one call for each).
    assert sorted(sends) == sorted(r.pk for r in requested)
    assert refund_calls(phonepe) == calls + len(requested)
    assert not Refund.objects.filter(state=Refund.State.REQUESTED).exists()
    assert not Refund.objects.filter(claimed_until__isnull=False).exists()


@pytest.mark.postgres
def test_a_claim_skips_the_refunds_another_process_is_claiming(phonepe):
    """Deterministic: another process sits inside its claim (rows locked, lease
    not yet committed); this claim takes the other refunds and does not wait."""
    requested = requested_refunds(phonepe, 6)
    held = {r.pk for r in requested[:3]}
    inside, done = threading.Event(), threading.Event()

    def other_claim():
        try:
            with transaction.atomic():
                list(Refund.objects.select_for_update().filter(pk__in=held))
                inside.set()
                done.wait(20)
        finally:
            connection.close()

    other = threading.Thread(target=other_claim)
    other.start()
    try:
        assert inside.wait(10)
        with connection.cursor() as cursor:
            # A claim that waited for the held rows would fail here, not hang.
            cursor.execute("SET lock_timeout = '3s'")
        claimed = {r.pk for r in refunds.claim_refunds(limit=10)}
    finally:
        done.set()
        other.join()
    assert claimed == {r.pk for r in requested} - held
