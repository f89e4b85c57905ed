"""The ten demo cases' assessments, pinned to /work/shared/clinical/DEMO-CASES.md (issue 13).

Each expectation is DEMO-CASES.md's own figure or path (SINS totals, ESCC grades, Tokuhashi,
Tomita, the NOMS path named in "the question for the board") computed through the whole
assessment the case page shows (`cases.assessment.case_assessment`), not through the score
functions alone, so a wrong step from the recorded data to a score fails here.
"""

import pytest
from django.core.management import call_command

from cases.assessment import case_assessment
from cases.models import Case

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", "--force", stdout=open("/dev/null", "w"))  # noqa: SIM115

    def assessed(number: int):
        case = Case.objects.select_related("board").get(patient__mrn=f"DEMO-{number:04d}")
        return case_assessment(case)

    return assessed


def lesion(assessment, level):
    return next(item for item in assessment.lesions if item.level == level)


# (case, level, SINS total and band, ESCC grade) as DEMO-CASES.md states them
@pytest.mark.parametrize(
    ("number", "level", "sins", "band", "escc"),
    [
        (1, "T10", 9, "potentially_unstable", "3"),
        (2, "L2", 3, "stable", "0"),
        (3, "L4", 3, "stable", "1a"),
        (4, "T12", 16, "unstable", "1b"),
        (5, "T7", 5, "stable", "2"),
        (6, "L1", 11, "potentially_unstable", "1c"),
        (9, "T4", 6, "stable", "2"),
        (10, "T9", 5, "stable", "3"),
    ],
)
def test_sins_and_escc(demo, number, level, sins, band, escc):
    item = lesion(demo(number), level)
    assert (item.sins.result.total, item.sins.result.category) == (sins, band)
    assert item.escc.result.grade == escc


@pytest.mark.parametrize(
    ("number", "tokuhashi", "tomita"),
    [
        (4, (6, "under_6_months"), None),  # "revised Tokuhashi 6: under 6 months"
        (8, (15, "1_year_or_more"), (2, "long_term_local_control")),  # "Tomita 2; Tokuhashi 15"
    ],
)
def test_stated_tokuhashi_and_tomita(demo, number, tokuhashi, tomita):
    a = demo(number)
    assert (a.tokuhashi.result.total, a.tokuhashi.result.category) == tokuhashi
    if tomita:
        assert (a.tomita.result.total, a.tomita.result.category) == tomita


def test_case_1_radioresistant_high_grade_fit_separation_surgery_then_srs(demo):
    a = demo(1)
    noms = lesion(a, "T10").noms.result
    # DEMO-CASES.md names separation surgery + SRS; the mechanical pain at T10 also brings in
    # cement augmentation (NOMS M row), and the explanation leaves it to the surgeons whether one
    # operation covers both. Reported to the lead as a difference, not a wrong score.
    assert noms.procedure == "separation_surgery" and noms.radiation == "srs"
    assert noms.procedures == ("separation_surgery", "cement_augmentation")
    assert noms.confirmed is True
    assert a.patchell.result.eligible is True
    assert [flag.code for flag in a.flags] == ["cord_compression"]


@pytest.mark.parametrize("number", [5, 10])
def test_radiosensitive_cases_get_cebrt_whatever_the_grade(demo, number):
    a = demo(number)
    assert a.radiosensitivity.result.category == "sensitive"
    assert {item.noms.result.radiation for item in a.lesions} == {"cebrt"}
    assert "separation_surgery" not in {p for i in a.lesions for p in i.noms.result.procedures}


@pytest.mark.parametrize("number", [5, 10])
def test_haematological_cases_show_tokuhashi_and_tomita_without_strategy(demo, number):
    a = demo(number)
    assert a.tokuhashi.result.category == "not_validated"
    assert a.tomita.result.category == "not_validated"


def test_case_5_kyphoplasty_question_at_l1(demo):
    noms = lesion(demo(5), "L1").noms.result
    assert noms.procedures == ("cement_augmentation",)


def test_case_4_unstable_t12_flagged(demo):
    a = demo(4)
    assert [flag.label for flag in a.flags] == ["T12 SINS 16 unstable"]
    assert "open_stabilization" in lesion(a, "T12").noms.result.procedures


def test_case_6_radioresistant_low_grade_sbrt_plus_cement(demo):
    noms = lesion(demo(6), "L1").noms.result
    assert noms.radiation == "srs"
    assert noms.procedures == ("cement_augmentation",)


def test_case_7_reirradiation_of_a_treated_level(demo):
    a = demo(7)
    noms = lesion(a, "S1").noms.result
    assert noms.reirradiation is True
    assert noms.radiation == "srs"
    assert noms.prior_radiation[0].startswith(
        "Prior radiation at S1: 20 Gy in 5 fractions to L5-S1 on"
    )
    assert a.patchell.result.eligible is False  # root compression only, prior radiation


def test_case_9_unfit_gets_an_unconfirmed_palliative_row(demo):
    noms = lesion(demo(9), "T4").noms.result
    assert noms.radiation == "cebrt"
    assert noms.confirmed is False  # an unconfirmed NOMS row, labelled
