import json

import pytest
from django.apps import apps
from django.urls import reverse

from cases.models import Case, Patient, PriorTreatment, SpinalLesion, StoredAssessment
from clinical.sins import sins
from clinical.tokuhashi import tokuhashi_revised
from tests.factories import PatientFactory

from .referral_bundle import LESION, project, referral_bundle, resource

pytestmark = pytest.mark.django_db

FHIR = "application/fhir+json"


def url(board) -> str:
    return reverse("api:fhir-referrals") + f"?board={board.uuid}"


def post(api, user, board, bundle, *, content_type=FHIR):
    body = bundle if isinstance(bundle, bytes | str) else json.dumps(bundle)
    return api(user).post(url(board), data=body, content_type=content_type)


def counts() -> dict[str, int]:
    models = [Patient, Case, SpinalLesion, PriorTreatment, StoredAssessment]
    models += [apps.get_model("cases", f"Historical{m.__name__}") for m in models[:4]]
    return {m.__name__: m.objects.count() for m in models}


def test_hand_written_referral_imports_into_a_scored_case(cast, api):
    response = post(api, cast.coordinator, cast.board, referral_bundle())
    assert response.status_code == 201, response.json()
    case = Case.objects.get(uuid=response.json()["case"])
    assert response.json()["patient"] == str(case.patient.uuid)
    patient = case.patient
    assert (patient.mrn, patient.family_name, patient.given_name) == (
        "HOSP-778812",
        "Okafor",
        "Adaeze",
    )
    assert (patient.sex, patient.preferred_language, str(patient.date_of_birth)) == (
        "female",
        "es",
        "1968-03-14",
    )
    assert (case.board, case.status, case.urgency) == (cast.board, "referred", "urgent")
    assert case.primary_site == "breast" and case.histology_confirmed is True
    assert (case.ecog, case.kps, case.frankel_grade, case.vertebral_body_mets) == (1, 80, "E", 1)
    assert case.referring_clinician == "Dr R. Mensah, breast oncology"
    (lesion,) = case.lesions.all()
    assert (lesion.level, lesion.escc_grade, lesion.pain, lesion.bone_lesion) == (
        "L2",
        "0",
        "occasional",
        "blastic",
    )
    treatments = {t.kind: t for t in case.prior_treatments.all()}
    assert treatments["systemic"].description == "Letrozole and palbociclib"
    radiation = treatments["radiation"]
    assert (radiation.level_from, radiation.level_to, radiation.dose_gy, radiation.fractions) == (
        "T4",
        "T5",
        20,
        5,
    )
    # Decision support scored it: the stored assessment holds the scores of the imported data.
    stored = StoredAssessment.objects.get(case=case).assessment
    expected = tokuhashi_revised(
        kps=80,
        extraspinal_bone_mets=0,
        vertebral_body_mets=1,
        visceral_mets="none",
        primary="breast",
        frankel="E",
    )
    assert stored["tokuhashi_revised"]["result"]["total"] == expected.total
    assert stored["tomita"]["computable"] is True
    (assessed,) = stored["lesions"]
    expected_sins = sins(
        location="L2",
        pain="occasional",
        bone_lesion="blastic",
        alignment="normal",
        collapse="none",
        posterolateral="none",
    )
    assert assessed["sins"]["result"]["total"] == expected_sins.total
    assessment = api(cast.coordinator).get(
        reverse("api:case-assessment", kwargs={"uuid": case.uuid})
    )
    assert assessment.json()["tokuhashi_revised"]["result"]["total"] == expected.total


def test_plain_json_is_accepted_too(cast, api):
    response = post(api, cast.chair, cast.board, referral_bundle(), content_type="application/json")
    assert response.status_code == 201, response.json()


def test_import_is_idempotent_on_the_patient_identifier(cast, api):
    first = post(api, cast.coordinator, cast.board, referral_bundle())
    assert first.status_code == 201
    before = counts()
    again = post(api, cast.coordinator, cast.board, referral_bundle())
    assert again.status_code == 200, again.json()
    assert again.json() == {**first.json(), "created": False}
    assert counts() == before


