"""The adapter (cases/assessment.py): a stored case, its board's settings and the clock, handed to
the clinical core. The rules themselves are tested without a database in clinical/tests."""

import datetime as dt

import pytest
from django.utils import timezone

import clinical.assessment
import clinical.flags
import clinical.inputs
import clinical.regimens
from cases import assessment
from cases.assessment import case_assessment, urgent_flags
from cases.models import Case, PriorTreatment
from cases.tests.demo_cases import walter
from tests.factories import BoardFactory, CaseFactory, LesionFactory

pytestmark = pytest.mark.django_db


def test_the_names_other_modules_import_are_the_cores():
    for name, core in [
        ("Flag", clinical.flags),
        ("urgent_flags", clinical.flags),
        ("SINS_FIELDS", clinical.inputs),
        ("CaseAssessment", clinical.assessment),
        ("LesionAssessment", clinical.assessment),
        ("Score", clinical.assessment),
        ("SbrtRegimens", clinical.regimens),
        ("regimens_from_settings", clinical.regimens),
        ("regimens_as_settings", clinical.regimens),
    ]:
        assert getattr(assessment, name) is getattr(core, name), name


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


def test_missing_inputs_are_named_with_the_forms_labels():
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
    assert a.tomita.missing[-1].startswith("growth rate (Tomita class): Melanoma is not in")
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


def test_board_intermediate_setting_is_read():
    board = BoardFactory(intermediate_histology="resistant")
    a = case_assessment(walter(board=board, primary_site="breast"))
    assert a.settings["intermediate_as"] == "resistant"
    assert a.radiosensitivity.result.treated_as == "resistant"


@pytest.mark.parametrize("grade_1c_high", [False, True])
def test_case_list_flags_and_the_assessment_agree_under_both_1c_settings(grade_1c_high):
    case = walter(board=BoardFactory(escc_1c_high_grade=grade_1c_high))
    case.lesions.update(escc_grade="1c")
    flags = urgent_flags(case, case.lesions.all(), grade_1c_high=case.board.escc_1c_high_grade)
    assert flags == case_assessment(case).flags
    assert bool(flags) is grade_1c_high


def test_unstable_flag_at_sins_14():
    case = walter(neuro_progression="none")
    case.lesions.update(alignment="deformity", collapse="over_50", posterolateral="bilateral")
    a = case_assessment(case)
    # T10 semi-rigid 1 + mechanical 3 + lytic 2 + deformity 2 + >50% 3 + bilateral 3
    assert a.lesions[0].sins.result.total == 14
    assert [f.code for f in a.flags] == ["unstable"]


@pytest.mark.parametrize(
    ("bone_lesion", "total", "unstable"), [("mixed", 12, False), ("lytic", 13, True)]
)
def test_stored_sins_band_flag_and_noms_instability_agree_at_12_and_13(
    bone_lesion, total, unstable
):
    # One definition of the unstable band (clinical.sins.BANDS) behind the SINS category, the
    # case list's flag and NOMS's gross instability. T12 junctional 3 + mechanical 3 + deformity 2
    # + <50% 2 + unilateral 1, and mixed 1 or lytic 2; no subluxation, so only the total decides.
    case = walter(neuro_progression="none")
    case.lesions.update(level="T12", bone_lesion=bone_lesion, alignment="deformity")
    a = case_assessment(case)
    lesion = a.lesions[0]
    assert lesion.sins.result.total == total
    assert (lesion.sins.result.category == "unstable") is unstable
    assert ([f.code for f in a.flags] == ["unstable"]) is unstable
    assert bool(urgent_flags(case, case.lesions.all(), grade_1c_high=False)) is unstable
    assert ("m_unstable_fit" in lesion.noms.result.rules) is unstable
    assert ("m_mechanical_pain" in lesion.noms.result.rules) is not unstable


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


@pytest.mark.parametrize(("hours", "eligible"), [(46, True), (50, False)])
def test_paraplegia_is_dated_to_the_current_time(hours, eligible):
    onset = timezone.now() - dt.timedelta(hours=hours)
    case = walter(frankel_grade="A", deficit_onset=onset)
    assert case_assessment(case).patchell.result.eligible is eligible


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


def test_a_prefetched_case_is_assessed_without_a_query(django_assert_num_queries):
    walter()
    case = (
        Case.objects.select_related("board").prefetch_related("lesions", "prior_treatments").get()
    )
    with django_assert_num_queries(0):
        assert case_assessment(case).lesions[0].level == "T10"
