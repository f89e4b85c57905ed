"""Inviting members and their answers (services.invitations)."""

import pytest
from django.core.exceptions import PermissionDenied

from scheduling import services
from scheduling.models import Invitation, Notification
from tests.factories import MeetingFactory, MembershipFactory, in_days
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_invite_by_discipline_once_each(cast, meeting):
    result = services.invite_members(
        meeting=meeting,
        disciplines=["spine_surgery", "radiation_oncology"],
        by=cast.coordinator,
    )
    assert sorted(i.user.username for i in result.invited) == [
        "spec_radiation_oncology",
        "spec_spine_surgery",
    ]
    assert {i.discipline for i in result.invited} == {"spine_surgery", "radiation_oncology"}
    assert result.warnings == []
    again = services.invite_members(meeting=meeting, by=cast.coordinator)
    # Everyone else (chair, coordinator, three specialists), never the two already invited.
    assert len(again.invited) == 5
    assert Invitation.objects.filter(meeting=meeting).count() == 7
    assert Notification.objects.filter(kind=Notification.Kind.INVITATION).count() == 7
    assert not Invitation.objects.filter(user=cast.outsider).exists()


def test_invite_refuses_an_unknown_discipline(cast, meeting):
    with pytest.raises(ApplicationError) as excinfo:
        services.invite_members(meeting=meeting, disciplines=["astrology"], by=cast.coordinator)
    assert list(excinfo.value.fields) == ["disciplines"]
    assert Invitation.objects.count() == 0


def test_inviting_a_member_to_an_overlapping_meeting_warns_them(cast, meeting, other_coordinator):
    MembershipFactory(board=cast.other_board, user=cast.surgeon)
    theirs = MeetingFactory(
        board=cast.other_board, starts_at=in_days(5, 8, 0), ends_at=in_days(5, 9, 0)
    )
    services.invite_members(meeting=theirs, disciplines=["spine_surgery"], by=other_coordinator)

    result = services.invite_members(
        meeting=meeting, disciplines=["spine_surgery"], by=cast.coordinator
    )

    assert [(w.user, w.other) for w in result.warnings] == [(cast.surgeon, theirs)]
    assert "overlaps this meeting" in result.warnings[0].message
    conflict = Notification.objects.get(kind=Notification.Kind.CONFLICT)
    assert conflict.recipient == cast.surgeon
    assert conflict.dedupe_key == f"conflict:{meeting.uuid}:{theirs.uuid}:{cast.surgeon.pk}"


def test_no_conflict_warning_when_the_other_invitation_was_declined(
    cast, meeting, other_coordinator
):
    MembershipFactory(board=cast.other_board, user=cast.surgeon)
    theirs = MeetingFactory(
        board=cast.other_board, starts_at=in_days(5, 8, 0), ends_at=in_days(5, 9, 0)
    )
    invitation = services.invite_members(
        meeting=theirs, disciplines=["spine_surgery"], by=other_coordinator
    ).invited[0]
    services.invitation_respond(invitation=invitation, response="declined", by=cast.surgeon)
    result = services.invite_members(
        meeting=meeting, disciplines=["spine_surgery"], by=cast.coordinator
    )
    assert result.warnings == []
    assert not Notification.objects.filter(kind=Notification.Kind.CONFLICT).exists()


def test_only_the_invitee_answers_an_invitation(cast, meeting):
    invitation = services.invite_members(
        meeting=meeting, disciplines=["spine_surgery"], by=cast.coordinator
    ).invited[0]
    with pytest.raises(PermissionDenied):
        services.invitation_respond(invitation=invitation, response="accepted", by=cast.chair)
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.PENDING
    services.invitation_respond(invitation=invitation, response="accepted", by=cast.surgeon)
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.ACCEPTED
    assert invitation.responded_at is not None
    with pytest.raises(ApplicationError) as excinfo:
        services.invitation_respond(invitation=invitation, response="maybe", by=cast.surgeon)
    assert excinfo.value.fields == {"response": ["Choose accepted or declined."]}


# --- who may invite: the board's coordinators and chair (allowed/refused pairs) ---------------


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_invite(cast, meeting, person, who):
    result = services.invite_members(meeting=meeting, disciplines=["spine_surgery"], by=person(who))
    assert [invitation.user for invitation in result.invited] == [cast.surgeon]


@pytest.mark.parametrize("who", ["surgeon", "other_coordinator", "patient_user"])
def test_others_cannot_invite(cast, meeting, person, who):
    with pytest.raises(PermissionDenied):
        services.invite_members(meeting=meeting, disciplines=["spine_surgery"], by=person(who))
    assert not meeting.invitations.exists()
    assert not Notification.objects.exists()
