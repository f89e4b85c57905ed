"""The case assessment: scores from recorded data, 'not computable' with what is missing."""

import datetime as dt

import pytest
from django.utils import timezone

from cases.assessment import case_assessment, regimens_from_settings
from cases.models import PriorTreatment
from tests.factories import BoardFactory, CaseFactory, LesionFactory

pytestmark = pytest.mark.django_db


def walter(**overrides):
    """Demo case 1: renal cell, T10 SINS 9, ESCC 3, progressing over 48 h, KPS 70."""
    fields = {
        "primary_site": "renal_cell",
        "kps": 70,
        "extraspinal_bone_mets": 1,
        "vertebral_body_mets": 1,
        "visceral_mets": "removable",
        "frankel_grade": "D",
        "neuro_progression": "days",
        "fit_for_surgery": True,
        "histology_confirmed": True,
        "expected_survival_months": 12,
    } | overrides
    case = CaseFactory(**fields)
    LesionFactory(case=case)  # T10 lytic, mechanical, <50%, unilateral, normal, ESCC 3
    return case


def test_demo_case_1_scores_and_noms():
    a = case_assessment(walter())
    lesion = a.lesions[0]
    assert lesion.sins.result.total == 9
    assert lesion.sins.result.category == "potentially_unstable"
    assert lesion.escc.result.category == "high"
    assert lesion.noms.result.procedure == "separation_surgery"
    assert lesion.noms.result.radiation == "srs"
    assert lesion.noms.result.confirmed is True
    assert a.radiosensitivity.result.category == "resistant"
    # Tokuhashi: KPS 70 (1) + 1-2 extraspinal (1) + 1 body (2) + removable (1) + kidney (3) + D (1)
    assert a.tokuhashi.result.total == 9
    # Tomita: moderate (2) + treatable (2) + multiple (2)
    assert a.tomita.result.total == 6
    assert a.patchell.result.eligible is True
    assert [f.code for f in a.flags] == ["cord_compression"]


def test_missing_inputs_make_scores_not_computable_with_a_list():
    case = CaseFactory(primary_site="renal_cell")
    LesionFactory(case=case, collapse="", escc_grade="")
    a = case_assessment(case)
    assert not a.tokuhashi.computable
    assert "Karnofsky (KPS)" in a.tokuhashi.missing
    assert "extraspinal bone mets" in a.tokuhashi.missing
    assert not a.lesions[0].sins.computable
    assert a.lesions[0].sins.missing == ("collapse",)
    assert not a.lesions[0].noms.computable
    assert "ESCC (Bilsky) grade" in a.lesions[0].noms.missing
    assert a.flags == ()


def test_tomita_needs_growth_for_a_primary_outside_its_table():
    a = case_assessment(walter(primary_site="melanoma"))
    assert not a.tomita.computable
    assert "never guessed" in a.tomita.missing[-1]
    b = case_assessment(walter(primary_site="melanoma", primary_growth="rapid"))
    assert b.tomita.result.total == 4 + 2 + 2


def test_ecog_only_gives_a_derived_tokuhashi_flagged_as_such():
    a = case_assessment(walter(kps=None, ecog=1))
    assert a.tokuhashi.computable
    assert a.tokuhashi.result.components["general_condition"] == 1  # KPS 70 from ECOG 1
    assert "derived" in a.tokuhashi.notes[0]


def test_board_setting_groups_1c_with_high_grade():
    board = BoardFactory(escc_1c_high_grade=True)
    case = walter(board=board)
    case.lesions.update(escc_grade="1c")
    a = case_assessment(case)
    assert a.lesions[0].escc.result.category == "high"
    assert a.settings["grade_1c_high"] is True
    default = walter()
    default.lesions.update(escc_grade="1c")
    assert case_assessment(default).lesions[0].escc.result.category == "low"


def test_unstable_flag_at_sins_13():
    case = walter(neuro_progression="none")
    case.lesions.update(alignment="deformity", collapse="over_50", posterolateral="bilateral")
    a = case_assessment(case)
    # T10 semi-rigid 1 + mechanical 3 + lytic 2 + deformity 2 + >50% 3 + bilateral 3
    assert a.lesions[0].sins.result.total == 14
    assert [f.code for f in a.flags] == ["unstable"]


def test_patchell_refuses_prior_radiation_and_root_only_compression():
    case = walter()
    case.lesions.update(level="S1")
    PriorTreatment.objects.create(
        case=case,
        kind="radiation",
        level_from="L5",
        level_to="S1",
        treated_on=timezone.localdate() - dt.timedelta(days=240),
        dose_gy=20,
        fractions=5,
    )
    a = case_assessment(case)
    assert a.patchell.result.eligible is False
    reasons = " ".join(a.patchell.result.reasons).lower()
    assert "cauda equina or root compression only" in reasons
    assert "prior radiation prevents 30 gy/10" in reasons


def test_srs_suggestions_list_the_boards_sbrt_regimens():
    board = BoardFactory(
        sbrt_regimens=[{"total_dose_gy": 24, "fractions": 2}, {"total_dose_gy": 27, "fractions": 3}]
    )
    a = case_assessment(walter(board=board))
    assert a.lesions[0].noms.result.radiation == "srs"
    assert [r.label for r in a.lesions[0].noms.result.regimens] == ["24 Gy/2", "27 Gy/3"]
    assert a.settings["sbrt_regimens_source"] == "board"
    # cEBRT lists stay the project's: the board list is for SBRT only.
    cebrt = case_assessment(walter(board=board, primary_site="lymphoma"))
    assert cebrt.lesions[0].noms.result.radiation == "cebrt"
    assert [r.label for r in cebrt.lesions[0].noms.result.regimens] == [
        "8 Gy x 1",
        "20 Gy/5",
        "24 Gy/6",
        "30 Gy/10",
    ]


def test_an_unreadable_board_list_falls_back_to_the_project_list_and_says_why():
    board = BoardFactory(sbrt_regimens=[{"total_dose_gy": 24, "fractions": 40}])
    a = case_assessment(walter(board=board))
    assert [r.label for r in a.lesions[0].noms.result.regimens][0] == "24 Gy x 1"
    assert a.settings["sbrt_regimens_source"] == "project"
    assert a.settings["sbrt_regimens_problems"] == [
        "Regimen 1: fractions must be a whole number from 1 to 10 (got 40)."
    ]


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
