"""The records themselves: allowed status changes, and what a case or patient refuses to hold."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import Case, Patient, PriorTreatment, validate_kps
from tests.factories import CaseFactory

pytestmark = pytest.mark.django_db

S = Case.Status


@pytest.mark.parametrize(
    ("start", "allowed"),
    [
        # A referred case put on an agenda is scheduled; taken off, it goes back to referred
        # when it is not ready (cases.status adds what each move needs).
        (S.REFERRED, {S.READY, S.SCHEDULED, S.DEFERRED, S.WITHDRAWN}),
        (S.SCHEDULED, {S.REFERRED, S.READY, S.DISCUSSED, S.DEFERRED, S.WITHDRAWN}),
        # Back to the board's queue only by a re-discussion (cases.status.BY_REDISCUSSION).
        (S.PLAN_SIGNED, {S.CLOSED, S.READY, S.REFERRED}),
        (S.CLOSED, set()),
        (S.WITHDRAWN, set()),
    ],
)
def test_status_changes_follow_the_transition_table(start, allowed):
    case = Case(status=start)
    assert {status for status in S if case.can_transition_to(status)} == allowed


def test_every_status_has_its_row_in_the_transition_table():
    assert set(Case.TRANSITIONS) == set(S)


@pytest.mark.parametrize(
    ("goals", "message"),
    [
        (["walking", "walking"], "Each goal may be ranked only once."),
        (["flying"], "Rank goals from"),
        ("walking", "Rank goals from"),
    ],
)
def test_goals_come_from_the_vocabulary_once_each(goals, message):
    case = Case(goals_ranked=goals, clinical_question="Surgery?")
    with pytest.raises(ValidationError) as refused:
        case.clean()
    assert message in refused.value.message_dict["goals_ranked"][0]


def test_a_blank_clinical_question_is_refused():
    with pytest.raises(ValidationError) as refused:
        Case(clinical_question="   ").clean()
    assert "clinical_question" in refused.value.message_dict


@pytest.mark.parametrize("kps", [75, 110])
def test_karnofsky_is_0_to_100_in_steps_of_10(kps):
    with pytest.raises(ValidationError):
        validate_kps(kps)
    validate_kps(70)


def test_a_birth_date_in_the_future_is_refused():
    patient = Patient(date_of_birth=timezone.localdate() + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        patient.full_clean()
    assert refused.value.message_dict["date_of_birth"] == [
        "A date of birth cannot be in the future."
    ]


def test_prior_radiation_needs_its_dose_and_fractions_in_the_database(cast):
    case = CaseFactory(board=cast.board)
    with pytest.raises(IntegrityError), transaction.atomic():
        PriorTreatment.objects.create(
            case=case, kind="radiation", level_from="T10", treated_on=dt.date(2024, 1, 5)
        )
    PriorTreatment.objects.create(
        case=case, kind="surgery", level_from="T10", treated_on=dt.date(2024, 1, 5)
    )
