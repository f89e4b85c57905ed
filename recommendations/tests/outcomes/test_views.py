"""The follow-up pages: the case's follow-ups with a record form each, and the patient's
"How are you doing?" in English and Spanish (issue 16, outcomes)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from recommendations.models import FollowUp, PatientReportedOutcome
from recommendations.outcomes import services
from tests.factories import PatientFactory, UserFactory
from tumorboard import roles

from .conftest import signed_plan

pytestmark = pytest.mark.django_db


def _post_data(follow_up, **fields) -> dict:
    prefix = f"fu-{follow_up.uuid.hex[:8]}"
    data = {"status": "recorded", "version": follow_up.version} | fields
    return {f"{prefix}-{name}": value for name, value in data.items()}


def test_case_page_lists_follow_ups_beside_the_patients_answer(
    cast, outc, scheduled, client_for, django_assert_max_num_queries
):
    services.patient_report_submit(
        follow_up=scheduled[0],
        by=cast.patient_user,
        pain_score=8,
        mobility="walk_with_aid",
        comment="Pain at night.",
    )
    url = reverse("case-follow-ups", args=[outc.case.uuid])
    client = client_for(cast.surgeon)
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="card follow-up"') == 4
    assert "Missing" in html and "Pain at night." in html
    assert "I walk with a stick, crutches or a frame" in html
    assert reverse("follow-up-record", args=[scheduled[0].uuid]) in html
    assert url in client.get(reverse("case-detail", args=[outc.case.uuid])).content.decode()


def test_case_page_queries_do_not_grow(cast, outc, scheduled, client_for):
    client = client_for(cast.chair)
    url = reverse("case-follow-ups", args=[outc.case.uuid])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    services.patient_report_submit(
        follow_up=scheduled[0], by=cast.patient_user, pain_score=1, mobility="bed"
    )
    services.follow_up_record(
        follow_up=scheduled[1],
        by=cast.surgeon,
        expected_version=1,
        status="recorded",
        recorded_on=outc.today,
    )
    with CaptureQueriesContext(connection) as after:
        client.get(url)
    assert len(after) == len(before)


def test_record_from_the_page(cast, outc, scheduled, client_for):
    url = reverse("follow-up-record", args=[scheduled[0].uuid])
    client = client_for(cast.coordinator)
    response = client.post(
        url,
        _post_data(
            scheduled[0],
            recorded_on=outc.today.isoformat(),
            pain_score=4,
            kps=60,
            complication_fracture="true",
        ),
    )
    assert response.status_code == 302
    saved = FollowUp.objects.get(pk=scheduled[0].pk)
    assert (saved.status, saved.pain_score, saved.kps, saved.complication_fracture) == (
        "recorded",
        4,
        60,
        True,
    )
    assert saved.complication_wound is None


@pytest.mark.parametrize(("field", "value"), [("pain_score", 11), ("kps", 55), ("ecog", 9)])
def test_record_form_errors(cast, outc, scheduled, client_for, field, value):
    url = reverse("follow-up-record", args=[scheduled[0].uuid])
    response = client_for(cast.surgeon).post(
        url, _post_data(scheduled[0], recorded_on=outc.today.isoformat(), **{field: value})
    )
    assert response.status_code == 400
    assert f'id="field-fu-{scheduled[0].uuid.hex[:8]}-{field}"' in response.content.decode()
    assert "field--error" in response.content.decode()
    assert FollowUp.objects.get(pk=scheduled[0].pk).status == "due"


def test_stale_record_is_a_conflict(cast, outc, scheduled, client_for):
    services.follow_up_record(
        follow_up=scheduled[0],
        by=cast.chair,
        expected_version=1,
        status="recorded",
        recorded_on=outc.today,
        pain_score=1,
    )
    response = client_for(cast.surgeon).post(
        reverse("follow-up-record", args=[scheduled[0].uuid]),
        _post_data(scheduled[0], recorded_on=outc.today.isoformat(), pain_score=9),
    )
    assert response.status_code == 409
    assert FollowUp.objects.get(pk=scheduled[0].pk).pain_score == 1


def test_staff_pages_scope(cast, outc, scheduled, client_for):
    other = services.follow_ups_schedule(
        plan=outc.other_plan, treatment_date=outc.treated_on, by=cast.outsider
    )
    other_case = outc.other_plan.decision.agenda_item.case
    assert (
        client_for(cast.surgeon).get(reverse("case-follow-ups", args=[other_case.uuid])).status_code
        == 404
    )
    refused = client_for(cast.surgeon).post(
        reverse("follow-up-record", args=[other[0].uuid]),
        _post_data(other[0], recorded_on=outc.today.isoformat()),
    )
    assert refused.status_code == 404
    assert (
        client_for(cast.outsider).get(reverse("case-follow-ups", args=[outc.case.uuid])).status_code
        == 404
    )
    # The patient cannot see the clinical follow-up page, nor record.
    patient = client_for(cast.patient_user)
    assert patient.get(reverse("case-follow-ups", args=[outc.case.uuid])).status_code == 403
    assert (
        patient.post(
            reverse("follow-up-record", args=[scheduled[0].uuid]), _post_data(scheduled[0])
        ).status_code
        == 403
    )
    assert FollowUp.objects.get(pk=other[0].pk).status == "due"


# --- the patient's pages ------------------------------------------------------------------------


def test_patient_answers_in_english(cast, outc, scheduled, client_for):
    client = client_for(cast.patient_user)
    listing = client.get(reverse("my-follow-ups")).content.decode()
    assert "How are you doing?" in listing
    url = reverse("my-follow-up-report", args=[scheduled[0].uuid])
    assert url in listing
    assert reverse("my-follow-up-report", args=[scheduled[2].uuid]) not in listing  # not yet open
    page = client.get(url)
    assert page.status_code == 200 and page["Cache-Control"].startswith("max-age=0")
    html = page.content.decode()
    assert "10 – the worst pain you can imagine" in html and "I use a wheelchair" in html
    bad = client.post(url, {"pain_score": "11", "mobility": "wheelchair"})
    assert bad.status_code == 400 and not PatientReportedOutcome.objects.exists()
    done = client.post(url, {"pain_score": "3", "mobility": "wheelchair", "comment": "Better."})
    assert done.status_code == 302
    report = PatientReportedOutcome.objects.get(follow_up=scheduled[0])
    assert (report.pain_score, report.mobility, report.language) == (3, "wheelchair", "en")


def test_patient_answers_in_spanish(cast, outc, scheduled, client_for):
    cast.patient.preferred_language = "es"
    cast.patient.save()
    client = client_for(cast.patient_user)
    assert "¿Cómo se encuentra?" in client.get(reverse("my-follow-ups")).content.decode()
    url = reverse("my-follow-up-report", args=[scheduled[0].uuid])
    html = client.get(url).content.decode()
    assert "el peor dolor que pueda imaginar" in html and "Uso silla de ruedas" in html
    assert "How much pain" not in html
    bad = client.post(url, {"mobility": "bed"}).content.decode()
    assert "Elija un número del 0 al 10." in bad
    assert client.post(url, {"pain_score": "5", "mobility": "bed"}).status_code == 302
    assert PatientReportedOutcome.objects.get(follow_up=scheduled[0]).language == "es"


def test_patient_cannot_answer_for_another_patient(cast, outc, scheduled, client_for):
    other_user = UserFactory(username="patient_b", roles=[roles.PATIENT])
    other_plan = signed_plan(cast.board, cast.chair, patient=PatientFactory(user=other_user))
    theirs = services.follow_ups_schedule(
        plan=other_plan, treatment_date=outc.treated_on, by=cast.chair
    )
    client = client_for(cast.patient_user)
    url = reverse("my-follow-up-report", args=[theirs[0].uuid])
    assert client.get(url).status_code == 404
    assert client.post(url, {"pain_score": "1", "mobility": "bed"}).status_code == 404
    assert (
        reverse("my-follow-up-report", args=[theirs[0].uuid])
        not in client.get(reverse("my-follow-ups")).content.decode()
    )
    assert not PatientReportedOutcome.objects.exists()
    # Staff are not patients here.
    assert client_for(cast.surgeon).get(reverse("my-follow-ups")).status_code == 403
    assert client_for().get(reverse("my-follow-ups")).status_code == 302


def test_closed_follow_up_refuses_the_patient(cast, outc, scheduled, client_for):
    services.follow_up_record(
        follow_up=scheduled[0],
        by=cast.chair,
        expected_version=1,
        status="missed",
        missed_reason="Moved away.",
    )
    url = reverse("my-follow-up-report", args=[scheduled[0].uuid])
    client = client_for(cast.patient_user)
    assert "This check-in is closed." in client.get(url).content.decode()
    assert client.post(url, {"pain_score": "1", "mobility": "bed"}).status_code == 404
    assert not PatientReportedOutcome.objects.exists()
    assert scheduled[0].due_on < outc.today + dt.timedelta(days=1)
