from django.conf import settings
from django.utils.functional import SimpleLazyObject, new_method_proxy

from storefront.models import Cart, CartItem


class LazyCount(SimpleLazyObject):
    """A number computed on first use; works with ``pluralize`` and arithmetic."""

    __int__ = new_method_proxy(int)
    __float__ = new_method_proxy(float)


def _cart_count(request) -> int:
    """Count the lines of the request's live cart in one query."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        items = CartItem.objects.filter(
            cart__user=user, cart__status__in=[Cart.Status.OPEN, Cart.Status.FROZEN]
        )
    else:
        session = getattr(request, "session", None)
        session_key = session.session_key if session is not None else None
        if not session_key:
            return 0
        items = CartItem.objects.filter(
            cart__user__isnull=True,
            cart__session_key=session_key,
            cart__status=Cart.Status.OPEN,
        )
    return items.count()


def site(request):
    """Site-wide template values: the site URL, DEBUG and the cart badge count.

    The count is lazy: it costs its one query only on pages that show it.
    """
    return {
        "SITE_URL": settings.SITE_URL,
        "DEBUG": settings.DEBUG,
        "cart_count": LazyCount(lambda: _cart_count(request)),
    }
