"""Catalog, slots and capacity, promo codes, carts, customers and addresses."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from storefront import formats
from storefront.india import INDIAN_STATES, PIN_VALIDATOR, format_mobile
from storefront.search import search_key


def _in_every_language(obj, field) -> list[str]:
    """The field's text in each language of the shop (its ``_en``/``_hi`` columns)."""
    texts = [getattr(obj, f"{field}_{code}", None) for code, _n in settings.LANGUAGES]
    return [text for text in dict.fromkeys(texts) if text] or [
        getattr(obj, field) or ""
    ]


class User(AbstractUser):
    """A customer or a staff member. Customers log in with their email."""

    email = models.EmailField(_("email address"), unique=True)
    phone = models.CharField(_("mobile number"), max_length=13, blank=True)
    language = models.CharField(
        _("language"),
        max_length=8,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "Language of the shop and of emails to this person; set by the "
            "switcher, empty until they first sign in."
        ),
    )

    def __str__(self):
        return self.get_full_name() or self.email or self.username

    def save(self, *args, **kwargs):
        if self.email:
            self.email = self.email.strip().lower()
        super().save(*args, **kwargs)


class Category(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    # The name normalised for search (storefront.search), kept by save().
    search_key = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["position", "name"]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.search_key = " ".join(
            search_key(name, joined=True) for name in _in_every_language(self, "name")
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "search_key"}
        super().save(*args, **kwargs)


class Language(models.TextChoices):
    HINDI = "hi", _("Hindi")
    ENGLISH = "en", _("English")
    SANSKRIT = "sa", _("Sanskrit")
    TAMIL = "ta", _("Tamil")
    TELUGU = "te", _("Telugu")
    KANNADA = "kn", _("Kannada")
    MARATHI = "mr", _("Marathi")
    BENGALI = "bn", _("Bengali")


class Service(models.Model):
    class Kind(models.TextChoices):
        HOME = "home", _("At home")
        TEMPLE = "temple", _("At temple")
        ONLINE = "online", _("Online")

    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="services"
    )
    title = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.HOME)
    venue = models.CharField(
        _("temple"),
        max_length=200,
        blank=True,
        help_text=_(
            "For temple pujas: the temple's name and address, shown at checkout."
        ),
    )
    summary = models.CharField(max_length=240)
    description = models.TextField()
    included = models.TextField(
        blank=True, help_text=_("What is included, one item per line.")
    )
    duration_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(15), MaxValueValidator(24 * 60)]
    )
    image = models.CharField(
        max_length=200, help_text=_("Path under static/, e.g. img/services/ganesh.svg")
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Title and all text normalised for search (storefront.search), kept by save().
    search_title = models.TextField(blank=True, editable=False)
    search_text = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["title"]
        indexes = [models.Index(fields=["is_active", "category"])]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # English and Hindi (storefront/translation.py): "ganesh" and "गणेश" find
        # the same pujas whichever language the page is in.
        self.search_title = " ".join(
            search_key(title, joined=True)
            for title in _in_every_language(self, "title")
        )
        self.search_text = search_key(
            " ".join(
                text
                for field in ("title", "summary", "description", "included")
                for text in _in_every_language(self, field)
            )
        )
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {
                *kwargs["update_fields"],
                "search_title",
                "search_text",
            }
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("storefront:service", kwargs={"slug": self.slug})

    @property
    def included_items(self):
        return [line.strip() for line in self.included.splitlines() if line.strip()]

    @property
    def duration_display(self):
        return formats.duration(self.duration_minutes)


class Package(models.Model):
    class Tier(models.TextChoices):
        BASIC = "basic", _("Basic")
        STANDARD = "standard", _("Standard")
        PREMIUM = "premium", _("Premium")

    service = models.ForeignKey(
        Service, on_delete=models.CASCADE, related_name="packages"
    )
    tier = models.CharField(max_length=10, choices=Tier.choices)
    language = models.CharField(max_length=2, choices=Language.choices)
    price_paise = models.PositiveIntegerField(
        validators=[MinValueValidator(100)], help_text=_("Price in paise (₹1 = 100).")
    )
    priest_count = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(20)]
    )
    materials_included = models.BooleanField(default=False)
    description = models.CharField(max_length=240, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["service", "price_paise"]
        constraints = [
            models.UniqueConstraint(
                fields=["service", "tier", "language"],
                name="package_unique_tier_language",
            ),
            models.CheckConstraint(
                condition=Q(price_paise__gte=100),
                name="package_price_at_least_one_rupee",
            ),
            models.CheckConstraint(
                condition=Q(priest_count__gte=1), name="package_needs_a_priest"
            ),
        ]

    def __str__(self):
        return f"{self.service.title} – {self.get_tier_display()} ({self.get_language_display()})"


class TimeSlot(models.Model):
    """A daily time slot with a default number of priests on duty."""

    start_time = models.TimeField(
        unique=True, help_text=_("Local time (Asia/Kolkata).")
    )
    label = models.CharField(max_length=40, blank=True)
    default_capacity = models.PositiveSmallIntegerField(
        default=4, help_text=_("Priests on duty in this slot on a normal day.")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["start_time"]

    def __str__(self):
        return self.display

    @property
    def display(self):
        """The slot in the active language: "6:00 AM (Brahma muhurat)", "सुबह 6:00 (…)"."""
        text = formats.clock(self.start_time)
        return f"{text} ({self.label})" if self.label else text


class SlotCapacityOverride(models.Model):
    """Capacity for one date (and one slot, or every slot): holidays, blackouts."""

    date = models.DateField()
    slot = models.ForeignKey(
        TimeSlot,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="overrides",
        help_text=_("Leave empty to apply to every slot that day."),
    )
    capacity = models.PositiveSmallIntegerField(help_text=_("0 closes the slot."))
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date", "slot__start_time"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "slot"], name="override_unique_date_slot"
            ),
            models.UniqueConstraint(
                fields=["date"],
                condition=Q(slot__isnull=True),
                name="override_unique_whole_day",
            ),
        ]

    def __str__(self):
        where = self.slot.display if self.slot_id else _("all slots")
        return f"{self.date:%d %b %Y} {where}: {self.capacity}"


