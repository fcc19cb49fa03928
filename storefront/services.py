"""Business rules of booking dates, promo codes, carts and addresses.

Views call these functions; they validate, write inside transactions and raise
``storefront.exceptions.StorefrontError`` subclasses whose message can be shown
to the customer. Slot capacity lives in ``storefront.capacity``.
"""

import datetime
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from storefront import formats, selectors
from storefront.capacity import check_slot_has_room
from storefront.exceptions import (
    BookingDateError,
    CartError,
    PromoError,
    SlotUnavailableError,
)
from storefront.models import (
    Cart,
    CartItem,
    Category,
    Package,
    PromoCode,
    PromoRedemption,
    Service,
    TimeSlot,
)

BOOKING_WINDOW_DAYS = 90


# Booking dates --------------------------------------------------------------


def today_in_india() -> datetime.date:
    return timezone.localdate()


def bookable_date_range(*, today: datetime.date | None = None):
    """Return (first, last) bookable dates: tomorrow to 90 days ahead, in India."""
    today = today or today_in_india()
    return today + datetime.timedelta(days=1), today + datetime.timedelta(
        days=BOOKING_WINDOW_DAYS
    )


def validate_booking_date(date: datetime.date) -> None:
    """Raise BookingDateError unless the date can be booked today."""
    first, last = bookable_date_range()
    if date < first:
        raise BookingDateError(_("Please choose a date from tomorrow onwards."))
    if date > last:
        raise BookingDateError(
            _("Bookings open up to %(days)d days ahead. Please choose an earlier date.")
            % {"days": BOOKING_WINDOW_DAYS}
        )


# Promo codes ----------------------------------------------------------------


def normalise_promo_code(code: str) -> str:
    return (code or "").strip().upper()


def find_promo(code: str) -> PromoCode:
    """Return the promo code (case-insensitive) or raise PromoError."""
    code = normalise_promo_code(code)
    if not code or len(code) > 30:
        raise PromoError(_("Please enter a valid promo code."))
    try:
        return PromoCode.objects.get(code=code)
    except PromoCode.DoesNotExist:
        raise PromoError(
            _("The promo code %(code)s does not exist.") % {"code": code}
        ) from None


def promo_discount(*, promo: PromoCode, subtotal_paise: int) -> int:
    """Return the discount in paise: floor for percent, capped, never above the subtotal."""
    if promo.kind == PromoCode.Kind.PERCENT:
        discount = subtotal_paise * promo.percent // 100
    else:
        discount = promo.flat_paise
    if promo.max_discount_paise is not None:
        discount = min(discount, promo.max_discount_paise)
    return max(0, min(discount, subtotal_paise))


def check_promo(
    *, promo: PromoCode, subtotal_paise: int, user=None, now=None, reserved=(0, 0)
) -> None:
    """Raise PromoError unless the promo code can be used on this order now.

    Uses count as redemptions (bookings made with the code) plus ``reserved``:
    ``(total, this customer's)`` uses held by payments in flight, which checkout
    counts at Pay under a lock on the promo code.
    """
    from storefront.india import format_rupees

    now = now or timezone.now()
    if not promo.is_active:
        raise PromoError(
            _("The promo code %(code)s is no longer active.") % {"code": promo.code}
        )
    if promo.valid_from and now < promo.valid_from:
        raise PromoError(
            _("The promo code %(code)s is valid from %(date)s.")
            % {
                "code": promo.code,
                "date": formats.day(timezone.localtime(promo.valid_from).date()),
            }
        )
    if promo.valid_until and now >= promo.valid_until:
        raise PromoError(
            _("The promo code %(code)s has expired.") % {"code": promo.code}
        )
    if subtotal_paise < promo.min_order_paise:
        raise PromoError(
            _("The promo code %(code)s needs an order of at least %(min)s.")
            % {
                "code": promo.code,
                "min": format_rupees(promo.min_order_paise, whole=True),
            }
        )
    if promo.usage_limit is not None or promo.per_customer_limit is not None:
        check_promo_uses(promo=promo, user=user, reserved=reserved)


