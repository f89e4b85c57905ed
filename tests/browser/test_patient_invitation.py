"""In a real browser: the coordinator invites a patient from the case page, the e-mail's link
opens the sign-up page, the patient chooses a password, reads the summary in English and
switches to Spanish (page and PDF); the spent link then says so."""

from __future__ import annotations

import pytest
from django.core import mail

from recommendations.patient_summaries import services
from tests.browser.conftest import emailed_link
from tests.factories import CaseFactory, LesionFactory, PatientFactory
from tests.plans import signed_plan

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PASSWORD = "violet-harbour-9271"


@pytest.fixture
def case_with_both_languages(cast):
    """A case of a patient with no account, its plan's summary released in English and Spanish."""
    patient = PatientFactory(given_name="Ana", family_name="Ruiz", email="")
    case = CaseFactory(
        board=cast.board,
        patient=patient,
        urgency="urgent",
        goals_ranked=["walking", "independence"],
        frankel_grade="D",
    )
    LesionFactory(case=case, level="T10", escc_grade="3")
    plan = signed_plan(case, 1, chair=cast.chair)
    english = services.patient_summary_release(
        summary=services.patient_summary_draft(plan=plan, by=cast.chair, language="en"),
        by=cast.chair,
    )
    spanish = services.patient_summary_release(
        summary=services.patient_summary_draft(plan=plan, by=cast.chair, language="es"),
        by=cast.chair,
    )
    return case, english, spanish


def _sign_in(page, url, username, password):
    page.goto(url + "/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_coordinator_invites_patient_who_reads_both_languages(
    browser_page, live_server, cast, case_with_both_languages, screenshot, settings
):
    settings.SITE_URL = live_server.url
    case, english, spanish = case_with_both_languages
    mail.outbox.clear()
    page = browser_page

    _sign_in(page, live_server.url, "coord", "pw-test-1234")
    page.goto(f"{live_server.url}/cases/{case.uuid}/")
    section = page.locator("#patient-access")
    section.get_by_label("Patient's e-mail address").fill("ana.ruiz@example.org")
    section.get_by_role("button", name="Invite patient to their summaries").click()
    expect(page.get_by_text("An invitation to read their summaries was e-mailed")).to_be_visible()
    expect(page.locator("#patient-access")).to_contain_text("Invitation e-mailed to")
    screenshot(page, "case-invited")
    page.get_by_role("button", name="Sign out").click()

    link = emailed_link(live_server.url, r"/join/\S+/")
    assert link.startswith(live_server.url + "/join/")
    [message] = mail.outbox
    assert message.to == ["ana.ruiz@example.org"]
    assert any(link in html for html, _type in message.alternatives)

    page.goto(link)
    expect(page.get_by_role("heading", level=1, name="Create your account")).to_be_visible()
    page.get_by_label("Choose a password").fill("12345678")
    page.get_by_label("Type the password again").fill("12345678")
    page.get_by_role("button", name="Create my account").click()
    expect(page.get_by_text("This password is entirely numeric.")).to_be_visible()
    page.get_by_label("Choose a password").fill(PASSWORD)
    page.get_by_label("Type the password again").fill(PASSWORD)
    page.get_by_role("button", name="Create my account").click()

    expect(page.get_by_role("heading", level=1, name="My summaries")).to_be_visible()
    expect(page.get_by_text("Replaced by a newer summary")).to_have_count(0)
    page.get_by_role("link", name=english.title).click()
    expect(page.get_by_role("heading", level=1, name=english.title)).to_be_visible()
    expect(page.get_by_text("may be out of date")).to_have_count(0)
    screenshot(page, "patient-english")

    page.get_by_role("navigation", name="Language").get_by_role(
        "link", name="Español", exact=True
    ).click()
    expect(page.get_by_role("heading", level=1, name=spanish.title)).to_be_visible()
    assert page.locator("html").get_attribute("lang") == "es"
    expect(page.get_by_role("link", name="Descargar PDF")).to_be_visible()
    screenshot(page, "patient-spanish")
    pdf = page.request.get(f"{live_server.url}/my/summaries/{spanish.uuid}/pdf/")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    assert pdf.headers["content-disposition"].endswith('-es.pdf"')

    # The invitation opened once: a second visit explains, it does not fail.
    page.goto(link)
    expect(page.get_by_role("heading", level=1, name="This link does not work")).to_be_visible()
    expect(page.get_by_text("already been used")).to_be_visible()