class PromoCode(models.Model):
    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percent off")
        FLAT = "flat", _("Flat amount off")

    code = models.CharField(
        max_length=30,
        unique=True,
        validators=[
            RegexValidator(r"^[A-Z0-9_-]+$", _("Letters, digits, - and _ only."))
        ],
        help_text=_("Stored in capitals; customers may type it in any case."),
    )
    description = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    percent = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    flat_paise = models.PositiveIntegerField(null=True, blank=True)
    min_order_paise = models.PositiveIntegerField(default=0)
    max_discount_paise = models.PositiveIntegerField(null=True, blank=True)
    valid_from = models.DateTimeField(null=True, blank=True)
    valid_until = models.DateTimeField(null=True, blank=True)
    usage_limit = models.PositiveIntegerField(null=True, blank=True)
    per_customer_limit = models.PositiveIntegerField(null=True, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(kind="percent", percent__isnull=False)
                    | Q(kind="flat", flat_paise__isnull=False)
                ),
                name="promo_has_value_for_kind",
            ),
        ]

    def __str__(self):
        return self.code

    def save(self, *args, **kwargs):
        self.code = self.code.strip().upper()
        super().save(*args, **kwargs)


class PromoRedemption(models.Model):
    """One use of a promo code, recorded when a booking is made."""

    promo = models.ForeignKey(
        PromoCode, on_delete=models.PROTECT, related_name="redemptions"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    reference = models.CharField(max_length=64, unique=True)
    discount_paise = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.promo.code} by {self.user} ({self.reference})"


class Cart(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        FROZEN = "frozen", _("Awaiting payment")
        CONVERTED = "converted", _("Converted to a booking")
        MERGED = "merged", _("Merged into another cart")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="carts",
    )
    session_key = models.CharField(max_length=40, blank=True, db_index=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OPEN
    )
    promo = models.ForeignKey(
        PromoCode, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status__in=["open", "frozen"]),
                name="one_live_cart_per_user",
            ),
        ]

    def __str__(self):
        return f"Cart {self.pk} ({self.get_status_display()})"

    @property
    def is_editable(self):
        return self.status == self.Status.OPEN


