"""Every write to schedules, meetings, agendas, invitations, attendance, calendar feeds, a
board's members and its settings: one module per concept, re-exported here so callers write
`from scheduling import services; services.meeting_create(...)`.

Keyword-only, atomic, validated before saving, attributed to `by`. Refusals are ApplicationError
with field messages and leave nothing changed. Contended rows are locked: the board row while
meetings are created or moved (so two coordinators cannot plan overlapping meetings), the meeting
row while its agenda changes (so concurrent edits serialise and never duplicate or lose a position).

Lock order, to avoid deadlocks: board → meeting(s), earlier meeting first → case.
"""

from .agenda import (
    agenda_circulate,
    agenda_item_add,
    agenda_item_move,
    agenda_item_remove,
    agenda_item_set_minutes,
    agenda_reorder,
    meeting_allow_overbooking,
)
from .attendance import attendance_record, attendance_take
from .board_settings import board_settings_update
from .calendar_feeds import calendar_feed_rotate, calendar_feed_token
from .closing import meeting_close
from .deferral import Deferral, case_defer
from .invitations import ConflictWarning, InvitationResult, invitation_respond, invite_members
from .meetings import (
    meeting_cancel,
    meeting_create,
    meeting_create_urgent,
    meeting_reschedule,
    meeting_start,
)
from .members import board_member_add, board_member_remove, board_member_set_role
from .schedules import (
    board_schedule_create,
    board_schedule_delete,
    board_schedule_update,
    meetings_generate,
)

__all__ = [
    "ConflictWarning",
    "Deferral",
    "InvitationResult",
    "agenda_circulate",
    "agenda_item_add",
    "agenda_item_move",
    "agenda_item_remove",
    "agenda_item_set_minutes",
    "agenda_reorder",
    "attendance_record",
    "attendance_take",
    "board_member_add",
    "board_member_remove",
    "board_member_set_role",
    "board_schedule_create",
    "board_schedule_delete",
    "board_schedule_update",
    "board_settings_update",
    "calendar_feed_rotate",
    "calendar_feed_token",
    "case_defer",
    "invitation_respond",
    "invite_members",
    "meeting_allow_overbooking",
    "meeting_cancel",
    "meeting_close",
    "meeting_create",
    "meeting_create_urgent",
    "meeting_reschedule",
    "meeting_start",
    "meetings_generate",
]
