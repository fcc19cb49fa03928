from django.conf import settings
from django.utils.functional import SimpleLazyObject, new_method_proxy

from storefront import selectors


class LazyCount(SimpleLazyObject):
    """A number computed on first use; works with ``pluralize`` and arithmetic."""

    __int__ = new_method_proxy(int)
    __float__ = new_method_proxy(float)


def _cart_count(request) -> int:
    session = getattr(request, "session", None)
    return selectors.live_cart_line_count(
        user=getattr(request, "user", None),
        session_key=session.session_key if session is not None else None,
    )


def site(request):
    """Site-wide template values: the site URL, DEBUG and the cart badge count.

    The count is lazy: it costs its one query only on pages that show it.
    """
    return {
        "SITE_URL": settings.SITE_URL,
        "DEBUG": settings.DEBUG,
        "cart_count": LazyCount(lambda: _cart_count(request)),
    }