class CartItem(models.Model):
    cart = models.ForeignKey(Cart, on_delete=models.CASCADE, related_name="items")
    package = models.ForeignKey(Package, on_delete=models.PROTECT)
    date = models.DateField()
    slot = models.ForeignKey(TimeSlot, on_delete=models.PROTECT)
    # The sankalp the priest recites: {"names", "gotra", "nakshatra", "occasion",
    # "notes"}; frozen into the payment's snapshot at Pay.
    sankalp = models.JSONField(default=dict, blank=True)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["added_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["cart", "package", "date", "slot"],
                name="cart_item_unique_booking",
            ),
        ]

    def __str__(self):
        return f"{self.package} on {self.date} at {self.slot}"

    @property
    def has_sankalp(self):
        return bool((self.sankalp or {}).get("names", "").strip())


ADDRESS_FIELDS = ("full_name", "phone", "line1", "line2", "landmark", "city", "pincode")


def address_lines(fields: dict, *, state_code: str) -> list[str]:
    """Return an address's ``fields`` as lines to show, in the active language."""
    state = dict(INDIAN_STATES).get(state_code, state_code)
    lines = [fields["full_name"], fields["line1"]]
    if fields.get("line2"):
        lines.append(fields["line2"])
    if fields.get("landmark"):
        lines.append(gettext("Near %(landmark)s") % {"landmark": fields["landmark"]})
    lines.append(f"{fields['city']}, {state} {fields['pincode']}")
    lines.append(format_mobile(fields["phone"]))
    return lines


class Address(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="addresses"
    )
    full_name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(_("mobile number"), max_length=13)
    line1 = models.CharField(_("house / flat, street"), max_length=150)
    line2 = models.CharField(_("area, locality"), max_length=150, blank=True)
    landmark = models.CharField(max_length=100, blank=True)
    city = models.CharField(max_length=80)
    state = models.CharField(_("state / UT"), max_length=2, choices=INDIAN_STATES)
    pincode = models.CharField(_("PIN code"), max_length=6, validators=[PIN_VALIDATOR])
    is_default = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-is_default", "-created_at"]
        verbose_name_plural = "addresses"
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(is_default=True),
                name="one_default_address",
            ),
        ]

    def __str__(self):
        return f"{self.full_name}, {self.city} {self.pincode}"

    def as_lines(self):
        return address_lines(
            {field: getattr(self, field) for field in ADDRESS_FIELDS},
            state_code=self.state,
        )

    def snapshot(self):
        """Return the address as plain data, frozen into payments and bookings.

        The data is the same whatever language the customer paid in: the
        fields as typed, the state by code and English name (the invoice's
        place of supply), and ``lines`` in English for staff, the invoice and
        the API. Pages and emails render it in their reader's language
        (``checkout.snapshots.place_lines``).
        """
        with translation.override(settings.LANGUAGE_CODE):
            return {
                "full_name": self.full_name,
                "phone": self.phone,
                "line1": self.line1,
                "line2": self.line2,
                "landmark": self.landmark,
                "city": self.city,
                "state": str(self.get_state_display()),
                "state_code": self.state,
                "pincode": self.pincode,
                "lines": self.as_lines(),
            }


class Page(models.Model):
    """A page of text staff edit in the admin: about, terms, privacy, refunds.

    The body is plain text: a blank line starts a paragraph, a line starting
    with ``## `` is a heading and lines starting with ``- `` form a list.
    """

    class Slug(models.TextChoices):
        ABOUT = "about", _("About us & contact")
        TERMS = "terms", _("Terms of service")
        PRIVACY = "privacy", _("Privacy policy")
        REFUNDS = "cancellation-refund", _("Cancellation & refund policy")

    slug = models.SlugField(max_length=40, unique=True, choices=Slug.choices)
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(
        _("text"),
        help_text=_(
            "A blank line starts a new paragraph. Start a line with '## ' for a "
            "heading and with '- ' for a list item."
        ),
    )
    updated_at = models.DateTimeField(_("last updated"), auto_now=True)

    class Meta:
        ordering = ["slug"]
        verbose_name = _("policy page")

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("storefront:page", args=[self.slug])
