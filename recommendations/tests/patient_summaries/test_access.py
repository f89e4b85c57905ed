"""Who reads which patient summary, through the API and the pages; the link flow; the PDF; the
clinicians' review screen. Each permission is tested as an allowed/refused pair."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from recommendations.models import PatientAccessLink, PatientSummary
from recommendations.patient_summaries import services as ps
from recommendations.tests.patient_summaries.plans import signed_plan
from tests.factories import CaseFactory, LesionFactory, PatientFactory, UserFactory
from tumorboard import roles

pytestmark = pytest.mark.django_db


def _plan(cast, patient, *, language="en", number=1):
    patient.preferred_language = language
    patient.save()
    case = CaseFactory(
        board=cast.board,
        patient=patient,
        goals_ranked=["walking", "independence"],
        goals_notes="I want to keep walking.",
    )
    LesionFactory(case=case, level="T10", escc_grade="3")
    return signed_plan(case, number, chair=cast.chair)


@pytest.fixture
def other_patient(cast):
    user = UserFactory(username="other-patient", roles=[roles.PATIENT])
    return PatientFactory(user=user)


@pytest.fixture
def summaries(cast, other_patient):
    """Released and draft summaries of our patient, and a released one of another patient."""
    mine = _plan(cast, cast.patient)
    released = ps.patient_summary_release(
        summary=ps.patient_summary_draft(plan=mine, by=cast.chair), by=cast.chair
    )
    draft = ps.patient_summary_draft(plan=mine, by=cast.chair)
    theirs = _plan(cast, other_patient, number=2)
    other = ps.patient_summary_release(
        summary=ps.patient_summary_draft(plan=theirs, by=cast.chair), by=cast.chair
    )
    return released, draft, other


def _login(client, user):
    client.force_login(user)
    return client


# --- the patient's API ---------------------------------------------------------------------------


def test_api_a_patient_lists_only_their_own_released_summaries(api, cast, summaries):
    released, draft, other = summaries
    response = api(cast.patient_user).get("/api/v1/my/summaries/")
    assert response.status_code == 200
    assert [row["uuid"] for row in response.data["results"]] == [str(released.uuid)]
    row = response.data["results"][0]
    assert row["summary_language"] == "en"
    assert row["released_by"] == cast.chair.get_full_name()
    assert "!! Warning signs: get help now" in row["body"]
    assert {"key", "term", "definition"} <= set(row["glossary"][0])


def test_api_a_patient_reads_their_released_summary(api, cast, summaries):
    released, _draft, _other = summaries
    response = api(cast.patient_user).get(f"/api/v1/my/summaries/{released.uuid}/")
    assert response.status_code == 200
    assert response.data["title"] == released.title


def test_api_a_patient_cannot_read_another_patients_summary(api, cast, summaries):
    _released, _draft, other = summaries
    assert api(cast.patient_user).get(f"/api/v1/my/summaries/{other.uuid}/").status_code == 404


def test_api_a_patient_cannot_read_an_unreleased_draft(api, cast, summaries):
    _released, draft, _other = summaries
    assert api(cast.patient_user).get(f"/api/v1/my/summaries/{draft.uuid}/").status_code == 404
    # ... nor reach the staff endpoints.
    assert api(cast.patient_user).get(f"/api/v1/patient-summaries/{draft.uuid}/").status_code == 403


@pytest.mark.parametrize("who", ["chair", "coordinator", "stranger"])
def test_api_my_summaries_is_for_patients_only(api, cast, summaries, who):
    assert api(getattr(cast, who)).get("/api/v1/my/summaries/").status_code == 403
    assert api().get("/api/v1/my/summaries/").status_code in (401, 403)


def test_api_my_summaries_costs_the_same_queries_for_one_or_many(api, cast, summaries):
    client = api(cast.patient_user)
    client.get("/api/v1/my/summaries/")  # the user's roles are read once, then cached
    with CaptureQueriesContext(connection) as one:
        assert len(client.get("/api/v1/my/summaries/").data["results"]) == 1
    plan = PatientSummary.objects.filter(status="released").first().plan
    for _ in range(3):
        ps.patient_summary_release(
            summary=ps.patient_summary_draft(plan=plan, by=cast.chair), by=cast.chair
        )
    with CaptureQueriesContext(connection) as many:
        assert len(client.get("/api/v1/my/summaries/").data["results"]) == 4
    assert len(many.captured_queries) == len(one.captured_queries)


# --- the staff API -------------------------------------------------------------------------------


def test_api_staff_draft_edit_release_and_link(api, cast):
    plan = _plan(cast, cast.patient)
    chair = api(cast.chair)
    created = chair.post(f"/api/v1/plans/{plan.uuid}/patient-summaries/", {}, format="json")
    assert created.status_code == 201, created.data
    uuid = created.data["uuid"]
    assert created.data["summary_status"] == "draft"
    assert created.data["readability"]["reading_level"] == "target"
    assert created.data["readability"]["target_grade"] == 6
    assert created.data["readability"]["warn_above_grade"] == 8

    edited = chair.patch(
        f"/api/v1/patient-summaries/{uuid}/", {"body": "## Next\nYou will rest."}, format="json"
    )
    assert edited.status_code == 200
    assert edited.data["summary_status"] == "edited"
    assert edited.data["body"] == "## Next\nYou will rest.\n"
    history = chair.get(f"/api/v1/patient-summaries/{uuid}/history/")
    assert [row["summary_status"] for row in history.data] == ["edited", "draft"]

    # A coordinator may not release; the chair may.
    refused = api(cast.coordinator).post(f"/api/v1/patient-summaries/{uuid}/release/")
    assert refused.status_code == 403
    released = chair.post(f"/api/v1/patient-summaries/{uuid}/release/")
    assert released.status_code == 200 and released.data["summary_status"] == "released"
    again = chair.patch(f"/api/v1/patient-summaries/{uuid}/", {"title": "X"}, format="json")
    assert again.status_code == 409

    link = chair.post(f"/api/v1/patient-summaries/{uuid}/links/", {"valid_hours": 2})
    assert link.status_code == 201
    assert re.match(r"^http://testserver/s/[\w-]{40,}/$", link.data["url"])
    assert link["Cache-Control"] == "no-store"
    token = link.data["url"].rstrip("/").rsplit("/", 1)[1]
    assert PatientAccessLink.objects.get().token_hash == ps.token_hash(token)


def test_api_drafting_from_an_unsigned_plan_is_a_400(api, cast):
    plan = _plan(cast, cast.patient)
    type(plan).objects.filter(pk=plan.pk).update(status="draft", signed_by=None, signed_at=None)
    response = api(cast.chair).post(f"/api/v1/plans/{plan.uuid}/patient-summaries/")
    assert response.status_code == 400
    assert "plan" in response.data


def test_api_bad_input_is_a_400_with_field_errors(api, cast, summaries):
    released, draft, _other = summaries
    chair = api(cast.chair)
    bad_language = chair.post(
        f"/api/v1/plans/{draft.plan.uuid}/patient-summaries/", {"summary_language": "fr"}
    )
    assert bad_language.status_code == 400 and "summary_language" in bad_language.data
    empty = chair.patch(f"/api/v1/patient-summaries/{draft.uuid}/", {"body": " "}, format="json")
    assert empty.status_code == 400 and "body" in empty.data
    too_long = chair.post(f"/api/v1/patient-summaries/{released.uuid}/links/", {"valid_hours": 999})
    assert too_long.status_code == 400 and "valid_hours" in too_long.data
    not_released = chair.post(f"/api/v1/patient-summaries/{draft.uuid}/links/", {})
    assert not_released.status_code == 400


def test_api_staff_of_another_board_see_nothing(api, cast, summaries):
    released, draft, _other = summaries
    outsider = api(cast.outsider)
    assert outsider.get(f"/api/v1/patient-summaries/{draft.uuid}/").status_code == 404
    assert outsider.post(f"/api/v1/patient-summaries/{draft.uuid}/release/").status_code == 404
    plan_url = f"/api/v1/plans/{draft.plan.uuid}/patient-summaries/"
    assert outsider.post(plan_url).status_code == 404
    # The board's own staff see every version.
    listed = api(cast.coordinator).get(plan_url)
    assert listed.status_code == 200
    assert {row["uuid"] for row in listed.data["results"]} == {
        str(released.uuid),
        str(draft.uuid),
    }


# --- the patient's pages -------------------------------------------------------------------------


def test_page_a_patient_reads_their_released_summary(client, cast, summaries):
    released, _draft, _other = summaries
    response = _login(client, cast.patient_user).get(f"/my/summaries/{released.uuid}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert released.title in html
    assert f'href="/my/summaries/{released.uuid}/pdf/"' in html
    assert "summary-section--alert" in html
    assert "Words we used" in html
    assert "no-store" in response["Cache-Control"]


def test_page_the_list_shows_only_their_released_summaries(client, cast, summaries):
    released, draft, other = summaries
    html = _login(client, cast.patient_user).get("/my/summaries/").content.decode()
    assert str(released.uuid) in html
    assert str(draft.uuid) not in html and str(other.uuid) not in html


def test_page_the_list_marks_a_replaced_summary(client, cast, summaries):
    released, draft, _other = summaries
    newer = ps.patient_summary_release(summary=draft, by=cast.chair)
    html = _login(client, cast.patient_user).get("/my/summaries/").content.decode()
    assert html.index(str(newer.uuid)) < html.index(str(released.uuid))  # newest first
    assert html.count("Replaced by a newer summary") == 1
    assert html.count(">Newest<") == 1
    detail = client.get(f"/my/summaries/{released.uuid}/").content.decode()
    assert "Your care team has shared a newer summary." in detail


def test_page_a_patient_cannot_see_another_patients_summary(client, cast, summaries):
    _released, _draft, other = summaries
    client = _login(client, cast.patient_user)
    assert client.get(f"/my/summaries/{other.uuid}/").status_code == 404
    assert client.get(f"/my/summaries/{other.uuid}/pdf/").status_code == 404


def test_page_a_patient_cannot_see_an_unreleased_draft(client, cast, summaries):
    _released, draft, _other = summaries
    client = _login(client, cast.patient_user)
    assert client.get(f"/my/summaries/{draft.uuid}/").status_code == 404
    assert client.get(f"/my/summaries/{draft.uuid}/pdf/").status_code == 404


def test_page_signing_in_is_needed_without_a_link(client, summaries):
    released, _draft, _other = summaries
    response = client.get(f"/my/summaries/{released.uuid}/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_page_a_spanish_summary_is_shown_in_spanish(client, cast):
    plan = _plan(cast, cast.patient, language="es")
    summary = ps.patient_summary_release(
        summary=ps.patient_summary_draft(plan=plan, by=cast.chair), by=cast.chair
    )
    html = _login(client, cast.patient_user).get(f"/my/summaries/{summary.uuid}/").content.decode()
    assert '<html lang="es">' in html
    assert "Señales de alarma: pida ayuda ya" in html
    assert "Descargar PDF" in html and "Palabras que usamos" in html
    assert "Warning signs" not in html and "Download PDF" not in html


# --- the PDF -------------------------------------------------------------------------------------


def test_pdf_is_produced_without_the_patients_identity(client, cast, summaries):
    released, _draft, _other = summaries
    response = _login(client, cast.patient_user).get(f"/my/summaries/{released.uuid}/pdf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith('attachment; filename="care-plan-summary-')
    pdf = response.content
    assert pdf.startswith(b"%PDF")
    assert len(pdf) > 5000
    info = pdf[pdf.rindex(b"/Producer") - 400 :] if b"/Producer" in pdf else pdf
    assert b"/Title" in pdf
    patient = cast.patient
    for secret in (patient.mrn, patient.family_name, patient.given_name):
        assert secret.encode() not in pdf, secret
        assert secret.encode("utf-16-be") not in pdf, secret
        assert secret.encode() not in info, secret


def test_pdf_in_spanish(cast):
    from recommendations.patient_summaries.pdf import summary_pdf

    plan = _plan(cast, cast.patient, language="es")
    summary = ps.patient_summary_draft(plan=plan, by=cast.chair)
    pdf = summary_pdf(summary)
    assert pdf.startswith(b"%PDF") and b"/Lang (es)" in pdf


# --- the single-use link -------------------------------------------------------------------------


def test_link_opens_once_then_the_session_reads_that_summary(client, cast, summaries):
    released, _draft, other = summaries
    token = ps.access_link_create(summary=released, by=cast.chair)
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
    token = ps.access_link_create(summary=released, by=cast.chair)
    client.post(f"/s/{token}/")
    assert client.get(f"/my/summaries/{released.uuid}/").status_code == 200
    later = __import__("time").time() + ps.LINK_SESSION_SECONDS + 1
    monkeypatch.setattr("recommendations.patient_summaries.views.time.time", lambda: later)
    assert client.get(f"/my/summaries/{released.uuid}/").status_code == 302


def test_an_expired_link_is_refused_with_an_explanation(client, cast, summaries):
    released, _draft, _other = summaries
    token = ps.access_link_create(summary=released, by=cast.chair)
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
    token = ps.access_link_create(summary=released, by=cast.chair)
    client.post(f"/s/{token}/")
    client.logout()
    _login(client, cast.patient_user)
    assert "Este enlace ya se usó" in client.post(f"/s/{token}/").content.decode()


# --- the clinicians' review screen ---------------------------------------------------------------


def test_review_page_shows_grade_target_and_history(client, cast, summaries):
    released, draft, _other = summaries
    response = _login(client, cast.chair).get(
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
    client = _login(client, cast.chair)
    response = client.post(
        f"/patient-summaries/{draft.uuid}/edit/", {"title": "Plan", "body": f"## A\n{hard}"}
    )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert "Above grade 8: too hard for many patients." in html
    assert "readability--warning" in html


@pytest.mark.parametrize(("who", "status"), [("outsider", 404), ("patient_user", 403)])
def test_review_page_is_for_staff_of_the_board(client, cast, summaries, who, status):
    _released, draft, _other = summaries
    client = _login(client, getattr(cast, who))
    assert client.get(f"/plans/{draft.plan.uuid}/patient-summary/").status_code == status
    assert client.post(f"/patient-summaries/{draft.uuid}/release/").status_code == status


def test_review_page_release_by_a_coordinator_is_refused_and_by_the_chair_done(
    client, cast, summaries
):
    _released, draft, _other = summaries
    coordinator = _login(client, cast.coordinator)
    page = coordinator.get(f"/plans/{draft.plan.uuid}/patient-summary/?summary={draft.uuid}")
    assert "Release to the patient" not in page.content.decode()
    assert coordinator.post(f"/patient-summaries/{draft.uuid}/release/").status_code == 403
    draft.refresh_from_db()
    assert draft.status == "draft"

    chair = _login(client, cast.chair)
    assert chair.post(f"/patient-summaries/{draft.uuid}/release/").status_code == 302
    draft.refresh_from_db()
    assert draft.status == "released" and draft.released_by == cast.chair


def test_review_page_draft_edit_and_link(client, cast):
    plan = _plan(cast, cast.patient)
    client = _login(client, cast.coordinator)
    drafted = client.post(f"/plans/{plan.uuid}/patient-summary/draft/", {"language": ""})
    assert drafted.status_code == 302
    summary = PatientSummary.objects.get()
    assert drafted["Location"].endswith(f"?summary={summary.uuid}")

    empty = client.post(f"/patient-summaries/{summary.uuid}/edit/", {"title": "", "body": ""})
    assert empty.status_code == 400  # the form, with its errors, never a 500
    saved = client.post(
        f"/patient-summaries/{summary.uuid}/edit/", {"title": "Plan", "body": "## A\nRest."}
    )
    assert saved.status_code == 302
    summary.refresh_from_db()
    assert summary.status == "edited" and summary.updated_by == cast.coordinator

    ps.patient_summary_release(summary=summary, by=cast.chair)
    linked = client.post(f"/patient-summaries/{summary.uuid}/links/", {"valid_hours": 48})
    assert linked.status_code == 200
    assert re.search(r"http://testserver/s/[\w-]{40,}/", linked.content.decode())
    assert linked["Cache-Control"] == "no-store"
    bad = client.post(f"/patient-summaries/{summary.uuid}/links/", {"valid_hours": 0})
    assert bad.status_code == 302


def test_review_page_of_an_unsigned_plan_offers_no_draft(client, cast):
    plan = _plan(cast, cast.patient)
    type(plan).objects.filter(pk=plan.pk).update(status="draft", signed_by=None, signed_at=None)
    client = _login(client, cast.chair)
    html = client.get(f"/plans/{plan.uuid}/patient-summary/").content.decode()
    assert "The plan is not signed yet." in html
    response = client.post(f"/plans/{plan.uuid}/patient-summary/draft/", {"language": "en"})
    assert response.status_code == 302
    assert not PatientSummary.objects.exists()
