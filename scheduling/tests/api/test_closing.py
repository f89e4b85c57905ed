"""Starting a meeting and closing it with its undiscussed cases through the API
(api.meetings MeetingStartApi, MeetingCloseApi)."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.models import Case
from scheduling.models import AgendaItem, Meeting, Notification
from scheduling.tests.helpers import api_url, assert_bad_input, ready_case
from tests.factories import AgendaItemFactory, MeetingFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(cast):
    now = timezone.now()
    return MeetingFactory(
        board=cast.board,
        starts_at=now - dt.timedelta(minutes=20),
        ends_at=now + dt.timedelta(minutes=40),
    )


def test_start_shows_in_progress_on_the_detail_and_the_list(cast, api, running):
    assert api(cast.surgeon).post(api_url("meeting-start", running.uuid)).status_code == 403
    client = api(cast.coordinator)
    response = client.post(api_url("meeting-start", running.uuid))
    assert response.status_code == 200, response.json()
    assert (response.json()["status"], response.json()["status_display"]) == (
        "in_progress",
        "In progress",
    )
    listed = client.get(api_url("meeting-list"), {"upcoming": "true"}).json()["results"]
    assert [(m["uuid"], m["status_display"]) for m in listed] == [
        (str(running.uuid), "In progress")
    ]
    assert_bad_input(client.post(api_url("meeting-start", running.uuid)), "meeting")


def test_an_in_progress_meeting_running_late_stays_on_the_upcoming_list(cast, api):
    late = MeetingFactory(
        board=cast.board,
        starts_at=timezone.now() - dt.timedelta(hours=2),
        ends_at=timezone.now() - dt.timedelta(hours=1),
        status=Meeting.Status.IN_PROGRESS,
    )
    listed = api(cast.coordinator).get(api_url("meeting-list"), {"upcoming": "true"}).json()
    assert [m["uuid"] for m in listed["results"]] == [str(late.uuid)]


def test_close_lists_undiscussed_cases_then_carries_them_as_chosen(cast, api, running, meeting):
    carried = AgendaItemFactory(
        meeting=running,
        case=ready_case(cast.board, status="scheduled", created_by=cast.surgeon),
        position=1,
    )
    back = AgendaItemFactory(
        meeting=running, case=ready_case(cast.board, status="scheduled"), position=2
    )
    client = api(cast.coordinator)
    body = assert_bad_input(client.post(api_url("meeting-close", running.uuid), {}), "carry_over")
    assert [p.split(":")[0] for p in body["carry_over"]] == [str(carried.case), str(back.case)]
    response = client.post(
        api_url("meeting-close", running.uuid),
        {"carry_over": {str(carried.case.uuid): "next_meeting"}},
    )
    body = assert_bad_input(response, "carry_over")
    assert body["carry_over"] == [
        f"{back.case}: not discussed; choose whether it goes to the next meeting or back to ready."
    ]
    response = client.post(
        api_url("meeting-close", running.uuid),
        {"carry_over": {str(carried.case.uuid): "later"}},
        format="json",
    )
    assert_bad_input(response, "carry_over")
    running.refresh_from_db()
    assert running.status == Meeting.Status.PLANNED

    response = client.post(
        api_url("meeting-close", running.uuid),
        {
            "carry_over": {
                str(carried.case.uuid): "next_meeting",
                str(back.case.uuid): "ready",
            }
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status_display"] == "Closed"
    assert AgendaItem.objects.get(case=carried.case, is_open=True).meeting == meeting
    assert Case.objects.get(pk=back.case.pk).status == Case.Status.READY
    assert Notification.objects.filter(recipient=cast.surgeon).count() == 1


def test_take_attendance_in_one_step(cast, api, running):
    url = api_url("meeting-attendance", running.uuid)
    assert api(cast.surgeon).post(url, {"mark_invited_present": True}).status_code == 403
    client = api(cast.coordinator)
    assert_bad_input(client.post(url, {}, format="json"), "people")
    twice = [{"user": cast.chair.pk, "mode": "remote"}, {"user": cast.chair.pk, "mode": "absent"}]
    assert_bad_input(client.post(url, {"people": twice}, format="json"), "people")
    response = client.post(
        url,
        {"mark_invited_present": True, "people": [{"user": cast.chair.pk, "mode": "remote"}]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    modes = {row["user"]["id"]: row["mode"] for row in response.json()["attendance"]}
    assert modes[cast.chair.pk] == "remote"
    assert modes[cast.surgeon.pk] == "in_person"
    assert set(modes.values()) == {"remote", "in_person"}
    assert response.json()["quorum"]["met"] is True
    response = client.post(
        url, {"people": [{"user": cast.outsider.pk, "mode": "remote"}]}, format="json"
    )
    assert_bad_input(response, "people")
