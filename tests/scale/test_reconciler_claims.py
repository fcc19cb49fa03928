"""Several reconcilers on one PostgreSQL: each due payment is checked by one
reconciler at a time (SELECT ... FOR UPDATE SKIP LOCKED claims)."""

import datetime
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from checkout import reconcile, services
from checkout.models import Payment
from tests.fixtures import Shop

pytestmark = pytest.mark.django_db(transaction=True)


def pending_payments(count):
    shop = Shop(capacity=count + 1)
    payments = [shop.start() for _n in range(count)]
    Payment.objects.filter(pk__in=[p.pk for p in payments]).update(
        next_check_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    return payments


def test_a_claimed_payment_is_not_due_for_another_reconciler(phonepe):
    payments = pending_payments(3)
    now = timezone.now()
    first = reconcile.claim_due_payments(now=now, limit=2)
    second = reconcile.claim_due_payments(now=now, limit=10)
    assert len(first) == 2 and len(second) == 1
    assert {p.pk for p in first} | {p.pk for p in second} == {p.pk for p in payments}
    assert reconcile.claim_due_payments(now=now, limit=10) == []
    later = now + reconcile.CLAIM_LEASE + datetime.timedelta(seconds=1)
    assert len(reconcile.claim_due_payments(now=later, limit=10)) == 3


@pytest.mark.postgres
def test_two_reconcilers_never_check_the_same_payment_at_once(phonepe, monkeypatch):
    payments = pending_payments(12)
    checking = {}
    checks = []
    overlaps = []
    lock = threading.Lock()
    real_sync = services.sync_payment

    def watched_sync(*, payment, source, actor=None):
        with lock:
            if payment.pk in checking:
                overlaps.append(payment.pk)
            checking[payment.pk] = threading.get_ident()
            checks.append(payment.pk)
        try:
            time.sleep(0.05)  # widen the window a second reconciler could use
            return real_sync(payment=payment, source=source, actor=actor)
        finally:
            with lock:
                checking.pop(payment.pk, None)

    monkeypatch.setattr(services, "sync_payment", watched_sync)
    errors = []

    def reconciler():
        try:
            for _n in range(3):
                reconcile.reconcile_due_payments(limit=4)
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
    # Every due payment checked, and once: the check moved its next one on.
    assert sorted(checks) == sorted(p.pk for p in payments)


@pytest.mark.postgres
def test_a_claim_skips_payments_another_reconciler_is_claiming(phonepe):
    """Guards SKIP LOCKED in ``reconcile.claim_due_payments``: rows another
    reconciler's claim holds are passed over, not waited for."""
    payments = pending_payments(3)
    held, claimed = threading.Event(), threading.Event()

    def other_reconciler():
        try:
            with transaction.atomic():
                list(
                    Payment.objects.filter(pk__in=[p.pk for p in payments[:2]])
                    .select_for_update()
                    .values_list("pk", flat=True)
                )
                held.set()
                claimed.wait(timeout=5)  # released at the latest then
        finally:
            connection.close()

    thread = threading.Thread(target=other_reconciler)
    thread.start()
    assert held.wait(timeout=10)
    mine = reconcile.claim_due_payments(now=timezone.now(), limit=10)
    claimed.set()
    thread.join()
    assert [p.pk for p in mine] == [payments[2].pk]
