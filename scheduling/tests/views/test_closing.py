"""Starting a meeting, taking everyone's attendance in one step, and the close confirmation on
the pages (views.meeting_page meeting_start and meeting_close, views.attendance)."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case
from scheduling.models import AgendaItem, Attendance, Invitation, Meeting, Notification
from scheduling.services.common import local_start
from scheduling.tests.helpers import page, ready_case
from tests.factories import AgendaItemFactory, MeetingFactory, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(cast):
    now = timezone.now()
    return MeetingFactory(
        board=cast.board,
        starts_at=now - dt.timedelta(minutes=20),
        ends_at=now + dt.timedelta(minutes=40),
    )


def test_start_button_shows_the_meeting_in_progress(cast, coordinator, running, meeting):
    detail = reverse("meeting-detail", args=[running.uuid])
    assert "Start the meeting" in page(coordinator, detail)
    assert "Start the meeting" not in page(
        coordinator, reverse("meeting-detail", args=[meeting.uuid])
    )
    response = coordinator.post(reverse("meeting-start", args=[running.uuid]), follow=True)
    html = response.content.decode()
    assert "Meeting started" in html
    assert '<span class="status status--meeting-in_progress">In progress</span>' in html
    assert "Start the meeting" not in html
    listed = page(coordinator, reverse("meeting-list"))
    assert '<span class="status status--meeting-in_progress">In progress</span>' in listed
    # Starting twice says why, over the page.
    response = coordinator.post(reverse("meeting-start", args=[running.uuid]), follow=True)
    assert "This meeting is already in progress." in response.content.decode()


def test_attendance_sheet_marks_everyone_invited_present_with_corrections(
    cast, coordinator, running
):
    radon = cast.specialists["radiation_oncology"]
    for user in (cast.surgeon, radon, cast.chair):
        Invitation.objects.create(meeting=running, user=user, response="accepted")
    html = page(coordinator, reverse("meeting-detail", args=[running.uuid]))
    assert "Mark all invited members present" in html
    url = reverse("meeting-attendance-take", args=[running.uuid])
    response = coordinator.post(url, {"action": "mark-present", f"sheet-mode-{radon.pk}": "remote"})
    assert response.status_code == 302
    modes = dict(Attendance.objects.filter(meeting=running).values_list("user_id", "mode"))
    assert modes == {cast.surgeon.pk: "in_person", radon.pk: "remote", cast.chair.pk: "in_person"}
    # A correction alone, then a save with nothing chosen is refused on the form.
    coordinator.post(url, {"action": "save", f"sheet-mode-{cast.chair.pk}": "absent"})
    assert Attendance.objects.get(meeting=running, user=cast.chair).mode == "absent"
    response = coordinator.post(url, {"action": "save"})
    assert response.status_code == 400
    assert "Choose how someone attended" in response.content.decode()
    response = coordinator.post(url, {"action": "save", f"sheet-mode-{radon.pk}": "asleep"})
    assert response.status_code == 400


def test_attendance_sheet_refused_before_the_window(cast, coordinator, meeting):
    url = reverse("meeting-attendance-take", args=[meeting.uuid])
    response = coordinator.post(url, {"action": "mark-present"})
    assert response.status_code == 400
    assert "Record attendance from an hour before the start." in response.content.decode()
    assert not Attendance.objects.exists()


def test_close_confirmation_lists_undiscussed_cases_and_carries_them(
    cast, coordinator, running, meeting
):
    carried = AgendaItemFactory(
        meeting=running,
        case=ready_case(cast.board, status="scheduled", created_by=cast.surgeon),
        position=1,
    )
    back = AgendaItemFactory(
        meeting=running, case=ready_case(cast.board, status="scheduled"), position=2
    )
    discussed = AgendaItemFactory(
        meeting=running, case=ready_case(cast.board, status="plan_signed"), position=3
    )
    assert "Close the meeting…" in page(coordinator, reverse("meeting-detail", args=[running.uuid]))
    url = reverse("meeting-close", args=[running.uuid])
    html = page(coordinator, url)
    assert "2 cases on the agenda were not discussed." in html
    assert f"Carry to the next meeting, {local_start(meeting)}" in html
    assert f'id="undiscussed-{carried.case.uuid}"' in html
    assert f'id="undiscussed-{discussed.case.uuid}"' not in html

    key = lambda item: f"close-carry-{item.case.uuid.hex[:12]}"  # noqa: E731
    response = coordinator.post(url, {key(carried): "next_meeting"})
    assert response.status_code == 400
    assert "Choose where this case goes." in response.content.decode()
    running.refresh_from_db()
    assert running.status == Meeting.Status.PLANNED

    response = coordinator.post(url, {key(carried): "next_meeting", key(back): "ready"})
    assert response.status_code == 302
    running.refresh_from_db()
    assert running.status == Meeting.Status.CLOSED
    assert AgendaItem.objects.get(case=carried.case, is_open=True).meeting == meeting
    assert Case.objects.get(pk=back.case.pk).status == Case.Status.READY
    assert Notification.objects.filter(recipient=cast.surgeon).exists()
    assert "This meeting is already closed." in page(coordinator, url)


def test_close_without_a_next_meeting_offers_only_ready(cast, coordinator, running):
    item = AgendaItemFactory(
        meeting=running, case=ready_case(cast.board, status="scheduled"), position=1
    )
    html = page(coordinator, reverse("meeting-close", args=[running.uuid]))
    assert "The board has no later planned meeting" in html
    assert "Carry to the next meeting" not in html
    response = coordinator.post(
        reverse("meeting-close", args=[running.uuid]),
        {f"close-carry-{item.case.uuid.hex[:12]}": "next_meeting"},
    )
    assert response.status_code == 400  # not one of the choices offered
    assert not Notification.objects.exists()


def test_close_page_before_the_start_and_for_members(cast, client, coordinator, meeting):
    url = reverse("meeting-close", args=[meeting.uuid])
    assert "A meeting can be closed once it has started." in page(coordinator, url)
    response = coordinator.post(url, {})
    assert response.status_code == 400
    assert "A meeting can be closed once it has started." in response.content.decode()
    client.force_login(cast.surgeon)
    assert client.get(url).status_code == 403
    assert in_days(5) == meeting.starts_at
