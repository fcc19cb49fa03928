"""Reads of the priests' assignments shared by pages, emails and services."""

from priests.models import Assignment, VideoLink


def booking_team(booking) -> list:
    """Return the priests (users) with a live assignment on ``booking``, lead first.

    The lead is the booking's ``assigned_priest`` (listed even without an
    assignment row).
    """
    assignments = (
        Assignment.objects.live()
        .filter(booking=booking)
        .select_related("priest")
        .order_by("pk")
    )
    team = {}
    for assignment in assignments:
        team.setdefault(assignment.priest_id, assignment.priest)
    lead = team.pop(booking.assigned_priest_id, None)
    if lead is None and booking.assigned_priest_id is not None:
        lead = booking.assigned_priest
    return ([lead] if lead is not None else []) + list(team.values())


def video_links(items) -> dict:
    """Return {item id: VideoLink} of ``items`` (one query)."""
    return {
        link.item_id: link
        for link in VideoLink.objects.filter(item__in=[item.pk for item in items])
    }
