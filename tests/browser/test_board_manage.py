"""A coordinator manages their board in the browser: adds a member found by name, changes the
opinion deadline, and sets the standing schedule "Every Thursday at 07:30, Europe/London"."""

import re

import pytest

from scheduling.models import Board, BoardMembership, BoardSchedule
from tests.browser.conftest import sign_in
from tests.factories import SpecialistProfileFactory, UserFactory
from tumorboard import roles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_coordinator_adds_a_member_sets_the_deadline_and_the_schedule(
    browser_page, live_server, cast, numbered_screenshot
):
    nurse = UserFactory(
        username="nquill", first_name="Nora", last_name="Quill", roles=[roles.SPECIALIST]
    )
    SpecialistProfileFactory(user=nurse, discipline="nursing")
    page = browser_page
    sign_in(page, live_server.url, "coord")

    page.goto(f"{live_server.url}/meetings/")
    page.get_by_role("link", name="Manage Spine Oncology Board").click()
    expect(page.get_by_role("heading", level=1, name="Manage the board")).to_be_visible()
    numbered_screenshot(page, "board", "manage")

    # A member, found by name (the search is a POST), added with the duty of member.
    page.get_by_label("Find a member of staff").fill("quil")
    page.get_by_role("button", name="Search").click()
    add = page.locator("form[action$='/members/add/']")
    add.get_by_label("Nora Quill (Nursing)").check()
    add.get_by_label("Duty").select_option("member")
    add.get_by_role("button", name="Add to the board").click()
    expect(page.get_by_text("Nora Quill added to the board.")).to_be_visible()
    row = page.locator("tr[data-member='nquill']")
    expect(row).to_contain_text("Nursing")

    # The opinion deadline: a bad value is a form error and changes nothing, then a good one.
    deadline = page.get_by_label("Opinions are due (hours before the meeting)")
    deadline.fill("500")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".error-summary")).to_contain_text("less than or equal to 336")
    assert Board.objects.get(pk=cast.board.pk).opinion_deadline_hours == 24
    page.get_by_label("Opinions are due (hours before the meeting)").fill("48")
    page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("Board settings saved.")).to_be_visible()
    expect(page.get_by_label("Opinions are due (hours before the meeting)")).to_have_value("48")

    # The standing schedule, from weekday, time, frequency and time zone.
    schedules = page.locator("#schedules")
    schedules.get_by_label("How often").select_option("weekly")
    schedules.get_by_label("Day").select_option(label="Thursday")
    schedules.get_by_label("Starts at").fill("07:30")
    schedules.get_by_label("Time zone").select_option("Europe/London")
    schedules.get_by_role("button", name="Add schedule").click()
    expect(
        page.get_by_text("Standing schedule saved: Every Thursday at 07:30, Europe/London.")
    ).to_be_visible()
    expect(page.locator("#schedules .schedule-when")).to_have_text(
        "Every Thursday at 07:30, Europe/London"
    )
    numbered_screenshot(page, "board", "managed")

    page.goto(f"{live_server.url}/meetings/")
    expect(page.locator("#schedules")).to_contain_text("Every Thursday at 07:30, Europe/London")
    expect(page.locator("#schedules")).not_to_contain_text(re.compile("FREQ="))

    assert BoardMembership.objects.get(board=cast.board, user=nurse).created_by == cast.coordinator
    assert Board.objects.get(pk=cast.board.pk).opinion_deadline_hours == 48
    assert BoardSchedule.objects.get(board=cast.board).recurrence == "FREQ=WEEKLY;BYDAY=TH"
