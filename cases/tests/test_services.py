import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases import services
from cases.models import Case, Patient, PriorTreatment, SpinalLesion, StoredAssessment
from scheduling import rules
from scheduling.tests.helpers import ready_case
from tests.factories import CaseFactory, LesionFactory, PatientFactory, PriorTreatmentFactory
from tumorboard.errors import ApplicationError
from tumorboard.roles import is_staff_member

pytestmark = pytest.mark.django_db


def patient_data(**overrides):
    data = {
        "mrn": "DEMO-9001",
        "given_name": "Ada",
        "family_name": "Example",
        "date_of_birth": dt.date(1961, 3, 2),
        "sex": "female",
        "preferred_language": "es",
    }
    return data | overrides


def test_patient_create_records_who_and_history(cast):
    patient = services.patient_create(by=cast.coordinator, **patient_data())
    assert patient.created_by == cast.coordinator
    assert patient.history.get().history_user == cast.coordinator


def test_an_mrn_of_another_boards_patient_is_refused_without_saying_so(cast):
    # Issue 15, item 5: the answer does not reveal that the MRN is registered elsewhere.
    PatientFactory(mrn="DEMO-9001")
    with pytest.raises(ApplicationError) as excinfo:
        services.patient_create(by=cast.coordinator, **patient_data())
    assert excinfo.value.fields["mrn"] == [services.MRN_NOT_AVAILABLE]
    assert "exist" not in services.MRN_NOT_AVAILABLE
    assert Patient.objects.filter(mrn="DEMO-9001").count() == 1


def test_an_mrn_of_a_patient_on_the_users_boards_is_offered(cast):
    CaseFactory(board=cast.board, patient=PatientFactory(mrn="DEMO-9001"))
    with pytest.raises(ApplicationError) as excinfo:
        services.patient_create(by=cast.coordinator, **patient_data())
    assert excinfo.value.fields["mrn"] == [services.MRN_ON_YOUR_BOARDS]


@pytest.mark.parametrize("holder", ["nobody", "your board", "another board"])
def test_the_mrn_check_costs_one_query_whoever_holds_it(cast, holder, django_assert_num_queries):
    # Issue 15, item 5: the time of the answer does not tell a free MRN, one on the user's boards
    # and one elsewhere apart (no extra query for any of them).
    if holder == "your board":
        CaseFactory(board=cast.board, patient=PatientFactory(mrn="DEMO-9001"))
    elif holder == "another board":
        CaseFactory(board=cast.other_board, patient=PatientFactory(mrn="DEMO-9001"))
    expected = {
        "nobody": None,
        "your board": services.MRN_ON_YOUR_BOARDS,
        "another board": services.MRN_NOT_AVAILABLE,
    }[holder]
    refusal = None
    # patient_create checks the role first; the user keeps their roles from then on.
    assert is_staff_member(cast.coordinator)
    with django_assert_num_queries(1):
        try:
            services._check_mrn_free("DEMO-9001", by=cast.coordinator)
        except ApplicationError as exc:
            refusal = exc.message
    assert refusal == expected


def test_changing_an_mrn_to_another_boards_patient_is_refused_without_saying_so(cast):
    PatientFactory(mrn="DEMO-9002")
    mine = CaseFactory(board=cast.board).patient
    with pytest.raises(ApplicationError) as excinfo:
        services.patient_update(
            patient=mine, by=cast.coordinator, expected_version=1, mrn="DEMO-9002"
        )
    assert excinfo.value.fields["mrn"] == [services.MRN_NOT_AVAILABLE]
    # Its own MRN is no clash.
    services.patient_update(
        patient=mine, by=cast.coordinator, expected_version=1, mrn=mine.mrn, given_name="Bo"
    )


def test_case_with_invalid_lesion_level_writes_nothing(cast):
    patient = PatientFactory(created_by=cast.coordinator)
    with pytest.raises(ApplicationError) as excinfo:
        services.case_create(
            by=cast.coordinator,
            patient=patient,
            board=cast.board,
            referring_clinician="Dr R",
            clinical_question="Radiotherapy now?",
            primary_site="breast",
            lesions=[{"level": "T6"}, {"level": "T13"}],
        )
    assert "T13 is not a spinal level" in " ".join(excinfo.value.fields["lesions"])
    assert Case.objects.count() == 0
    assert SpinalLesion.objects.count() == 0


