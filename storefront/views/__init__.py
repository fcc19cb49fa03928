"""Storefront pages: catalog, service, cart, accounts and addresses.

Thin function views: fetch with a permission check, bind a form, call a
service, choose the response. With HTMX a view renders the fragment of its
page (``"storefront/page.html#fragment"``); without it, or when htmx restores
a page from history, the whole page. Views that choose between the two say so
in ``Vary``, so no cache hands a fragment to a full-page request.

One module per area: ``browse`` (catalog, service page and slots, the
customer's city, policy pages), ``cart`` (cart, promo codes, the badge),
``accounts`` (sign up, log in and out, addresses), ``language`` (the
switcher); ``htmx`` holds what they share.
"""

from storefront.views.accounts import (
    address_delete,
    address_form,
    address_list,
    address_make_default,
    login_view,
    logout_view,
    signup,
)
from storefront.views.browse import (
    PAGE_SIZE,
    SERVICE_PAGE_SECONDS,
    catalog,
    page_detail,
    service_detail,
    service_slots,
    set_city,
)
from storefront.views.cart import (
    cart_add,
    cart_badge,
    cart_change,
    cart_detail,
    cart_item_slots,
    cart_remove,
    cart_sankalp,
    promo_apply,
    promo_remove,
)
from storefront.views.language import set_language

__all__ = [
    "PAGE_SIZE",
    "SERVICE_PAGE_SECONDS",
    "address_delete",
    "address_form",
    "address_list",
    "address_make_default",
    "cart_add",
    "cart_badge",
    "cart_change",
    "cart_detail",
    "cart_item_slots",
    "cart_remove",
    "cart_sankalp",
    "catalog",
    "login_view",
    "logout_view",
    "page_detail",
    "promo_apply",
    "promo_remove",
    "service_detail",
    "service_slots",
    "set_city",
    "set_language",
    "signup",
]
