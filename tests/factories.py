"""Keyword-only factory functions; they call services where services exist."""

import datetime
import importlib
import itertools

from django.utils import timezone

from storefront import services
from storefront.models import (
    Address,
    Cart,
    Category,
    Package,
    PromoCode,
    Service,
    TimeSlot,
    User,
)

_seq = itertools.count(1)


def make_user(
    *, email=None, password="pw-for-tests-123", phone="+919876543210", **extra
):
    n = next(_seq)
    email = email or f"customer{n}@example.in"
    user = User(
        username=email,
        email=email,
        phone=phone,
        first_name=extra.pop("first_name", "Asha"),
        last_name=extra.pop("last_name", f"Customer{n}"),
        **extra,
    )
    user.set_password(password)
    user.save()
    return user


def make_category(*, name=None, slug=None, position=0):
    n = next(_seq)
    name = name or f"Category {n}"
    return Category.objects.create(
        name=name, slug=slug or f"category-{n}", position=position
    )


def make_service(
    *,
    category=None,
    title=None,
    kind=Service.Kind.HOME,
    venue="",
    duration_minutes=90,
    summary="A puja performed by experienced priests.",
    description=None,
    is_active=True,
):
    n = next(_seq)
    title = title or f"Test Puja {n}"
    return Service.objects.create(
        category=category or make_category(),
        title=title,
        slug=f"test-puja-{n}",
        kind=kind,
        venue=venue,
        summary=summary,
        description=description
        or f"{title}: a complete ritual with sankalp and aarti.",
        included="Sankalp\nPuja samagri\nAarti",
        duration_minutes=duration_minutes,
        image="img/services/default.svg",
        is_active=is_active,
    )


def make_package(
    *,
    service=None,
    tier=Package.Tier.BASIC,
    language="hi",
    price_paise=150100,
    priest_count=1,
    materials_included=True,
    is_active=True,
):
    return Package.objects.create(
        service=service or make_service(),
        tier=tier,
        language=language,
        price_paise=price_paise,
        priest_count=priest_count,
        materials_included=materials_included,
        is_active=is_active,
    )


def make_slot(*, start=datetime.time(9, 0), capacity=4, label="", is_active=True):
    return TimeSlot.objects.create(
        start_time=start, default_capacity=capacity, label=label, is_active=is_active
    )


def make_promo(
    *, code=None, kind=PromoCode.Kind.PERCENT, percent=10, flat_paise=None, **extra
):
    n = next(_seq)
    if kind == PromoCode.Kind.FLAT and flat_paise is None:
        flat_paise = 10000
    return PromoCode.objects.create(
        code=code or f"SAVE{n}",
        kind=kind,
        percent=percent if kind == PromoCode.Kind.PERCENT else None,
        flat_paise=flat_paise if kind == PromoCode.Kind.FLAT else None,
        **extra,
    )


def booking_date(days_ahead=7):
    return timezone.localdate() + datetime.timedelta(days=days_ahead)


def make_cart(*, user=None, session_key="", items=(), promo=None):
    """Create a cart and add ``items`` [(package, date, slot), ...] through the service."""
    cart = Cart.objects.create(user=user, session_key=session_key)
    for package, date, slot in items:
        item = services.add_to_cart(cart=cart, package=package, date=date, slot=slot)
        services.save_sankalp(
            cart=cart,
            item_id=item.pk,
            sankalp={"names": "Asha Sharma, Ravi Sharma", "gotra": "Kashyap"},
        )
    if promo is not None:
        services.apply_promo(cart=cart, code=promo.code, user=user)
    cart.refresh_from_db()
    return cart


def make_address(*, user, is_default=True, **extra):
    fields = {
        "full_name": "Asha Sharma",
        "phone": "+919876543210",
        "line1": "Flat 12, Shanti Apartments, MG Road",
        "line2": "Indiranagar",
        "landmark": "Ganesh Temple",
        "city": "Bengaluru",
        "state": "KA",
        "pincode": "560038",
    }
    fields.update(extra)
    return Address.objects.create(user=user, is_default=is_default, **fields)


def roster_for_every_priest(*, city="Bengaluru"):
    """Give every user of the Priests group a roster entry that matches everything.

    Every language, category and active slot, every weekday, ``city``, online
    and the temple: for tests about something other than matching. Safe to
    call again (after new categories or slots appear).
    """
    from checkout.roles import PRIESTS
    from priests.models import Priest, ServiceArea, WeeklyAvailability
    from storefront.models import Language

    categories = list(Category.objects.all())
    slots = list(TimeSlot.objects.filter(is_active=True))
    for user in User.objects.filter(groups__name=PRIESTS):
        priest, _created = Priest.objects.update_or_create(
            user=user, defaults={"languages": list(Language.values)}
        )
        priest.categories.set(categories)
        for kind, value in (("city", city), ("online", ""), ("temple", "")):
            ServiceArea.objects.get_or_create(priest=priest, kind=kind, value=value)
        WeeklyAvailability.objects.bulk_create(
            [
                WeeklyAvailability(priest=priest, weekday=day, slot=slot)
                for day in range(7)
                for slot in slots
            ],
            ignore_conflicts=True,
        )


def make_policy_pages():
    """Create the policy pages as migrations 0004 and 0007 ship them.

    Transactional tests flush the database, data migrations' rows included, so
    tests that need the pages create them here from the migrations themselves.
    """
    from django.apps import apps

    migration = importlib.import_module("storefront.migrations.0004_default_pages")
    migration.create_pages(apps, None)
    hindi = importlib.import_module("storefront.migrations.0007_policy_pages_hindi")
    hindi.fill_hindi(apps)
