"""The S of NOMS from recorded data (clinical/systemic.py): unconfirmed thresholds, the board's.

NOMS (Laufer 2013) publishes no cut-off for "too ill for any local treatment / very limited
survival"; the project defaults (KPS <= 40, ECOG >= 3, survival < 3 months) are labelled
unconfirmed and every result names that source.
"""

from __future__ import annotations

import pytest

from clinical.systemic import PROJECT_THRESHOLDS, SystemicThresholds, too_ill_for_local_treatment


def decide(kps=None, ecog=None, survival=None, thresholds=PROJECT_THRESHOLDS):
    return too_ill_for_local_treatment(
        kps=kps, ecog=ecog, expected_survival_months=survival, thresholds=thresholds
    )


def test_project_defaults_are_documented_values():
    assert (
        PROJECT_THRESHOLDS.kps_at_most,
        PROJECT_THRESHOLDS.ecog_at_least,
        PROJECT_THRESHOLDS.survival_under_months,
        PROJECT_THRESHOLDS.from_board,
    ) == (40, 3, 3, False)


@pytest.mark.parametrize(
    ("kps", "ecog", "survival", "too_ill", "category", "missing"),
    [
        (70, 1, 12, False, "local_treatment_possible", ()),
        (40, None, 12, True, "too_ill", ()),
        (None, 4, None, True, "too_ill", ()),  # one crossing decides; nothing else is needed
        (90, 0, 2, True, "too_ill", ()),
        (70, None, None, None, "undetermined", ("expected_survival_months",)),
        (None, None, 12, None, "undetermined", ("performance_status",)),
    ],
)
def test_too_ill_when_any_threshold_is_crossed(kps, ecog, survival, too_ill, category, missing):
    result = decide(kps, ecog, survival)
    assert (result.too_ill, result.category, result.missing) == (too_ill, category, missing)
    assert all("board setting, unconfirmed" in sentence for sentence in result.explanation)


def test_kps_and_ecog_are_compared_as_recorded_never_converted():
    # KPS 50 is above 40 while ECOG 3 is at the threshold: ECOG decides, KPS is not rewritten.
    result = decide(kps=50, ecog=3, survival=12)
    assert result.too_ill is True
    assert result.explanation[0].startswith("Too ill for any local treatment: ECOG 3 is 3 or more")


@pytest.mark.parametrize(
    ("argument", "value"),
    [("kps", 45), ("ecog", 6), ("expected_survival_months", -1), ("kps", True)],
)
def test_bad_values_are_refused_with_the_allowed_values(argument, value):
    kwargs = {"kps": 70, "ecog": 1, "expected_survival_months": 12, argument: value}
    with pytest.raises(ValueError, match=f"{argument}=.*allowed values"):
        too_ill_for_local_treatment(**kwargs, thresholds=PROJECT_THRESHOLDS)


@pytest.mark.parametrize(
    ("changes", "argument"),
    [
        ({"kps_at_most": 45}, "kps_at_most"),
        ({"ecog_at_least": 6}, "ecog_at_least"),
        ({"survival_under_months": 0}, "survival_under_months"),
    ],
)
def test_thresholds_are_validated(changes, argument):
    values = {"kps_at_most": 40, "ecog_at_least": 3, "survival_under_months": 3, **changes}
    with pytest.raises(ValueError, match=argument):
        SystemicThresholds(**values, from_board=True)
