"""Writes of the priests app: assigning priests and what priests do with it.

- ``assignment``: suggesting, planning and assigning priests (the
  no-double-booking rule and its row locks), automatic assignment, and the
  shared helpers ``item_window`` and ``is_priest``;
- ``portal``: the priest accepts, declines or marks done their assignments;
- ``changes``: the priests follow a booking's cancellation, reschedule and
  video-call link;
- ``leave``: a priest's leave days.

Callers use ``priests.services.<name>``; the names are re-exported here.
"""

from priests.services.assignment import (
    IST,
    assign_priest,
    assign_priests,
    auto_assign,
    auto_assign_after_booking,
    is_priest,
    item_window,
    suggest_priests,
)
from priests.services.changes import (
    follow_reschedule,
    release_for_cancellation,
    set_video_link,
)
from priests.services.leave import add_leave_day, remove_leave_day
from priests.services.portal import (
    accept_assignment,
    complete_assignment,
    decline_assignment,
)

__all__ = [
    "IST",
    "accept_assignment",
    "add_leave_day",
    "assign_priest",
    "assign_priests",
    "auto_assign",
    "auto_assign_after_booking",
    "complete_assignment",
    "decline_assignment",
    "follow_reschedule",
    "is_priest",
    "item_window",
    "release_for_cancellation",
    "remove_leave_day",
    "set_video_link",
    "suggest_priests",
]
