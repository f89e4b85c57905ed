"""A coordinator signs in through the real form, finds a case in the list and reads it."""

import re

import pytest

from tests.factories import AgendaItemFactory, CaseFactory, LesionFactory, MeetingFactory

# Without Playwright installed the module is skipped, not an import error (CI requires it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

QUESTION = "Separation surgery then SBRT, or radiotherapy alone?"


def test_coordinator_signs_in_and_opens_a_case(browser_page, live_server, cast, screenshot):
    case = CaseFactory(
        board=cast.board,
        patient__given_name="Walter",
        patient__family_name="Demo",
        patient__mrn="DEMO-0001",
        urgency="urgent",
        clinical_question=QUESTION,
        primary_site="renal_cell",
        kps=70,
        goals_ranked=["walking", "independence"],
    )
    LesionFactory(case=case, level="T10")
    AgendaItemFactory(meeting=MeetingFactory(board=cast.board), case=case)
    CaseFactory(board=cast.other_board, patient__family_name="Elsewhere")
    page = browser_page

    page.goto(live_server.url + "/")
    expect(page).to_have_url(re.compile(r"/login/$"))
    page.get_by_label("Username").fill("coord")
    page.get_by_label("Password").fill("pw-test-1234")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1, name="My work")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Cases").click()
    expect(page.get_by_role("heading", level=1, name="Cases")).to_be_visible()
    expect(page.get_by_text("ELSEWHERE")).to_have_count(0)
    screenshot(page, "case-list")
    page.get_by_role("link", name="DEMO, Walter").click()

    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/$"))
    expect(page.get_by_text(QUESTION)).to_be_visible()
    lesions = page.locator("#lesions")
    expect(lesions.get_by_role("rowheader", name="T10")).to_be_visible()
    expect(page.locator("#assessment")).to_contain_text("Decision support")
    screenshot(page)
