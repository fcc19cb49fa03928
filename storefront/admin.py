from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count, Min, Q
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin, TranslationTabularInline

from storefront.india import format_rupees
from storefront.models import (
    Address,
    Cart,
    CartItem,
    Category,
    Package,
    Page,
    PromoCode,
    PromoRedemption,
    Service,
    SlotCapacityOverride,
    TimeSlot,
    User,
)
from storefront.money import RupeeField


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = DjangoUserAdmin.fieldsets + (
        (_("Contact"), {"fields": ("phone", "language")}),
    )
    add_fieldsets = DjangoUserAdmin.add_fieldsets + (
        (_("Contact"), {"fields": ("email", "phone", "first_name", "last_name")}),
    )
    list_display = ("email", "username", "first_name", "last_name", "phone", "is_staff")
    search_fields = ("email", "username", "first_name", "last_name", "phone")


@admin.register(Category)
class CategoryAdmin(TranslationAdmin):
    list_display = ("name", "slug", "position", "is_active", "service_count")
    list_editable = ("position", "is_active")
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_service_count=Count("services"))

    @admin.display(description=_("services"), ordering="_service_count")
    def service_count(self, obj):
        return obj._service_count


class PackageForm(forms.ModelForm):
    """A package with its price typed in rupees (stored in paise)."""

    price_paise = RupeeField(
        label=_("Price (₹)"),
        min_paise=100,
        help_text=_("In rupees, e.g. 2,100 or 2100.50."),
    )

    class Meta:
        model = Package
        fields = (
            "service",
            "tier",
            "language",
            "price_paise",
            "priest_count",
            "materials_included",
            "description",
            "is_active",
        )


class PromoCodeForm(forms.ModelForm):
    """A promo code with its amounts typed in rupees (stored in paise)."""

    flat_paise = RupeeField(
        label=_("Flat discount (₹)"),
        required=False,
        min_paise=100,
        help_text=_("For a flat amount off, in rupees, e.g. 250."),
    )
    min_order_paise = RupeeField(
        label=_("Minimum order (₹)"),
        initial=0,
        help_text=_("The code applies from this cart total on; 0 for any order."),
    )
    max_discount_paise = RupeeField(
        label=_("Maximum discount (₹)"),
        required=False,
        min_paise=100,
        help_text=_("Caps a percent discount; empty for no cap."),
    )

    class Meta:
        model = PromoCode
        fields = (
            "code",
            "description",
            "kind",
            "percent",
            "flat_paise",
            "min_order_paise",
            "max_discount_paise",
            "valid_from",
            "valid_until",
            "usage_limit",
            "per_customer_limit",
            "is_active",
        )


class PackageInline(TranslationTabularInline):
    model = Package
    form = PackageForm
    extra = 0
    fields = (
        "tier",
        "language",
        "price_paise",
        "priest_count",
        "materials_included",
        "description",
        "is_active",
    )


@admin.register(Service)
class ServiceAdmin(TranslationAdmin):
    list_display = (
        "title",
        "category",
        "kind",
        "duration_minutes",
        "from_price",
        "is_active",
    )
    list_filter = ("is_active", "kind", "category")
    list_select_related = ("category",)
    search_fields = ("title", "summary", "description")
    prepopulated_fields = {"slug": ("title",)}
    inlines = [PackageInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                _from_price=Min(
                    "packages__price_paise", filter=Q(packages__is_active=True)
                )
            )
        )

    @admin.display(description=_("from"), ordering="_from_price")
    def from_price(self, obj):
        return format_rupees(obj._from_price) if obj._from_price is not None else "—"


@admin.register(Package)
class PackageAdmin(TranslationAdmin):
    form = PackageForm
    list_display = (
        "service",
        "tier",
        "language",
        "price",
        "priest_count",
        "materials_included",
        "is_active",
    )
    list_filter = (
        "is_active",
        "tier",
        "language",
        "materials_included",
        "service__category",
    )
    list_select_related = ("service",)
    search_fields = ("service__title",)
    autocomplete_fields = ("service",)

    @admin.display(description=_("price"), ordering="price_paise")
    def price(self, obj):
        return format_rupees(obj.price_paise)


