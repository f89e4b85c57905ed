"""The pages of the patient summary: the patient's own pages, the single-use link, and the
clinicians' review screen. Each permission is an allowed/refused pair."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.utils import timezone

from recommendations.models import PatientAccessLink, PatientSummary
from recommendations.patient_summaries import services
from tests.factories import CALL

pytestmark = pytest.mark.django_db


def login(client, user):
    client.force_login(user)
    return client


# --- the patient's pages -------------------------------------------------------------------------


def test_page_a_patient_reads_their_released_summary(client, cast, summaries):
    released, _draft, _other = summaries
    response = login(client, cast.patient_user).get(f"/my/summaries/{released.uuid}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert released.title in html
    assert f'href="/my/summaries/{released.uuid}/pdf/"' in html
    assert "summary-section--alert" in html
    assert "Words we used" in html
    assert "no-store" in response["Cache-Control"]


def test_page_the_list_shows_only_their_released_summaries(client, cast, summaries):
    released, draft, other = summaries
    html = login(client, cast.patient_user).get("/my/summaries/").content.decode()
    assert str(released.uuid) in html
    assert str(draft.uuid) not in html and str(other.uuid) not in html


def test_page_the_list_marks_a_replaced_summary(client, cast, summaries):
    released, draft, _other = summaries
    newer = services.patient_summary_release(summary=draft, by=cast.chair)
    html = login(client, cast.patient_user).get("/my/summaries/").content.decode()
    assert html.index(str(newer.uuid)) < html.index(str(released.uuid))  # newest first
    assert html.count("Replaced by a newer summary") == 1
    assert html.count(">Newest<") == 1
    detail = client.get(f"/my/summaries/{released.uuid}/").content.decode()
    assert "Your care team has shared a newer summary." in detail


def test_page_a_patient_cannot_see_another_patients_summary(client, cast, summaries):
    _released, _draft, other = summaries
    client = login(client, cast.patient_user)
    assert client.get(f"/my/summaries/{other.uuid}/").status_code == 404
    assert client.get(f"/my/summaries/{other.uuid}/pdf/").status_code == 404


def test_page_a_patient_cannot_see_an_unreleased_draft(client, cast, summaries):
    _released, draft, _other = summaries
    client = login(client, cast.patient_user)
    assert client.get(f"/my/summaries/{draft.uuid}/").status_code == 404
    assert client.get(f"/my/summaries/{draft.uuid}/pdf/").status_code == 404


def test_page_signing_in_is_needed_without_a_link(client, summaries):
    released, _draft, _other = summaries
    response = client.get(f"/my/summaries/{released.uuid}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_page_a_spanish_summary_is_shown_in_spanish(client, cast, make_plan, release):
    plan = make_plan(language="es")
    summary = release(services.patient_summary_draft(plan=plan, by=cast.chair))
    html = login(client, cast.patient_user).get(f"/my/summaries/{summary.uuid}/").content.decode()
    assert '<html lang="es">' in html
    assert "Señales de alarma: pida ayuda ya" in html
    assert "Descargar PDF" in html and "Palabras que usamos" in html
    assert "Warning signs" not in html and "Download PDF" not in html


# --- the single-use link -------------------------------------------------------------------------


def test_link_opens_once_then_the_session_reads_that_summary(client, cast, summaries):
    released, _draft, other = summaries
    token = services.access_link_create(summary=released, by=cast.chair)
    url = f"/s/{token}/"
    landing = client.get(url)  # a mail scanner's GET spends nothing
    assert landing.status_code == 200 and "Open my summary" in landing.content.decode()
    assert PatientAccessLink.objects.get().used_at is None

    opened = client.post(url)
    assert opened.status_code == 302
    assert opened["Location"] == f"/my/summaries/{released.uuid}/"
    page = client.get(opened["Location"])
    assert page.status_code == 200 and released.title in page.content.decode()
    assert client.get(f"/my/summaries/{released.uuid}/pdf/").content.startswith(b"%PDF")
    # The link opened that one summary only.
    assert client.get(f"/my/summaries/{other.uuid}/").status_code == 302

    used = client.post(url)
    assert used.status_code == 410
    assert "already been used" in used.content.decode()
    assert client.get(url).status_code == 410


def test_link_access_ends_after_an_hour(client, cast, summaries, monkeypatch):
    released, _draft, _other = summaries
    token = services.access_link_create(summary=released, by=cast.chair)
    client.post(f"/s/{token}/")
    assert client.get(f"/my/summaries/{released.uuid}/").status_code == 200
    later = time.time() + services.LINK_SESSION_SECONDS + 1
    monkeypatch.setattr("recommendations.patient_summaries.views.time.time", lambda: later)
    assert client.get(f"/my/summaries/{released.uuid}/").status_code == 302


def test_an_expired_link_is_refused_with_an_explanation(client, cast, summaries):
    released, _draft, _other = summaries
    token = services.access_link_create(summary=released, by=cast.chair)
    PatientAccessLink.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = client.post(f"/s/{token}/")
    assert response.status_code == 410
    assert "This link has expired" in response.content.decode()
    assert client.get(f"/my/summaries/{released.uuid}/").status_code == 302


def test_an_unknown_link_is_a_404_page(client):
    response = client.get("/s/" + "a" * 43 + "/")
    assert response.status_code == 404
    assert "This link is not valid" in response.content.decode()


def test_link_refusal_speaks_the_patients_language(client, cast, summaries):
    released, _draft, _other = summaries
    cast.patient.preferred_language = "es"
    cast.patient.save()
    token = services.access_link_create(summary=released, by=cast.chair)
    client.post(f"/s/{token}/")
    client.logout()
    login(client, cast.patient_user)
    assert "Este enlace ya se usó" in client.post(f"/s/{token}/").content.decode()


# --- the clinicians' review screen ---------------------------------------------------------------


def test_review_page_shows_grade_target_and_history(client, cast, summaries):
    released, draft, _other = summaries
    response = login(client, cast.chair).get(
        f"/plans/{draft.plan.uuid}/patient-summary/?summary={draft.uuid}"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Reading level" in html and "target 6 or lower, warning above 8" in html
    assert 'class="grade-scale__target"' in html
    assert "Within the target of grade 6." in html
    assert "Release to the patient" in html
    assert "History of this version" in html


def test_review_page_warns_above_grade_8(client, cast, summaries):
    _released, draft, _other = summaries
    hard = (
        "Consequently, multidisciplinary deliberation regarding stereotactic radiotherapeutic "
        "intervention necessitates comprehensive consideration of oncological characteristics."
    )
    client = login(client, cast.chair)
    response = client.post(
        f"/patient-summaries/{draft.uuid}/edit/",
        {"title": "Plan", "body": f"## A\n{hard}", "version": "1"},
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Above grade 8: too hard for many patients." in html
    assert "readability--warning" in html


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("patient_user", 403)])
def test_review_page_is_for_staff_of_the_board(client, cast, summaries, who, status):
    _released, draft, _other = summaries
    client = login(client, getattr(cast, who))
    assert client.get(f"/plans/{draft.plan.uuid}/patient-summary/").status_code == status
    assert client.post(f"/patient-summaries/{draft.uuid}/release/").status_code == status


def test_review_page_release_by_a_coordinator_is_refused_and_by_the_chair_done(
    client, cast, summaries
):
    _released, draft, _other = summaries
    coordinator = login(client, cast.coordinator)
    page = coordinator.get(f"/plans/{draft.plan.uuid}/patient-summary/?summary={draft.uuid}")
    assert "Release to the patient" not in page.content.decode()
    assert coordinator.post(f"/patient-summaries/{draft.uuid}/release/").status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"

    chair = login(client, cast.chair)
    assert chair.post(f"/patient-summaries/{draft.uuid}/release/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == "released" and draft.released_by == cast.chair


def test_review_page_draft_edit_and_link(client, cast, make_plan):
    plan = make_plan()
    client = login(client, cast.coordinator)
    drafted = client.post(f"/plans/{plan.uuid}/patient-summary/draft/", {"language": ""})
    assert drafted.status_code == 302
    summary = PatientSummary.objects.get()
    assert drafted["Location"].endswith(f"?summary={summary.uuid}")

    empty = client.post(f"/patient-summaries/{summary.uuid}/edit/", {"title": "", "body": ""})
    assert empty.status_code == 400  # the form, with its errors, never a 500
    saved = client.post(
        f"/patient-summaries/{summary.uuid}/edit/",
        {"title": "Plan", "body": f"## A\nRest.\n{CALL}", "version": "1"},
    )
    assert saved.status_code == 302
    summary.refresh_from_db()
    assert summary.status == "edited" and summary.updated_by == cast.coordinator

    services.patient_summary_release(summary=summary, by=cast.chair)
    linked = client.post(f"/patient-summaries/{summary.uuid}/links/", {"valid_hours": 48})
    assert linked.status_code == 200
    assert re.search(r"http://testserver/s/[\w-]{40,}/", linked.content.decode())
    assert linked["Cache-Control"] == "no-store"
    bad = client.post(f"/patient-summaries/{summary.uuid}/links/", {"valid_hours": 0})
    assert bad.status_code == 302


def test_the_edit_form_refuses_unknown_fields_and_changes_nothing(client, cast, summaries):
    _released, draft, _other = summaries
    edit = f"/patient-summaries/{draft.uuid}/edit/"
    title = draft.title
    assert title != "Mine"
    client = login(client, cast.coordinator)
    mine = {"title": "Mine", "body": f"Walk.\n{CALL}", "version": "1"}
    refused = client.post(edit, {**mine, "status": "released", "released_by": "1"})
    assert refused.status_code == 400
    assert "These fields cannot be set here: released_by, status." in refused.content.decode()
    draft.refresh_from_db()
    assert (draft.title, draft.status, draft.version) == (title, "draft", 1)
    # The page's own CSRF field is not an unknown one.
    saved = client.post(edit, {**mine, "csrfmiddlewaretoken": "x" * 64})
    assert saved.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.version) == ("Mine", 2)


def test_review_page_of_an_unsigned_plan_offers_no_draft(client, cast, make_plan):
    plan = make_plan()
    type(plan).objects.filter(pk=plan.pk).update(status="draft", signed_by=None, signed_at=None)
    client = login(client, cast.chair)
    html = client.get(f"/plans/{plan.uuid}/patient-summary/").content.decode()
    assert "The plan is not signed yet." in html
    response = client.post(f"/plans/{plan.uuid}/patient-summary/draft/", {"language": "en"})
    assert response.status_code == 302
    assert not PatientSummary.objects.exists()


def test_the_second_of_two_summary_editors_gets_a_conflict_and_nothing_is_saved(
    client, cast, summaries
):
    _released, draft, _other = summaries
    edit = f"/patient-summaries/{draft.uuid}/edit/"
    review = f"/plans/{draft.plan.uuid}/patient-summary/?summary={draft.uuid}"
    assert (
        'name="version" value="1"' in login(client, cast.coordinator).get(review).content.decode()
    )
    services.patient_summary_edit(
        summary=draft, expected_version=1, by=cast.chair, title="Theirs", body=f"Rest.\n{CALL}"
    )
    stale = client.post(edit, {"title": "Mine", "body": f"Walk.\n{CALL}", "version": "1"})
    assert stale.status_code == 409
    html = stale.content.decode()
    who = cast.chair.get_full_name() or cast.chair.get_username()
    assert "Someone else saved this patient summary" in html and who in html
    assert "Theirs" in html and 'name="version" value="2"' in html
    draft.refresh_from_db()
    assert (draft.title, draft.version, draft.updated_by) == ("Theirs", 2, cast.chair)
    unversioned = client.post(edit, {"title": "Mine", "body": f"Walk.\n{CALL}"})
    assert unversioned.status_code == 400 and "Say which version" in unversioned.content.decode()
    again = client.post(edit, {"title": "Mine", "body": f"Walk.\n{CALL}", "version": "2"})
    assert again.status_code == 302
    draft.refresh_from_db()
    assert (draft.title, draft.version) == ("Mine", 3)
