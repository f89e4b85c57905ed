import base64
import json
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from fhir.resources.R4B.codesystem import CodeSystem

from cases.models import Case, PriorTreatment, SpinalLesion
from clinical import fhir as v
from recommendations.fhir.export import case_bundle
from recommendations.fhir.selectors import case_for_export
from recommendations.models import ConsensusPlan, PlanActivity
from scheduling.models import BoardMembership
from tests.factories import CaseFactory, LesionFactory

from .conftest import assert_valid_bundle, of_type

pytestmark = pytest.mark.django_db


def export(api, user, case):
    response = api(user).get(reverse("api:case-fhir", kwargs={"uuid": case.uuid}))
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/fhir+json"
    return json.loads(response.content)


def chair_of(case):
    return BoardMembership.objects.get(board=case.board, role="chair").user


def test_the_ten_demo_cases_export_and_validate(demo, api):
    assert demo.count() == 10
    signed = 0
    for case in demo:
        bundle = export(api, chair_of(case), case)
        resources = assert_valid_bundle(bundle)
        (patient,) = of_type(bundle, "Patient")
        (mrn,) = patient["identifier"]
        assert (mrn["system"], mrn["value"]) == (settings.FHIR_MRN_SYSTEM, case.patient.mrn)
        conditions = of_type(bundle, "Condition")
        primaries = [c for c in conditions if v.PROFILE_PRIMARY in c["meta"]["profile"]]
        secondaries = [c for c in conditions if v.PROFILE_SECONDARY in c["meta"]["profile"]]
        assert len(primaries) == 1
        assert sorted(c["bodySite"][0]["text"] for c in secondaries) == sorted(
            case.lesions.values_list("level", flat=True)
        )
        codes = {c["code"] for o in of_type(bundle, "Observation") for c in o["code"]["coding"]}
        assert {"89247-1", "89243-0", "tokuhashi-revised", "tomita"} <= codes
        assert len(resources) == len(bundle["entry"])
        if case.status == "plan_signed":
            signed += 1
            (careplan,) = of_type(bundle, "CarePlan")
            (provenance,) = of_type(bundle, "Provenance")
            assert provenance["target"] == [{"reference": f"urn:uuid:{careplan['id']}"}]
            docs = of_type(bundle, "DocumentReference")
            assert sorted(d["content"][0]["attachment"]["language"] for d in docs) == ["en", "es"]
            pdf = base64.b64decode(docs[0]["content"][0]["attachment"]["data"])
            assert pdf.startswith(b"%PDF")
        else:
            assert not of_type(bundle, "CarePlan")
    assert signed == 3


def test_scores_and_lesion_findings_are_exported(demo, api):
    case = demo.get(patient__mrn="DEMO-0001")
    bundle = export(api, chair_of(case), case)
    observations = of_type(bundle, "Observation")

    def one(code):
        (obs,) = [o for o in observations if any(c["code"] == code for c in o["code"]["coding"])]
        return obs

    assert one("sins")["valueInteger"] == 9
    assert one("sins")["bodySite"]["text"] == "T10"
    assert one("escc")["valueCodeableConcept"]["coding"][0]["code"] == "escc-3"
    assert one("frankel")["valueCodeableConcept"]["coding"][0]["code"] == "frankel-D"
    assert one("89243-0")["valueInteger"] == 70
    assert one("89243-0")["meta"]["profile"] == [v.PROFILE_KARNOFSKY]
    stored = case.stored_assessment.assessment
    tokuhashi = stored["tokuhashi_revised"]["result"]["total"]
    assert one("tokuhashi-revised")["valueInteger"] == tokuhashi