def test_a_known_patient_without_an_open_case_gets_a_new_case(cast, api):
    patient = PatientFactory(mrn="HOSP-778812", created_by=cast.coordinator)
    response = post(api, cast.coordinator, cast.board, referral_bundle())
    assert response.status_code == 201
    assert response.json()["patient"] == str(patient.uuid)
    assert Patient.objects.count() == 2  # the cast's patient and this one


def test_an_mrn_of_another_board_is_refused_without_naming_it(cast, api):
    PatientFactory(mrn="HOSP-778812")
    before = counts()
    response = post(api, cast.coordinator, cast.board, referral_bundle())
    assert response.status_code == 400
    (key,) = [k for k in response.json() if k.startswith("entry[0]")]
    assert "cannot be registered from your boards" in response.json()[key][0]
    assert counts() == before


def _without(bundle, resource_type):
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != resource_type]
    return bundle


def _bad(change):
    bundle = referral_bundle()
    change(bundle)
    return bundle


BAD_BUNDLES = {
    "not a bundle": (lambda b: b.update(resourceType="Patient"), "Bundle", "Send a FHIR Bundle"),
    "no entries": (lambda b: b.update(entry=[]), "Bundle", "no entries"),
    "wrong resource type": (
        lambda b: b["entry"].append(
            {
                "resource": {
                    "resourceType": "Encounter",
                    "status": "planned",
                    "class": {"code": "AMB"},
                }
            }
        ),
        "entry[14] Encounter",
        "not part of a referral",
    ),
    "unknown resource type": (
        lambda b: b["entry"].append({"resource": {"resourceType": "Spaceship"}}),
        "entry[14] Spaceship",
        "not part of a referral",
    ),
    "missing identifier": (
        lambda b: resource(b, "Patient").pop("identifier"),
        "entry[0] Patient",
        "identifier: no MRN",
    ),
    "identifier of another system": (
        lambda b: resource(b, "Patient")["identifier"][0].update(system="urn:other"),
        "entry[0] Patient",
        "identifier: no MRN",
    ),
    "invalid escc code": (
        lambda b: b["entry"][10]["resource"].update(valueCodeableConcept=project("escc-9")),
        "entry[10] Observation",
        "'escc-9' is not valid here",
    ),
    "unknown primary code": (
        lambda b: resource(b, "Condition")["code"]["coding"][0].update(code="1234567"),
        "entry[1] Condition",
        "neither the primary cancer",
    ),
    "unknown observation code": (
        lambda b: resource(b, "Observation")["code"]["coding"][0].update(code="0000-0"),
        "entry[3] Observation",
        "not an observation the board uses",
    ),
    "ecog as text": (
        lambda b: resource(b, "Observation").update(valueInteger=None, valueString="one"),
        "entry[3] Observation",
        "give valueInteger",
    ),
    "bad date": (
        lambda b: resource(b, "Patient").update(birthDate="1968-13-45"),
        "entry[0] Patient",
        "birthDate",
    ),
    "subject elsewhere": (
        lambda b: resource(b, "MedicationStatement").update(subject={"reference": "Patient/x"}),
        "entry[11] MedicationStatement",
        "subject: must refer to the Bundle's Patient",
    ),
    "lesion level missing": (
        lambda b: resource(b, "Condition", 1).pop("bodySite"),
        "entry[2] Condition",
        "bodySite",
    ),
    "no referral": (
        lambda b: _without(b, "ServiceRequest"),
        "Bundle",
        "No referral ServiceRequest",
    ),
    "two patients": (
        lambda b: b["entry"].append(json.loads(json.dumps(b["entry"][0]))),
        "Bundle",
        "exactly one Patient",
    ),
    "radiation without dose (refused by the services, after the case was written)": (
        lambda b: resource(b, "Procedure").pop("extension"),
        "entry[12] Procedure",
        "dose_gy",
    ),
    "radiation dose of zero": (
        lambda b: resource(b, "Procedure")["extension"][0].update(valueDecimal=0),
        "entry[12] Procedure",
        "radiotherapy dose",
    ),
    "imaging in the future (refused by the services, reported on the lesion)": (
        lambda b: b["entry"][10]["resource"].update(effectiveDateTime="2090-01-01"),
        "entry[2] Condition",
        "Imaging date",
    ),
    "birth date out of range (refused by the services)": (
        lambda b: resource(b, "Patient").update(birthDate="1850-01-01"),
        "entry[0] Patient",
        "date_of_birth",
    ),
}


