"""English and Spanish versions of one plan's summary are siblings: releasing one language does not
date the other, the patient switches language on the page, and each language has its PDF."""

from __future__ import annotations

import pytest

from recommendations.patient_summaries import selectors, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def both(cast, plan, release):
    """(english, spanish): one plan's summary released in English, then in Spanish."""
    english = release(services.patient_summary_draft(plan=plan, by=cast.chair, language="en"))
    spanish = release(services.patient_summary_draft(plan=plan, by=cast.chair, language="es"))
    english.refresh_from_db()
    return english, spanish


def test_releasing_spanish_does_not_date_the_english_version(both):
    english, spanish = both
    assert selectors.is_newest_released(english)
    assert selectors.is_newest_released(spanish)


def test_a_newer_release_in_the_same_language_dates_the_older(cast, both, release):
    english, spanish = both
    newer = release(services.patient_summary_draft(plan=english.plan, by=cast.chair, language="en"))
    english.refresh_from_db()
    assert not selectors.is_newest_released(english)
    assert selectors.is_newest_released(spanish)
    assert selectors.is_newest_released(newer)


def test_a_summary_of_a_newer_plan_dates_every_language(cast, both, release):
    english, spanish = both
    later = release(services.patient_summary_draft(plan=english.plan, by=cast.chair))
    assert selectors.supersedes(later, english)
    assert not selectors.supersedes(later, spanish)
    other_plan = type(later)(plan_id=-1, language="en")
    assert selectors.supersedes(other_plan, spanish)


def test_language_versions_lists_each_language_once_in_settings_order(cast, both, release):
    english, spanish = both
    newer = release(services.patient_summary_draft(plan=english.plan, by=cast.chair, language="en"))
    assert selectors.language_versions(spanish) == [newer, spanish]
    assert selectors.language_versions(newer) == [newer, spanish]


def test_page_the_list_marks_neither_language_as_replaced(client, cast, both):
    client.force_login(cast.patient_user)
    html = client.get("/my/summaries/").content.decode()
    assert "Replaced by a newer summary" not in html
    assert html.count(">Newest<") == 2


def test_page_the_patient_switches_language_and_downloads_each_pdf(client, cast, both):
    english, spanish = both
    client.force_login(cast.patient_user)
    html = client.get(f"/my/summaries/{english.uuid}/").content.decode()
    assert "newer summary" not in html
    assert f'href="/my/summaries/{spanish.uuid}/" hreflang="es">Español</a>' in html
    assert '<span aria-current="page">English</span>' in html
    assert f'href="/my/summaries/{english.uuid}/pdf/"' in html
    assert f'href="/my/summaries/{spanish.uuid}/pdf/"' in html

    spanish_page = client.get(f"/my/summaries/{spanish.uuid}/").content.decode()
    assert '<html lang="es">' in spanish_page
    assert f'href="/my/summaries/{english.uuid}/" hreflang="en">English</a>' in spanish_page

    pdf = client.get(f"/my/summaries/{spanish.uuid}/pdf/")
    assert pdf.content.startswith(b"%PDF")
    assert pdf["Content-Disposition"].endswith('-es.pdf"')


def test_page_a_link_opens_one_language_only(client, cast, both):
    english, spanish = both
    token = services.access_link_create(summary=english, by=cast.chair)
    client.post(f"/s/{token}/")
    html = client.get(f"/my/summaries/{english.uuid}/").content.decode()
    assert str(spanish.uuid) not in html
    assert "summary-languages" not in html


def test_page_a_single_language_has_no_switch(client, cast, plan, release):
    only = release(services.patient_summary_draft(plan=plan, by=cast.chair))
    client.force_login(cast.patient_user)
    assert "summary-languages" not in client.get(f"/my/summaries/{only.uuid}/").content.decode()
