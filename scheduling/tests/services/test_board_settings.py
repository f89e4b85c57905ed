"""A board's decision-support settings (services.board_settings)."""

import pytest
from django.core.exceptions import PermissionDenied

from cases.assessment import BOARD_SETTINGS_READ
from scheduling.models import Board
from scheduling.services import board_settings_update
from scheduling.services.board_settings import PHONE_FIELDS, SETTINGS_FIELDS

pytestmark = pytest.mark.django_db


def test_service_refuses_a_specialist_and_unknown_settings(cast):
    with pytest.raises(PermissionDenied):
        board_settings_update(board=cast.board, by=cast.surgeon, escc_1c_high_grade=True)
    with pytest.raises(TypeError, match="opinions_blind"):
        board_settings_update(board=cast.board, by=cast.coordinator, opinions_blind=False)
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
    assert set(SETTINGS_FIELDS) - set(PHONE_FIELDS) == set(BOARD_SETTINGS_READ)