@pytest.mark.parametrize("name", list(BAD_BUNDLES))
def test_bad_bundles_are_refused_per_resource_and_change_nothing(cast, api, name):
    change, key, words = BAD_BUNDLES[name]
    bundle = referral_bundle()
    change(bundle)
    before = counts()
    response = post(api, cast.coordinator, cast.board, bundle)
    assert response.status_code == 400, response.json()
    body = response.json()
    assert "nothing was saved" in body["detail"]
    matching = [k for k in body if k.startswith(key)]
    assert matching, body
    assert any(words in message for k in matching for message in body[k]), body
    assert counts() == before


def test_several_problems_are_listed_together(cast, api):
    bundle = referral_bundle()
    resource(bundle, "Patient").pop("identifier")
    resource(bundle, "Observation").update(valueInteger=None, valueString="one")
    response = post(api, cast.coordinator, cast.board, bundle)
    assert response.status_code == 400
    assert {"entry[0] Patient", "entry[3] Observation"} <= set(response.json())


def test_deep_nesting_of_five_megabytes_is_a_clear_400(cast, api):
    before = counts()
    depth = 5 * 1024 * 1024 // 8
    body = '{"resourceType":"Bundle","entry":' + '{"a":' * depth + "1" + "}" * depth + "}"
    response = post(api, cast.coordinator, cast.board, body.encode())
    assert response.status_code == 400
    assert "larger than" in response.json()["detail"] or "nested" in response.json()["detail"]
    assert counts() == before


def test_a_bundle_over_the_size_setting_is_refused_before_it_is_decoded(cast, api, settings):
    settings.FHIR_MAX_BUNDLE_BYTES = 20_000
    bundle = referral_bundle()
    resource(bundle, "Patient")["name"][0]["text"] = "x" * 30_000
    before = counts()
    response = post(api, cast.coordinator, cast.board, bundle)
    assert response.status_code == 400
    assert response.json()["detail"] == "The document is larger than 20000 bytes."
    assert counts() == before


def test_nesting_under_the_size_limit_is_refused_for_its_depth(cast, api):
    body = '{"resourceType":"Bundle","entry":' + "[" * 40 + "]" * 40 + "}"
    response = post(api, cast.coordinator, cast.board, body.encode())
    assert response.status_code == 400
    assert "nested deeper than 32" in response.json()["detail"]


def test_not_json_is_a_400(cast, api):
    response = post(api, cast.coordinator, cast.board, b"<Bundle/>")
    assert response.status_code == 400


def test_lesion_observation_may_name_its_condition_by_focus(cast, api):
    bundle = referral_bundle()
    escc = bundle["entry"][10]["resource"]
    escc.pop("bodySite")
    escc["focus"] = [{"reference": LESION}]
    assert post(api, cast.coordinator, cast.board, bundle).status_code == 201
    assert SpinalLesion.objects.get().escc_grade == "0"


@pytest.mark.parametrize(
    ("who", "code"),
    [("coordinator", 201), ("chair", 201), ("surgeon", 403), ("patient_user", 403)],
)
def test_only_the_boards_coordinator_or_chair_imports(cast, api, who, code):
    response = post(api, getattr(cast, who), cast.board, referral_bundle())
    assert response.status_code == code
    assert Case.objects.exists() is (code == 201)


def test_a_board_of_someone_else_is_not_available(cast, api):
    response = post(api, cast.coordinator, cast.other_board, referral_bundle())
    assert response.status_code == 400
    assert response.json()["board"] == ["No such board is available to you."]
    response = api(cast.coordinator).post(
        reverse("api:fhir-referrals"), data="{}", content_type=FHIR
    )
    assert response.status_code == 400 and "board" in response.json()
