"""Payment-first checkout: payments, slot holds, bookings, refunds, webhook inbox, audit."""

import datetime
import secrets

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

MERCHANT_ORDER_ID_VALIDATOR = RegexValidator(
    r"^[A-Za-z0-9_-]{1,63}$", _("Up to 63 letters, digits, - and _.")
)
BOOK_ID_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_book_id() -> str:
    return "BK-" + "".join(secrets.choice(BOOK_ID_ALPHABET) for _ in range(8))


class PaymentQuerySet(models.QuerySet):
    def lock(self, pk, *, missing_ok=False):
        """Return the payment with its row locked until the transaction ends.

        Every change to a payment, its holds, its booking's refunds or its
        cart's status happens under this lock. With ``missing_ok`` a payment
        deleted meanwhile gives None instead of raising DoesNotExist.
        """
        locked = self.select_for_update().filter(pk=pk)
        return locked.first() if missing_ok else locked.get()


class Payment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SUCCESS = "success", _("Paid")
        FAILED = "failed", _("Failed")

    class Resolution(models.TextChoices):
        NONE = "", _("—")
        BOOKED = "booked", _("Booked")
        REFUNDED = "refunded", _("Refund started (could not be booked)")

    merchant_order_id = models.CharField(
        max_length=63, unique=True, validators=[MERCHANT_ORDER_ID_VALIDATOR]
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    cart = models.ForeignKey(
        "storefront.Cart", on_delete=models.PROTECT, related_name="payments"
    )
    amount_paise = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    resolution = models.CharField(
        max_length=10, choices=Resolution.choices, default=Resolution.NONE, blank=True
    )
    failure_reason = models.CharField(max_length=255, blank=True)
    gateway_order_id = models.CharField(max_length=64, blank=True)
    gateway_state = models.CharField(max_length=20, blank=True)
    gateway_error_code = models.CharField(max_length=64, blank=True)
    page_url = models.URLField(max_length=2000, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    hold_until = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True, db_index=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    check_count = models.PositiveIntegerField(default=0)
    snapshot = models.JSONField(default=dict)
    # The promo code whose discount this payment carries: one use of it is
    # reserved while the payment is pending and its holds are live.
    promo = models.ForeignKey(
        "storefront.PromoCode",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_paise__gte=100),
                name="payment_amount_at_least_one_rupee",
            ),
            # Booked or refunded only once PhonePe took the money.
            models.CheckConstraint(
                condition=Q(resolution="") | Q(status="success"),
                name="payment_resolution_only_when_paid",
            ),
            # Pay reuses the cart's pending payment instead of starting a second.
            models.UniqueConstraint(
                fields=["cart"],
                condition=Q(status="pending"),
                name="payment_one_pending_per_cart",
            ),
        ]
        permissions = [
            ("recheck_payment", "Can re-check payments and refunds with PhonePe"),
            ("replay_webhook", "Can replay stored webhook deliveries"),
        ]

    def __str__(self):
        return self.merchant_order_id

    def get_absolute_url(self):
        return reverse("checkout:confirm") + f"?order={self.merchant_order_id}"

    @property
    def failure_text(self) -> str:
        """The failure reason in the reader's language (it is stored in English)."""
        return gettext(self.failure_reason) if self.failure_reason else ""


class SlotHoldQuerySet(models.QuerySet):
    def live(self, *, now=None):
        """Holds that take capacity: booked, or held and not yet lapsed."""
        now = now or timezone.now()
        return self.filter(
            Q(state=SlotHold.State.BOOKED)
            | Q(state=SlotHold.State.HELD, expires_at__gt=now)
        )


