import datetime as dt

import pytest

from cases import services
from cases.models import Case, Patient, SpinalLesion
from tests.factories import CaseFactory, PatientFactory
from tumorboard.errors import ApplicationError

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


def test_duplicate_mrn_is_refused_and_nothing_written(cast):
    PatientFactory(mrn="DEMO-9001")
    with pytest.raises(ApplicationError) as excinfo:
        services.patient_create(by=cast.coordinator, **patient_data())
    assert excinfo.value.fields["mrn"] == ["Patient with this MRN already exists."]
    assert Patient.objects.filter(mrn="DEMO-9001").count() == 1


def test_case_with_invalid_lesion_level_writes_nothing(cast):
    patient = PatientFactory()
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
        services.case_update(case=case, by=cast.coordinator, **{field: value})
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


def test_legal_transition_chain_is_recorded(cast):
    case = CaseFactory(board=cast.board)
    for to in ("ready", "scheduled", "discussed", "plan_signed", "closed"):
        case = services.case_transition(case=case, to=to, by=cast.chair)
    assert case.status == "closed"
    assert [h.status for h in case.history.order_by("history_date")][-1] == "closed"
    assert case.history.filter(history_user=cast.chair).count() == 5


def test_defer_needs_reason(cast):
    case = CaseFactory(board=cast.board)
    with pytest.raises(ApplicationError):
        services.case_transition(case=case, to="deferred", by=cast.coordinator)
    case = services.case_transition(case=case, to="deferred", by=cast.coordinator, reason="MRI")
    assert case.status_reason == "MRI"


def test_goals_must_come_from_vocabulary_once_each(cast):
    case = CaseFactory(board=cast.board)
    with pytest.raises(ApplicationError) as excinfo:
        services.case_update(case=case, by=cast.coordinator, goals_ranked=["walking", "walking"])
    assert excinfo.value.fields["goals_ranked"] == ["Each goal may be ranked only once."]
    updated = services.case_update(
        case=case, by=cast.coordinator, goals_ranked=["walking", "independence"]
    )
    assert updated.goals_recorded_by == cast.coordinator
    assert updated.goals_recorded_at is not None
