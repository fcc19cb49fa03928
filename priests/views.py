"""The priest portal (phone-first): what to do today and next, and leave days.

Only active priests of the roster get in (``services.is_priest``); each
booking action re-checks in the service that the booking is the priest's own.
"""

import datetime
from collections import defaultdict
from urllib.parse import quote_plus

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from checkout.errors import CheckoutError
from checkout.models import Booking
from priests import selectors, services
from priests.forms import DeclineForm, DoneForm, LeaveForm, VideoLinkForm
from priests.models import Assignment, LeaveDay
from storefront.models import Service


def priest_required(view):
    @login_required
    def wrapped(request, *args, **kwargs):
        if not services.is_priest(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


def _cards(priest):
    """Return the priest's live assignments from today on, one card per booking."""
    today = timezone.localdate()
    assignments = (
        Assignment.objects.filter(
            priest=priest,
            status__in=[Assignment.Status.OFFERED, Assignment.Status.ACCEPTED],
            ends_at__date__gte=today - datetime.timedelta(days=1),
        )
        .select_related("booking__user", "item__package__service")
        .order_by("starts_at")
    )
    by_booking = defaultdict(list)
    for assignment in assignments:
        by_booking[assignment.booking_id].append(assignment)
    co_priests = defaultdict(dict)
    for assignment in (
        Assignment.objects.live()
        .filter(booking_id__in=list(by_booking))
        .exclude(priest=priest)
        .select_related("priest")
        .order_by("pk")
    ):
        co_priests[assignment.booking_id].setdefault(
            assignment.priest_id, assignment.priest
        )
    links = selectors.video_links([a.item for a in assignments])
    cards = []
    now = timezone.now()
    for items in by_booking.values():
        booking = items[0].booking
        address = booking.address or {}
        starts_at = timezone.localtime(items[0].starts_at)
        kind = items[0].item.package.service.kind
        cards.append(
            {
                "booking": booking,
                "assignments": items,
                "starts_at": starts_at,
                # Yesterday's pujas not yet marked done stay at the top.
                "is_today": starts_at.date() <= today,
                "accepted": all(a.status == Assignment.Status.ACCEPTED for a in items),
                "can_complete": items[0].starts_at <= now,
                "address": address,
                "maps_url": "https://www.google.com/maps/search/?api=1&query="
                + quote_plus(", ".join(address.get("lines", []))),
                "online": kind == Service.Kind.ONLINE,
                "co_priests": list(co_priests[booking.pk].values()),
                "links": [
                    {"item": a.item, "link": links.get(a.item_id)}
                    for a in items
                    if a.item.package.service.kind == Service.Kind.ONLINE
                ],
                "temple": kind == Service.Kind.TEMPLE,
            }
        )
    return cards


@priest_required
@require_GET
def portal(request) -> HttpResponse:
    cards = _cards(request.user)
    return render(
        request,
        "priests/portal.html",
        {
            "today": [c for c in cards if c["is_today"]],
            "upcoming": [c for c in cards if not c["is_today"]],
            "decline_form": DeclineForm(),
            "done_form": DoneForm(),
        },
    )


def _own_booking(request, book_id):
    """Return a booking the priest has a place on (lead or co-priest), else 404."""
    return get_object_or_404(
        Booking.objects.filter(
            assignments__priest=request.user,
            assignments__status__in=[
                Assignment.Status.OFFERED,
                Assignment.Status.ACCEPTED,
            ],
        ).distinct(),
        book_id=book_id,
    )


def _act(request, action, success):
    try:
        action()
    except CheckoutError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect("priests:portal")


@priest_required
@require_POST
def accept(request, book_id) -> HttpResponse:
    booking = _own_booking(request, book_id)
    return _act(
        request,
        lambda: services.accept_assignment(booking=booking, priest=request.user),
        _("Accepted %(book_id)s. Please call the devotee a day before.")
        % {"book_id": book_id},
    )


@priest_required
@require_POST
def decline(request, book_id) -> HttpResponse:
    booking = _own_booking(request, book_id)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say why you cannot take this puja."))
        return redirect("priests:portal")
    return _act(
        request,
        lambda: services.decline_assignment(
            booking=booking, priest=request.user, reason=form.cleaned_data["reason"]
        ),
        _("Declined %(book_id)s; Operations will find another priest.")
        % {"book_id": book_id},
    )


@priest_required
@require_POST
def done(request, book_id) -> HttpResponse:
    booking = _own_booking(request, book_id)
    form = DoneForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The note is too long."))
        return redirect("priests:portal")
    return _act(
        request,
        lambda: services.complete_assignment(
            booking=booking, priest=request.user, note=form.cleaned_data["note"]
        ),
        _("Marked %(book_id)s done. Thank you.") % {"book_id": book_id},
    )


@priest_required
@require_POST
def video_link(request, book_id, item_id) -> HttpResponse:
    """Set the video-call link of one of the priest's online pujas."""
    booking = _own_booking(request, book_id)
    assignment = get_object_or_404(
        Assignment.objects.select_related("item"),
        booking=booking,
        item_id=item_id,
        priest=request.user,
        status__in=[Assignment.Status.OFFERED, Assignment.Status.ACCEPTED],
    )
    form = VideoLinkForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["url"][0])
        return redirect("priests:portal")
    return _act(
        request,
        lambda: services.set_video_link(
            item=assignment.item, url=form.cleaned_data["url"], actor=request.user
        ),
        _("Video link saved for %(book_id)s; the devotee has been emailed.")
        % {"book_id": book_id},
    )


@priest_required
@require_http_methods(["GET", "POST"])
def leave(request) -> HttpResponse:
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_leave_day(
                priest=request.user,
                date=form.cleaned_data["date"],
                reason=form.cleaned_data["reason"],
            )
        except CheckoutError as exc:
            form.add_error("date", exc.message)
        else:
            messages.success(request, _("Leave day saved."))
            return redirect("priests:leave")
    days = LeaveDay.objects.filter(
        priest__user=request.user, date__gte=timezone.localdate()
    )
    status = 400 if request.method == "POST" else 200
    return render(
        request, "priests/leave.html", {"form": form, "days": days}, status=status
    )


@priest_required
@require_POST
def leave_remove(request) -> HttpResponse:
    try:
        date = datetime.date.fromisoformat(request.POST.get("date", ""))
    except ValueError:
        return HttpResponse(_("Not a date."), status=400)
    services.remove_leave_day(priest=request.user, date=date)
    messages.success(request, _("Leave day removed."))
    return redirect("priests:leave")
