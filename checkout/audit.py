"""The audit trail: one AuditEntry for each change of a payment, booking or refund."""

from checkout.models import AuditEntry

_LINKS = {"payment", "payment_id", "booking", "booking_id", "refund", "refund_id"}


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
    """Write one audit entry; ``links`` name its payment, booking and refund."""
    unknown = set(links) - _LINKS
    if unknown:
        raise TypeError(f"record_audit() got unexpected links {sorted(unknown)}")
    return AuditEntry.objects.create(
        source=source,
        action=action,
        from_state=from_state or "",
        to_state=to_state or "",
        message=message,
        payload=payload,
        actor=actor if actor is not None and actor.is_authenticated else None,
        **links,
    )