def test_plan_activities_carry_their_status_and_reason(demo, api):
    plan = ConsensusPlan.objects.filter(status="signed").first()
    activities = list(plan.activities.order_by("position", "pk"))
    ended = plan.signed_at.date()
    PlanActivity.objects.filter(pk=activities[0].pk).update(status="done", completed_on=ended)
    PlanActivity.objects.filter(pk=activities[1].pk).update(
        status="deviated",
        status_reason="Preferred to stay at home",
        done_instead="Home visits by the palliative care team",
        completed_on=ended,
    )
    case = plan.decision.agenda_item.case
    bundle = export(api, chair_of(case), case)
    assert_valid_bundle(bundle)
    (careplan,) = of_type(bundle, "CarePlan")
    details = [a["detail"] for a in careplan["activity"]]
    assert details[0]["status"] == "completed"
    assert details[1]["status"] == "stopped"
    assert details[1]["statusReason"]["text"] == (
        "Preferred to stay at home; done instead: Home visits by the palliative care team"
    )
    assert all(d["status"] == "scheduled" for d in details[2:])
    requests = {
        s["identifier"][0]["value"]: s
        for s in of_type(bundle, "ServiceRequest")
        if s["intent"] == "plan"
    }
    requested = [a for a in activities if a.kind in ("surgery", "radiation")]
    assert set(requests) == {f"urn:uuid:{a.uuid}" for a in requested}
    for sr in requests.values():
        assert sr["basedOn"] == [{"reference": f"urn:uuid:{careplan['id']}"}]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("planned", "scheduled"),
        ("in_progress", "in-progress"),
        ("done", "completed"),
        ("deviated", "stopped"),
        ("cancelled", "cancelled"),
    ],
)
def test_activity_status_map(status, expected):
    assert v.ACTIVITY_STATUS[status] == expected
    assert v.REQUEST_STATUS[status] in {"active", "completed", "revoked"}


def test_every_model_status_is_mapped():
    assert set(PlanActivity.Status.values) <= set(v.ACTIVITY_STATUS)


def test_export_is_scoped_like_the_case(cast, api):
    case = CaseFactory(board=cast.board)
    LesionFactory(case=case)
    url = reverse("api:case-fhir", kwargs={"uuid": case.uuid})
    assert api(cast.surgeon).get(url).status_code == 200
    assert api(cast.outsider).get(url).status_code == 404
    assert api(cast.patient_user).get(url).status_code == 403
    assert api(None).get(url).status_code in (401, 403)


def test_export_query_count_does_not_grow_with_lesions(cast, django_assert_max_num_queries):
    case = CaseFactory(board=cast.board)
    for level in ("T1", "T2", "T3", "T4", "T5", "T6"):
        LesionFactory(case=case, level=level)
    with django_assert_max_num_queries(12):
        bundle = case_bundle(case_for_export(user=cast.chair, uuid=case.uuid))
    assert len(of_type(bundle, "Condition")) == 7
    assert_valid_bundle(bundle)


def test_published_code_system_matches_the_code():
    path = Path(__file__).resolve().parents[3] / "docs" / "fhir" / "CodeSystem-tumorboard.json"
    published = json.loads(path.read_text())
    assert published == v.project_code_system()
    codes = [c["code"] for c in published["concept"]]
    assert len(codes) == len(set(codes))
    CodeSystem.model_validate(published)


@pytest.mark.parametrize(
    ("prefix", "choices"),
    [
        ("escc", SpinalLesion.ESCC),
        ("sins-pain", SpinalLesion.Pain),
        ("sins-bone-lesion", SpinalLesion.BoneLesion),
        ("sins-alignment", SpinalLesion.Alignment),
        ("sins-collapse", SpinalLesion.Collapse),
        ("sins-posterolateral", SpinalLesion.Posterolateral),
        ("modality", SpinalLesion.Modality),
        ("visceral", Case.VisceralMets),
        ("brain", Case.BrainMets),
        ("progression", Case.Progression),
        ("growth", Case.Growth),
        ("prior", PriorTreatment.Kind),
        ("activity", PlanActivity.Kind),
    ],
)
def test_every_stored_value_has_a_project_code(prefix, choices):
    assert v.answer_values(prefix) == set(choices.values)


def test_every_primary_site_has_a_project_code():
    assert v.answer_values("primary") == {
        value for value, _ in Case._meta.get_field("primary_site").choices
    }
    assert set(v.PRIMARY_SNOMED) <= v.answer_values("primary")