@pytest.mark.parametrize(
    ("field", "value"), [("kps", 75), ("kps", 110), ("ecog", 6), ("pain_score", 11)]
)
def test_out_of_range_scores_refused(cast, field, value):
    case = CaseFactory(board=cast.board)
    with pytest.raises(ApplicationError) as excinfo:
        services.case_update(
            case=case, expected_version=case.version, by=cast.coordinator, **{field: value}
        )
    assert list(excinfo.value.fields) == [field]
    case.refresh_from_db()
    assert getattr(case, field) is None


def test_illegal_transition_refused(cast):
    case = CaseFactory(board=cast.board)
    with pytest.raises(ApplicationError) as excinfo:
        services.case_transition(case=case, to=Case.Status.PLAN_SIGNED, by=cast.coordinator)
    assert "cannot go from Referred to Plan signed" in excinfo.value.message
    case.refresh_from_db()
    assert case.status == Case.Status.REFERRED


def test_defer_needs_reason(cast):
    case = CaseFactory(board=cast.board)
    with pytest.raises(ApplicationError):
        services.case_transition(case=case, to="deferred", by=cast.coordinator)
    case = services.case_transition(case=case, to="deferred", by=cast.coordinator, reason="MRI")
    assert case.status_reason == "MRI"


def test_goals_must_come_from_vocabulary_once_each(cast):
    case = CaseFactory(board=cast.board)
    with pytest.raises(ApplicationError) as excinfo:
        services.case_update(
            case=case,
            expected_version=case.version,
            by=cast.coordinator,
            goals_ranked=["walking", "walking"],
        )
    assert excinfo.value.fields["goals_ranked"] == ["Each goal may be ranked only once."]
    updated = services.case_update(
        case=case,
        expected_version=case.version,
        by=cast.coordinator,
        goals_ranked=["walking", "independence"],
    )
    assert updated.goals_recorded_by == cast.coordinator
    assert updated.goals_recorded_at is not None


# Each write checks its own actor -------------------------------------------------------------
# Clinical staff on the case's board may write; staff of another board, patients and users
# without a role may not, whoever calls the service.

CASE_WRITES = {
    "case_update": lambda case, by: services.case_update(
        case=case, expected_version=case.version, by=by, kps=50
    ),
    "case_transition": lambda case, by: services.case_transition(
        case=case, to=Case.Status.READY, by=by, override=True, reason="Board asked for it"
    ),
    "lesion_add": lambda case, by: services.lesion_add(case=case, by=by, level="L4"),
    "lesion_update": lambda case, by: services.lesion_update(
        lesion=case.lesions.get(), expected_version=case.lesions.get().version, by=by, pain="none"
    ),
    "lesion_remove": lambda case, by: services.lesion_remove(
        lesion=case.lesions.get(), expected_version=case.lesions.get().version, by=by
    ),
    "prior_treatment_add": lambda case, by: services.prior_treatment_add(
        case=case, by=by, kind="surgery", level_from="T10", treated_on=dt.date(2024, 1, 5)
    ),
    "prior_treatment_update": lambda case, by: services.prior_treatment_update(
        treatment=case.prior_treatments.get(),
        expected_version=case.prior_treatments.get().version,
        by=by,
        dose_gy=Decimal("30"),
        fractions=10,
    ),
    "prior_treatment_remove": lambda case, by: services.prior_treatment_remove(
        treatment=case.prior_treatments.get(),
        expected_version=case.prior_treatments.get().version,
        by=by,
    ),
}


def snapshot(case) -> tuple:
    case.refresh_from_db()
    lesions = list(SpinalLesion.objects.filter(case=case).values_list("level", "pain"))
    treatments = list(
        PriorTreatment.objects.filter(case=case).values_list("kind", "dose_gy", "fractions")
    )
    return case.kps, case.status, lesions, treatments


@pytest.mark.parametrize("write", CASE_WRITES)
def test_a_member_of_the_case_board_may_write(cast, write):
    case = LesionFactory(case__board=cast.board, case__kps=70).case
    if write.startswith("prior_treatment_") and write != "prior_treatment_add":
        PriorTreatmentFactory(case=case)
    before = snapshot(case)
    CASE_WRITES[write](case, cast.surgeon)
    assert snapshot(case) != before


