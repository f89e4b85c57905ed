"""Radiotherapy regimens (clinical/regimens.py): the lists and a board's own SBRT list.

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

import pytest

from clinical import CEBRT_REGIMENS, SBRT_REGIMENS
from clinical.regimens import (
    Regimen,
    SbrtRegimens,
    regimens_as_settings,
    regimens_from_settings,
    sbrt_regimens_in_force,
)


def test_regimen_lists():
    assert [r.label for r in CEBRT_REGIMENS] == ["8 Gy x 1", "20 Gy/5", "24 Gy/6", "30 Gy/10"]
    assert [r.label for r in SBRT_REGIMENS] == [
        "24 Gy x 1",
        "24 Gy/2",
        "27 Gy/3",
        "30 Gy/4",
        "35 Gy/5",
    ]
    assert CEBRT_REGIMENS[-1].dose_per_fraction_gy == 3


# ------------------------------------------------------------------ a board's own SBRT list


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        ("24/2", "Give a list of regimens"),
        ([{"total_dose_gy": 0, "fractions": 1}], "total_dose_gy must be a number of Gy above 0"),
        ([{"total_dose_gy": "24", "fractions": 1}], "total_dose_gy must be a number"),
        ([{"total_dose_gy": float("nan"), "fractions": 1}], "total_dose_gy must be a number"),
        ([{"total_dose_gy": 24, "fractions": 0}], "fractions must be a whole number from 1"),
        ([{"total_dose_gy": 24, "fractions": 2.5}], "fractions must be a whole number from 1"),
        ([{"total_dose_gy": 24, "fractions": True}], "fractions must be a whole number from 1"),
        ([{"total_dose_gy": 24}], "Regimen 1: fractions is required."),
        ([{"total_dose_gy": 24, "fractions": 2, "x": 1}], "x is not a regimen field"),
        (
            [{"total_dose_gy": 24, "fractions": 2}, {"total_dose_gy": 24.0, "fractions": 2}],
            "Regimen 2: 24 Gy/2 is listed twice.",
        ),
        ([{"total_dose_gy": 24, "fractions": 1}] * 21, "List at most 20 regimens."),
        (["24 Gy/2"], "Regimen 1: give total_dose_gy and fractions."),
    ],
)
def test_regimens_from_settings_names_each_problem(items, problem):
    regimens, problems = regimens_from_settings(items)
    assert regimens == ()
    assert any(problem in p for p in problems), problems


def test_regimens_from_settings_reads_a_good_list():
    regimens, problems = regimens_from_settings([{"total_dose_gy": 16.5, "fractions": 1}])
    assert problems == []
    assert [r.label for r in regimens] == ["16.5 Gy x 1"]


def test_regimens_round_trip_through_their_stored_form():
    stored = regimens_as_settings(SBRT_REGIMENS)
    assert stored[1] == {"total_dose_gy": 24, "fractions": 2}
    assert regimens_from_settings(stored) == (SBRT_REGIMENS, [])


def test_regimens_in_force_board_list_project_list_or_project_list_with_problems():
    assert sbrt_regimens_in_force([]) == SbrtRegimens(SBRT_REGIMENS, from_board=False)
    own = sbrt_regimens_in_force([{"total_dose_gy": 24, "fractions": 2}])
    assert own == SbrtRegimens((Regimen(24, 2),), from_board=True)
    unreadable = sbrt_regimens_in_force([{"total_dose_gy": 24, "fractions": 40}])
    assert (unreadable.regimens, unreadable.from_board) == (SBRT_REGIMENS, False)
    assert unreadable.problems == (
        "Regimen 1: fractions must be a whole number from 1 to 10 (got 40).",
    )
