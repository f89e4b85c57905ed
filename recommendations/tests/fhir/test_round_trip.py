"""Export -> import on a database without the case gives the same clinical data."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.urls import reverse

from cases.models import Case, Patient, PriorTreatment
from recommendations.models import ConsensusPlan
from scheduling.models import BoardMembership
from tests.factories import CaseFactory, LesionFactory, PatientFactory, PriorTreatmentFactory

from .conftest import assert_valid_bundle

pytestmark = pytest.mark.django_db

PATIENT_FIELDS = (
    "mrn", "given_name", "family_name", "date_of_birth", "sex", "preferred_language", "phone",
    "email",
)  # fmt: skip
# The case fields the Bundle carries (docs/fhir.md, "Round trip").
CASE_FIELDS = (
    "primary_site", "histology", "histology_confirmed", "diagnosis_date", "molecular_markers",
    "ecog", "kps", "pain_score", "frankel_grade", "asia_grade", "neuro_progression", "ambulatory",
    "fit_for_surgery", "expected_survival_months", "vertebral_body_mets", "extraspinal_bone_mets",
    "visceral_mets", "brain_mets", "primary_growth", "clinical_question", "referring_clinician",
    "urgency",
)  # fmt: skip
LESION_FIELDS = (
    "level", "imaging_date", "imaging_modality", "pain", "bone_lesion", "alignment", "collapse",
    "posterolateral", "escc_grade", "radiculopathy", "notes",
)  # fmt: skip
TREATMENT_FIELDS = (
    "kind", "level_from", "level_to", "treated_on", "dose_gy", "fractions", "description",
)  # fmt: skip


def clinical_data(case: Case) -> dict:
    return {
        "patient": {f: getattr(case.patient, f) for f in PATIENT_FIELDS},
        "case": {f: getattr(case, f) for f in CASE_FIELDS},
        "lesions": sorted(
            tuple(getattr(lesion, f) for f in LESION_FIELDS) for lesion in case.lesions.all()
        ),
        "prior": sorted(
            tuple(str(getattr(t, f)) for f in TREATMENT_FIELDS) for t in case.prior_treatments.all()
        ),
    }


def export(api, user, case) -> dict:
    response = api(user).get(reverse("api:case-fhir", kwargs={"uuid": case.uuid}))
    assert response.status_code == 200
    bundle = json.loads(response.content)
    assert_valid_bundle(bundle)
    return bundle


def import_(api, user, board, bundle) -> Case:
    response = api(user).post(
        reverse("api:fhir-referrals") + f"?board={board.uuid}",
        data=json.dumps(bundle),
        content_type="application/fhir+json",
    )
    assert response.status_code == 201, response.json()
    return Case.objects.get(uuid=response.json()["case"])


def test_round_trip_on_a_fresh_database_gives_the_same_clinical_data(cast, api):
    today = dt.date.today()
    patient = PatientFactory(
        mrn="RT-0001", sex="male", preferred_language="es", phone="0123", email="p@example.org"
    )
    case = CaseFactory(
        board=cast.board,
        patient=patient,
        urgency="emergency",
        primary_site="lung_nsclc",
        histology="Adenocarcinoma, EGFR exon 19",
        histology_confirmed=True,
        diagnosis_date=today - dt.timedelta(days=400),
        molecular_markers="EGFR exon 19 deletion",
        ecog=2,
        kps=60,
        pain_score=7,
        frankel_grade="D",
        asia_grade="D",
        neuro_progression="days",
        ambulatory=True,
        fit_for_surgery=False,
        expected_survival_months=6,
        vertebral_body_mets=3,
        extraspinal_bone_mets=1,
        visceral_mets="treatable",
        brain_mets="treated",
        primary_growth="moderate",
    )
    LesionFactory(case=case, level="T4", radiculopathy=True, notes="Pathological fracture")
    LesionFactory(
        case=case, level="L1", imaging_modality="ct", pain="", collapse="", escc_grade="1c"
    )
    PriorTreatmentFactory(case=case, level_from="T9", level_to="T11", description="APPA")
    PriorTreatmentFactory(
        case=case, kind="systemic", level_from="", dose_gy=None, fractions=None,
        description="Osimertinib",
    )  # fmt: skip
    PriorTreatmentFactory(
        case=case, kind="cement", level_from="L3", dose_gy=None, fractions=None, description=""
    )
    before = clinical_data(case)
    bundle = export(api, cast.chair, case)

    # A fresh database: the case and its patient are gone.
    case.delete()
    patient.delete()
    assert not Patient.objects.filter(mrn="RT-0001").exists()

    imported = import_(api, cast.coordinator, cast.board, bundle)
    assert clinical_data(imported) == before
    assert imported.prior_treatments.get(kind="radiation").dose_gy == Decimal("20.00")


def test_an_exported_signed_plan_imports_as_a_new_referral(demo, api):
    """The whole Bundle of a decided case (plan, PDFs, signature) is accepted; the plan is not
    imported, the clinical data are."""
    plan = ConsensusPlan.objects.filter(status="signed").first()
    case = plan.decision.agenda_item.case
    coordinator = BoardMembership.objects.get(board=case.board, role="coordinator").user
    bundle = export(api, coordinator, case)
    imported = import_(api, coordinator, case.board, bundle)
    assert imported.pk != case.pk and imported.patient_id == case.patient_id
    assert clinical_data(imported) == clinical_data(case)
    assert imported.status == "referred"
    assert PriorTreatment.objects.filter(case=imported).count() == case.prior_treatments.count()
