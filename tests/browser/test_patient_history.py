"""A coordinator finds a patient by MRN on the case list and reads their earlier cases and the
board's decisions (issue 14)."""

import re

import pytest

from recommendations.decisions import services as decisions
from tests.browser.conftest import sign_in
from tests.factories import CaseFactory
from tests.meeting_mode import quorum, ready_to_sign, started_agenda

# Without Playwright installed the module is skipped, not an import error (CI requires it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_coordinator_finds_a_patients_earlier_cases_and_decisions(
    browser_page, live_server, cast, numbered_screenshot
):
    _meeting, (item,) = started_agenda(cast.board)
    quorum(cast, item.meeting)
    _record, plan = ready_to_sign(cast, item)
    plan = decisions.plan_sign(plan=plan, by=cast.chair)
    earlier = item.case
    patient = earlier.patient
    patient.mrn, patient.family_name, patient.given_name = "DEMO-4242", "Returning", "Rita"
    patient.save()
    current = CaseFactory(
        board=cast.board, patient=patient, clinical_question="New pain at L2: re-irradiate?"
    )
    CaseFactory(board=cast.board, patient__family_name="Other")
    page = browser_page
    sign_in(page, live_server.url, "coord")

    page.goto(live_server.url + "/cases/")
    search = page.get_by_role("form", name="Find cases by MRN or name")
    search.get_by_label("MRN").fill("demo-4242")  # any letter case
    search.get_by_role("button", name="Find cases").click()
    expect(page).to_have_url(re.compile(r"/cases/search/$"))  # no MRN in the address
    rows = page.locator("table.data-table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.get_by_text("OTHER")).to_have_count(0)
    numbered_screenshot(page, "patient-history", "search-by-mrn")

    rows.first.get_by_role("link", name="All cases and decisions of this patient").click()
    expect(page.get_by_role("heading", level=1, name="RETURNING, Rita")).to_be_visible()
    cases = page.locator("#patient-cases tbody tr")
    expect(cases).to_have_count(2)
    expect(cases.first).to_contain_text("New pain at L2: re-irradiate?")  # newest first
    expect(cases.nth(1)).to_contain_text(plan.get_outcome_display())
    numbered_screenshot(page, "patient-history", "patient-page")

    cases.nth(1).get_by_role("link", name=plan.get_outcome_display()).click()
    expect(page).to_have_url(re.compile(rf"/plans/{plan.uuid}/$"))

    page.goto(f"{live_server.url}/cases/{current.uuid}/")
    page.get_by_role("link", name="Earlier cases of this patient").click()
    expect(page).to_have_url(re.compile(rf"/patients/{patient.uuid}/$"))
    outcome = page.locator("#patient-cases").get_by_role("link", name=plan.get_outcome_display())
    expect(outcome).to_have_count(1)
