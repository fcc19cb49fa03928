"""Template filters of the shop: ``{% load shop %}``, then ``|money``, ``|phone``, ``|day``, ``|long_day``, ``|clock`` and ``|when``."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from storefront import formats
from storefront.india import format_mobile, format_rupees

register = template.Library()


@register.filter
def money(paise):
    """Render paise as rupees for customers: 149900 -> ₹1,499, 149950 -> ₹1,499.50."""
    if paise in (None, ""):
        return ""
    try:
        return format_rupees(int(paise), whole=True)
    except (TypeError, ValueError):
        return ""


@register.filter
def phone(value):
    """Render +919876543210 as +91 98765 43210."""
    return format_mobile(value or "")


def _page_block(lines):
    """Render one block of a policy page (lines without a blank line between)."""
    html = []
    paragraph, items = [], []
    for line in lines + [""]:
        if items and not line.startswith("- "):
            html.append(
                format_html(
                    '<ul class="page-list">{}</ul>',
                    format_html_join("", "<li>{}</li>", ((i,) for i in items)),
                )
            )
            items = []
        if paragraph and (not line or line.startswith(("- ", "## "))):
            html.append(
                format_html(
                    "<p>{}</p>",
                    format_html_join(
                        mark_safe("<br>"), "{}", ((p,) for p in paragraph)
                    ),
                )
            )
            paragraph = []
        if line.startswith("- "):
            items.append(line[2:].strip())
        elif line.startswith("## "):
            html.append(format_html('<h2 class="h5 mt-4">{}</h2>', line[3:].strip()))
        elif line:
            paragraph.append(line)
    return html


@register.filter
def page_body(text):
    """Render a policy page's plain text as HTML, escaping everything staff typed.

    Blocks are separated by blank lines; ``## `` starts a heading, ``- `` a
    list item, anything else a paragraph (single line breaks kept). Staff
    cannot inject markup, which keeps the pages safe under the CSP.
    """
    parts = []
    for block in (text or "").replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        parts.extend(_page_block(lines))
    return mark_safe("\n".join(parts))


# Dates and times in the active language (storefront/formats.py): use these
# instead of literal ``|date:"..."`` formats, which would print English month
# abbreviations or Django's misspelt Hindi ones.


@register.filter
def day(value):
    """ "Tue, 8 Dec 2026" / "मंगल, 8 दिसंबर 2026"."""
    return formats.day(value) if value else ""


@register.filter
def long_day(value):
    """ "Tuesday, 8 December 2026" / "मंगलवार, 8 दिसंबर 2026"."""
    return formats.long_day(value) if value else ""


@register.filter
def clock(value):
    """ "6:00 AM" / "सुबह 6:00" (IST)."""
    return formats.clock(value) if value else ""


@register.filter
def day_and_time(value):
    """ "Tue, 8 Dec 2026, 4:30 PM" / "मंगल, 8 दिसंबर 2026, शाम 4:30" (IST)."""
    return formats.day_and_time(value) if value else ""


@register.filter
def when(value):
    """ "8 Dec 2026, 4:30 PM" / "8 दिसंबर 2026, शाम 4:30" (IST)."""
    return formats.when(value) if value else ""