def check_promo_uses(*, promo: PromoCode, user=None, reserved=(0, 0)) -> None:
    """Raise PromoError when the code's total or per-customer uses are all taken.

    Uses are redemptions (bookings made with the code) plus ``reserved``:
    ``(total, this customer's)`` uses held by payments in flight.
    """
    if promo.usage_limit is None and promo.per_customer_limit is None:
        return
    user_id = user.pk if user is not None and user.is_authenticated else None
    counts = PromoRedemption.objects.filter(promo=promo).aggregate(
        total=Count("pk"), mine=Count("pk", filter=Q(user_id=user_id))
    )
    total = counts["total"] + reserved[0]
    mine = counts["mine"] + reserved[1]
    if promo.usage_limit is not None and total >= promo.usage_limit:
        raise PromoError(
            _("The promo code %(code)s has been fully used.") % {"code": promo.code}
        )
    if (
        promo.per_customer_limit is not None
        and user_id is not None
        and mine >= promo.per_customer_limit
    ):
        raise PromoError(
            _("You have already used the promo code %(code)s.") % {"code": promo.code}
        )


def record_promo_use(
    *, promo: PromoCode, user, reference: str, discount_paise: int
) -> None:
    """Count one use of ``promo`` for the booking ``reference``, at most once."""
    PromoRedemption.objects.get_or_create(
        reference=reference,
        defaults={"promo": promo, "user": user, "discount_paise": discount_paise},
    )


# Carts ----------------------------------------------------------------------


@dataclass(frozen=True)
class CartTotals:
    lines: list
    subtotal_paise: int
    discount_paise: int
    promo: PromoCode | None
    promo_error: str | None

    @property
    def total_paise(self) -> int:
        return self.subtotal_paise - self.discount_paise

    @property
    def count(self) -> int:
        return len(self.lines)


def cart_totals(*, cart: Cart | None, user=None) -> CartTotals:
    """Return the lines and exact totals (paise) of a cart with its promo applied."""
    if cart is None:
        return CartTotals(
            lines=[], subtotal_paise=0, discount_paise=0, promo=None, promo_error=None
        )
    lines = list(selectors.cart_items(cart))
    subtotal = sum(item.package.price_paise for item in lines)
    promo = cart.promo
    discount = 0
    promo_error = None
    if promo is not None:
        try:
            check_promo(promo=promo, subtotal_paise=subtotal, user=user)
        except PromoError as exc:
            promo_error = exc.message
        else:
            discount = promo_discount(promo=promo, subtotal_paise=subtotal)
    return CartTotals(
        lines=lines,
        subtotal_paise=subtotal,
        discount_paise=discount,
        promo=promo,
        promo_error=promo_error,
    )


def _ensure_editable(cart: Cart) -> None:
    if cart.status == Cart.Status.FROZEN:
        raise CartError(
            _(
                "This cart is waiting for a payment to finish. Please wait a moment and try again."
            )
        )
    if cart.status != Cart.Status.OPEN:
        raise CartError(_("This cart can no longer be changed."))


def check_package_bookable(package: Package) -> None:
    if not package.is_active or not package.service.is_active:
        raise CartError(_("%(package)s is no longer available.") % {"package": package})


def _cart_lines_in_slot(cart: Cart, *, date, slot, exclude_item_id=None):
    """Return [(package, priests)] of the cart's other lines in the slot."""
    items = cart.items.filter(date=date, slot=slot).select_related("package__service")
    if exclude_item_id is not None:
        items = items.exclude(pk=exclude_item_id)
    return [(item.package, item.package.priest_count) for item in items]


def _check_line(
    cart: Cart, *, package: Package, date, slot: TimeSlot, exclude_item_id=None
):
    check_package_bookable(package)
    validate_booking_date(date)
    if not slot.is_active:
        raise SlotUnavailableError(
            _("That time slot is not offered. Please pick another slot.")
        )
    # The cart does not know the address yet: any area counts here, and Pay
    # checks again for the address chosen at checkout.
    check_slot_has_room(
        date=date,
        slot=slot,
        priests=package.priest_count,
        package=package,
        in_cart_lines=_cart_lines_in_slot(
            cart, date=date, slot=slot, exclude_item_id=exclude_item_id
        ),
    )


