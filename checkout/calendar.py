"""A booking as an iCalendar file (RFC 5545) for "Add to calendar".

One event per puja at its slot's time in India Standard Time, with the place
and a link back to the booking, in the language of the request (the puja's
title and texts as frozen in that language). Built with the ``icalendar`` package, which
also writes the Asia/Kolkata VTIMEZONE calendar apps need.
"""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from checkout.models import Booking

IST = ZoneInfo("Asia/Kolkata")


def item_starts_at(item) -> datetime.datetime:
    """Return when a booked puja starts, as an aware datetime in IST."""
    return datetime.datetime.combine(item.date, item.slot.start_time, tzinfo=IST)


def booking_place(booking: Booking) -> str:
    """Return where the puja happens, in one line of the active language."""
    lines = booking.address_lines
    if booking.address.get("full_name"):
        # A home address: the name and phone are not part of the place.
        lines = lines[1:-1]
    return ", ".join(lines)


def booking_ics(booking: Booking, *, pandits=()) -> bytes:
    """Return the booking's pujas as an RFC 5545 calendar.

    ``pandits``: the priests (users) on the booking, lead first.
    """
    calendar = Calendar()
    calendar.add("prodid", "-//OkPuja//Bookings//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    place = booking_place(booking)
    url = settings.SITE_URL + booking.get_absolute_url()
    for item in booking.items.select_related("slot", "package__service"):
        start = item_starts_at(item)
        event = Event()
        event.add("uid", f"{booking.book_id}-{item.pk}@okpuja")
        event.add("dtstamp", timezone.now())
        event.add("dtstart", start)
        event.add(
            "dtend",
            start + datetime.timedelta(minutes=item.package.service.duration_minutes),
        )
        event.add("summary", f"{item.service_title} ({booking.book_id})")
        event.add("location", place)
        description = [
            f"{item.package_label}, {item.language}",
            _("OkPuja booking %(book_id)s: %(url)s")
            % {"book_id": booking.book_id, "url": url},
        ]
        if pandits:
            names = ", ".join(p.get_full_name() or p.username for p in pandits)
            description.insert(1, _("Pandit: %(name)s") % {"name": names})
        event.add("description", "\n".join(description))
        event.add("url", url)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
