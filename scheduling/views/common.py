"""What the scheduling pages share: the meeting lookups (404 outside the user's boards, 403 for
members who do not coordinate it), refusal messages and redirects."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy

from audit import reads
from tumorboard.errors import ApplicationError

from ..access import can_coordinate
from ..models import Meeting
from ..selectors import CasePick, meeting_for_user

NOT_COORDINATOR = gettext_lazy("Only the board's coordinators and chair can change its meetings.")


def record_picks(request, picks: CasePick) -> None:
    """A case picker names the cases it offers: one read-log row each (their patients come with
    them, for the label)."""
    reads.record_many(request, "case.pick", [(c.patient.uuid, c.uuid) for c in picks.cases])


def meeting_or_404(request, meeting_uuid) -> Meeting:
    try:
        return meeting_for_user(user=request.user, uuid=meeting_uuid)
    except Meeting.DoesNotExist:
        raise Http404("No such meeting.") from None


def coordinated_meeting(request, meeting_uuid) -> Meeting:
    """The meeting, for a coordinator or chair of its board (404 outside the user's boards,
    403 for the board's other members)."""
    meeting = meeting_or_404(request, meeting_uuid)
    if not can_coordinate(request.user, meeting.board):
        raise PermissionDenied(NOT_COORDINATOR)
    return meeting


def refusal_message(exc: ApplicationError) -> str:
    details = [message for messages_ in exc.fields.values() for message in messages_]
    return " ".join([exc.message, *[d for d in details if d != exc.message]])


def to_meeting(meeting: Meeting, anchor: str = ""):
    url = reverse("meeting-detail", kwargs={"meeting_uuid": meeting.uuid})
    return redirect(f"{url}#{anchor}" if anchor else url)


def searched(data, prefix: str, lists: tuple[str, ...] = ()) -> dict:
    """A picker form's submitted values as the `initial` of an unbound form: the Search button
    (without JavaScript) shows the form again with the cases found, and no errors yet. `lists`
    names the fields that hold several values."""
    start = f"{prefix}-"
    initial: dict = {}
    for key in data:
        if key.startswith(start):
            name = key[len(start) :]
            initial[name] = data.getlist(key) if name in lists else data.get(key)
    return initial
