"""iCalendar files: one meeting's .ics and the per-user subscription feed, parsed back with the
icalendar library; times in the board's zone, no patient data, secret-token access."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from scheduling import calendar, services
from scheduling.models import CalendarFeed, Invitation, Meeting
from scheduling.tests.helpers import ready_case
from tests.factories import BoardFactory, MeetingFactory, MembershipFactory, in_days

pytestmark = pytest.mark.django_db


@pytest.fixture
def meeting_with_agenda(cast, meeting):
    """The meeting, with a video link and two cases on its agenda."""
    Meeting.objects.filter(pk=meeting.pk).update(video_link="https://video.example.org/board")
    meeting.refresh_from_db()
    for _ in range(2):
        services.agenda_item_add(meeting=meeting, case=ready_case(cast.board), by=cast.coordinator)
    return meeting


def parse(response) -> Calendar:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> list:
    return list(calendar.walk("VEVENT"))


@pytest.mark.usefixtures("meeting_with_agenda")
def test_meeting_ics_has_one_event_in_the_boards_zone(cast, api, meeting):
    response = api(cast.surgeon).get(reverse("api:meeting-calendar", args=[meeting.uuid]))
    calendar = parse(response)
    assert response["Content-Disposition"].startswith('attachment; filename="board-meeting-')
    [event] = events(calendar)
    assert str(event["UID"]) == f"{meeting.uuid}@tumorboard"
    assert str(event["SUMMARY"]) == "Spine Oncology Board meeting"
    start = event.decoded("DTSTART")
    assert event["DTSTART"].params["TZID"] == "Europe/London"
    assert start.tzinfo.key == "Europe/London"
    assert (start.hour, start.minute) == (7, 30)
    assert start == meeting.starts_at  # the same instant as stored in UTC
    assert event.decoded("DTEND") == meeting.ends_at
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["LOCATION"]) == "Seminar room 2"
    assert str(event["URL"]).endswith(f"/meetings/{meeting.uuid}/")
    assert "2 cases on the agenda." in str(event["DESCRIPTION"])
    assert "https://video.example.org/board" in str(event["DESCRIPTION"])
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]


@pytest.mark.usefixtures("meeting_with_agenda")
def test_no_patient_data_in_the_file(cast, api, meeting):
    content = (
        api(cast.coordinator)
        .get(reverse("api:meeting-calendar", args=[meeting.uuid]))
        .content.decode()
    )
    for item in meeting.agenda_items.select_related("case__patient"):
        patient = item.case.patient
        for secret in (patient.family_name, patient.given_name, patient.mrn, str(item.case.uuid)):
            assert secret not in content
    assert "Case " not in content


def test_other_time_zone_and_sequence_grows_with_changes(cast, api):
    board = BoardFactory(name="Boston board", time_zone="America/New_York")
    MembershipFactory(board=board, user=cast.coordinator, role="coordinator")
    start = dt.datetime.combine(
        timezone.localdate() + dt.timedelta(days=10), dt.time(7, 0), tzinfo=ZoneInfo("UTC")
    )
    meeting = services.meeting_create(
        board=board, starts_at=start, ends_at=start + dt.timedelta(hours=1), by=cast.coordinator
    )
    client = api(cast.coordinator)
    [event] = events(parse(client.get(reverse("api:meeting-calendar", args=[meeting.uuid]))))
    assert event["DTSTART"].params["TZID"] == "America/New_York"
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTSTART").hour in (2, 3)  # 07:00 UTC in Boston (EST/EDT)
    assert event.decoded("SEQUENCE") == 0
    services.meeting_reschedule(
        meeting=meeting,
        starts_at=start + dt.timedelta(hours=1),
        ends_at=start + dt.timedelta(hours=2),
        by=cast.coordinator,
    )
    [event] = events(parse(client.get(reverse("api:meeting-calendar", args=[meeting.uuid]))))
    assert event.decoded("SEQUENCE") == 1
    assert event.decoded("DTSTART") == start + dt.timedelta(hours=1)


@pytest.mark.usefixtures("meeting_with_agenda")
def test_cancelled_meeting_is_marked_cancelled(cast, api, meeting):
    services.meeting_cancel(meeting=meeting, reason="Bank holiday", by=cast.coordinator)
    [event] = events(
        parse(api(cast.coordinator).get(reverse("api:meeting-calendar", args=[meeting.uuid])))
    )
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") >= 1


@pytest.mark.usefixtures("meeting_with_agenda")
def test_meeting_ics_access(cast, api, meeting, client):
    path = reverse("api:meeting-calendar", args=[meeting.uuid])
    assert api(cast.outsider).get(path).status_code == 404
    assert api(cast.patient_user).get(path).status_code == 403
    assert api().get(path).status_code == 403
    # The page link needs a login too.
    page = reverse("meeting-ics", args=[meeting.uuid])
    assert client.get(page).status_code == 302
    client.force_login(cast.surgeon)
    [event] = events(parse(client.get(page)))
    assert str(event["UID"]) == f"{meeting.uuid}@tumorboard"
    client.force_login(cast.outsider)
    assert client.get(page).status_code == 404


@pytest.mark.usefixtures("meeting_with_agenda")
def test_calendar_clients_asking_for_text_calendar_are_served(cast, api, meeting):
    response = api(cast.surgeon).get(
        reverse("api:meeting-calendar", args=[meeting.uuid]), HTTP_ACCEPT="text/calendar"
    )
    assert len(events(parse(response))) == 1


# --- the subscription feed --------------------------------------------------------------------


def feed_path(api_client) -> str:
    response = api_client.get(reverse("api:my-calendar-feed"))
    assert response.status_code == 200
    url = response.json()["url"]
    assert url.startswith("http://testserver/calendar/") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


@pytest.mark.usefixtures("meeting_with_agenda")
def test_feed_by_token_works_without_login(cast, api, client, meeting):
    elsewhere = MeetingFactory(board=cast.other_board, starts_at=in_days(3))
    old = MeetingFactory(board=cast.board, starts_at=timezone.now() - dt.timedelta(days=200))
    cancelled = MeetingFactory(board=cast.board, starts_at=in_days(8))
    services.meeting_cancel(meeting=cancelled, reason="Strike", by=cast.coordinator)
    path = feed_path(api(cast.surgeon))
    assert feed_path(api(cast.surgeon)) == path  # the same address until rotated

    calendar = parse(client.get(path))
    found = {str(e["UID"]): str(e["STATUS"]) for e in events(calendar)}
    assert found == {
        f"{meeting.uuid}@tumorboard": "CONFIRMED",
        f"{cancelled.uuid}@tumorboard": "CANCELLED",
    }
    assert f"{elsewhere.uuid}" not in client.get(path).content.decode()
    assert f"{old.uuid}" not in client.get(path).content.decode()
    assert str(calendar["X-WR-CALNAME"]) == "Tumour board meetings"
    content = client.get(path).content.decode()
    for item in meeting.agenda_items.select_related("case__patient"):
        assert item.case.patient.family_name not in content
        assert item.case.patient.mrn not in content


def test_feed_includes_meetings_one_is_invited_to(cast, api, client):
    # An invitee of a meeting of a board they are not (or no longer) a member of.
    elsewhere = MeetingFactory(board=cast.other_board, starts_at=in_days(3))
    Invitation.objects.create(meeting=elsewhere, user=cast.surgeon)
    path = feed_path(api(cast.surgeon))
    uids = [str(e["UID"]) for e in events(parse(client.get(path)))]
    assert uids == [f"{elsewhere.uuid}@tumorboard"]


def test_unknown_token_is_404(cast, client):
    assert client.get(reverse("calendar-feed", args=["not-a-token"])).status_code == 404


@pytest.mark.usefixtures("meeting_with_agenda")
def test_rotate_invalidates_the_old_address(cast, api, client, meeting):
    api_client = api(cast.surgeon)
    old = feed_path(api_client)
    response = api_client.post(reverse("api:my-calendar-feed"))
    assert response.status_code == 200
    new = response.json()["url"].removeprefix("http://testserver")
    assert new != old
    assert client.get(old).status_code == 404
    assert len(events(parse(client.get(new)))) == 1
    assert CalendarFeed.objects.filter(user=cast.surgeon).count() == 1


@pytest.mark.usefixtures("meeting_with_agenda")
def test_feed_of_a_deactivated_user_is_404(cast, api, client, meeting):
    path = feed_path(api(cast.surgeon))
    cast.surgeon.is_active = False
    cast.surgeon.save()
    assert client.get(path).status_code == 404


def test_my_calendar_page_shows_and_rotates_the_address(cast, client):
    client.force_login(cast.surgeon)
    page = client.get(reverse("my-calendar"))
    assert page.status_code == 200
    token = CalendarFeed.objects.get(user=cast.surgeon).token
    assert f"/calendar/{token}.ics" in page.content.decode()
    assert 'name="csrfmiddlewaretoken"' in page.content.decode()
    response = client.post(reverse("my-calendar"))
    assert response.status_code == 302
    new_token = CalendarFeed.objects.get(user=cast.surgeon).token
    assert new_token != token
    assert client.get(reverse("calendar-feed", args=[token])).status_code == 404
    client.force_login(cast.patient_user)
    assert client.get(reverse("my-calendar")).status_code == 403


# --- one bad event never breaks a feed --------------------------------------------------------

FAR_FUTURE = dt.datetime(9999, 12, 31, 7, 30, tzinfo=dt.UTC)


@pytest.mark.parametrize("cancel", [False, True])
def test_a_meeting_at_the_end_of_time_is_left_out_and_the_feed_still_answers(
    cast, api, client, meeting, cancel, caplog
):
    """Written straight to the table (the services refuse such a date): the feed skips it, logs
    its id only, and still lists the others; its own .ics answers too."""
    bad = MeetingFactory(board=cast.board, starts_at=in_days(9))
    Meeting.objects.filter(pk=bad.pk).update(
        starts_at=FAR_FUTURE,
        ends_at=FAR_FUTURE + dt.timedelta(hours=1),
        status=Meeting.Status.CANCELLED if cancel else Meeting.Status.PLANNED,
    )
    path = feed_path(api(cast.surgeon))
    with caplog.at_level("WARNING", logger="scheduling.calendar"):
        calendar = parse(client.get(path))
    assert [str(e["UID"]) for e in events(calendar)] == [f"{meeting.uuid}@tumorboard"]
    assert [r.getMessage() for r in caplog.records] == [
        f"Meeting {bad.uuid} left out of a calendar: its times cannot be written."
    ]
    single = api(cast.coordinator).get(reverse("api:meeting-calendar", args=[bad.uuid]))
    assert events(parse(single)) == []
    client.force_login(cast.coordinator)
    assert events(parse(client.get(reverse("meeting-ics", args=[bad.uuid])))) == []


def test_a_meeting_of_a_board_with_an_unknown_zone_is_left_out(cast, meeting):
    Board = type(meeting.board)
    Board.objects.filter(pk=meeting.board_id).update(time_zone="Nowhere/Atlantis")
    meeting = Meeting.objects.select_related("board").get(pk=meeting.pk)
    body = calendar.build_calendar([meeting], link_for=lambda m: "")
    assert events(Calendar.from_ical(body)) == []
