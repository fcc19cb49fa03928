"""Which priests can perform a puja: language, puja, place, weekly slot, leave.

``Roster.load(date=...)`` reads the roster for one date in a fixed number of
queries (six, however many priests there are); ``matching`` then answers in
Python. Capacity (how many priests are still bookable for a package, slot and
place) and assignment (who may take a booking) both ask this module, so what
the shop sells and whom Operations can send never disagree.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from priests.models import Priest, ServiceArea, WeeklyAvailability
from storefront.models import Package, Service


def normalise_city(city: str) -> str:
    return " ".join((city or "").split()).casefold()


@dataclass(frozen=True)
class Place:
    """Where a puja happens: a city and PIN code, online, or at the temple."""

    kind: str  # ServiceArea.Kind: city (with pincode), online or temple; or "any"
    city: str = ""
    pincode: str = ""

    ANY = "any"

    @classmethod
    def for_service(cls, service: Service, *, city="", pincode="") -> "Place":
        if service.kind == Service.Kind.ONLINE:
            return cls(ServiceArea.Kind.ONLINE)
        if service.kind == Service.Kind.TEMPLE:
            return cls(ServiceArea.Kind.TEMPLE)
        return cls(ServiceArea.Kind.CITY, city=city, pincode=pincode)

    @classmethod
    def for_address(cls, service: Service, address: dict | None) -> "Place":
        """The place of ``service`` at ``address``; anywhere when it is None."""
        if address is None and service.kind == Service.Kind.HOME:
            return cls.ANYWHERE
        address = address or {}
        return cls.for_service(
            service, city=address.get("city", ""), pincode=address.get("pincode", "")
        )

    def is_served_by(self, areas) -> bool:
        """Return whether a priest with ``areas`` [(kind, value)] serves this place."""
        if self.kind == self.ANY:
            return True
        for kind, value in areas:
            if kind != ServiceArea.Kind.PIN and kind != ServiceArea.Kind.CITY:
                if kind == self.kind:
                    return True
                continue
            if self.kind != ServiceArea.Kind.CITY:
                continue
            if kind == ServiceArea.Kind.CITY and normalise_city(
                value
            ) == normalise_city(self.city):
                return True
            if kind == ServiceArea.Kind.PIN and self.pincode.startswith(value):
                return True
        return False


@dataclass
class RosterPriest:
    pk: int
    user_id: int
    languages: frozenset
    category_ids: set = field(default_factory=set)
    service_ids: set = field(default_factory=set)
    areas: list = field(default_factory=list)
    slot_ids: set = field(default_factory=set)

    def performs(self, service: Service) -> bool:
        return (
            service.pk in self.service_ids or service.category_id in self.category_ids
        )


@dataclass
class Roster:
    """The active priests working on one date (leave days left out)."""

    date: datetime.date
    priests: list

    @classmethod
    def load(cls, *, date: datetime.date) -> "Roster":
        weekday = date.weekday()
        rows = {
            row["pk"]: RosterPriest(
                pk=row["pk"],
                user_id=row["user_id"],
                languages=frozenset(row["languages"] or ()),
            )
            for row in Priest.objects.filter(is_active=True, user__is_active=True)
            .exclude(leave_days__date=date)
            .filter(availability__weekday=weekday)
            .distinct()
            .values("pk", "user_id", "languages")
        }
        ids = list(rows)
        if ids:
            for priest_id, slot_id in WeeklyAvailability.objects.filter(
                priest_id__in=ids, weekday=weekday
            ).values_list("priest_id", "slot_id"):
                rows[priest_id].slot_ids.add(slot_id)
            for priest_id, category_id in Priest.categories.through.objects.filter(
                priest_id__in=ids
            ).values_list("priest_id", "category_id"):
                rows[priest_id].category_ids.add(category_id)
            for priest_id, service_id in Priest.services.through.objects.filter(
                priest_id__in=ids
            ).values_list("priest_id", "service_id"):
                rows[priest_id].service_ids.add(service_id)
            for priest_id, kind, value in ServiceArea.objects.filter(
                priest_id__in=ids
            ).values_list("priest_id", "kind", "value"):
                rows[priest_id].areas.append((kind, value))
        return cls(date=date, priests=list(rows.values()))

    def matching(self, *, service: Service, language: str, place: Place, slot_id):
        """Return the user ids of priests who can perform it in that slot."""
        if service is None:
            return {p.user_id for p in self.priests if slot_id in p.slot_ids}
        return {
            priest.user_id
            for priest in self.priests
            if slot_id in priest.slot_ids
            and language in priest.languages
            and priest.performs(service)
            and place.is_served_by(priest.areas)
        }


@dataclass(frozen=True)
class Demand:
    """Priests a live hold or booking needs in one slot, and who could serve it."""

    priests: int
    service: Service
    language: str
    place: Place


def slot_demands(*, date, slot_ids, exclude_payment_id=None) -> dict:
    """Return {slot_id: [Demand]} of the live holds (payments and bookings) on ``date``.

    A booking's demand comes from its items (they follow a reschedule), a
    payment's from its snapshot (the package and address it pays for): three
    queries however many holds there are.
    """
    from checkout.models import BookingItem, SlotHold

    slot_ids = list(slot_ids)
    holds = SlotHold.objects.live().filter(date=date, slot_id__in=slot_ids)
    if exclude_payment_id is not None:
        holds = holds.exclude(payment_id=exclude_payment_id)
    wanted = []
    booking_ids = set()
    for slot_id, snapshot, booking_id in holds.values_list(
        "slot_id", "payment__snapshot", "booking_id"
    ):
        if booking_id is not None:
            booking_ids.add(booking_id)
            continue
        for line in (snapshot or {}).get("lines", ()):
            if line["slot_id"] == slot_id and line["date"] == date.isoformat():
                wanted.append(
                    (slot_id, line["package_id"], line["priest_count"], snapshot)
                )
    if booking_ids:
        for slot_id, package_id, priests, address in BookingItem.objects.filter(
            booking_id__in=booking_ids, date=date, slot_id__in=slot_ids
        ).values_list("slot_id", "package_id", "priest_count", "booking__address"):
            wanted.append((slot_id, package_id, priests, {"address": address}))
    packages = {
        package.pk: package
        for package in Package.objects.select_related("service").filter(
            pk__in={package_id for _slot, package_id, _n, _s in wanted}
        )
    }
    demands = defaultdict(list)
    for slot_id, package_id, priests, source in wanted:
        package = packages.get(package_id)
        if package is None:
            continue
        demands[slot_id].append(
            Demand(
                priests=priests,
                service=package.service,
                language=package.language,
                place=Place.for_address(package.service, source.get("address")),
            )
        )
    return demands


def bookable_priests(*, roster: Roster, demands, package, place, slot_id) -> int:
    """Return how many more priests can be booked for ``package`` at ``place``.

    The matching priests working that slot, minus every priest a live hold or
    booking of the slot needs whose own matching priests overlap these: a
    lower bound that never sells a priest twice (whatever the other holds
    take, at least this many matching priests stay free).
    """
    matching = roster.matching(
        service=package.service if package is not None else None,
        language=package.language if package is not None else "",
        place=place,
        slot_id=slot_id,
    )
    taken = 0
    for demand in demands.get(slot_id, ()):
        theirs = roster.matching(
            service=demand.service,
            language=demand.language,
            place=demand.place,
            slot_id=slot_id,
        )
        if theirs & matching:
            taken += demand.priests
    return max(len(matching) - taken, 0)


Place.ANYWHERE = Place(Place.ANY)
