"""Template filters of the shop: ``{% load shop %}``, then ``|money`` and ``|phone``."""

from django import template

from storefront.india import format_mobile, format_rupees

register = template.Library()


@register.filter
def money(paise):
    """Render integer paise as rupees with Indian grouping: 149900 -> ₹1,499.00."""
    if paise in (None, ""):
        return ""
    try:
        return format_rupees(int(paise))
    except (TypeError, ValueError):
        return ""


@register.filter
def phone(value):
    """Render +919876543210 as +91 98765 43210."""
    return format_mobile(value or "")