class SlotHold(models.Model):
    """Priests of one slot on one date, held for a payment and then its booking."""

    class State(models.TextChoices):
        HELD = "held", _("Held for payment")
        BOOKED = "booked", _("Booked")
        RELEASED = "released", _("Released")

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="holds")
    booking = models.ForeignKey(
        "Booking",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="holds",
    )
    date = models.DateField()
    slot = models.ForeignKey("storefront.TimeSlot", on_delete=models.PROTECT)
    priests = models.PositiveSmallIntegerField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.HELD)
    expires_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SlotHoldQuerySet.as_manager()

    class Meta:
        indexes = [models.Index(fields=["date", "slot", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="booked") | Q(booking__isnull=False),
                name="slothold_booked_has_booking",
            ),
            models.CheckConstraint(
                condition=Q(priests__gte=1), name="slothold_at_least_one_priest"
            ),
        ]

    def __str__(self):
        return f"{self.priests} priest(s) {self.date} {self.slot} ({self.get_state_display()})"


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed")
        ASSIGNED = "assigned", _("Priest assigned")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    book_id = models.CharField(
        max_length=11, unique=True, default=new_book_id, editable=False
    )
    payment = models.OneToOneField(
        Payment, on_delete=models.PROTECT, related_name="booking"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bookings"
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.CONFIRMED, db_index=True
    )
    subtotal_paise = models.PositiveIntegerField()
    discount_paise = models.PositiveIntegerField(default=0)
    total_paise = models.PositiveIntegerField()
    promo_code = models.CharField(max_length=30, blank=True)
    # Where the puja happens: the address snapshot for pujas at home, else
    # {"lines": [...]} naming the temple or the video call.
    address = models.JSONField()
    contact_phone = models.CharField(
        _("phone / WhatsApp for the video link"), max_length=13, blank=True
    )
    first_date = models.DateField(db_index=True)
    assigned_priest = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assigned_bookings",
    )
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    total_paise=models.F("subtotal_paise") - models.F("discount_paise")
                ),
                name="booking_total_is_subtotal_minus_discount",
            ),
        ]
        permissions = [
            ("assign_priest", "Can assign a priest to bookings"),
            ("complete_booking", "Can mark bookings completed"),
            ("cancel_booking", "Can cancel bookings and refund them"),
            ("resend_confirmation", "Can resend booking confirmation emails"),
            ("export_bookings", "Can export bookings as CSV"),
        ]

    def __str__(self):
        return self.book_id

    def get_absolute_url(self):
        return reverse("checkout:booking-detail", kwargs={"book_id": self.book_id})

    @property
    def address_lines(self) -> list[str]:
        """Return where the puja happens, as lines in the active language."""
        from checkout.snapshots import place_lines

        return place_lines(self.address)


class BookingItem(models.Model):
    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="items")
    package = models.ForeignKey("storefront.Package", on_delete=models.PROTECT)
    service_title = models.CharField(max_length=120)
    package_label = models.CharField(max_length=120)
    language = models.CharField(max_length=40)
    date = models.DateField()
    slot = models.ForeignKey("storefront.TimeSlot", on_delete=models.PROTECT)
    slot_label = models.CharField(max_length=60)
    price_paise = models.PositiveIntegerField()
    priest_count = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=10, blank=True)
    venue = models.CharField(max_length=200, blank=True)
    sankalp = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["date", "slot__start_time", "pk"]

    def __str__(self):
        return f"{self.service_title} on {self.date} at {self.slot_label}"


class Refund(models.Model):
    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        PENDING = "pending", _("Pending at PhonePe")
        CONFIRMED = "confirmed", _("Accepted by PhonePe")
        COMPLETED = "completed", _("Completed")
        FAILED = "failed", _("Failed")

    class Reason(models.TextChoices):
        AMOUNT_MISMATCH = "amount_mismatch", _("Amount paid differs from the order")
        SLOT_UNAVAILABLE = "slot_unavailable", _("Slot no longer available")
        CART_CONVERTED = "cart_converted", _("Order already booked by another payment")
        PROMO_USED_UP = "promo_used_up", _("Promo code used up while payment was late")
        CANCELLED = "cancelled", _("Booking cancelled")
        OTHER = "other", _("Other")

    merchant_refund_id = models.CharField(
        max_length=63, unique=True, validators=[MERCHANT_ORDER_ID_VALIDATOR]
    )
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="refunds"
    )
    booking = models.ForeignKey(
        Booking, null=True, blank=True, on_delete=models.PROTECT, related_name="refunds"
    )
    amount_paise = models.PositiveIntegerField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    note = models.CharField(max_length=255, blank=True)
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.REQUESTED, db_index=True
    )
    gateway_refund_id = models.CharField(max_length=64, blank=True)
    last_error = models.CharField(max_length=255, blank=True)
    # While set and in the future, one process (a reconciler, a worker, a
    # staff request) is sending or checking this refund; the others leave it.
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_paise__gte=100),
                name="refund_amount_at_least_one_rupee",
            ),
        ]

    def __str__(self):
        return self.merchant_refund_id