def get_cart_for_request(request, *, create=False) -> Cart | None:
    """Return the live cart of the request's user or session (optionally creating it)."""
    user = request.user
    if user.is_authenticated:
        cart = Cart.objects.filter(
            user=user, status__in=[Cart.Status.OPEN, Cart.Status.FROZEN]
        ).first()
        if cart is None and create:
            try:
                with transaction.atomic():
                    cart = Cart.objects.create(user=user)
            except IntegrityError:
                cart = Cart.objects.get(
                    user=user, status__in=[Cart.Status.OPEN, Cart.Status.FROZEN]
                )
        return cart
    session_key = request.session.session_key
    if session_key:
        cart = Cart.objects.filter(
            user__isnull=True, session_key=session_key, status=Cart.Status.OPEN
        ).first()
        if cart is not None or not create:
            return cart
    elif not create:
        return None
    if not request.session.session_key:
        request.session.save()
    return Cart.objects.create(session_key=request.session.session_key)


def add_to_cart(
    *, cart: Cart, package: Package, date: datetime.date, slot: TimeSlot
) -> CartItem:
    """Add a package for a date and slot; raise CartError/SlotUnavailableError/BookingDateError."""
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        _ensure_editable(cart)
        if cart.items.filter(package=package, date=date, slot=slot).exists():
            raise CartError(
                _("This puja is already in your cart for that date and slot.")
            )
        _check_line(cart, package=package, date=date, slot=slot)
        item = CartItem.objects.create(cart=cart, package=package, date=date, slot=slot)
        cart.save(update_fields=["updated_at"])
        return item


def remove_from_cart(*, cart: Cart, item_id: int) -> None:
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        _ensure_editable(cart)
        deleted, _count = cart.items.filter(pk=item_id).delete()
        if not deleted:
            raise CartError(_("That item is not in your cart."))
        cart.save(update_fields=["updated_at"])


def change_cart_item(
    *, cart: Cart, item_id: int, date: datetime.date, slot: TimeSlot
) -> CartItem:
    """Move a cart line to another date and slot."""
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        _ensure_editable(cart)
        try:
            item = cart.items.select_related("package__service").get(pk=item_id)
        except CartItem.DoesNotExist:
            raise CartError(_("That item is not in your cart.")) from None
        if (item.date, item.slot_id) == (date, slot.pk):
            return item
        if cart.items.filter(package=item.package, date=date, slot=slot).exists():
            raise CartError(
                _("This puja is already in your cart for that date and slot.")
            )
        _check_line(
            cart, package=item.package, date=date, slot=slot, exclude_item_id=item.pk
        )
        item.date = date
        item.slot = slot
        item.save(update_fields=["date", "slot"])
        cart.save(update_fields=["updated_at"])
        return item


SANKALP_FIELDS = ("names", "gotra", "nakshatra", "occasion", "notes")


def save_sankalp(*, cart: Cart, item_id: int, sankalp: dict) -> CartItem:
    """Store the sankalp details (cleaned by SankalpForm) of one cart line."""
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        _ensure_editable(cart)
        try:
            item = cart.items.get(pk=item_id)
        except CartItem.DoesNotExist:
            raise CartError(_("That item is not in your cart.")) from None
        item.sankalp = {
            key: str(sankalp.get(key) or "").strip() for key in SANKALP_FIELDS
        }
        item.save(update_fields=["sankalp"])
        cart.save(update_fields=["updated_at"])
        return item


def apply_promo(*, cart: Cart, code: str, user=None) -> PromoCode:
    """Attach a promo code to the cart after checking it against the current subtotal."""
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        _ensure_editable(cart)
        promo = find_promo(code)
        subtotal = sum(item.package.price_paise for item in selectors.cart_items(cart))
        if subtotal == 0:
            raise PromoError(_("Add a puja to your cart before applying a promo code."))
        check_promo(promo=promo, subtotal_paise=subtotal, user=user)
        cart.promo = promo
        cart.save(update_fields=["promo", "updated_at"])
        return promo


