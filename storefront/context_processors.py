from django.conf import settings
from django.utils.functional import SimpleLazyObject, new_method_proxy

from storefront import page_cache, selectors


class LazyCount(SimpleLazyObject):
    """A number computed on first use; works with ``pluralize`` and arithmetic."""

    __int__ = new_method_proxy(int)
    __float__ = new_method_proxy(float)


def cart_count(request) -> int:
    """The count on the header's cart badge."""
    session = getattr(request, "session", None)
    return selectors.live_cart_line_count(
        user=getattr(request, "user", None),
        session_key=session.session_key if session is not None else None,
    )


# Read once at start-up: the footer shows it on every page.
BUSINESS = {
    "name": settings.BUSINESS_NAME,
    "address": settings.BUSINESS_ADDRESS,
    "gstin": settings.BUSINESS_GSTIN,
    "phone": settings.BUSINESS_PHONE,
    "whatsapp": settings.BUSINESS_WHATSAPP,
    "whatsapp_digits": settings.BUSINESS_WHATSAPP.lstrip("+"),
    "email": settings.BUSINESS_EMAIL,
}


def site(request):
    """Site-wide template values: site URL, DEBUG, cart badge count, the business.

    The count is lazy: it costs its one query only on pages that show it. A
    page shared between visitors (``storefront.page_cache``) has no cart to
    count and a placeholder where the CSRF tokens go.
    """
    values = {
        "SITE_URL": settings.SITE_URL,
        "DEBUG": settings.DEBUG,
        "cart_count": LazyCount(lambda: cart_count(request)),
        "business": BUSINESS,
    }
    if page_cache.is_shared(request):
        values["csrf_token"] = page_cache.CSRF_PLACEHOLDER
        # The count its key was made with (page_cache.visitor_key).
        counted = getattr(request, page_cache.COUNT_ATTR, None)
        if counted is not None:
            values["cart_count"] = counted
    return values
