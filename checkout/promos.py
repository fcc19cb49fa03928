"""Promo code uses reserved at Pay: a code's limits count the payments in flight.

A pending payment whose holds are live reserves one use; a booking turns it
into a redemption (``storefront.services.record_promo_use``); a failed or
lapsed payment reserves none.
"""

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from checkout.errors import CheckoutError
from checkout.models import Payment
from storefront import services as storefront_services
from storefront.models import PromoCode


def reservations(*, promo, user, now, exclude_payment_id=None):
    """Return (total, this customer's) uses of ``promo`` held by payments in flight.

    A pending payment reserves one use while its holds are live; a failed,
    booked (then a redemption) or lapsed payment reserves none.
    """
    live = Payment.objects.filter(
        promo=promo, status=Payment.Status.PENDING, hold_until__gt=now
    ).exclude(pk=exclude_payment_id)
    counts = live.aggregate(
        total=Count("pk"), mine=Count("pk", filter=Q(user_id=user.pk))
    )
    return counts["total"], counts["mine"]


def reserve(*, totals, user, now):
    """Check the cart's promo code against its limits, counting payments in flight.

    Locks the promo code's row, so two customers paying for its last use are
    served one at a time. Return the promo code the payment reserves, or None.
    """
    if totals.promo is None or not totals.discount_paise:
        return None
    promo = PromoCode.objects.select_for_update().get(pk=totals.promo.pk)
    try:
        storefront_services.check_promo_uses(
            promo=promo,
            user=user,
            reserved=reservations(promo=promo, user=user, now=now),
        )
    except storefront_services.PromoError as exc:
        raise CheckoutError(
            exc.message + " " + _("Please remove it from your cart to continue.")
        ) from None
    return promo
