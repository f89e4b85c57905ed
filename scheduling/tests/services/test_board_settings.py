"""A board's decision-support settings (services.board_settings)."""

import pytest
from django.core.exceptions import PermissionDenied

from cases.assessment import BOARD_SETTINGS_READ
from scheduling.models import Board
from scheduling.services import board_settings_update
from scheduling.services.board_settings import (
    COORDINATION_FIELDS,
    PHONE_FIELDS,
    QUORUM_FIELDS,
    SETTINGS_FIELDS,
    TARGET_FIELDS,
)
from tumorboard.errors import ApplicationError

pytestmark = pytest.mark.django_db


def test_service_refuses_a_specialist_and_unknown_settings(cast):
    with pytest.raises(PermissionDenied):
        board_settings_update(board=cast.board, by=cast.surgeon, escc_1c_high_grade=True)
    with pytest.raises(TypeError, match="sbrt_regimens_in_force"):
        board_settings_update(board=cast.board, by=cast.coordinator, sbrt_regimens_in_force=[])
    assert Board.objects.get(pk=cast.board.pk).escc_1c_high_grade is False


def test_service_leaves_the_callers_board_untouched_on_refusal(cast):
    with pytest.raises(Exception, match="Please correct"):
        board_settings_update(
            board=cast.board,
            by=cast.coordinator,
            intermediate_histology="resistant",
            sbrt_regimens=[{"total_dose_gy": 24, "fractions": 99}],
        )
    assert cast.board.intermediate_histology == "sensitive"
    assert Board.objects.get(pk=cast.board.pk).intermediate_histology == "sensitive"


@pytest.mark.parametrize("who", ["coordinator", "chair"])
def test_coordinator_and_chair_change_the_settings(cast, person, who):
    board = board_settings_update(board=cast.board, by=person(who), escc_1c_high_grade=True)
    assert board.escc_1c_high_grade is True


@pytest.mark.parametrize("who", ["surgeon", "other_coordinator", "patient_user"])
def test_others_cannot_change_the_settings(cast, person, who):
    with pytest.raises(PermissionDenied):
        board_settings_update(board=cast.board, by=person(who), escc_1c_high_grade=True)
    assert Board.objects.get(pk=cast.board.pk).escc_1c_high_grade is False


def test_every_setting_the_board_can_change_is_one_the_stored_assessment_is_keyed_on():
    # A setting missing from BOARD_SETTINGS_READ would leave stored assessments stale after a
    # change (their context fingerprint would not move).
    # The coordination and quorum settings change no assessment (readiness and quorum are
    # computed when read), nor do the results page's targets.
    not_read = {*PHONE_FIELDS, *COORDINATION_FIELDS, *QUORUM_FIELDS, *TARGET_FIELDS}
    assert set(SETTINGS_FIELDS) - not_read == set(BOARD_SETTINGS_READ)


def test_coordinator_changes_the_coordination_settings_and_quorum_rule(cast):
    board = board_settings_update(
        board=cast.board,
        by=cast.coordinator,
        name="  Spine   Board ",
        time_zone="Europe/Madrid",
        opinion_deadline_hours=48,
        agenda_circulation_hours=72,
        mri_max_age_days=42,
        default_case_minutes=15,
        opinions_blind=False,
        required_disciplines=["radiation_oncology", "spine_surgery", "spine_surgery"],
        quorum_min_present=4,
    )
    board = Board.objects.get(pk=board.pk)
    assert (board.name, board.time_zone) == ("Spine Board", "Europe/Madrid")
    assert (board.opinion_deadline_hours, board.agenda_circulation_hours) == (48, 72)
    assert (board.mri_max_age_days, board.default_case_minutes) == (42, 15)
    assert board.opinions_blind is False
    assert board.required_disciplines == ["spine_surgery", "radiation_oncology"]
    assert board.quorum_min_present == 4
    assert board.history.first().history_user == cast.coordinator


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("time_zone", "Mars/Olympus", "Choose a time zone from the list"),
        ("time_zone", "US/Eastern", "Choose a time zone from the list"),
        ("opinion_deadline_hours", 400, "less than or equal to 336"),
        ("agenda_circulation_hours", 337, "less than or equal to 336"),
        ("mri_max_age_days", 0, "greater than or equal to 1"),
        ("default_case_minutes", 500, "less than or equal to 120"),
        ("quorum_min_present", 0, "greater than or equal to 1"),
        ("required_disciplines", ["cardiology"], "Not a discipline of the board: cardiology."),
        ("required_disciplines", "spine_surgery", "Choose disciplines from the list."),
        ("opinions_blind", "no", "Choose yes or no."),
        ("name", "   ", "This field cannot be blank."),
    ],
)
def test_bad_settings_are_refused_on_their_field_and_change_nothing(cast, field, value, message):
    before = Board.objects.get(pk=cast.board.pk)
    with pytest.raises(ApplicationError) as excinfo:
        board_settings_update(board=cast.board, by=cast.coordinator, **{field: value})
    assert list(excinfo.value.fields) == [field]
    assert message in excinfo.value.fields[field][0]
    after = Board.objects.get(pk=cast.board.pk)
    assert getattr(after, field) == getattr(before, field)
    assert after.history.count() == before.history.count()


def test_results_targets_are_settings_checked_against_their_ranges(cast):
    board = board_settings_update(
        board=cast.board,
        by=cast.chair,
        target_referral_to_meeting_days=10,
        target_urgent_hours=24,
        target_plan_signed_days=0,
        target_treatment_days=21,
    )
    saved = Board.objects.get(pk=board.pk)
    assert (
        saved.target_referral_to_meeting_days,
        saved.target_urgent_hours,
        saved.target_plan_signed_days,
        saved.target_treatment_days,
    ) == (10, 24, 0, 21)
    with pytest.raises(ApplicationError) as refused:
        board_settings_update(board=saved, by=cast.chair, target_urgent_hours=500)
    assert "target_urgent_hours" in refused.value.fields
    assert Board.objects.get(pk=board.pk).target_urgent_hours == 24