@pytest.mark.parametrize("who", ["outsider", "patient_user", "stranger"])
@pytest.mark.parametrize("write", CASE_WRITES)
def test_others_may_not_write_and_nothing_changes(cast, write, who):
    case = LesionFactory(case__board=cast.board, case__kps=70).case
    PriorTreatmentFactory(case=case)
    before = snapshot(case)
    with pytest.raises(PermissionDenied):
        CASE_WRITES[write](case, getattr(cast, who))
    assert snapshot(case) == before


def test_patient_create_is_for_clinical_staff_only(cast):
    with pytest.raises(PermissionDenied):
        services.patient_create(by=cast.patient_user, **patient_data())
    with pytest.raises(PermissionDenied):
        services.patient_create(by=cast.stranger, **patient_data())
    assert not Patient.objects.filter(mrn="DEMO-9001").exists()
    assert services.patient_create(by=cast.outsider, **patient_data()).created_by == cast.outsider


def test_patient_update_is_for_staff_of_the_patient_boards(cast):
    patient = CaseFactory(board=cast.board).patient
    with pytest.raises(PermissionDenied):
        services.patient_update(
            patient=patient, expected_version=patient.version, by=cast.outsider, phone="0100"
        )
    patient.refresh_from_db()
    assert patient.phone == ""
    services.patient_update(
        patient=patient, expected_version=patient.version, by=cast.surgeon, phone="0100"
    )
    patient.refresh_from_db()
    assert patient.phone == "0100"


def case_data(cast, **overrides):
    data = {
        "board": cast.board,
        "referring_clinician": "Dr R",
        "clinical_question": "Radiotherapy now?",
        "primary_site": "breast",
    }
    return data | overrides


def test_a_case_is_referred_to_a_board_of_the_referrer(cast):
    patient = PatientFactory(created_by=cast.outsider)
    with pytest.raises(ApplicationError) as refused:
        services.case_create(by=cast.outsider, patient=patient, **case_data(cast))
    assert refused.value.fields == {"board": ["No such board is available to you."]}
    case = services.case_create(
        by=cast.outsider, patient=patient, **case_data(cast, board=cast.other_board)
    )
    assert case.board == cast.other_board


def test_a_case_is_referred_for_a_patient_the_referrer_may_see(cast):
    elsewhere = CaseFactory(board=cast.other_board).patient
    with pytest.raises(ApplicationError) as refused:
        services.case_create(by=cast.coordinator, patient=elsewhere, **case_data(cast))
    assert refused.value.fields == {"patient": ["No such patient is available to you."]}
    assert services.case_create(
        by=cast.outsider, patient=elsewhere, **case_data(cast, board=cast.other_board)
    )


@pytest.mark.parametrize("who", ["patient_user", "stranger"])
def test_only_clinical_staff_refer_cases(cast, who):
    user = getattr(cast, who)
    patient = PatientFactory(created_by=user)
    with pytest.raises(PermissionDenied):
        services.case_create(by=user, patient=patient, **case_data(cast))
    assert not Case.objects.exists()


# Lesions and prior treatments: corrected, removed, and the case's assessment follows ---------


def test_correcting_an_incomplete_lesion_makes_the_case_ready(cast):
    case = ready_case(cast.board)
    case.lesions.all().delete()
    lesion = services.lesion_add(
        case=case, by=cast.coordinator, level="L2", imaging_date=timezone.localdate()
    )
    case = Case.objects.get(pk=case.pk)
    missing = rules.case_readiness(case).missing
    assert "NOMS at L2: a complete SINS for this level" in missing
    stored = StoredAssessment.objects.get(case=case).assessment["lesions"][0]
    assert stored["sins"]["computable"] is False

    corrected = services.lesion_update(
        lesion=lesion,
        expected_version=lesion.version,
        by=cast.surgeon,
        pain="mechanical",
        bone_lesion="lytic",
        alignment="normal",
        collapse="under_50",
        posterolateral="unilateral",
        escc_grade="1a",
    )
    case = Case.objects.get(pk=case.pk)
    assert rules.case_readiness(case).ready is True
    assert StoredAssessment.objects.get(case=case).assessment["lesions"][0]["sins"]["computable"]
    change = corrected.history.first()
    assert (change.history_type, change.history_user) == ("~", cast.surgeon)
    assert corrected.updated_by == cast.surgeon


