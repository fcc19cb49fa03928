"""What Pay freezes: the cart's lines, totals, place and sankalp as the payment's snapshot.

The booking is later created from this snapshot only (``services``), so a
price, title or address edited after Pay changes nothing that was paid for.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _

from checkout.errors import CheckoutError
from storefront.india import normalise_indian_mobile
from storefront.models import ADDRESS_FIELDS, Service, address_lines


def order_message(snapshot):
    titles = [line["service_title"] for line in snapshot["lines"]]
    return ("OkPuja: " + ", ".join(titles))[:200]


# The texts a booking line freezes, in every language of the shop (checkout/translation.py).
LINE_TEXTS = ("service_title", "package_label", "language", "slot_label", "venue")


def line_texts(item) -> dict:
    """Return the line's texts in English as ``name`` and in Hindi as ``name_hi``."""
    texts = {}
    for code, _name in settings.LANGUAGES:
        suffix = "" if code == settings.LANGUAGE_CODE else f"_{code}"
        with translation.override(code):
            texts.update(
                {
                    f"service_title{suffix}": item.package.service.title,
                    f"package_label{suffix}": str(item.package.get_tier_display()),
                    f"language{suffix}": str(item.package.get_language_display()),
                    f"slot_label{suffix}": item.slot.display,
                    f"venue{suffix}": item.package.service.venue,
                }
            )
    return texts


def build_snapshot(*, cart, totals, address, contact_phone=""):
    return {
        "lines": [
            {
                "package_id": item.package_id,
                **line_texts(item),
                "kind": item.package.service.kind,
                "date": item.date.isoformat(),
                "slot_id": item.slot_id,
                "price_paise": item.package.price_paise,
                "priest_count": item.package.priest_count,
                "sankalp": dict(item.sankalp or {}),
            }
            for item in totals.lines
        ],
        "subtotal_paise": totals.subtotal_paise,
        "discount_paise": totals.discount_paise,
        "total_paise": totals.total_paise,
        "promo_code": totals.promo.code
        if totals.promo and totals.discount_paise
        else "",
        "promo_id": totals.promo.pk if totals.promo and totals.discount_paise else None,
        "address": address.snapshot()
        if address is not None
        else _places_without_address(totals.lines),
        "contact_phone": contact_phone,
    }


def _places_without_address(lines):
    """Return where the pujas of a cart without a home puja happen.

    As data, the same in every language: ``places`` (online, or the temple
    with its name in each language), and ``lines`` in English for staff, the
    invoice and the API.
    """
    places = []
    for item in lines:
        service = item.package.service
        if service.kind == Service.Kind.TEMPLE:
            place = {"kind": Service.Kind.TEMPLE}
            for code, _name in settings.LANGUAGES:
                suffix = "" if code == settings.LANGUAGE_CODE else f"_{code}"
                with translation.override(code):
                    place[f"venue{suffix}"] = service.venue
        else:
            place = {"kind": Service.Kind.ONLINE}
        if place not in places:
            places.append(place)
    address = {"places": places}
    with translation.override(settings.LANGUAGE_CODE):
        address["lines"] = place_lines(address)
    return address


def place_lines(address: dict) -> list[str]:
    """Return a frozen address or place as lines in the active language.

    A home address is rebuilt from its fields (the landmark and state read in
    the active language); online and temple pujas from ``places``. Snapshots
    taken before these keys existed keep the ``lines`` they were frozen with.
    """
    address = address or {}
    if "places" in address:
        language = translation.get_language() or settings.LANGUAGE_CODE
        suffix = "" if language == settings.LANGUAGE_CODE else f"_{language}"
        lines = []
        for place in address["places"]:
            if place.get("kind") == Service.Kind.TEMPLE:
                venue = place.get(f"venue{suffix}") or place.get("venue")
                lines.append(venue or str(_("At the temple")))
            else:
                lines.append(str(_("Online (video call)")))
        return lines
    if address.get("full_name") and address.get("state_code"):
        return address_lines(
            {field: address.get(field, "") for field in ADDRESS_FIELDS},
            state_code=address["state_code"],
        )
    return list(address.get("lines", []))


def checkout_needs(lines) -> dict:
    """Return what Pay must collect for these cart lines.

    ``address``: a puja at home needs the customer's address; ``phone``: an
    online puja needs a phone / WhatsApp number for the video link.
    """
    kinds = {item.package.service.kind for item in lines}
    return {
        "address": Service.Kind.HOME in kinds,
        "phone": Service.Kind.ONLINE in kinds,
    }


def priests_by_slot(lines):
    """Return {(date, slot_id): priests} for snapshot lines."""
    needed = defaultdict(int)
    for line in lines:
        needed[(datetime.date.fromisoformat(line["date"]), line["slot_id"])] += line[
            "priest_count"
        ]
    return needed


def check_place(*, lines, address, contact_phone):
    """Return (address, phone) the cart's pujas need; raise CheckoutError if missing."""
    needs = checkout_needs(lines)
    if not needs["address"]:
        address = None
    elif address is None:
        raise CheckoutError(_("Please choose the address where the puja will happen."))
    phone = ""
    if needs["phone"]:
        try:
            phone = normalise_indian_mobile(contact_phone or "")
        except ValidationError:
            raise CheckoutError(
                _(
                    "Please enter a phone / WhatsApp number for the video link, "
                    "e.g. +91 98765 43210."
                )
            ) from None
    return address, phone
