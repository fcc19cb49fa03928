"""The audit trail: one AuditEntry for each change of a payment, booking or refund."""

import contextvars
from contextlib import contextmanager

from checkout.models import AuditEntry
from checkout.prepared import insert

_LINKS = {"payment", "payment_id", "booking", "booking_id", "refund", "refund_id"}
# The entries of the innermost ``batched()`` block, or None outside one.
_batch = contextvars.ContextVar("checkout_audit_batch", default=None)


def record_audit(
    *,
    source,
    action,
    from_state="",
    to_state="",
    message="",
    payload=None,
    actor=None,
    **links,
):
    """Write one audit entry; ``links`` name its payment, booking and refund.

    Inside ``batched()`` the entry is written when the block ends.
    """
    unknown = set(links) - _LINKS
    if unknown:
        raise TypeError(f"record_audit() got unexpected links {sorted(unknown)}")
    entry = AuditEntry(
        source=source,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        message=message,
        payload=payload,
        actor=actor if actor is not None and actor.is_authenticated else None,
        **links,
    )
    pending = _batch.get()
    if pending is None:
        entry.save(force_insert=True)
    else:
        pending.append(entry)
    return entry


@contextmanager
def batched():
    """Write the audit entries recorded in the block with one INSERT when it ends.

    The INSERT is built once per process and number of entries
    (``checkout.prepared``).

    Use it inside the transaction that makes the changes: the entries commit
    with them. When the block raises, nothing is written (the transaction
    rolls back anyway).
    """
    entries = []
    token = _batch.set(entries)
    try:
        yield
    finally:
        _batch.reset(token)
    insert(entries)
