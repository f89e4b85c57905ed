"""Inviting from the meeting page, recording attendance, and the invitations page
(views.invitations, views.attendance)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from scheduling import services
from scheduling.models import Attendance, Invitation
from scheduling.tests.helpers import page
from tests.factories import MeetingFactory, MembershipFactory, in_days

pytestmark = pytest.mark.django_db


def test_invite_and_record_attendance(cast, coordinator):
    start = timezone.now() + dt.timedelta(minutes=30)
    meeting = MeetingFactory(
        board=cast.board, starts_at=start, ends_at=start + dt.timedelta(hours=1)
    )
    response = coordinator.post(
        reverse("meeting-invite", args=[meeting.uuid]), {"invite-disciplines": []}
    )
    assert response.status_code == 400
    assert "Tick at least one discipline" in response.content.decode()
    response = coordinator.post(
        reverse("meeting-invite", args=[meeting.uuid]),
        {"invite-disciplines": ["spine_surgery", "radiation_oncology"]},
    )
    assert response.status_code == 302
    assert set(meeting.invitations.values_list("discipline", flat=True)) == {
        "spine_surgery",
        "radiation_oncology",
    }
    record = reverse("meeting-attendance-record", args=[meeting.uuid, cast.surgeon.pk])
    assert coordinator.post(record, {f"att-{cast.surgeon.pk}-mode": "remote"}).status_code == 302
    assert Attendance.objects.get(user=cast.surgeon).mode == "remote"
    bad = coordinator.post(record, {f"att-{cast.surgeon.pk}-mode": "asleep"})
    assert bad.status_code == 400
    assert Attendance.objects.get(user=cast.surgeon).mode == "remote"
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    assert "No quorum" in html
    assert "must be present" not in html
    cast.board.quorum_min_present = 3
    cast.board.save()
    html = page(coordinator, reverse("meeting-detail", args=[meeting.uuid]))
    assert "At least 3 must be present (1 so far)." in html
    assert "Radiation oncology, Medical oncology" in html  # nobody present for these yet


def test_conflict_warning_on_invite(cast, coordinator, meeting):
    MembershipFactory(board=cast.other_board, user=cast.surgeon)
    elsewhere = MeetingFactory(
        board=cast.other_board, starts_at=in_days(5, 8, 0), ends_at=in_days(5, 9, 0)
    )
    Invitation.objects.create(meeting=elsewhere, user=cast.surgeon, discipline="spine_surgery")
    response = coordinator.post(
        reverse("meeting-invite", args=[meeting.uuid]),
        {"invite-disciplines": ["spine_surgery"]},
        follow=True,
    )
    html = response.content.decode()
    assert "is also expected at Other Hospital Board" in html
    assert "Also expected at Other Hospital Board" in html


def test_specialist_accepts_and_declines(cast, client, meeting):
    services.invite_members(meeting=meeting, by=cast.coordinator, disciplines=["spine_surgery"])
    invitation = Invitation.objects.get(user=cast.surgeon)
    client.force_login(cast.surgeon)
    html = page(client, reverse("my-invitations"))
    assert reverse("invitation-respond", args=[invitation.pk]) in html
    respond = reverse("invitation-respond", args=[invitation.pk])
    assert client.post(respond, {"response": "accepted"}).status_code == 302
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.ACCEPTED
    client.post(respond, {"response": "declined"})
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.DECLINED
    # Someone else's invitation is not theirs to answer.
    client.force_login(cast.specialists["radiation_oncology"])
    assert client.post(respond, {"response": "accepted"}).status_code == 404
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.DECLINED
