"""Inviting a board's members to a meeting, and their answers."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from tumorboard.errors import ApplicationError
from tumorboard.services import save_validated

from ..models import Discipline, Invitation, Meeting, Notification, SpecialistProfile
from ..notifications import meeting_link, notify
from ..rules import member_conflicts
from .common import (
    board_members,
    local_start,
    lock_meeting,
    refuse_unless_planned_and_upcoming,
    require_coordinator,
)


@dataclass(frozen=True)
class ConflictWarning:
    """A member invited to `meeting` is also expected at the overlapping `other` meeting."""

    user: AbstractBaseUser
    meeting: Meeting
    other: Meeting
    message: str


@dataclass(frozen=True)
class InvitationResult:
    invited: list[Invitation] = field(default_factory=list)
    warnings: list[ConflictWarning] = field(default_factory=list)


def _check_disciplines(disciplines: Iterable[str] | None) -> set[str] | None:
    if disciplines is None:
        return None
    if isinstance(disciplines, str):
        disciplines = [disciplines]
    chosen = set(disciplines)
    unknown = sorted(chosen - set(Discipline.values))
    if unknown or not chosen:
        raise ApplicationError(
            "Choose disciplines from the list.",
            fields={"disciplines": [f"Use: {', '.join(Discipline.values)}."]},
        )
    return chosen


@transaction.atomic
def invite_members(
    *, meeting: Meeting, by: AbstractBaseUser, disciplines: Iterable[str] | None = None
) -> InvitationResult:
    """Invite the board's members to a meeting: those whose specialist discipline is in
    `disciplines`, or every member when it is None. Each member is invited once (already invited
    ones are skipped); each new invitee is notified.

    Conflicts: when a new invitee is already expected (accepted or not yet answered) at an
    overlapping meeting of any board, they get a CONFLICT notification and the returned
    `warnings` name the clash for the coordinator. Only the board's coordinators and chair
    invite (PermissionDenied).
    """
    require_coordinator(by, meeting.board_id)
    chosen = _check_disciplines(disciplines)
    meeting = lock_meeting(meeting)
    refuse_unless_planned_and_upcoming(meeting, "its invitations")
    profiles = dict(
        SpecialistProfile.objects.filter(user__board_memberships__board=meeting.board).values_list(
            "user_id", "discipline"
        )
    )
    already = set(meeting.invitations.values_list("user_id", flat=True))
    result = InvitationResult()
    for user in board_members(meeting.board):
        discipline = profiles.get(user.pk, "")
        if user.pk in already or (chosen is not None and discipline not in chosen):
            continue
        invitation = Invitation(meeting=meeting, user=user, discipline=discipline)
        save_validated(invitation, by=by, creating=True)
        result.invited.append(invitation)
        notify(
            recipient=user,
            kind=Notification.Kind.INVITATION,
            dedupe_key=f"invitation:{meeting.uuid}:{user.pk}",
            subject=f"{meeting.board.name}: invitation for {local_start(meeting)}",
            body=f"You are invited to the {meeting.board.name} meeting on {local_start(meeting)}. "
            "Please accept or decline.",
            link=meeting_link(meeting),
        )
        for other in member_conflicts(user, meeting):
            message = (
                f"{user.get_full_name() or user.get_username()} is also expected at "
                f"{other.board.name} on {local_start(other)}, which overlaps this meeting."
            )
            result.warnings.append(
                ConflictWarning(user=user, meeting=meeting, other=other, message=message)
            )
            notify(
                recipient=user,
                kind=Notification.Kind.CONFLICT,
                dedupe_key=f"conflict:{meeting.uuid}:{other.uuid}:{user.pk}",
                subject=f"Overlapping meetings on {local_start(meeting)}",
                body=f"The {meeting.board.name} meeting on {local_start(meeting)} overlaps the "
                f"{other.board.name} meeting on {local_start(other)} you are expected at.",
                link=meeting_link(meeting),
            )
    return result


@transaction.atomic
def invitation_respond(
    *, invitation: Invitation, response: str, by: AbstractBaseUser
) -> Invitation:
    """The invitee accepts or declines. Only the invitee may answer (PermissionDenied → 403);
    refused once the meeting is closed, cancelled or has started."""
    invitation = (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("meeting__board")
        .get(pk=invitation.pk)
    )
    if by is None or invitation.user_id != by.pk:
        raise PermissionDenied("Only the invited member can answer this invitation.")
    if response not in (Invitation.Response.ACCEPTED, Invitation.Response.DECLINED):
        raise ApplicationError(
            "Accept or decline.", fields={"response": ["Choose accepted or declined."]}
        )
    refuse_unless_planned_and_upcoming(invitation.meeting, "its invitations")
    invitation.response = response
    invitation.responded_at = timezone.now()
    save_validated(invitation, by=by)
    return invitation
