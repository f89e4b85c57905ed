"""A coordinator runs a meeting's bookkeeping in a real browser: starts it (it shows in progress),
takes everyone's attendance in one step, and closes it with two cases not discussed: one carried
to the board's next meeting, one back to ready; the person who registered the carried case is
notified. (The meeting is made to have started 20 minutes ago: the pages cannot plan one in the
past.)"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from cases.models import Case
from scheduling.models import AgendaItem, Attendance, Invitation, Meeting, Notification
from scheduling.services.common import local_start
from scheduling.tests.helpers import ready_case
from tests.browser.conftest import sign_in
from tests.factories import AgendaItemFactory, MeetingFactory, in_days

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_start_take_attendance_and_close_carrying_cases(
    browser_page, live_server, cast, numbered_screenshot
):
    now = timezone.now()
    running = MeetingFactory(
        board=cast.board,
        starts_at=now - dt.timedelta(minutes=20),
        ends_at=now + dt.timedelta(minutes=40),
    )
    following = MeetingFactory(board=cast.board, starts_at=in_days(7), ends_at=in_days(7, 8, 30))
    for user in (cast.surgeon, cast.specialists["radiation_oncology"], cast.chair):
        Invitation.objects.create(meeting=running, user=user, response="accepted")
    carried = ready_case(
        cast.board,
        status="scheduled",
        created_by=cast.surgeon,
        patient__given_name="Ada",
        patient__family_name="Carrow",
    )
    back = ready_case(
        cast.board,
        status="scheduled",
        created_by=cast.specialists["pain_medicine"],
        patient__given_name="Bram",
        patient__family_name="Readyman",
    )
    AgendaItemFactory(meeting=running, case=carried, position=1)
    AgendaItemFactory(meeting=running, case=back, position=2)
    page = browser_page
    sign_in(page, live_server.url, "coord")
    page.goto(f"{live_server.url}/meetings/{running.uuid}/")
    badge = page.locator(".page-head .status")
    expect(badge).to_have_text("Planned")

    # Start: the meeting shows "In progress" on its page and in the list.
    page.get_by_role("button", name="Start the meeting").click()
    expect(page.get_by_text("Meeting started")).to_be_visible()
    expect(badge).to_have_text("In progress")
    numbered_screenshot(page, "meeting-close", "started")

    # Attendance in one step, with one correction on the sheet.
    attendance = page.locator("#attendance")
    radon = cast.specialists["radiation_oncology"]
    attendance.get_by_label(f"Attendance of {radon.get_full_name()}").select_option("remote")
    attendance.get_by_role("button", name="Mark all invited members present").click()
    expect(page.get_by_text("Attendance recorded for 3 people.")).to_be_visible()
    expect(page.locator("#attendance")).to_contain_text("Quorum met")
    modes = dict(Attendance.objects.filter(meeting=running).values_list("user_id", "mode"))
    assert modes == {cast.surgeon.pk: "in_person", radon.pk: "remote", cast.chair.pk: "in_person"}
    numbered_screenshot(page, "meeting-close", "attendance")

    page.goto(f"{live_server.url}/meetings/")
    row = page.get_by_role("row").filter(has=page.locator(f'a[href="/meetings/{running.uuid}/"]'))
    expect(row).to_contain_text("In progress")

    # Close: the confirmation lists the two cases; one goes on, one back to ready.
    page.goto(f"{live_server.url}/meetings/{running.uuid}/")
    page.get_by_role("link", name="Close the meeting…").click()
    expect(page).to_have_url(re.compile(rf"/meetings/{running.uuid}/close/$"))
    expect(page.get_by_text("2 cases on the agenda were not discussed.")).to_be_visible()
    page.get_by_role("button", name="Close the meeting").click()  # nothing chosen yet
    expect(page.locator(".error-summary")).to_contain_text("Choose where this case goes.")
    when = local_start(following)
    page.locator(f"#undiscussed-{carried.uuid}").get_by_label(
        f"Carry to the next meeting, {when}"
    ).check()
    page.locator(f"#undiscussed-{back.uuid}").get_by_label(
        "Back to ready for review (on no agenda)"
    ).check()
    numbered_screenshot(page, "meeting-close", "confirm")
    page.get_by_role("button", name="Close the meeting").click()
    expect(page.get_by_text("Meeting closed.")).to_be_visible()
    expect(badge).to_have_text("Closed")
    numbered_screenshot(page, "meeting-close", "closed")

    running.refresh_from_db()
    assert running.status == Meeting.Status.CLOSED
    assert AgendaItem.objects.get(case=carried, is_open=True).meeting == following
    assert Case.objects.get(pk=back.pk).status == Case.Status.READY
    note = Notification.objects.get(recipient=cast.surgeon)
    assert f"now on the agenda of the meeting on {when}" in note.body
    assert Notification.objects.filter(recipient=cast.specialists["pain_medicine"]).count() == 1
