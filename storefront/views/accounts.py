"""Sign up, log in and out, and the customer's addresses."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from security.ratelimits import rate_limit
from storefront import services
from storefront.forms import AddressForm, EmailLoginForm, SignupForm
from storefront.models import Address
from storefront.views.htmx import HtmxHttpRequest

# Accounts -----------------------------------------------------------------------


def _next_url(request, default):
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse(default)


def _login_keeping_cart(request, user):
    # The session key rotates at login(), so the anonymous cart is found first.
    session_cart = (
        None
        if request.user.is_authenticated
        else services.get_cart_for_request(request)
    )
    login(request, user, backend="storefront.auth_backends.EmailOrUsernameBackend")
    services.merge_session_cart(session_cart=session_cart, user=user)


@require_http_methods(["GET", "POST"])
@rate_limit(("signup", "ip"))
def signup(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = SignupForm(request.POST)
        if form.is_valid():
            user = form.save()
            _login_keeping_cart(request, user)
            messages.success(
                request, _("Welcome to OkPuja, %(name)s!") % {"name": user.first_name}
            )
            return redirect(_next_url(request, "storefront:catalog"))
    else:
        form = SignupForm()
    # A form with errors keeps where the customer was going.
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "storefront/signup.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "POST"])
@rate_limit(("login", "ip"))
def login_view(request: HtmxHttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = EmailLoginForm(request, data=request.POST)
        if form.is_valid():
            _login_keeping_cart(request, form.get_user())
            return redirect(_next_url(request, "storefront:catalog"))
    else:
        form = EmailLoginForm(request)
    next_url = request.POST.get("next") or request.GET.get("next", "")
    return render(request, "storefront/login.html", {"form": form, "next": next_url})


@require_POST
def logout_view(request: HtmxHttpRequest) -> HttpResponse:
    logout(request)
    messages.info(request, _("You have been logged out."))
    return redirect("storefront:catalog")


# Addresses ------------------------------------------------------------------------


def _own_address(request, address_id):
    return get_object_or_404(Address, pk=address_id, user=request.user)


@login_required
@require_GET
def address_list(request: HtmxHttpRequest) -> HttpResponse:
    addresses = Address.objects.filter(user=request.user)
    return render(request, "storefront/addresses.html", {"addresses": addresses})


@login_required
@require_http_methods(["GET", "POST"])
def address_form(
    request: HtmxHttpRequest, address_id: int | None = None
) -> HttpResponse:
    address = (
        _own_address(request, address_id) if address_id else Address(user=request.user)
    )
    if request.method == "POST":
        form = AddressForm(request.POST, instance=address)
        if form.is_valid():
            services.save_address(
                address=form.save(commit=False),
                user=request.user,
                make_default=form.cleaned_data["is_default"],
            )
            messages.success(request, _("Address saved."))
            return redirect(_next_url(request, "storefront:addresses"))
    else:
        form = AddressForm(instance=address)
    return render(
        request,
        "storefront/address_form.html",
        {"form": form, "address": address, "next": request.GET.get("next", "")},
    )


@login_required
@require_POST
def address_delete(request: HtmxHttpRequest, address_id: int) -> HttpResponse:
    services.delete_address(address=_own_address(request, address_id))
    messages.success(request, _("Address deleted."))
    return redirect("storefront:addresses")


@login_required
@require_POST
def address_make_default(request: HtmxHttpRequest, address_id: int) -> HttpResponse:
    services.set_default_address(address=_own_address(request, address_id))
    messages.success(request, _("Default address updated."))
    return redirect("storefront:addresses")
