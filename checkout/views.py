"""Checkout pages and the PhonePe webhook (the JSON API for apps is in api/)."""

import hashlib
import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import auth, messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.cache import caches
from django.http import Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import (
    require_GET,
    require_POST,
)
from django.views.decorators.vary import vary_on_headers
from django_htmx.http import HTMX_STOP_POLLING, trigger_client_event

from checkout import (
    fast_poll,
    phonepe,
    poll,
    reconcile,
    selfservice,
    services,
    snapshots,
    webhooks,
)
from checkout.csp import allow_payment_redirect
from checkout.models import Booking, Payment
from security.ratelimits import hit, rate_limit, too_many_requests
from storefront import capacity, page_cache, visitor
from storefront import services as storefront_services
from storefront.models import Address, Cart

ORDER_ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,63}$")
# ASCII digits only: str.isdigit() also accepts "²" and "③", which int() refuses.
ID_RE = re.compile(r"[0-9]{1,18}")


def _checkout_context(request, cart):
    totals = storefront_services.cart_totals(cart=cart, user=request.user)
    addresses = list(Address.objects.filter(user=request.user))
    pending = None
    if cart is not None and cart.status == Cart.Status.FROZEN:
        pending = (
            Payment.objects.filter(cart=cart, status=Payment.Status.PENDING)
            .order_by("-created_at")
            .first()
        )
    selected = request.POST.get("address") or request.GET.get("address")
    default = next((a for a in addresses if str(a.pk) == selected), None) or next(
        (a for a in addresses if a.is_default), addresses[0] if addresses else None
    )
    needs = snapshots.checkout_needs(totals.lines)
    phone = (
        request.POST.get("contact_phone")
        or request.GET.get("contact_phone")
        or request.GET.get("phone")
    )
    # Availability follows the chosen address: lines no priest can take there
    # are flagged and Pay stays off until the address or the line changes.
    problems = (
        capacity.lines_without_priests(
            lines=totals.lines,
            address=default.snapshot(),
            exclude_payment_id=pending.pk if pending is not None else None,
        )
        if needs["address"] and default is not None
        else {}
    )
    return {
        "cart": cart,
        "totals": totals,
        "lines": [(line, problems.get(line.pk)) for line in totals.lines],
        "unavailable": bool(problems),
        "needs": needs,
        "addresses": addresses,
        "selected_address": default,
        "contact_phone": phone or request.user.phone,
        "missing_sankalp": [item for item in totals.lines if not item.has_sankalp],
        "pending_payment": pending,
    }


@never_cache
@vary_on_headers("HX-Request")
@login_required
@require_GET
@allow_payment_redirect
def checkout_page(request):
    """Review and pay; choosing another address re-renders the body (htmx)."""
    cart = storefront_services.get_cart_for_request(request)
    if cart is None or not cart.items.exists():
        messages.info(request, _("Your cart is empty. Add a puja to book it."))
        return redirect("storefront:cart")
    template = "checkout/checkout.html"
    if request.htmx and not request.htmx.history_restore_request:
        template += "#checkout-body"
    return render(request, template, _checkout_context(request, cart))


@login_required
@require_POST
@rate_limit(("pay", "user_or_ip"))
def pay(request):
    """Start (or resume) the PhonePe payment for the customer's cart; 303 to PhonePe."""
    cart = storefront_services.get_cart_for_request(request)
    if cart is None:
        messages.error(request, _("Your cart is empty."))
        return redirect("storefront:cart")
    address_id = request.POST.get("address", "")
    address = None
    if ID_RE.fullmatch(address_id):
        address = get_object_or_404(Address, pk=int(address_id), user=request.user)
    contact_phone = request.POST.get("contact_phone", "")[:20]
    try:
        payment = services.start_payment(
            cart=cart, user=request.user, address=address, contact_phone=contact_phone
        )
    except services.CheckoutError as exc:
        messages.error(request, exc.message)
        query = urlencode(
            {"address": address.pk if address else "", "phone": contact_phone}
        )
        return _see_other(f"{reverse('checkout:checkout')}?{query}")
    return _see_other(payment.page_url)


