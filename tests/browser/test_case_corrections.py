"""A coordinator records an incomplete lesion, sees the case not ready, corrects the lesion on the
case's pages and sees it ready; then removes a prior treatment (issue 14). No API, no admin."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, PriorTreatment
from scheduling.tests.helpers import ready_case
from tests.browser.conftest import sign_in
from tests.factories import PriorTreatmentFactory

# Without Playwright installed the module is skipped, not an import error (CI requires it).
expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_lesion_corrected_and_prior_treatment_removed_on_the_case_pages(
    browser_page, live_server, cast, numbered_screenshot
):
    case = ready_case(
        cast.board,
        status=Case.Status.REFERRED,
        patient__given_name="Walter",
        patient__family_name="Demo",
    )
    case.lesions.all().delete()  # the case is complete but for its lesion
    PriorTreatmentFactory(
        case=case,
        kind=PriorTreatment.Kind.SURGERY,
        level_from="L1",
        dose_gy=None,
        fractions=None,
        treated_on=timezone.localdate() - dt.timedelta(days=400),
        description="Posterior stabilisation",
    )
    page, base = browser_page, live_server.url
    case_url = base + reverse("case-detail", args=[case.uuid])
    board_url = base + reverse("readiness-board")
    sign_in(page, base, cast.coordinator.username)

    # An incomplete lesion: its level, a dated MRI and the pain only.
    page.goto(case_url)
    page.locator("#lesions").get_by_role("link", name="Add a lesion").click()
    page.get_by_label("Level").select_option("L2")
    page.get_by_label("Imaging date").fill(timezone.localdate().isoformat())
    page.get_by_label("Pain:", exact=True).select_option(label="Mechanical")
    page.get_by_role("button", name="Add lesion").click()
    expect(page).to_have_url(re.compile(rf"/cases/{case.uuid}/#lesions$"))
    expect(page.get_by_text("Lesion L2 added.")).to_be_visible()
    lesions = page.locator("#lesions")
    expect(lesions.get_by_role("rowheader", name="L2")).to_be_visible()
    expect(lesions.locator(".lesion-missing")).to_contain_text(
        "Not recorded: bone lesion; alignment; collapse"
    )
    numbered_screenshot(page, "case-corrections", "incomplete-lesion")

    page.goto(board_url)
    card = page.locator(".kanban__card", has_text="DEMO, Walter")
    expect(card).to_contain_text("Not ready")
    card.locator("summary").click()
    expect(card).to_contain_text("NOMS at L2")
    numbered_screenshot(page, "case-corrections", "not-ready")

    # Corrected on the case's page, from the link beside what is missing.
    page.goto(case_url)
    page.get_by_role("link", name="Complete lesion L2").click()
    expect(page.get_by_role("heading", level=1, name="Correct lesion L2")).to_be_visible()
    page.get_by_label("Bone lesion").select_option(label="Lytic")
    page.get_by_label("Alignment").select_option(label="Normal")
    page.get_by_label("Collapse").select_option(label="<50% collapse")
    page.get_by_label("Posterolateral").select_option(label="Unilateral")
    page.get_by_label("ESCC (Bilsky) grade").select_option(label="1a – epidural impingement")
    page.get_by_role("button", name="Save correction").click()
    expect(page.get_by_text("Lesion L2 corrected.")).to_be_visible()
    expect(page.locator("#lesions .lesion-missing")).to_have_count(0)
    expect(page.locator("#history")).to_contain_text("Lesion L2 changed")

    page.goto(board_url)
    card = page.locator(".kanban__card", has_text="DEMO, Walter")
    expect(card.get_by_text("Ready", exact=True)).to_be_visible()
    expect(card).not_to_contain_text("Not ready")
    numbered_screenshot(page, "case-corrections", "ready")

    # A prior treatment removed, after confirming.
    page.goto(case_url)
    prior = page.locator("#prior-treatment")
    expect(prior).to_contain_text("Posterior stabilisation")
    prior.get_by_role("link", name="Remove Surgery L1").click()
    expect(
        page.get_by_role("heading", level=1, name="Remove prior treatment: Surgery L1?")
    ).to_be_visible()
    page.get_by_role("button", name="Remove").click()
    expect(page.get_by_text("Surgery L1 removed.")).to_be_visible()
    expect(page.locator("#prior-treatment")).to_contain_text("None recorded.")
    expect(page.locator("#history")).to_contain_text("Prior treatment Surgery L1 removed")
    numbered_screenshot(page, "case-corrections", "treatment-removed")
    assert not case.prior_treatments.exists()
