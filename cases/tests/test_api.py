"""REST API v1 for patients and cases: who may do what, bad input, query counts, history."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from cases.models import Case, Patient, PriorTreatment, SpinalLesion
from cases.services import MRN_NOT_AVAILABLE, MRN_ON_YOUR_BOARDS
from tests.factories import (
    AgendaItemFactory,
    CaseFactory,
    LesionFactory,
    MeetingFactory,
    PatientFactory,
    PriorTreatmentFactory,
)
from tumorboard import bounds

pytestmark = pytest.mark.django_db

# Board members (allowed), and the refused: a specialist of another board sees nothing of ours
# (404 / absent from lists); a patient or a user without a role is refused outright (403).
ALLOWED = ["coordinator", "chair", "spine_surgery", "radiation_oncology", "medical_oncology"]
REFUSED = ["stranger", "patient_user"]
ANONYMOUS_STATUSES = {401, 403}


def person(cast, name):
    return cast.specialists[name] if name in cast.specialists else getattr(cast, name)


def url(name, **kwargs):
    return reverse(f"api:{name}", kwargs=kwargs)


@pytest.fixture
def case(cast):
    case = CaseFactory(board=cast.board, kps=60)
    LesionFactory(case=case, level="T10")
    return case


@pytest.fixture
def other_case(cast):
    return CaseFactory(board=cast.other_board)


def case_payload(cast, patient, **overrides):
    data = {
        "patient": str(patient.uuid),
        "board": str(cast.board.uuid),
        "referring_clinician": "Dr Referrer",
        "clinical_question": "Separation surgery then SBRT, or radiotherapy alone?",
        "primary_site": "breast",
        "urgency": "urgent",
        "kps": 70,
        "goals_ranked": ["walking", "pain_relief"],
        "lesions": [{"level": "T6", "escc_grade": "2"}, {"level": "l2 "}],
    }
    return data | overrides


# Cases: list ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALLOWED)
def test_board_member_sees_board_cases_in_list(cast, api, case, other_case, name):
    response = api(person(cast, name)).get(url("case-list"))
    assert response.status_code == 200
    uuids = [row["uuid"] for row in response.json()["results"]]
    assert uuids == [str(case.uuid)]
    row = response.json()["results"][0]
    assert row["board"] == {"uuid": str(cast.board.uuid), "name": "Spine Oncology Board"}
    assert row["levels"] == ["T10"]


def test_outsider_sees_only_own_board_cases(cast, api, case, other_case):
    response = api(cast.outsider).get(url("case-list"))
    assert response.status_code == 200
    assert [row["uuid"] for row in response.json()["results"]] == [str(other_case.uuid)]


@pytest.mark.parametrize("name", REFUSED)
def test_patient_and_roleless_user_refused_case_list(cast, api, case, name):
    response = api(person(cast, name)).get(url("case-list"))
    assert response.status_code == 403
    assert "results" not in response.json()


def test_anonymous_refused_case_list(cast, api, case):
    response = api().get(url("case-list"))
    assert response.status_code in ANONYMOUS_STATUSES


def test_case_list_filters(cast, api):
    meeting = MeetingFactory(board=cast.board)
    on_agenda = CaseFactory(board=cast.board, urgency="emergency", status="scheduled")
    AgendaItemFactory(meeting=meeting, case=on_agenda)
    routine = CaseFactory(board=cast.board, urgency="routine")
    client = api(cast.coordinator)

    def uuids(**params):
        response = client.get(url("case-list"), params)
        assert response.status_code == 200, response.json()
        return {row["uuid"] for row in response.json()["results"]}

    assert uuids() == {str(on_agenda.uuid), str(routine.uuid)}
    assert uuids(status="scheduled") == {str(on_agenda.uuid)}
    assert uuids(urgency="routine") == {str(routine.uuid)}
    assert uuids(meeting=str(meeting.uuid)) == {str(on_agenda.uuid)}
    assert uuids(board=str(cast.board.uuid)) == {str(on_agenda.uuid), str(routine.uuid)}
    assert uuids(board=str(cast.other_board.uuid)) == set()
    # Most urgent first.
    first = client.get(url("case-list")).json()["results"][0]
    assert first["uuid"] == str(on_agenda.uuid)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"urgency": "soon"}, "urgency"),
        ({"meeting": "x"}, "meeting"),
    ],
)
def test_case_list_bad_filter_is_400_with_field_error(cast, api, case, params, field):
    response = api(cast.coordinator).get(url("case-list"), params)
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Please correct the errors below."
    assert list(body) == ["detail", field]


@pytest.mark.parametrize("name", ["case-list", "patient-list"])
def test_a_huge_page_size_is_cut_to_the_maximum(cast, api, case, name):
    # Found by the API fuzzer (as `limit`, before keyset pages): LIMIT 10**30 overflowed
    # PostgreSQL's bigint, a 500. These lists page by cursor now; `page_size` is capped.
    response = api(cast.coordinator).get(url(name), {"page_size": 10**30})
    assert response.status_code == 200
    body = response.json()
    assert len(body["results"]) == 1
    assert (body["next"], body["previous"]) == (None, None)
    assert "count" not in body


@pytest.mark.parametrize("name", ["case-list", "patient-list"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page_size": "lots"}, "page_size"),
        ({"page_size": 0}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyJuIiwiMDAwIl0:forged"}, "cursor"),
    ],
)
def test_bad_page_input_is_400_with_field_error(cast, api, case, name, params, field):
    response = api(cast.coordinator).get(url(name), params)
    assert response.status_code == 400
    assert list(response.json()) == ["detail", field]


# Cases: retrieve --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALLOWED)
def test_board_member_retrieves_case(cast, api, case, name):
    PriorTreatment.objects.create(
        case=case,
        kind="radiation",
        level_from="T9",
        level_to="T11",
        treated_on=dt.date(2023, 4, 1),
        dose_gy=20,
        fractions=5,
    )
    response = api(person(cast, name)).get(url("case-detail", uuid=case.uuid))
    assert response.status_code == 200
    body = response.json()
    assert body["uuid"] == str(case.uuid)
    assert body["patient"]["uuid"] == str(case.patient.uuid)
    assert body["patient"]["mrn"] == case.patient.mrn
    assert body["board"]["name"] == "Spine Oncology Board"
    assert body["status"] == "referred"
    assert body["kps"] == 60
    assert [lesion["level"] for lesion in body["lesions"]] == ["T10"]
    assert body["lesions"][0]["escc_grade"] == "3"
    assert body["prior_treatments"][0]["dose_gy"] == "20.00"
    assert "id" not in body


def test_outsider_gets_404_on_case_detail(cast, api, case):
    response = api(cast.outsider).get(url("case-detail", uuid=case.uuid))
    assert response.status_code == 404


@pytest.mark.parametrize("name", REFUSED)
def test_patient_and_roleless_user_refused_case_detail(cast, api, case, name):
    response = api(person(cast, name)).get(url("case-detail", uuid=case.uuid))
    assert response.status_code == 403
    assert "patient" not in response.json()


def test_anonymous_refused_case_detail(cast, api, case):
    assert api().get(url("case-detail", uuid=case.uuid)).status_code in ANONYMOUS_STATUSES


def test_unknown_case_is_404(cast, api):
    import uuid

    response = api(cast.coordinator).get(url("case-detail", uuid=uuid.uuid4()))
    assert response.status_code == 404


# Cases: create ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALLOWED)
def test_board_member_creates_case_with_lesions(cast, api, name):
    user = person(cast, name)
    patient = PatientFactory(created_by=user)
    response = api(user).post(url("case-list"), case_payload(cast, patient), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    case = Case.objects.get(uuid=body["uuid"])
    assert case.patient == patient
    assert case.board == cast.board
    assert case.created_by == user
    assert case.status == "referred"
    assert sorted(case.lesions.values_list("level", flat=True)) == ["L2", "T6"]
    assert [lesion["level"] for lesion in body["lesions"]] == ["T6", "L2"]
    assert body["goals_ranked"] == ["walking", "pain_relief"]
    assert body["goals_recorded_by"]["username"] == user.username


def test_outsider_cannot_create_case_on_our_board(cast, api, case):
    response = api(cast.outsider).post(
        url("case-list"), case_payload(cast, case.patient), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["board"] == ["No such board is available to you."]
    assert body["patient"] == ["No such patient is available to you."]
    assert Case.objects.count() == 1


@pytest.mark.parametrize("name", REFUSED)
def test_patient_and_roleless_user_refused_case_create(cast, api, name):
    patient = PatientFactory()
    response = api(person(cast, name)).post(
        url("case-list"), case_payload(cast, patient), format="json"
    )
    assert response.status_code == 403
    assert Case.objects.count() == 0


def test_anonymous_refused_case_create(cast, api):
    response = api().post(url("case-list"), case_payload(cast, PatientFactory()), format="json")
    assert response.status_code in ANONYMOUS_STATUSES
    assert Case.objects.count() == 0


def test_invalid_lesion_level_is_400_and_nothing_written(cast, api):
    patient = PatientFactory(created_by=cast.coordinator)
    payload = case_payload(cast, patient, lesions=[{"level": "T6"}, {"level": "T13"}])
    response = api(cast.coordinator).post(url("case-list"), payload, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "Please correct the errors below."
    # Errors are keyed by the position of the offending lesion in the list.
    assert body["lesions"] == {
        "1": {"level": ["T13 is not a spinal level: use C1–C7, T1–T12, L1–L5 or S1–S5."]}
    }
    assert Case.objects.count() == 0
    assert SpinalLesion.objects.count() == 0


def test_duplicate_lesion_level_rolls_back_the_whole_case(cast, api):
    patient = PatientFactory(created_by=cast.coordinator)
    payload = case_payload(cast, patient, lesions=[{"level": "T6"}, {"level": "t6"}])
    response = api(cast.coordinator).post(url("case-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json()["lesions"][0].startswith("Lesion 2:")
    assert Case.objects.count() == 0
    assert SpinalLesion.objects.count() == 0


@pytest.mark.parametrize("kps", [75, 110])
def test_out_of_range_kps_on_create_is_400(cast, api, kps):
    patient = PatientFactory(created_by=cast.coordinator)
    payload = case_payload(cast, patient, kps=kps)
    response = api(cast.coordinator).post(url("case-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json()["kps"] == [f"Karnofsky score must be 0–100 in steps of 10 (got {kps})."]
    assert Case.objects.count() == 0


def test_unknown_board_is_400_field_error(cast, api):
    import uuid

    patient = PatientFactory(created_by=cast.coordinator)
    payload = case_payload(cast, patient, board=str(uuid.uuid4()))
    response = api(cast.coordinator).post(url("case-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json()["board"] == ["No such board is available to you."]
    payload = case_payload(cast, patient, board="not-a-uuid")
    response = api(cast.coordinator).post(url("case-list"), payload, format="json")
    assert response.json()["board"] == ["Enter a valid UUID."]
    assert Case.objects.count() == 0


def test_board_user_is_not_member_of_is_400(cast, api):
    patient = PatientFactory(created_by=cast.coordinator)
    payload = case_payload(cast, patient, board=str(cast.other_board.uuid))
    response = api(cast.coordinator).post(url("case-list"), payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["detail", "board"]
    assert Case.objects.count() == 0


def test_status_cannot_be_set_on_create(cast, api):
    patient = PatientFactory(created_by=cast.coordinator)
    payload = case_payload(cast, patient, status="closed")
    response = api(cast.coordinator).post(url("case-list"), payload, format="json")
    assert response.status_code == 400
    assert response.json()["status"] == ["Change the status with POST …/transition/."]
    assert Case.objects.count() == 0


# Cases: update ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALLOWED)
def test_board_member_updates_case(cast, api, case, name):
    user = person(cast, name)
    response = api(user).patch(
        url("case-detail", uuid=case.uuid), {"kps": 50, "ecog": 2, "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["kps"] == 50
    case.refresh_from_db()
    assert (case.kps, case.ecog, case.updated_by) == (50, 2, user)


def test_outsider_gets_404_on_case_update(cast, api, case):
    response = api(cast.outsider).patch(
        url("case-detail", uuid=case.uuid), {"kps": 50}, format="json"
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.kps == 60


@pytest.mark.parametrize("name", REFUSED)
def test_patient_and_roleless_user_refused_case_update(cast, api, case, name):
    response = api(person(cast, name)).patch(
        url("case-detail", uuid=case.uuid), {"kps": 50}, format="json"
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.kps == 60


def test_anonymous_refused_case_update(cast, api, case):
    response = api().patch(url("case-detail", uuid=case.uuid), {"kps": 50}, format="json")
    assert response.status_code in ANONYMOUS_STATUSES
    case.refresh_from_db()
    assert case.kps == 60


@pytest.mark.parametrize("kps", [75, 110])
def test_out_of_range_kps_on_update_is_400_and_unchanged(cast, api, case, kps):
    response = api(cast.coordinator).patch(
        url("case-detail", uuid=case.uuid), {"kps": kps}, format="json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["detail", "kps"]
    case.refresh_from_db()
    assert case.kps == 60


@pytest.mark.parametrize(("field", "value"), [("status", "closed"), ("board", "x")])
def test_status_and_board_cannot_be_patched(cast, api, case, field, value):
    response = api(cast.coordinator).patch(
        url("case-detail", uuid=case.uuid), {field: value}, format="json"
    )
    assert response.status_code == 400
    assert field in response.json()
    case.refresh_from_db()
    assert (case.status, case.board) == ("referred", cast.board)


@pytest.mark.parametrize(
    ("onset", "message"),
    [
        # Found by the API fuzzer: accepted, then returned as "0003-12-31T23:58:45-00:01:15".
        ("0004-01-01T00:00:00+00:00", "Give a date on or after 1950-01-01."),
        ("2999-01-01T00:00:00+00:00", "A date cannot be in the future."),
    ],
)
def test_implausible_deficit_onset_is_400_and_unchanged(cast, api, case, onset, message):
    response = api(cast.coordinator).patch(
        url("case-detail", uuid=case.uuid), {"deficit_onset": onset}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["deficit_onset"] == [message]
    case.refresh_from_db()
    assert case.deficit_onset is None


def test_a_past_deficit_onset_is_kept(cast, api, case):
    onset = dt.datetime(2020, 5, 4, 6, 30, tzinfo=dt.UTC)
    response = api(cast.coordinator).patch(
        url("case-detail", uuid=case.uuid),
        {"deficit_onset": onset.isoformat()},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.deficit_onset == onset


def test_duplicate_goal_is_400(cast, api, case):
    response = api(cast.coordinator).patch(
        url("case-detail", uuid=case.uuid),
        {"goals_ranked": ["walking", "walking"]},
        format="json",
        HTTP_IF_MATCH='"1"',
    )
    assert response.status_code == 400
    assert response.json()["goals_ranked"] == ["Each goal may be ranked only once."]


# Cases: transition ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ALLOWED)
def test_board_member_transitions_case(cast, api, case, name):
    user = person(cast, name)
    response = api(user).post(
        url("case-transition", uuid=case.uuid),
        {"status": "ready", "override": True, "reason": "MRI booked for Monday"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "ready"
    case.refresh_from_db()
    assert (case.status, case.updated_by) == ("ready", user)
    assert response.json()["readiness_overridden"] is True


def test_outsider_gets_404_on_transition(cast, api, case):
    response = api(cast.outsider).post(
        url("case-transition", uuid=case.uuid), {"status": "ready"}, format="json"
    )
    assert response.status_code == 404
    case.refresh_from_db()
    assert case.status == "referred"


@pytest.mark.parametrize("name", REFUSED)
def test_patient_and_roleless_user_refused_transition(cast, api, case, name):
    response = api(person(cast, name)).post(
        url("case-transition", uuid=case.uuid), {"status": "ready"}, format="json"
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == "referred"


def test_anonymous_refused_transition(cast, api, case):
    response = api().post(url("case-transition", uuid=case.uuid), {"status": "ready"})
    assert response.status_code in ANONYMOUS_STATUSES
    case.refresh_from_db()
    assert case.status == "referred"


def test_illegal_transition_is_400_and_status_unchanged(cast, api, case):
    response = api(cast.chair).post(
        url("case-transition", uuid=case.uuid), {"status": "plan_signed"}, format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["detail"] == "A case cannot go from Referred to Plan signed."
    assert body["status"] == ["Allowed next statuses: deferred, ready, scheduled, withdrawn."]
    case.refresh_from_db()
    assert case.status == "referred"


def test_ready_needs_readiness_or_an_override_with_a_reason(cast, api, case):
    client = api(cast.coordinator)
    response = client.post(url("case-transition", uuid=case.uuid), {"status": "ready"})
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("The case is not ready: ")
    assert "Performance status (KPS or ECOG)" not in body["detail"]  # the case has a KPS
    assert body["override"] == ["Override readiness, with a reason, to mark it ready anyway."]
    response = client.post(
        url("case-transition", uuid=case.uuid), {"status": "ready", "override": True}
    )
    assert response.json()["reason"] == ["A reason is required to mark a case ready that is not."]
    case.refresh_from_db()
    assert case.status == "referred"


def test_scheduled_is_refused_through_the_transition_endpoint(cast, api, case):
    response = api(cast.coordinator).post(
        url("case-transition", uuid=case.uuid), {"status": "scheduled"}
    )
    assert response.status_code == 400
    assert response.json()["status"] == ["A case is scheduled by putting it on a meeting's agenda."]


def test_unknown_status_and_missing_reason_are_400(cast, api, case):
    client = api(cast.coordinator)
    response = client.post(url("case-transition", uuid=case.uuid), {"status": "done"})
    assert response.status_code == 400
    assert "status" in response.json()
    response = client.post(url("case-transition", uuid=case.uuid), {"status": "deferred"})
    assert response.status_code == 400
    assert response.json()["reason"] == ["A reason is required to defer or withdraw."]
    response = client.post(
        url("case-transition", uuid=case.uuid), {"status": "deferred", "reason": "Awaiting MRI"}
    )
    assert response.status_code == 200
    assert response.json()["status_reason"] == "Awaiting MRI"


# Lesions and prior treatments -------------------------------------------------------------------


def test_add_update_remove_lesion(cast, api, case):
    client = api(cast.surgeon)
    response = client.post(url("case-lesions", uuid=case.uuid), {"level": " l1", "pain": "none"})
    assert response.status_code == 201, response.json()
    lesion_id = response.json()["id"]
    assert SpinalLesion.objects.get(pk=lesion_id).level == "L1"

    detail = url("case-lesion-detail", uuid=case.uuid, lesion_id=lesion_id)
    response = client.patch(detail, {"escc_grade": "1c"}, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200
    assert SpinalLesion.objects.get(pk=lesion_id).escc_grade == "1c"

    response = client.delete(detail, HTTP_IF_MATCH='"2"')
    assert response.status_code == 204
    assert not SpinalLesion.objects.filter(pk=lesion_id).exists()


def test_lesion_bad_level_and_duplicate_level_are_400(cast, api, case):
    client = api(cast.surgeon)
    response = client.post(url("case-lesions", uuid=case.uuid), {"level": "T13"})
    assert response.status_code == 400
    assert response.json()["level"] == [
        "T13 is not a spinal level: use C1–C7, T1–T12, L1–L5 or S1–S5."
    ]
    response = client.post(url("case-lesions", uuid=case.uuid), {"level": "T10"})
    assert response.status_code == 400
    assert "detail" in response.json()
    assert list(case.lesions.values_list("level", flat=True)) == ["T10"]


def test_lesion_of_another_case_is_404(cast, api, case):
    elsewhere = LesionFactory(case=CaseFactory(board=cast.board), level="C5")
    detail = url("case-lesion-detail", uuid=case.uuid, lesion_id=elsewhere.pk)
    response = api(cast.surgeon).patch(detail, {"escc_grade": "0"}, format="json")
    assert response.status_code == 404
    elsewhere.refresh_from_db()
    assert elsewhere.escc_grade == "3"


def test_outsider_cannot_touch_lesions(cast, api, case):
    lesion = case.lesions.get()
    client = api(cast.outsider)
    detail = url("case-lesion-detail", uuid=case.uuid, lesion_id=lesion.pk)
    assert client.delete(detail).status_code == 404
    assert client.post(url("case-lesions", uuid=case.uuid), {"level": "L1"}).status_code == 404
    assert list(case.lesions.values_list("level", flat=True)) == ["T10"]


def test_add_prior_treatment(cast, api, case):
    payload = {
        "kind": "radiation",
        "level_from": "t9",
        "level_to": "T11",
        "treated_on": "2023-04-01",
        "dose_gy": "20",
        "fractions": 5,
    }
    response = api(cast.specialists["radiation_oncology"]).post(
        url("case-prior-treatments", uuid=case.uuid), payload, format="json"
    )
    assert response.status_code == 201, response.json()
    treatment = case.prior_treatments.get()
    assert (treatment.level_from, treatment.fractions) == ("T9", 5)


def test_prior_radiation_without_dose_is_400(cast, api, case):
    payload = {
        "kind": "radiation",
        "level_from": "T9",
        "treated_on": "2023-04-01",
        "dose_gy": "0",
        "fractions": 5,
    }
    response = api(cast.coordinator).post(
        url("case-prior-treatments", uuid=case.uuid), payload, format="json"
    )
    assert response.status_code == 400
    assert "detail" in response.json()
    assert not case.prior_treatments.exists()


def test_correct_and_remove_a_prior_treatment(cast, api, case):
    treatment = PriorTreatmentFactory(case=case)
    client = api(cast.specialists["radiation_oncology"])
    detail = url("case-prior-treatment-detail", uuid=case.uuid, treatment_id=treatment.pk)
    response = client.patch(detail, {"dose_gy": "30", "fractions": 10, "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    assert (response.json()["dose_gy"], response.json()["fractions"]) == ("30.00", 10)
    treatment.refresh_from_db()
    assert treatment.updated_by == cast.specialists["radiation_oncology"]

    response = client.patch(detail, {"fractions": 0, "version": 2}, format="json")
    assert response.status_code == 400
    assert response.json()["fractions"] == ["Give the number of fractions (at least 1)."]
    treatment.refresh_from_db()
    assert treatment.fractions == 10

    assert client.delete(detail, HTTP_IF_MATCH='"2"').status_code == 204
    assert not case.prior_treatments.exists()
    assert PriorTreatment.history.filter(id=treatment.pk).first().history_type == "-"


def test_prior_treatment_of_another_case_is_404_and_outsiders_cannot_touch_it(cast, api, case):
    elsewhere = PriorTreatmentFactory(case=CaseFactory(board=cast.board))
    detail = url("case-prior-treatment-detail", uuid=case.uuid, treatment_id=elsewhere.pk)
    assert api(cast.surgeon).delete(detail).status_code == 404
    own = url("case-prior-treatment-detail", uuid=elsewhere.case.uuid, treatment_id=elsewhere.pk)
    assert api(cast.outsider).delete(own).status_code == 404
    assert PriorTreatment.objects.filter(pk=elsewhere.pk).exists()


def test_systemic_therapy_needs_no_level_and_takes_none(cast, api, case):
    client = api(cast.specialists["medical_oncology"])
    payload = {"kind": "systemic", "treated_on": "2024-02-01", "description": "Pembrolizumab"}
    response = client.post(url("case-prior-treatments", uuid=case.uuid), payload, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["level_from"] == ""
    response = client.post(
        url("case-prior-treatments", uuid=case.uuid),
        payload | {"level_from": "T4"},
        format="json",
    )
    assert response.status_code == 400
    assert "level_from" in response.json()
    response = client.post(
        url("case-prior-treatments", uuid=case.uuid),
        {"kind": "surgery", "treated_on": "2024-02-01"},
        format="json",
    )
    assert response.json()["level_from"] == ["Give the (first) level treated."]
    assert case.prior_treatments.count() == 1


# Patients ---------------------------------------------------------------------------------------

PATIENT = {
    "mrn": "DEMO-9001",
    "given_name": "Ada",
    "family_name": "Example",
    "date_of_birth": "1961-03-02",
    "sex": "female",
    "preferred_language": "es",
}


@pytest.mark.parametrize("name", ["coordinator", "chair", "spine_surgery"])
def test_staff_create_and_list_patients(cast, api, case, name):
    user = person(cast, name)
    client = api(user)
    response = client.post(url("patient-list"), PATIENT, format="json")
    assert response.status_code == 201, response.json()
    created = Patient.objects.get(uuid=response.json()["uuid"])
    assert (created.mrn, created.created_by) == ("DEMO-9001", user)
    listed = {row["uuid"] for row in client.get(url("patient-list")).json()["results"]}
    assert listed == {str(created.uuid), str(case.patient.uuid)}


@pytest.mark.parametrize("name", REFUSED)
def test_patient_and_roleless_user_refused_patients(cast, api, case, name):
    client = api(person(cast, name))
    assert client.get(url("patient-list")).status_code == 403
    assert client.post(url("patient-list"), PATIENT, format="json").status_code == 403
    detail = url("patient-detail", uuid=case.patient.uuid)
    assert client.get(detail).status_code == 403
    assert not Patient.objects.filter(mrn="DEMO-9001").exists()


def test_anonymous_refused_patients(cast, api):
    assert api().get(url("patient-list")).status_code in ANONYMOUS_STATUSES


def test_outsider_does_not_see_our_patients(cast, api, case):
    client = api(cast.outsider)
    assert client.get(url("patient-list")).json()["results"] == []
    detail = url("patient-detail", uuid=case.patient.uuid)
    assert client.get(detail).status_code == 404
    assert client.patch(detail, {"phone": "1"}, format="json").status_code == 404
    case.patient.refresh_from_db()
    assert case.patient.phone == ""


def test_board_member_updates_patient(cast, api, case):
    detail = url("patient-detail", uuid=case.patient.uuid)
    client = api(cast.coordinator)
    response = client.patch(detail, {"phone": "+44 20 7946 0000", "version": 1}, format="json")
    assert response.status_code == 200, response.json()
    case.patient.refresh_from_db()
    assert case.patient.phone == "+44 20 7946 0000"
    # Sending back the read-only uuid is harmless; a field the API does not know is refused.
    replacement = PATIENT | {"mrn": "DEMO-9002", "uuid": str(case.patient.uuid), "version": 2}
    response = client.put(detail, replacement, format="json")
    assert response.status_code == 200, response.json()
    case.patient.refresh_from_db()
    assert (case.patient.mrn, case.patient.given_name) == ("DEMO-9002", "Ada")
    response = client.patch(detail, {"nickname": "Addy"}, format="json")
    assert response.status_code == 400
    assert response.json()["nickname"] == ["This field cannot be set here."]


def test_an_mrn_on_another_board_is_not_revealed(cast, api):
    # Issue 15, item 5: a probe of another board's MRN learns nothing about that patient; the
    # answer is the one for every MRN this user cannot register, whoever holds it.
    elsewhere = CaseFactory(board=cast.other_board, patient=PatientFactory(mrn="DEMO-9001"))
    client = api(cast.coordinator)
    response = client.post(url("patient-list"), PATIENT, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["mrn"] == [MRN_NOT_AVAILABLE]
    assert "exist" not in response.content.decode()
    assert str(elsewhere.patient.uuid) not in response.content.decode()
    assert Patient.objects.filter(mrn="DEMO-9001").count() == 1
    # A patient nobody's board holds yet gets the same answer.
    PatientFactory(mrn="DEMO-9003")
    other = client.post(url("patient-list"), PATIENT | {"mrn": "DEMO-9003"}, format="json")
    assert (other.status_code, other.json()) == (400, body)


def test_an_mrn_on_the_users_boards_is_offered(cast, api):
    CaseFactory(board=cast.board, patient=PatientFactory(mrn="DEMO-9001"))
    response = api(cast.coordinator).post(url("patient-list"), PATIENT, format="json")
    assert (response.status_code, response.json()["mrn"]) == (400, [MRN_ON_YOUR_BOARDS])


def test_future_birth_date_and_bad_sex_are_400(cast, api):
    client = api(cast.coordinator)
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    response = client.post(url("patient-list"), PATIENT | {"date_of_birth": future})
    assert response.status_code == 400
    assert response.json()["date_of_birth"] == ["A date of birth cannot be in the future."]
    response = client.post(url("patient-list"), PATIENT | {"sex": "x"})
    assert response.status_code == 400
    assert "sex" in response.json()
    assert not Patient.objects.filter(mrn="DEMO-9001").exists()


# Token authentication ---------------------------------------------------------------------------


def test_token_auth(cast, case):
    client = APIClient()
    response = client.post(
        url("token"), {"username": "coord", "password": "pw-test-1234"}, format="json"
    )
    assert response.status_code == 200
    token = response.json()["token"]

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = client.get(url("case-list"))
    assert response.status_code == 200
    assert [row["uuid"] for row in response.json()["results"]] == [str(case.uuid)]

    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    response = client.get(url("case-list"))
    assert response.status_code in ANONYMOUS_STATUSES
    assert "results" not in response.json()


def test_token_refused_for_wrong_password(cast):
    response = APIClient().post(
        url("token"), {"username": "coord", "password": "wrong"}, format="json"
    )
    assert response.status_code == 400
    assert "token" not in response.json()


# Query counts -----------------------------------------------------------------------------------


def _count_queries(client, path) -> int:
    client.get(path)  # warm per-user caches (roles) so only the endpoint's own reads are counted
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    return len(queries)


def _make_cases(cast, n):
    meeting = MeetingFactory(board=cast.board)
    for _ in range(n):
        case = CaseFactory(board=cast.board)
        LesionFactory(case=case, level="T4")
        LesionFactory(case=case, level="L1")
        AgendaItemFactory(meeting=meeting, case=case)


def test_case_list_query_count_is_constant(cast, api):
    client = api(cast.coordinator)
    _make_cases(cast, 2)
    small = _count_queries(client, url("case-list"))
    _make_cases(cast, 18)
    large = _count_queries(client, url("case-list"))
    assert len(client.get(url("case-list")).json()["results"]) == 20
    assert small == large
    assert large <= 6


def test_case_detail_query_count_is_constant(cast, api):
    client = api(cast.coordinator)
    small_case, large_case = CaseFactory(board=cast.board), CaseFactory(board=cast.board)
    levels = ["C5", "T1", "T2", "T3", "T4", "T5", "T6", "L1", "L2", "L3"]
    LesionFactory(case=small_case, level="T4")
    for level in levels:
        LesionFactory(case=large_case, level=level)
        PriorTreatment.objects.create(
            case=large_case, kind="surgery", level_from=level, treated_on=dt.date(2022, 1, 1)
        )
    small = _count_queries(client, url("case-detail", uuid=small_case.uuid))
    large = _count_queries(client, url("case-detail", uuid=large_case.uuid))
    assert small == large


def test_patient_list_query_count_is_constant(cast, api):
    client = api(cast.coordinator)
    CaseFactory.create_batch(2, board=cast.board)
    small = _count_queries(client, url("patient-list"))
    CaseFactory.create_batch(18, board=cast.board)
    large = _count_queries(client, url("patient-list"))
    assert small == large


# History ----------------------------------------------------------------------------------------


def test_history_shows_who_changed_what(cast, api, case):
    api(cast.surgeon).patch(
        url("case-detail", uuid=case.uuid), {"kps": 40}, format="json", HTTP_IF_MATCH='"1"'
    )
    api(cast.coordinator).post(url("case-lesions", uuid=case.uuid), {"level": "L3"})

    response = api(cast.chair).get(url("case-history", uuid=case.uuid))
    assert response.status_code == 200
    entries = response.json()
    lesion_added, kps_changed = entries[0], entries[1]
    assert lesion_added["record"] == "lesion"
    assert lesion_added["label"] == "L3"
    assert lesion_added["action"] == "created"
    assert lesion_added["by"]["username"] == "coord"
    assert kps_changed["record"] == "case"
    assert kps_changed["action"] == "changed"
    assert kps_changed["by"]["username"] == "spec_spine_surgery"
    assert kps_changed["changes"] == [{"field": "kps", "old": 60, "new": 40}]


def test_history_records_lesion_removal_and_transition(cast, api, case):
    lesion = case.lesions.get()
    client = api(cast.coordinator)
    client.delete(
        url("case-lesion-detail", uuid=case.uuid, lesion_id=lesion.pk), HTTP_IF_MATCH='"1"'
    )
    client.post(
        url("case-transition", uuid=case.uuid),
        {"status": "ready", "override": True, "reason": "Urgent"},
    )
    entries = client.get(url("case-history", uuid=case.uuid)).json()
    transition = entries[0]
    assert sorted(transition["changes"], key=lambda c: c["field"]) == [
        {"field": "readiness_overridden", "old": False, "new": True},
        {"field": "status", "old": "referred", "new": "ready"},
        {"field": "status_reason", "old": "", "new": "Urgent"},
    ]
    removal = entries[1]
    assert (removal["record"], removal["label"], removal["action"]) == ("lesion", "T10", "deleted")
    assert removal["by"]["username"] == "coord"


def test_history_refused_pair(cast, api, case):
    assert api(cast.outsider).get(url("case-history", uuid=case.uuid)).status_code == 404
    assert api(cast.patient_user).get(url("case-history", uuid=case.uuid)).status_code == 403
    assert api(cast.chair).get(url("case-history", uuid=case.uuid)).status_code == 200


@pytest.mark.parametrize(
    ("date_of_birth", "message"),
    [
        ("1800-01-01", "Give a date of birth on or after 1900-01-01."),
        ("1899-12-31", "Give a date of birth on or after 1900-01-01."),
    ],
)
def test_a_birth_before_1900_is_400(cast, api, date_of_birth, message):
    response = api(cast.coordinator).post(
        url("patient-list"), PATIENT | {"date_of_birth": date_of_birth}
    )
    assert response.status_code == 400
    assert response.json()["date_of_birth"] == [message]
    assert not Patient.objects.filter(mrn="DEMO-9001").exists()


@pytest.mark.parametrize(
    ("treated_on", "message"),
    [
        ("2099-01-01", "A date cannot be in the future."),
        ("1949-12-31", "Give a date on or after 1950-01-01."),
    ],
)
def test_a_prior_treatment_outside_its_range_is_400(cast, api, case, treated_on, message):
    payload = {"kind": "systemic", "treated_on": treated_on, "description": "Pembrolizumab"}
    response = api(cast.coordinator).post(
        url("case-prior-treatments", uuid=case.uuid), payload, format="json"
    )
    assert response.status_code == 400
    assert response.json()["treated_on"] == [message]
    assert not case.prior_treatments.exists()


def test_an_overlong_clinical_text_is_400_and_the_limit_is_accepted(cast, api, case):
    client = api(cast.coordinator)
    detail = url("case-detail", uuid=case.uuid)
    response = client.patch(
        detail, {"comorbidities": "x" * (bounds.TEXT + 1), "version": 1}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["comorbidities"] == [
        f"Ensure this field has no more than {bounds.TEXT} characters."
    ]
    response = client.patch(
        detail, {"comorbidities": "x" * bounds.TEXT, "version": 1}, format="json"
    )
    assert response.status_code == 200, response.json()


# --- lost updates: two editors of one record ------------------------------------------------------


def _record(kind, case):
    """(detail url, the record) for each editable record of a case."""
    if kind == "case":
        return url("case-detail", uuid=case.uuid), case
    if kind == "patient":
        return url("patient-detail", uuid=case.patient.uuid), case.patient
    if kind == "lesion":
        lesion = case.lesions.get()
        return url("case-lesion-detail", uuid=case.uuid, lesion_id=lesion.pk), lesion
    treatment = PriorTreatmentFactory(case=case)
    return url("case-prior-treatment-detail", uuid=case.uuid, treatment_id=treatment.pk), treatment


# One field per record and the values the first and the second editor give it.
EDITS = {
    "case": ("kps", 50, 40),
    "patient": ("phone", "0100", "0200"),
    "lesion": ("notes", "Lytic.", "Sclerotic."),
    "prior_treatment": ("fractions", 10, 1),
}


def _name(user) -> str:
    return user.get_full_name() or user.get_username()


@pytest.mark.parametrize("kind", EDITS)
def test_the_second_of_two_api_editors_is_refused_412_and_nothing_is_saved(cast, api, case, kind):
    detail, record = _record(kind, case)
    field, first_value, second_value = EDITS[kind]
    first, second = api(cast.surgeon), api(cast.coordinator)
    if kind in ("case", "patient"):
        assert first.get(detail)["ETag"] == '"1"'
    # Both read version 1; the first saves, the second saves from what it read.
    saved = first.patch(detail, {field: first_value}, format="json", HTTP_IF_MATCH='"1"')
    assert saved.status_code == 200, saved.json()
    assert saved["ETag"] == '"2"' and saved.json()["version"] == 2
    stale = second.patch(detail, {field: second_value}, format="json", HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412
    body = stale.json()
    assert "Someone else saved this" in body["detail"] and _name(cast.surgeon) in body["detail"]
    assert body["version"] == ["The current version is 2."]
    assert body["current"][field] == first_value and stale["ETag"] == '"2"'
    record.refresh_from_db()
    assert (getattr(record, field), record.version, record.updated_by) == (
        first_value,
        2,
        cast.surgeon,
    )
    # Named in the body instead, the stale version is a 409; the current one is accepted.
    again = second.patch(detail, {field: second_value, "version": 1}, format="json")
    assert again.status_code == 409 and again.json()["current"][field] == first_value
    merged = second.patch(detail, {field: second_value, "version": 2}, format="json")
    assert merged.status_code == 200 and merged.json()["version"] == 3


@pytest.mark.parametrize("kind", EDITS)
def test_an_api_change_without_a_version_is_428_and_a_garbled_if_match_400(cast, api, case, kind):
    detail, record = _record(kind, case)
    field, value, _ = EDITS[kind]
    client = api(cast.coordinator)
    missing = client.patch(detail, {field: value}, format="json")
    assert missing.status_code == 428 and "version" in missing.json()
    garbled = client.patch(detail, {field: value}, format="json", HTTP_IF_MATCH="latest")
    assert garbled.status_code == 400 and "version" in garbled.json()
    disagree = client.patch(
        detail, {field: value, "version": 2}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert disagree.status_code == 400
    record.refresh_from_db()
    assert record.version == 1 and getattr(record, field) != value


@pytest.mark.parametrize("kind", ["lesion", "prior_treatment"])
def test_removing_what_someone_else_just_corrected_is_refused(cast, api, case, kind):
    detail, record = _record(kind, case)
    field, value, _ = EDITS[kind]
    client = api(cast.coordinator)
    assert client.delete(detail).status_code == 428
    saved = api(cast.surgeon).patch(detail, {field: value, "version": 1}, format="json")
    assert saved.status_code == 200
    stale = client.delete(detail, HTTP_IF_MATCH='"1"')
    assert stale.status_code == 412 and stale.json()["current"][field] == value
    assert client.delete(detail, {"version": 1}, format="json").status_code == 409
    assert type(record).objects.filter(pk=record.pk).exists()
    assert client.delete(detail, HTTP_IF_MATCH='"2"').status_code == 204
    assert not type(record).objects.filter(pk=record.pk).exists()


def test_a_new_record_starts_at_version_1_whatever_the_client_sends(cast, api, case):
    client = api(cast.coordinator)
    lesion = client.post(
        url("case-lesions", uuid=case.uuid), {"level": "L2", "version": 7}, format="json"
    )
    assert lesion.status_code == 201 and lesion.json()["version"] == 1
    treatment = client.post(
        url("case-prior-treatments", uuid=case.uuid),
        {"kind": "surgery", "level_from": "L1", "treated_on": "2024-01-05", "version": 7},
        format="json",
    )
    assert treatment.status_code == 201 and treatment.json()["version"] == 1
    patient = client.post(url("patient-list"), PATIENT | {"version": 7}, format="json")
    assert patient.status_code == 201 and patient.json()["version"] == 1
