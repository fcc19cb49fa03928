"""Dates, times and durations as people read them, in English or Hindi.

- Dates: ``day`` gives "Tue, 8 Dec 2026" / "मंगल, 8 दिसंबर 2026" (the
  ``DATE_FORMAT`` of ``config/formats/<lang>/formats.py``); ``long_day`` gives
  "Tuesday, 8 December 2026" / "मंगलवार, 8 दिसंबर 2026".
- Times are in IST and on the 12-hour clock in both languages: "6:00 AM",
  "4:30 PM" in English; in Hindi the part of the day comes first, as Hindi
  speakers say it: "सुबह 6:00", "दोपहर 12:30", "शाम 4:30", "रात 8:00".
- Amounts: ``storefront.india.format_rupees`` ("₹1,25,000.00") in both
  languages; digits stay 0-9, as on Indian price tags and PhonePe.
"""

import datetime

from django.utils import formats as django_formats
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy, ngettext

# Hindi parts of the day, by the hour they start (IST): 4-11 सुबह (morning),
# 12-15 दोपहर (afternoon), 16-18 शाम (evening), 19-3 रात (night).
_HINDI_PARTS = [(4, "सुबह"), (12, "दोपहर"), (16, "शाम"), (19, "रात")]

# Django's own Hindi catalogue misspells some month and day names (दिसमबर for
# दिसंबर, गुरू for गुरु, a stray joiner in सोमवार). The same messages, marked
# here, are translated in locale/hi, which Django reads before its own.
DJANGO_NAMES = [
    gettext_lazy("January"),
    gettext_lazy("February"),
    gettext_lazy("March"),
    gettext_lazy("April"),
    gettext_lazy("May"),
    gettext_lazy("June"),
    gettext_lazy("July"),
    gettext_lazy("August"),
    gettext_lazy("September"),
    gettext_lazy("October"),
    gettext_lazy("November"),
    gettext_lazy("December"),
    gettext_lazy("Monday"),
    gettext_lazy("Tuesday"),
    gettext_lazy("Wednesday"),
    gettext_lazy("Thursday"),
    gettext_lazy("Friday"),
    gettext_lazy("Saturday"),
    gettext_lazy("Sunday"),
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
]


def _hindi() -> bool:
    return (translation.get_language() or "").startswith("hi")


def _date(value):
    """A date, or a datetime's date in IST."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date()
    return value


def day(value: datetime.date) -> str:
    """Return the date with its weekday: "Tue, 8 Dec 2026", "मंगल, 8 दिसंबर 2026"."""
    return django_formats.date_format(_date(value), "DATE_FORMAT")


def long_day(value: datetime.date) -> str:
    """Return "Tuesday, 8 December 2026" or "मंगलवार, 8 दिसंबर 2026"."""
    return django_formats.date_format(_date(value), "l, j F Y")


def clock(value: datetime.time | datetime.datetime) -> str:
    """Return a time of day: "6:00 AM" or "सुबह 6:00"; datetimes are shown in IST."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.time()
    hour12 = value.hour % 12 or 12
    text = f"{hour12}:{value.minute:02d}"
    if _hindi():
        part = _HINDI_PARTS[-1][1]
        for start, name in _HINDI_PARTS:
            if value.hour >= start:
                part = name
        return f"{part} {text}"
    return f"{text} {'AM' if value.hour < 12 else 'PM'}"


def when(value: datetime.datetime) -> str:
    """Return a moment in IST: "8 Dec 2026, 4:30 PM", "8 दिसंबर 2026, शाम 4:30"."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{django_formats.date_format(local, 'SHORT_DATE_FORMAT')}, {clock(local)}"


def day_and_time(value: datetime.datetime) -> str:
    """Return "Tue, 8 Dec 2026, 4:30 PM" / "मंगल, 8 दिसंबर 2026, शाम 4:30" (IST)."""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{day(local.date())}, {clock(local)}"


def duration(minutes: int) -> str:
    """Return "1 h 30 min" / "1 घंटा 30 मिनट" for a number of minutes."""
    hours, rest = divmod(minutes, 60)
    hours_text = ngettext("%(count)d h", "%(count)d h", hours) % {"count": hours}
    minutes_text = ngettext("%(count)d min", "%(count)d min", rest) % {"count": rest}
    if hours and rest:
        return f"{hours_text} {minutes_text}"
    return hours_text if hours else minutes_text
