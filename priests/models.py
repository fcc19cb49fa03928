"""The priest roster and the priests' assignments to bookings.

A priest is a customer-side ``User`` (never staff) in the Priests group with a
``Priest`` profile: the languages they perform in, the pujas and categories
they perform, where they go (cities, PIN prefixes, online, the temple), which
slots they work on each weekday and their leave days. Capacity
(``priests.matching``) and assignment (``priests.services``) read the roster;
an ``Assignment`` holds a priest's time for one booked puja, and PostgreSQL's
``assignment_priest_no_overlap`` exclusion constraint (migration 0002) refuses
two live assignments of one priest whose times overlap. A package needing N
priests gets N assignments per booking item, one for each priest. An online
puja's ``VideoLink`` (set by staff or the priest) is what the customer joins.
"""

from django.conf import settings
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from storefront.models import Category, Language, Service, TimeSlot


class Priest(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="priest"
    )
    languages = models.JSONField(
        default=list, help_text=_("Language codes the priest performs pujas in.")
    )
    categories = models.ManyToManyField(
        Category,
        blank=True,
        related_name="+",
        help_text=_("Performs every puja in these categories."),
    )
    services = models.ManyToManyField(
        Service,
        blank=True,
        related_name="+",
        help_text=_("Performs these pujas (in addition to the categories)."),
    )
    is_active = models.BooleanField(
        default=True, help_text=_("Inactive priests get no new bookings.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__first_name", "user__last_name"]

    def __str__(self):
        return self.user.get_full_name() or self.user.email

    def language_names(self):
        labels = dict(Language.choices)
        return [str(labels.get(code, code)) for code in self.languages]


class ServiceArea(models.Model):
    class Kind(models.TextChoices):
        CITY = "city", _("City")
        PIN = "pin", _("PIN code prefix")
        ONLINE = "online", _("Online")
        TEMPLE = "temple", _("At the temple")

    priest = models.ForeignKey(Priest, on_delete=models.CASCADE, related_name="areas")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(
        max_length=80,
        blank=True,
        help_text=_("City name, or the first digits of the PIN code (e.g. 411)."),
    )

    class Meta:
        ordering = ["kind", "value"]
        constraints = [
            models.UniqueConstraint(
                fields=["priest", "kind", "value"], name="servicearea_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["online", "temple"], value="")
                | (Q(kind__in=["city", "pin"]) & ~Q(value="")),
                name="servicearea_value_matches_kind",
            ),
        ]

    def __str__(self):
        if self.kind == self.Kind.PIN:
            return f"PIN {self.value}…"
        return self.value or self.get_kind_display()


class WeeklyAvailability(models.Model):
    """The priest works ``slot`` every ``weekday`` (0 = Monday) unless on leave."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    priest = models.ForeignKey(
        Priest, on_delete=models.CASCADE, related_name="availability"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    slot = models.ForeignKey(TimeSlot, on_delete=models.CASCADE, related_name="+")

    class Meta:
        ordering = ["weekday", "slot__start_time"]
        verbose_name_plural = "weekly availability"
        constraints = [
            models.UniqueConstraint(
                fields=["priest", "weekday", "slot"], name="availability_unique"
            ),
        ]
        indexes = [models.Index(fields=["weekday", "slot"])]

    def __str__(self):
        return f"{self.get_weekday_display()} {self.slot}"


class LeaveDay(models.Model):
    priest = models.ForeignKey(
        Priest, on_delete=models.CASCADE, related_name="leave_days"
    )
    date = models.DateField()
    reason = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["priest", "date"], name="leave_unique_day")
        ]

    def __str__(self):
        return f"{self.priest} on leave {self.date:%d %b %Y}"


class AssignmentQuerySet(models.QuerySet):
    def live(self):
        """Assignments that hold the priest's time."""
        return self.filter(status__in=Assignment.LIVE_STATES)


class Assignment(models.Model):
    """One priest's time for one booked puja (one booking item)."""

    class Status(models.TextChoices):
        OFFERED = "offered", _("Waiting for the priest")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")
        RELEASED = "released", _("Released")
        DONE = "done", _("Done")

    LIVE_STATES = (Status.OFFERED, Status.ACCEPTED, Status.DONE)

    booking = models.ForeignKey(
        "checkout.Booking", on_delete=models.CASCADE, related_name="assignments"
    )
    item = models.ForeignKey(
        "checkout.BookingItem", on_delete=models.CASCADE, related_name="assignments"
    )
    priest = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments"
    )
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.OFFERED, db_index=True
    )
    reason = models.CharField(
        max_length=255, blank=True, help_text=_("Why the priest declined.")
    )
    note = models.TextField(blank=True, help_text=_("The priest's note when done."))
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    responded_at = models.DateTimeField(null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at", "pk"]
        indexes = [models.Index(fields=["priest", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="assignment_ends_after_start",
            ),
            # One live assignment per priest and item; the exclusion
            # constraint (PostgreSQL) covers overlapping times across items.
            models.UniqueConstraint(
                fields=["item", "priest"],
                condition=Q(status__in=["offered", "accepted", "done"]),
                name="assignment_one_live_per_item_priest",
            ),
        ]

    def __str__(self):
        return f"{self.priest} – {self.booking_id} {self.starts_at:%d %b %H:%M}"


class VideoLink(models.Model):
    """The video-call link of one online puja (a booking item), https only.

    It belongs to the puja, not to a priest: it stays when the priest changes.
    Set through ``priests.services.set_video_link`` (the priest in the portal,
    staff on the Operations board); the customer is emailed each time.
    """

    item = models.OneToOneField(
        "checkout.BookingItem", on_delete=models.CASCADE, related_name="video_link"
    )
    url = models.URLField(
        max_length=500,
        validators=[URLValidator(schemes=["https"])],
        help_text=_("The https link the devotee opens to join the puja."),
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(url__startswith="https://"),
                name="videolink_https_only",
            )
        ]

    def __str__(self):
        return self.url
