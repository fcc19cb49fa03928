"""A priest's leave days."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from checkout.errors import CheckoutError
from priests.models import Assignment, LeaveDay, Priest
from storefront import formats


def add_leave_day(*, priest, date: datetime.date, reason: str = "") -> LeaveDay:
    """Mark ``date`` as a leave day, unless the priest has a puja that day."""
    profile = Priest.objects.get(user=priest)
    if date < timezone.localdate():
        raise CheckoutError(_("Leave days cannot be in the past."))
    with transaction.atomic():
        Priest.objects.select_for_update().get(pk=profile.pk)
        if (
            Assignment.objects.live()
            .filter(priest=priest, starts_at__date=date)
            .exclude(status=Assignment.Status.DONE)
            .exists()
        ):
            raise CheckoutError(
                _(
                    "You have a puja on %(date)s. Please ask Operations to reassign "
                    "it before taking leave."
                )
                % {"date": formats.day(date)}
            )
        leave, _created = LeaveDay.objects.get_or_create(
            priest=profile, date=date, defaults={"reason": reason.strip()[:120]}
        )
    return leave


def remove_leave_day(*, priest, date: datetime.date) -> None:
    LeaveDay.objects.filter(priest__user=priest, date=date).delete()
