"""Two staff retry the same failed refund at the same instant: one new refund.

Marked ``postgres``: SQLite serialises whole transactions, so this passes
there even without the row lock it guards.
"""

import pytest

from checkout import operations, selectors
from checkout.errors import CheckoutError
from checkout.models import AuditEntry, Refund
from tests.admin.conftest import make_failed_refund
from tests.checkout.test_concurrency import run_concurrently

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


@pytest.mark.parametrize("attempt", range(3))
def test_two_retries_at_once_start_one_refund(staff, shop, phonepe, attempt):
    """Guards the failed refund's row lock in ``operations.retry_refund``."""
    booking = shop.paid_booking(phonepe)
    # Part of the payment, so that two retries would both fit what is refundable.
    failed = make_failed_refund(
        payment=booking.payment, booking=booking, amount_paise=50000
    )

    results = run_concurrently(
        [
            lambda: operations.retry_refund(refund=failed, actor=staff.ops),
            lambda: operations.retry_refund(refund=failed, actor=staff.superuser),
        ]
    )

    started = [r for r in results if isinstance(r, Refund)]
    refused = [r for r in results if isinstance(r, CheckoutError)]
    assert len(started) == 1 and len(refused) == 1, results
    assert "was already retried" in refused[0].message
    assert booking.payment.refunds.exclude(pk=failed.pk).count() == 1
    assert (
        AuditEntry.objects.filter(
            refund=failed, action=selectors.REFUND_RETRIED
        ).count()
        == 1
    )