def remove_promo(*, cart: Cart) -> None:
    with transaction.atomic():
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
        _ensure_editable(cart)
        cart.promo = None
        cart.save(update_fields=["promo", "updated_at"])


def merge_session_cart(*, session_cart: Cart | None, user) -> Cart | None:
    """Move an anonymous cart's lines into the user's cart at login.

    Lines already in the user's cart are kept once; the session cart's promo is
    used when the user's cart has none. Returns the user's live cart.
    """
    with transaction.atomic():
        user_cart = (
            Cart.objects.select_for_update()
            .filter(user=user, status__in=[Cart.Status.OPEN, Cart.Status.FROZEN])
            .first()
        )
        if session_cart is None or session_cart.status != Cart.Status.OPEN:
            return user_cart
        session_cart = Cart.objects.select_for_update().get(pk=session_cart.pk)
        if user_cart is None:
            session_cart.user = user
            session_cart.session_key = ""
            session_cart.save(update_fields=["user", "session_key", "updated_at"])
            return session_cart
        if user_cart.status != Cart.Status.OPEN:
            # A payment is in progress; leave the anonymous cart alone.
            return user_cart
        existing = set(user_cart.items.values_list("package_id", "date", "slot_id"))
        for item in session_cart.items.all():
            key = (item.package_id, item.date, item.slot_id)
            if key not in existing:
                CartItem.objects.create(
                    cart=user_cart,
                    package_id=item.package_id,
                    date=item.date,
                    slot_id=item.slot_id,
                )
                existing.add(key)
        if user_cart.promo_id is None and session_cart.promo_id is not None:
            user_cart.promo_id = session_cart.promo_id
        user_cart.save(update_fields=["promo", "updated_at"])
        session_cart.status = Cart.Status.MERGED
        session_cart.save(update_fields=["status", "updated_at"])
        return user_cart


# Addresses ------------------------------------------------------------------


def save_address(*, address, user, make_default: bool = False):
    """Save ``address`` for ``user``; the first address, or one asked for, becomes default.

    Only one address per user is the default; the previous default gives way.
    """
    from storefront.models import Address

    with transaction.atomic():
        others = Address.objects.select_for_update().filter(user=user)
        if address.pk:
            others = others.exclude(pk=address.pk)
        has_others = others.exists()
        address.user = user
        if make_default or not has_others:
            others.filter(is_default=True).update(is_default=False)
            address.is_default = True
        else:
            # Keep exactly one default: this one only if no other is.
            address.is_default = not others.filter(is_default=True).exists()
        address.save()
        return address


def set_default_address(*, address) -> None:
    from storefront.models import Address

    with transaction.atomic():
        Address.objects.select_for_update().filter(user_id=address.user_id).exclude(
            pk=address.pk
        ).filter(is_default=True).update(is_default=False)
        Address.objects.filter(pk=address.pk).update(is_default=True)


def delete_address(*, address) -> None:
    """Delete an address; if it was the default, the newest other one takes over."""
    from storefront.models import Address

    with transaction.atomic():
        was_default = address.is_default
        user_id = address.user_id
        address.delete()
        if was_default:
            newest = (
                Address.objects.select_for_update()
                .filter(user_id=user_id)
                .order_by("-created_at", "-pk")
                .first()
            )
            if newest is not None:
                newest.is_default = True
                newest.save(update_fields=["is_default"])


def refresh_search_keys(*, only_missing: bool = False) -> int:
    """Recompute the normalised search text of categories and services.

    Run after the normaliser in ``storefront.search`` changes (``manage.py
    refresh_search_keys``); with ``only_missing``, only rows that have none yet.
    Return how many rows were saved.
    """
    categories = Category.objects.all()
    services = Service.objects.all()
    if only_missing:
        categories = categories.filter(search_key="")
        services = services.filter(search_title="")
    saved = 0
    with transaction.atomic():
        for category in categories:
            category.save(update_fields=["search_key"])
            saved += 1
        for service in services:
            service.save(update_fields=["search_title", "search_text"])
            saved += 1
    return saved