class WebhookDelivery(models.Model):
    """Every webhook delivery, stored raw before anything else happens."""

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("Received")
        PROCESSED = "processed", _("Processed")
        IGNORED = "ignored", _("Ignored")
        UNKNOWN_ORDER = "unknown_order", _("Unknown order")
        UNAUTHENTICATED = "unauthenticated", _("Rejected: bad Authorization")
        MALFORMED = "malformed", _("Rejected: malformed")
        RETRY = "retry", _("Gateway unreachable, asked to retry")
        DEFERRED = "deferred", _("Accepted, settling in the background")
        ERROR = "error", _("Error")

    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    remote_addr = models.GenericIPAddressField(null=True, blank=True)
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True)
    authenticated = models.BooleanField(default=False)
    event = models.CharField(max_length=64, blank=True, db_index=True)
    merchant_order_id = models.CharField(max_length=63, blank=True, db_index=True)
    merchant_refund_id = models.CharField(max_length=63, blank=True)
    outcome = models.CharField(
        max_length=20, choices=Outcome.choices, default=Outcome.RECEIVED, db_index=True
    )
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    # A delivery still "received" this long after it arrived was being
    # processed by a process that died (no request lasts this long: gunicorn's
    # timeout is shorter). The reconciler then finishes it.
    STUCK_AFTER = datetime.timedelta(minutes=2)

    class Meta:
        ordering = ["-received_at"]
        verbose_name_plural = "webhook deliveries"

    def __str__(self):
        return f"{self.event or 'webhook'} {self.merchant_order_id} ({self.get_outcome_display()})"


class AuditEntry(models.Model):
    """One state change of a payment, booking or refund, with who and why."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    source = models.CharField(max_length=40)
    action = models.CharField(max_length=60)
    payment = models.ForeignKey(
        Payment,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_entries",
    )
    booking = models.ForeignKey(
        Booking,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_entries",
    )
    refund = models.ForeignKey(
        Refund,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="audit_entries",
    )
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    message = models.TextField(blank=True)
    payload = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name_plural = "audit entries"

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M:%S} {self.action} {self.from_state}→{self.to_state}"


class InvoiceCounter(models.Model):
    """The last invoice number issued in one financial year (April to March).

    Numbers are taken under this row's lock, so the series has no gaps and no
    duplicates however many bookings settle at once.
    """

    financial_year = models.CharField(max_length=7, unique=True)  # "2026-27"
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.financial_year}: {self.last_number}"


class Invoice(models.Model):
    """The tax invoice of a booking: its number is fixed the first time it is issued."""

    booking = models.OneToOneField(
        Booking, on_delete=models.PROTECT, related_name="invoice"
    )
    financial_year = models.CharField(max_length=7)
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=30, unique=True)
    # The customer's language when it was issued: the PDF's labels, amounts in
    # words and booking texts stay in it on every download.
    language = models.CharField(max_length=7, default="en")
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["financial_year", "sequence"], name="invoice_unique_sequence"
            ),
        ]

    def __str__(self):
        return self.number


class CreditNoteCounter(models.Model):
    """The last credit note number issued in one financial year.

    Credit notes are their own series (GST: a credit note is numbered apart
    from invoices), taken under this row's lock like ``InvoiceCounter``.
    """

    financial_year = models.CharField(max_length=7, unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.financial_year}: {self.last_number}"


class CreditNote(models.Model):
    """The GST credit note of one refund of a booking: it reduces the invoice's
    value by the refunded amount (GST included), referencing that invoice."""

    refund = models.OneToOneField(
        Refund, on_delete=models.PROTECT, related_name="credit_note"
    )
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="credit_notes"
    )
    amount_paise = models.PositiveIntegerField()
    financial_year = models.CharField(max_length=7)
    sequence = models.PositiveIntegerField()
    number = models.CharField(max_length=30, unique=True)
    language = models.CharField(max_length=7, default="en")
    issued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["financial_year", "sequence"],
                name="credit_note_unique_sequence",
            ),
            models.CheckConstraint(
                condition=Q(amount_paise__gte=100),
                name="credit_note_amount_at_least_one_rupee",
            ),
        ]

    def __str__(self):
        return self.number