def _see_other(url):
    """Redirect a POST with 303 See Other, so the browser follows with a GET."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


def _payment_for_owner(request, merchant_order_id):
    if not request.user.is_authenticated or not ORDER_ID_RE.match(
        merchant_order_id or ""
    ):
        raise Http404(_("No such payment."))
    return get_object_or_404(
        Payment.objects.select_related("booking__assigned_priest", "user"),
        merchant_order_id=merchant_order_id,
        user=request.user,
    )


def _whole_payment(payment):
    """The payment read whole, for rendering its status afresh."""
    return Payment.objects.select_related("booking__assigned_priest", "user").get(
        pk=payment.pk
    )


def _payment_for_session_owner(request, merchant_order_id, *, with_count=False):
    """Return the payment if it belongs to the signed-in customer; else 404.

    The confirm page polls every two seconds, so this is one round trip
    (``checkout.poll``): the session, the payment, its booking and its owner
    (and the header's cart count for the whole page). The owner is checked
    the way ``django.contrib.auth.get_user`` checks a session's user (a
    backend we use, an active user, the session's password hash);
    ``request.user`` is then that user.
    """
    if hasattr(request, "_cached_user"):  # already loaded by something else
        return _payment_for_owner(request, merchant_order_id)
    if not ORDER_ID_RE.match(merchant_order_id or ""):
        raise Http404(_("No such payment."))
    session = request.session
    found = poll.read(
        merchant_order_id, session_key=session.session_key, with_count=with_count
    )
    if found.session_data is not None:
        # As SessionStore.load() would have: the data, or no session at all.
        session._session_cache = (
            session.decode(found.session_data) if found.session_data else {}
        )
        if not found.session_data:
            session._session_key = None
        session.accessed = True
    user_id = session.get(auth.SESSION_KEY)
    payment = found.payment
    if (
        payment is None
        or user_id is None
        or str(payment.user_id) != str(user_id)
        or not visitor.session_user_is_valid(session, payment.user)
    ):
        raise Http404(_("No such payment."))
    user = payment.user
    request.user = request._cached_user = user
    if found.cart_count is not None:
        # The header's badge, counted in the same read (storefront.page_cache).
        setattr(request, page_cache.COUNT_ATTR, found.cart_count)
    return payment


def _status_context(payment, now=None):
    booking = getattr(payment, "booking", None)
    items = selfservice.booking_items(booking) if booking is not None else []
    refund = None
    if payment.resolution == Payment.Resolution.REFUNDED:
        refund = payment.refunds.order_by("created_at").first()
    if booking is not None:
        state = "booked"
    elif refund is not None:
        state = "refund"
    elif payment.status == Payment.Status.FAILED:
        state = "failed"
    else:
        state = "pending"
    now = now or timezone.now()
    context = {
        "payment": payment,
        "booking": booking,
        "items": items,
        "refund": refund,
        "state": state,
        "poll_seconds": settings.CHECKOUT_POLL_INTERVAL_SECONDS,
        "long_pending": state == "pending" and poll.long_pending(payment, now),
        "can_return": state == "pending" and poll.can_return(payment, now),
    }
    if booking is not None:
        context.update(_after_booking_context(booking))
    return context


def _after_booking_context(booking, refunds=None):
    return {
        "status_line": selfservice.status_line(booking, refunds),
        "timeline": selfservice.timeline(booking)
        if booking.status != Booking.Status.CANCELLED
        else [],
        "whatsapp_url": selfservice.whatsapp_url(booking),
        "cancel_quote": selfservice.cancel_quote(booking, refunds=refunds),
        "can_reschedule": selfservice.can_reschedule(booking),
    }


@never_cache
@vary_on_headers("HX-Request", "HX-History-Restore-Request")
@require_GET
def confirm_booking(request):
    """The page PhonePe sends the customer back to; its status region polls itself.

    A poll gets the status fragment; once the payment has settled it answers
    "stop polling" and tells the header badge that the cart was converted or
    unfrozen. htmx restoring the page from history gets the whole page.
    """
    full_page = not request.htmx or request.htmx.history_restore_request
    try:
        # The payment and its owner in one query, checked against the session.
        payment = _payment_for_session_owner(
            request, request.GET.get("order", ""), with_count=full_page
        )
    except Http404:
        if not request.htmx and not request.user.is_authenticated:
            # Back from PhonePe in another browser or after the session
            # expired: sign in, then come back here (still only to one's own order).
            return redirect_to_login(
                request.get_full_path(), login_url=reverse("storefront:login")
            )
        raise
    payment = reconcile.refresh_pending_payment(payment=payment, source="poll")
    settled_key = _settled_fragment_key(payment)
    if settled_key is not None:
        # Booked: the status is the same for every poll and page load until
        # the payment or booking changes (which is a new key).
        html = caches["local"].get(settled_key)
        if html is None:
            html = render_to_string(
                "checkout/confirm.html#booking-status",
                _status_context(_whole_payment(payment)),
                request=request,
            )
            caches["local"].set(settled_key, html, SETTLED_FRAGMENT_SECONDS)
        if full_page:
            return _booked_page(request, settled_key, html)
        fast_poll.may_keep(request, poll.response_key(payment, timezone.now()))
        response = HttpResponse(html, status=HTMX_STOP_POLLING)
        return trigger_client_event(response, "cartChanged")
    now = timezone.now()
    context = _status_context(payment, now)
    if context["state"] == "pending" and not full_page:
        fast_poll.may_keep(request, poll.response_key(payment, now))
        return _pending_fragment(request, payment, context)
    context = _status_context(_whole_payment(payment))
    if full_page:
        return render(request, "checkout/confirm.html", context)
    response = render(
        request,
        "checkout/confirm.html#booking-status",
        context,
        status=HTMX_STOP_POLLING,
    )
    return trigger_client_event(response, "cartChanged")


def _booked_page(request, settled_key, status_html):
    """The whole confirm page of a booked payment, kept per process for this
    visitor's header (storefront.page_cache) like its status fragment."""

    def render_page():
        return render(
            request,
            "checkout/confirm.html",
            {"state": "booked", "status_html": mark_safe(status_html)},
        )

    visitor = page_cache.visitor_key(request)
    if visitor is None:
        return render_page()
    path = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return page_cache.cached_page(
        request, f"{settled_key}:page:{path}:{visitor}", render_page
    )


def _pending_fragment(request, payment, context):
    """A poll of a pending payment: the fragment is the same at every poll
    until the payment changes or the wait grows long (then it offers a way
    out, with a form to cancel: the CSRF token is put in per response), so it
    is kept per process (storefront.page_cache)."""
    key = (
        f"checkout:pending:{payment.merchant_order_id}:{payment.user_id}:"
        f"{payment.updated_at.timestamp()}:{context['long_pending']:d}:"
        f"{context['can_return']:d}:{get_language()}"
    )
    return page_cache.cached_page(
        request,
        key,
        lambda: render(
            request,
            "checkout/confirm.html#booking-status",
            _status_context(_whole_payment(payment)),
        ),
    )


# A booked payment's status fragment is kept per process under a key naming
# the order, its owner and when the payment and booking last changed, so a
# change (a cancellation, a priest assigned) is a new key.
SETTLED_FRAGMENT_SECONDS = 300


def _settled_fragment_key(payment):
    booking = getattr(payment, "booking", None)
    if booking is None:
        return None
    return (
        f"checkout:status:{payment.merchant_order_id}:{payment.user_id}:"
        f"{payment.updated_at.timestamp()}:{booking.updated_at.timestamp()}:"
        f"{get_language()}"
    )


@login_required
@require_POST
def cancel_payment(request):
    """The customer gives up a pending payment: holds and cart are released."""
    payment = _payment_for_owner(request, request.POST.get("order", ""))
    try:
        services.cancel_pending_payment(payment=payment, user=request.user)
    except services.CheckoutError as exc:
        messages.error(request, exc.message)
    else:
        messages.info(
            request,
            _(
                "The payment was cancelled and your cart is unlocked. If PhonePe "
                "took the money after all, we will email you: you get the booking "
                "or a full refund."
            ),
        )
    return redirect(payment.get_absolute_url())


# PhonePe webhook --------------------------------------------------------------


@csrf_exempt
@require_POST
def phonepe_webhook(request):
    """PhonePe's server-to-server callback: store, verify, then re-fetch the truth.

    Over ``WEBHOOK_MAX_BODY_BYTES`` answers 413 and stores nothing. A delivery
    with a bad Authorization is rate-limited per IP and only its first
    ``WEBHOOK_UNAUTHENTICATED_STORED_BYTES`` are stored (its full size is kept
    as Content-Length).
    """
    limit = settings.WEBHOOK_MAX_BODY_BYTES
    declared = request.META.get("CONTENT_LENGTH") or "0"
    if (ID_RE.fullmatch(declared) and int(declared) > limit) or len(
        body := request.body
    ) > limit:
        return JsonResponse(
            {"success": False, "message": f"Body over {limit} bytes."}, status=413
        )
    headers = {
        name: value.replace("\x00", "\ufffd") for name, value in request.headers.items()
    }
    headers["Content-Length"] = str(len(body))
    authorization = request.headers.get("Authorization")
    if not phonepe.get_client().is_valid_webhook_authorization(authorization):
        retry_after = hit(request, "webhook_unauthenticated", key="ip")
        if retry_after:
            return too_many_requests(request, retry_after, api=True)
        body = body[: settings.WEBHOOK_UNAUTHENTICATED_STORED_BYTES]
    result = webhooks.receive_webhook(
        headers=headers,
        # PostgreSQL cannot store NUL; a body with one is not JSON anyway.
        body=body.replace(b"\x00", "\ufffd".encode()),
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
    body = {"success": result.http_status == 200, "message": result.message}
    return JsonResponse(body, status=result.http_status)