@admin.register(TimeSlot)
class TimeSlotAdmin(TranslationAdmin):
    list_display = ("display", "start_time", "label", "default_capacity", "is_active")
    list_editable = ("default_capacity", "is_active")
    list_display_links = ("display",)


@admin.register(SlotCapacityOverride)
class SlotCapacityOverrideAdmin(admin.ModelAdmin):
    list_display = ("date", "slot", "capacity", "is_blackout", "reason")
    list_filter = ("slot",)
    list_select_related = ("slot",)
    date_hierarchy = "date"
    search_fields = ("reason",)

    @admin.display(description=_("blackout"), boolean=True)
    def is_blackout(self, obj):
        return obj.capacity == 0


@admin.register(PromoCode)
class PromoCodeAdmin(admin.ModelAdmin):
    form = PromoCodeForm
    list_display = (
        "code",
        "kind",
        "value",
        "min_order",
        "valid_from",
        "valid_until",
        "usage_limit",
        "usage_count",
        "is_active",
    )
    list_filter = ("is_active", "kind")
    search_fields = ("code", "description")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_usage_count=Count("redemptions"))

    @admin.display(description=_("used"), ordering="_usage_count")
    def usage_count(self, obj):
        return obj._usage_count

    @admin.display(description=_("value"))
    def value(self, obj):
        if obj.kind == PromoCode.Kind.PERCENT:
            cap = (
                f" (max {format_rupees(obj.max_discount_paise)})"
                if obj.max_discount_paise
                else ""
            )
            return f"{obj.percent}%{cap}"
        return format_rupees(obj.flat_paise or 0)

    @admin.display(description=_("min order"), ordering="min_order_paise")
    def min_order(self, obj):
        return format_rupees(obj.min_order_paise)


@admin.register(PromoRedemption)
class PromoRedemptionAdmin(admin.ModelAdmin):
    list_display = ("promo", "user", "reference", "discount_paise", "created_at")
    list_select_related = ("promo", "user")
    search_fields = ("promo__code", "reference", "user__email")
    readonly_fields = ("promo", "user", "reference", "discount_paise", "created_at")


class CartItemInline(admin.TabularInline):
    model = CartItem
    extra = 0
    fields = ("package", "date", "slot", "added_at")
    readonly_fields = fields
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("package__service", "slot")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Cart)
class CartAdmin(admin.ModelAdmin):
    list_display = ("pk", "user", "status", "promo", "item_count", "updated_at")
    list_filter = ("status",)
    list_select_related = ("user", "promo")
    search_fields = ("user__email", "session_key")
    # The status moves only through checkout (pay, settle, fail): never by hand.
    readonly_fields = (
        "user",
        "session_key",
        "status",
        "promo",
        "created_at",
        "updated_at",
    )
    fields = readonly_fields
    inlines = [CartItemInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_item_count=Count("items"))

    @admin.display(description=_("items"), ordering="_item_count")
    def item_count(self, obj):
        return obj._item_count


@admin.register(Address)
class AddressAdmin(admin.ModelAdmin):
    list_display = (
        "full_name",
        "user",
        "city",
        "state",
        "pincode",
        "phone",
        "is_default",
    )
    list_filter = ("state", "is_default")
    list_select_related = ("user",)
    search_fields = ("full_name", "city", "pincode", "user__email", "phone")
    raw_id_fields = ("user",)


@admin.register(Page)
class PageAdmin(TranslationAdmin):
    """Staff change policy text here; the site shows it at once, no deploy."""

    list_display = ("title", "slug", "updated_at")
    readonly_fields = ("updated_at",)
    fields = ("slug", "title", "body", "updated_at")

    def get_readonly_fields(self, request, obj=None):
        # The slug is the page's address, linked from the footer and checkout.
        if obj is not None:
            return ("slug", "updated_at")
        return self.readonly_fields
