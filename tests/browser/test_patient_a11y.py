"""The patient's summary pages in a real browser: axe-core finds no serious or critical
accessibility violation (desktop and phone widths, the link pages too), the page fits a phone
screen, prints without its buttons, and offers the PDF."""

from __future__ import annotations

import re

import pytest

from recommendations.patient_summaries import services
from tests.factories import CaseFactory, LesionFactory
from tests.plans import signed_plan

# Without Playwright (or axe) installed the module is skipped, not an import error.
expect = pytest.importorskip("playwright.sync_api").expect
Axe = pytest.importorskip("axe_playwright_python.sync_playwright").Axe

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

SERIOUS = ("serious", "critical")


def _serious_violations(page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(node["target"][0] for node in v["nodes"][:3])
        for v in violations
        if v.get("impact") in SERIOUS
    ]


@pytest.fixture
def released(cast):
    case = CaseFactory(
        board=cast.board,
        patient=cast.patient,
        urgency="urgent",
        goals_ranked=["walking", "independence"],
        goals_notes="I want to keep walking.",
        frankel_grade="D",
    )
    LesionFactory(case=case, level="T10", escc_grade="3")
    plan = signed_plan(case, 1, chair=cast.chair)
    draft = services.patient_summary_draft(plan=plan, by=cast.chair)
    return services.patient_summary_release(summary=draft, by=cast.chair)


def test_patient_summary_pages_pass_axe(browser_page, live_server, cast, released, screenshot):
    page = browser_page
    page.goto(live_server.url + "/login/")
    page.get_by_label("Username").fill("patient")
    page.get_by_label("Password").fill("pw-test-1234")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", level=1, name="My summaries")).to_be_visible()
    assert _serious_violations(page) == []
    page.get_by_role("link", name=released.title).click()

    expect(page).to_have_url(re.compile(rf"/my/summaries/{released.uuid}/$"))
    expect(page.get_by_role("heading", level=1, name=released.title)).to_be_visible()
    expect(page.get_by_role("heading", name="Warning signs: get help now")).to_be_visible()
    expect(page.get_by_role("link", name="Download PDF")).to_be_visible()
    expect(page.get_by_role("button", name="Print")).to_be_visible()  # shown by print.js
    expect(page.get_by_role("heading", name="Words we used")).to_be_visible()
    # Large text: the summary's paragraphs are at least 20px.
    size = page.locator(".summary-section p").first.evaluate(
        "el => parseFloat(getComputedStyle(el).fontSize)"
    )
    assert size >= 20, size
    screenshot(page, "desktop")
    assert _serious_violations(page) == []

    # A phone: no sideways scrolling, still no serious violation.
    page.set_viewport_size({"width": 375, "height": 812})
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "phone")
    assert _serious_violations(page) == []

    # Printing leaves the buttons out and keeps the warning signs.
    page.emulate_media(media="print")
    expect(page.get_by_role("link", name="Download PDF")).to_be_hidden()
    expect(page.get_by_role("heading", name="Warning signs: get help now")).to_be_visible()
    page.emulate_media(media="screen")

    response = page.request.get(f"{live_server.url}/my/summaries/{released.uuid}/pdf/")
    assert response.status == 200 and response.body().startswith(b"%PDF")


def test_link_pages_pass_axe(browser_page, live_server, cast, released):
    token = services.access_link_create(summary=released, by=cast.chair)
    page = browser_page
    page.goto(f"{live_server.url}/s/{token}/")
    expect(page.get_by_role("heading", level=1, name="Your summary")).to_be_visible()
    assert _serious_violations(page) == []
    page.get_by_role("button", name="Open my summary").click()

    expect(page.get_by_role("heading", level=1, name=released.title)).to_be_visible()
    assert _serious_violations(page) == []

    # The link is spent: opening it again explains why (410), and passes axe too.
    page.goto(f"{live_server.url}/s/{token}/")
    expect(page.get_by_role("heading", level=1, name="This link does not work")).to_be_visible()
    expect(page.get_by_text("This link has already been used.")).to_be_visible()
    assert _serious_violations(page) == []