def test_a_refused_lesion_correction_changes_nothing(cast):
    case = LesionFactory(case__board=cast.board, level="T10").case
    other = LesionFactory(case=case, level="T11", pain="none")
    with pytest.raises(ApplicationError) as refused:
        services.lesion_update(
            lesion=other,
            expected_version=other.version,
            by=cast.coordinator,
            level="T10",
            pain="mechanical",
        )
    assert refused.value.fields
    other.refresh_from_db()
    assert (other.level, other.pain) == ("T11", "none")
    assert other.history.count() == 1


def test_removing_a_lesion_keeps_it_in_the_history_with_who_removed_it(cast):
    lesion = LesionFactory(case__board=cast.board, level="L3")
    case = lesion.case
    services.lesion_remove(lesion=lesion, expected_version=lesion.version, by=cast.chair)
    assert not case.lesions.exists()
    removal = SpinalLesion.history.filter(case_id=case.pk).first()
    assert (removal.history_type, removal.level, removal.history_user) == ("-", "L3", cast.chair)
    assert StoredAssessment.objects.get(case=case).assessment["lesions"] == []


def test_prior_radiation_correction_and_removal_reach_the_reirradiation_advice(cast):
    case = ready_case(cast.board)
    radiation = services.prior_treatment_add(
        case=case,
        by=cast.coordinator,
        kind="radiation",
        level_from="T2",
        treated_on=timezone.localdate() - dt.timedelta(days=200),
        dose_gy=Decimal("20"),
        fractions=5,
    )

    def reirradiation() -> bool:
        lesion = StoredAssessment.objects.get(case=case).assessment["lesions"][0]
        return lesion["noms"]["result"]["reirradiation"]

    assert reirradiation() is False  # T2 is not the lesion's level (T10)
    services.prior_treatment_update(
        treatment=radiation, expected_version=radiation.version, by=cast.coordinator, level_to="T11"
    )
    assert reirradiation() is True
    services.prior_treatment_remove(treatment=radiation, expected_version=2, by=cast.chair)
    assert reirradiation() is False
    history = PriorTreatment.history.filter(case_id=case.pk).order_by("history_id")
    assert [(h.history_type, h.history_user) for h in history] == [
        ("+", cast.coordinator),
        ("~", cast.coordinator),
        ("-", cast.chair),
    ]


def test_systemic_therapy_is_recorded_without_levels(cast):
    case = CaseFactory(board=cast.board)
    treatment = services.prior_treatment_add(
        case=case,
        by=cast.coordinator,
        kind="systemic",
        treated_on=dt.date(2024, 3, 1),
        description="Pembrolizumab with axitinib",
    )
    assert (treatment.level_from, str(treatment)) == ("", "Systemic therapy")


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"kind": "systemic", "level_from": "T10"}, "level_from", "not given at a level"),
        ({"kind": "systemic", "dose_gy": Decimal("8")}, "dose_gy", "radiotherapy only"),
        ({"kind": "systemic", "description": ""}, "description", "agents or regimen"),
        ({"kind": "surgery", "level_from": ""}, "level_from", "level treated"),
        ({"kind": "radiation", "level_from": "T10", "fractions": 5}, "dose_gy", "dose in Gy"),
        (
            {"kind": "radiation", "level_from": "T10", "dose_gy": Decimal("8")},
            "fractions",
            "number of fractions",
        ),
        (
            {"kind": "surgery", "level_from": "T10", "treated_on": dt.date(2999, 1, 1)},
            "treated_on",
            "in the future",
        ),
    ],
)
def test_prior_treatment_refusals_name_the_field(cast, data, field, message):
    case = CaseFactory(board=cast.board)
    values = {"treated_on": dt.date(2024, 3, 1), "description": "Pembrolizumab", **data}
    with pytest.raises(ApplicationError) as refused:
        services.prior_treatment_add(case=case, by=cast.coordinator, **values)
    assert message in " ".join(refused.value.fields[field])
    assert not case.prior_treatments.exists()


def test_the_database_refuses_a_systemic_therapy_at_a_level(cast):
    case = CaseFactory(board=cast.board)
    with pytest.raises(IntegrityError), transaction.atomic():
        PriorTreatment.objects.create(
            case=case, kind="systemic", level_from="T10", treated_on=dt.date(2024, 3, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        PriorTreatment.objects.create(case=case, kind="surgery", treated_on=dt.date(2024, 3, 1))
