"""Invitations through the API (api.invitations)."""

import pytest

from scheduling import services
from scheduling.models import Invitation
from scheduling.tests.helpers import api_url, assert_bad_input
from tests.factories import MeetingFactory, MembershipFactory, in_days

pytestmark = pytest.mark.django_db


def test_invite_by_discipline_and_warn_about_overlapping_meetings(cast, api, meeting):
    # The surgeon is also on another board whose meeting overlaps ours, and invited there.
    MembershipFactory(board=cast.other_board, user=cast.surgeon)
    elsewhere = MeetingFactory(
        board=cast.other_board, starts_at=in_days(5, 8, 0), ends_at=in_days(5, 9, 0)
    )
    Invitation.objects.create(meeting=elsewhere, user=cast.surgeon, discipline="spine_surgery")

    response = api(cast.coordinator).post(
        api_url("meeting-invitations", meeting.uuid),
        {"disciplines": ["spine_surgery", "radiation_oncology"]},
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert sorted(row["user"]["id"] for row in body["invited"]) == sorted(
        [cast.surgeon.pk, cast.specialists["radiation_oncology"].pk]
    )
    assert [(w["user"]["id"], w["other_meeting"]["uuid"]) for w in body["warnings"]] == [
        (cast.surgeon.pk, str(elsewhere.uuid))
    ]
    listed = api(cast.surgeon).get(api_url("meeting-invitations", meeting.uuid)).json()
    surgeon_row = next(row for row in listed if row["user"]["id"] == cast.surgeon.pk)
    assert surgeon_row["discipline"] == "spine_surgery"
    assert surgeon_row["response"] == "pending"
    assert [c["uuid"] for c in surgeon_row["conflicts"]] == [str(elsewhere.uuid)]


def test_invite_refused_for_members_and_bad_disciplines(cast, api, meeting):
    data = {"disciplines": ["spine_surgery"]}
    assert (
        api(cast.surgeon).post(api_url("meeting-invitations", meeting.uuid), data).status_code
        == 403
    )
    response = api(cast.coordinator).post(
        api_url("meeting-invitations", meeting.uuid), {"disciplines": ["astrology"]}
    )
    assert response.status_code == 400
    (message,) = response.json()["disciplines"]["0"]
    assert message.startswith('"astrology" is not a valid choice. Valid values: spine_surgery, ')
    response = api(cast.coordinator).post(api_url("meeting-invitations", meeting.uuid), {"x": 1})
    assert_bad_input(response, "x")
    assert not Invitation.objects.exists()


def test_only_the_invitee_answers(cast, api, meeting):
    services.invite_members(meeting=meeting, by=cast.coordinator, disciplines=["spine_surgery"])
    invitation = Invitation.objects.get(user=cast.surgeon)
    respond = api_url("invitation-respond", invitation.pk)
    assert api(cast.coordinator).post(respond, {"response": "accepted"}).status_code == 403
    assert api(cast.outsider).post(respond, {"response": "accepted"}).status_code == 404
    assert_bad_input(api(cast.surgeon).post(respond, {"response": "maybe"}), "response")
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.PENDING

    response = api(cast.surgeon).post(respond, {"response": "declined"})
    assert response.status_code == 200
    assert response.json()["response"] == "declined"
    invitation.refresh_from_db()
    assert invitation.response == Invitation.Response.DECLINED
    mine = api(cast.surgeon).get(api_url("my-invitations")).json()
    assert [row["id"] for row in mine] == [invitation.pk]
