"""The states of checkout's records and the moves between them.

Every state set that other modules ask about is named here once.
"""

from checkout.models import Refund

#: Refunds that PhonePe may still complete: they count against what can be refunded.
REFUND_OPEN_STATES = frozenset(
    {Refund.State.REQUESTED, Refund.State.PENDING, Refund.State.CONFIRMED}
)
