"""The roster (Operations edits it) and the Operations board.

The board is a day or week of bookings by slot and priest: bookings without a
priest are highlighted with one-click buttons for the suggested priests
(``priests.services.suggest_priests``: matching, free, least busy first).
Assigning from the board goes through ``priests.services.assign_priest`` like
every assignment, and checks ``checkout.assign_priest`` itself.
"""

import datetime
from collections import defaultdict

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from checkout.errors import CheckoutError
from checkout.models import Booking, BookingItem
from priests import selectors, services
from priests.forms import VideoLinkForm
from priests.matching import Roster
from priests.models import (
    Assignment,
    LeaveDay,
    Priest,
    ServiceArea,
    WeeklyAvailability,
)
from storefront.models import Language, Service, TimeSlot, User


class PriestForm(forms.ModelForm):
    languages = forms.MultipleChoiceField(
        choices=Language.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Priest
        fields = ["user", "languages", "categories", "services", "is_active"]


class ServiceAreaInline(admin.TabularInline):
    model = ServiceArea
    extra = 0


class WeeklyAvailabilityInline(admin.TabularInline):
    model = WeeklyAvailability
    extra = 0


class LeaveDayInline(admin.TabularInline):
    model = LeaveDay
    extra = 0


@admin.register(Priest)
class PriestAdmin(admin.ModelAdmin):
    form = PriestForm
    list_display = ["__str__", "languages_display", "areas_display", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    raw_id_fields = ["user"]
    filter_horizontal = ["categories", "services"]
    inlines = [ServiceAreaInline, WeeklyAvailabilityInline, LeaveDayInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("user")
            .prefetch_related("areas")
        )

    @admin.display(description=_("languages"))
    def languages_display(self, obj):
        return ", ".join(obj.language_names())

    @admin.display(description=_("areas"))
    def areas_display(self, obj):
        return ", ".join(str(area) for area in obj.areas.all())

    def get_urls(self):
        return [
            path(
                "board/",
                self.admin_site.admin_view(self.board_view),
                name="priests_board",
            ),
            path(
                "board/video-link/",
                self.admin_site.admin_view(self.board_video_link_view),
                name="priests_board_video_link",
            ),
            path(
                "board/assign/",
                self.admin_site.admin_view(self.board_assign_view),
                name="priests_board_assign",
            ),
            *super().get_urls(),
        ]

    # The Operations board ---------------------------------------------------

    def board_view(self, request):
        if not request.user.has_perm("checkout.assign_priest"):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            **board_context(request.GET),
            "title": _("Operations board"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "priests/admin/board.html", context)

    def board_assign_view(self, request):
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("checkout.assign_priest"):
            raise PermissionDenied
        booking = get_object_or_404(Booking, pk=_int(request.POST.get("booking")))
        ids = [_int(value) for value in request.POST.getlist("priest")[:10]]
        found = User.objects.in_bulk(ids)
        if not ids or any(pk not in found for pk in ids):
            raise Http404("No such priest")
        priests = [found[pk] for pk in dict.fromkeys(ids)]
        try:
            booking = services.assign_priests(
                booking=booking, priests=priests, actor=request.user
            )
        except CheckoutError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(priests)s assigned to %(book_id)s.")
                % {
                    "priests": ", ".join(
                        p.get_full_name() or p.email
                        for p in selectors.booking_team(booking)
                    ),
                    "book_id": booking.book_id,
                },
            )
        back = request.POST.get("back", "")
        if not back.startswith("?"):
            back = ""
        return HttpResponseRedirect(reverse("admin:priests_board") + back)

    def board_video_link_view(self, request):
        """Staff set an online puja's video-call link (the customer is emailed)."""
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not request.user.has_perm("checkout.assign_priest"):
            raise PermissionDenied
        item = get_object_or_404(BookingItem, pk=_int(request.POST.get("item")))
        form = VideoLinkForm(request.POST)
        if not form.is_valid():
            messages.error(request, form.errors["url"][0])
        else:
            try:
                services.set_video_link(
                    item=item, url=form.cleaned_data["url"], actor=request.user
                )
            except CheckoutError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(
                    request,
                    _("Video link saved for %(book_id)s; the customer was emailed.")
                    % {"book_id": item.booking.book_id},
                )
        back = request.POST.get("back", "")
        if not back.startswith("?"):
            back = ""
        return HttpResponseRedirect(reverse("admin:priests_board") + back)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _parse_day(value):
    try:
        return datetime.date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()


def board_context(params) -> dict:
    """Return the board for ``?date=YYYY-MM-DD&view=day|week`` in a fixed query count."""
    start = _parse_day(params.get("date"))
    week = params.get("view") == "week"
    days = [start + datetime.timedelta(days=n) for n in range(7 if week else 1)]
    slots = list(TimeSlot.objects.filter(is_active=True))
    items = list(
        BookingItem.objects.filter(
            date__in=days,
            booking__status__in=[
                Booking.Status.CONFIRMED,
                Booking.Status.ASSIGNED,
                Booking.Status.COMPLETED,
            ],
        )
        .select_related("booking", "package__service")
        .order_by("date", "slot__start_time", "booking__book_id")
    )
    unassigned = {
        item.booking_id: item.booking
        for item in items
        if item.booking.status == Booking.Status.CONFIRMED
    }
    rosters = {day: Roster.load(date=day) for day in days}
    suggestions = services.suggest_priests(
        bookings=list(unassigned.values()), rosters=rosters
    )
    declined = defaultdict(list)
    for booking_id, reason, first, last in (
        Assignment.objects.filter(
            booking_id__in=list(unassigned), status=Assignment.Status.DECLINED
        )
        .order_by("responded_at")
        .values_list("booking_id", "reason", "priest__first_name", "priest__last_name")
    ):
        declined[booking_id].append(f"{first} {last}: {reason}")
    working = set()
    for roster in rosters.values():
        working |= {p.user_id for p in roster.priests}
    on_item = defaultdict(list)
    for item_id, priest_id in (
        Assignment.objects.live()
        .filter(item__in=[item.pk for item in items])
        .order_by("pk")
        .values_list("item_id", "priest_id")
    ):
        on_item[item_id].append(priest_id)
    links = selectors.video_links(items)
    assigned_ids = {
        item.booking.assigned_priest_id
        for item in items
        if item.booking.assigned_priest_id
    } | {priest_id for ids in on_item.values() for priest_id in ids}
    names = {
        user.pk: user
        for user in User.objects.filter(pk__in=working | assigned_ids).order_by(
            "first_name", "last_name"
        )
    }
    for suggested in suggestions.values():
        suggested[:] = [names[pk] for pk in suggested if pk in names]
    priests = list(names.values())
    column = {priest.pk: n for n, priest in enumerate(priests)}
    grid = []
    for day in days:
        rows = []
        for slot in slots:
            cells = [[] for _ in priests]
            waiting = []
            for item in items:
                if item.date != day or item.slot_id != slot.pk:
                    continue
                team = on_item.get(item.pk) or (
                    [item.booking.assigned_priest_id]
                    if item.booking.assigned_priest_id
                    else []
                )
                entry = {
                    "item": item,
                    "online": item.package.service.kind == Service.Kind.ONLINE,
                    "link": links.get(item.pk),
                }
                if item.booking.status == Booking.Status.CONFIRMED:
                    suggested = suggestions.get(item.booking_id, [])
                    missing = max(item.priest_count - len(team), 0)
                    waiting.append(
                        {
                            **entry,
                            "team": [names[pk] for pk in team if pk in names],
                            "missing": missing,
                            "suggested": suggested[:3],
                            # One click fills every open place of the puja.
                            "suggested_team": suggested[:missing]
                            if missing > 1 and len(suggested) >= missing
                            else [],
                            "declined": declined.get(item.booking_id, []),
                        }
                    )
                else:
                    for priest_id in team:
                        cells[column[priest_id]].append(
                            {**entry, "lead": priest_id == team[0]}
                        )
            rows.append({"slot": slot, "waiting": waiting, "cells": cells})
        grid.append({"date": day, "rows": rows})
    step = datetime.timedelta(days=7 if week else 1)
    return {
        "grid": grid,
        "priests": priests,
        "view": "week" if week else "day",
        "start": start,
        "previous": start - step,
        "next": start + step,
        "unassigned_count": len(unassigned),
        "back": f"?date={start.isoformat()}&view={'week' if week else 'day'}",
    }


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["booking", "priest", "starts_at", "ends_at", "status", "reason"]
    list_filter = ["status"]
    search_fields = ["booking__book_id", "priest__email", "priest__last_name"]
    list_select_related = ["booking", "priest"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
