"""The board's results (clinical/outcomes.py), against values worked out by hand."""

from __future__ import annotations

import pytest

from clinical.outcomes import (
    CEBRT,
    OTHER,
    PAIN_COMPLETE,
    PAIN_INDETERMINATE,
    PAIN_PARTIAL,
    PAIN_PROGRESSION,
    SBRT,
    SURGERY_AND_RADIOTHERAPY,
    SYSTEMIC_ONLY,
    agrees,
    ambulation_kept,
    kaplan_meier,
    kaplan_meier_counts,
    median,
    median_survival,
    pain_response,
    plan_answers,
    radiation_technique,
    responded,
    share,
    share_within,
    survival_at,
    treatment_category,
)
from clinical.regimens import Regimen


def test_median_odd_even_and_empty():
    assert median([5, 1, 3]) == 3
    assert median([4, 1, 3, 10]) == 3.5  # (3 + 4) / 2
    assert median([]) is None


def test_share_within_target_counts_the_target_itself():
    assert share_within([1, 2, 14, 15], 14) == 0.75
    assert share_within([], 14) is None
    assert share(1, 4) == 0.25
    assert share(0, 0) is None


def test_kaplan_meier_by_hand():
    # Six patients, months: death at 2; censored at 3 and death at 3; death at 5; censored at 7;
    # death at 8.
    #   t=2: 6 at risk, 1 death          S = 5/6               = 0.8333
    #   t=3: 5 at risk, 1 death, 1 cens. S = 5/6 × 4/5 = 4/6   = 0.6667
    #   t=5: 3 at risk, 1 death          S = 4/6 × 2/3 = 8/18  = 0.4444
    #   t=7: 2 at risk, 1 censored       S unchanged           = 0.4444
    #   t=8: 1 at risk, 1 death          S = 8/18 × 0/1        = 0
    steps = kaplan_meier([(3, False), (2, True), (3, True), (5, True), (7, False), (8, True)])
    assert [(s.time, s.at_risk, s.deaths, s.censored) for s in steps] == [
        (2, 6, 1, 0),
        (3, 5, 1, 1),
        (5, 3, 1, 0),
        (7, 2, 0, 1),
        (8, 1, 1, 0),
    ]
    assert [s.survival for s in steps] == pytest.approx([5 / 6, 4 / 6, 8 / 18, 8 / 18, 0])
    assert median_survival(steps) == 5
    assert survival_at(steps, 1) == 1
    assert survival_at(steps, 6) == pytest.approx(8 / 18)


def test_kaplan_meier_from_grouped_counts_equals_the_pairs():
    pairs = kaplan_meier([(1, True), (1, True), (4, False), (4, True), (9, False)])
    grouped = kaplan_meier_counts([(4, 1, 1), (1, 2, 0), (9, 0, 1)])
    assert pairs == grouped
    # 5 at risk, 2 deaths at 1: 3/5; then 3 at risk, 1 death at 4: 3/5 × 2/3 = 2/5.
    assert [s.survival for s in grouped] == pytest.approx([0.6, 0.4, 0.4])
    assert median_survival(grouped) == 4
    assert median_survival(kaplan_meier([(3, False)])) is None
    with pytest.raises(ValueError):
        kaplan_meier([(-1, True)])


@pytest.mark.parametrize(
    ("baseline", "follow_up", "more_analgesics", "expected"),
    [
        (7, 0, False, PAIN_COMPLETE),
        (7, 5, False, PAIN_PARTIAL),  # down by 2
        (7, 6, False, PAIN_INDETERMINATE),  # down by 1 only
        (4, 6, False, PAIN_PROGRESSION),  # up by 2
        (7, 0, True, PAIN_PROGRESSION),  # pain-free on more analgesics is not a response
        (0, 0, False, PAIN_INDETERMINATE),
    ],
)
def test_pain_response_chow_2012(baseline, follow_up, more_analgesics, expected):
    response = pain_response(baseline, follow_up, analgesics_increased=more_analgesics)
    assert response == expected
    assert responded(response) is (expected in (PAIN_COMPLETE, PAIN_PARTIAL))


def test_pain_scores_out_of_range_are_refused():
    with pytest.raises(ValueError):
        pain_response(11, 3)


def test_ambulation_kept():
    assert ambulation_kept(True, "with_aid") is True
    assert ambulation_kept(True, "non_ambulatory") is False
    assert ambulation_kept(False, "independent") is None
    assert ambulation_kept(None, "independent") is None


@pytest.mark.parametrize(
    ("regimen", "expected"),
    [
        ("24 Gy/2", SBRT),
        ("8 Gy x 1", CEBRT),
        ("30 Gy/10", CEBRT),
        ("SBRT 18 Gy x 1", SBRT),
        ("20 Gy in 5", CEBRT),
        ("palliative", None),
        ("16 Gy/2", None),
    ],
)
def test_radiation_technique(regimen, expected):
    assert radiation_technique(regimen) == expected


def test_a_boards_own_sbrt_list_decides():
    assert radiation_technique("16 Gy/2", [Regimen(16, 2)]) == SBRT


@pytest.mark.parametrize(
    ("activities", "expected"),
    [
        ([("surgery", ""), ("radiation", "30 Gy/10")], SURGERY_AND_RADIOTHERAPY),
        ([("radiation", "24 Gy/2"), ("systemic", "")], SBRT),
        ([("radiation", "8 Gy x 1"), ("pain", "")], CEBRT),
        ([("radiation", "")], CEBRT),
        ([("systemic", ""), ("palliative", "")], SYSTEMIC_ONLY),
        ([("surgery", "")], OTHER),
        ([("palliative", "")], OTHER),
    ],
)
def test_treatment_category(activities, expected):
    assert treatment_category(activities) == expected


def test_agreement_with_the_plan():
    plan = plan_answers([("surgery", ""), ("radiation", "24 Gy/2")])
    assert plan == {"surgery": "yes", "systemic_therapy": "no", "radiation_technique": "sbrt"}
    assert agrees({"surgery": {"yes"}, "radiation_technique": {"sbrt", "cebrt"}}, plan) is True
    assert agrees({"surgery": {"no"}, "radiation_technique": {"sbrt"}}, plan) is False
    assert agrees({"urgency": {"urgent"}}, plan) is None
    unreadable = plan_answers([("radiation", "palliative course")])
    assert "radiation_technique" not in unreadable


def test_three_month_follow_up():
    from clinical.outcomes import is_three_month

    assert [is_three_month(d) for d in (42, 77, 91, 105, 106, 182)] == [
        False,
        True,
        True,
        True,
        False,
        False,
    ]
