"""The assessment of a case's data (clinical/assessment.py), pure: plain records, no database.

Scores from recorded data, "not computable" with what is missing, the board's settings and the
moment "now" passed in; the adapter over the Django models is tested in cases/tests.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from clinical.assessment import assess_case
from clinical.sins import is_unstable, sins_band
from clinical.systemic import SystemicThresholds
from clinical.tests.records import (
    LABELS,
    NOW,
    CaseRecord,
    LesionRecord,
    PriorTreatmentRecord,
    board_settings,
)


def assess(case=None, lesions=None, prior=(), *, settings=None, now=NOW):
    return assess_case(
        case or CaseRecord(),
        [LesionRecord()] if lesions is None else lesions,
        prior,
        settings=settings or board_settings(),
        labels=LABELS,
        now=now,
    )


def test_demo_case_1_scores_and_noms():
    a = assess()
    lesion = a.lesions[0]
    assert lesion.level == "T10"
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
    assert a.urgent is True


def test_the_settings_are_explicit_inputs():
    with pytest.raises(TypeError):
        assess_case(CaseRecord(), [], [], labels=LABELS, now=NOW)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        assess_case(CaseRecord(), [], [], settings=board_settings(), labels=LABELS)  # type: ignore[call-arg]


def test_missing_inputs_make_scores_not_computable_in_the_boards_words():
    case = CaseRecord(kps=None, extraspinal_bone_mets=None, fit_for_surgery=None)
    a = assess(case, [LesionRecord(collapse="", escc_grade="")])
    assert not a.tokuhashi.computable
    assert a.tokuhashi.missing == ("Extraspinal bone mets", "KPS")
    sins, escc, noms = a.lesions[0].sins, a.lesions[0].escc, a.lesions[0].noms
    assert (sins.computable, sins.missing) == (False, ("collapse",))
    assert (escc.computable, escc.missing) == (False, ("ESCC grade",))
    # No KPS or ECOG: whether the patient is too ill for local treatment is undetermined.
    assert noms.missing == (
        "KPS or Ecog",
        "Fit for surgery",
        "a complete SINS for this level",
        "ESCC grade",
    )
    assert "ESCC grade of every lesion" in a.patchell.missing
    assert a.flags == ()


def test_no_lesion_means_no_patchell_and_no_lesion_scores():
    a = assess(lesions=[])
    assert a.lesions == ()
    assert a.patchell.missing == ("ESCC grade of every lesion",)
    assert a.patchell.notes == (
        "Unrelated neurological disease is not recorded here: assumed absent; check it.",
    )


def test_tomita_needs_growth_for_a_primary_outside_its_table():
    a = assess(CaseRecord(primary_site="melanoma"))
    assert not a.tomita.computable
    assert a.tomita.missing[-1] == (
        "Primary growth: Melanoma is not in Tomita's table, so its growth class must be given "
        "(never guessed)"
    )
    b = assess(CaseRecord(primary_site="melanoma", primary_growth="rapid"))
    assert b.tomita.result.total == 4 + 2 + 2


@pytest.mark.parametrize(
    ("visceral", "tokuhashi", "tomita"),
    [
        ("none", "none", "none"),
        ("removable", "removable", "treatable"),
        ("treatable", "unremovable", "treatable"),
        ("untreatable", "unremovable", "untreatable"),
    ],
)
def test_the_visceral_field_in_each_scores_words(visceral, tokuhashi, tomita):
    a = assess(CaseRecord(visceral_mets=visceral))
    assert f"Metastases to major internal organs: {tokuhashi}," in a.tokuhashi.result.explanation[3]
    assert a.tomita.result.explanation[1].startswith(f"Visceral metastases: {tomita},")


@pytest.mark.parametrize(("vertebral", "extraspinal", "bone"), [(1, 0, 1), (1, 1, 2), (2, 0, 2)])
def test_tomita_bone_metastases_solitary_only_when_one_in_all(vertebral, extraspinal, bone):
    case = CaseRecord(vertebral_body_mets=vertebral, extraspinal_bone_mets=extraspinal)
    assert assess(case).tomita.result.components["bone_mets"] == bone


def test_ecog_only_gives_a_derived_tokuhashi_flagged_as_such():
    a = assess(CaseRecord(kps=None, ecog=1))
    assert a.tokuhashi.computable
    assert a.tokuhashi.result.components["general_condition"] == 1  # KPS 70 from ECOG 1
    assert "derived" in a.tokuhashi.notes[0]
    assert assess(CaseRecord(kps=80, ecog=1)).tokuhashi.notes == ()  # a measured KPS wins


def test_board_setting_groups_1c_with_high_grade():
    lesion = LesionRecord(escc_grade="1c")
    high = assess(lesions=[lesion], settings=board_settings(grade_1c_high=True))
    assert high.lesions[0].escc.result.category == "high"
    assert high.lesions[0].noms.result.procedure == "separation_surgery"
    assert high.settings["grade_1c_high"] is True
    assert [f.code for f in high.flags] == ["cord_compression"]
    low = assess(lesions=[lesion])
    assert low.lesions[0].escc.result.category == "low"
    assert low.lesions[0].noms.result.procedure == "cement_augmentation"
    assert low.flags == ()


def test_1c_counted_high_does_not_displace_the_cord_for_patchell():
    # High grade follows the board (Bilsky 2010); Patchell's cord displacement is the trial's.
    a = assess(lesions=[LesionRecord(escc_grade="1c")], settings=board_settings(grade_1c_high=True))
    assert a.lesions[0].escc.result.high_grade is True
    assert a.patchell.result.components["cord_displacement_on_mri"] == 1


def test_intermediate_histology_follows_the_setting():
    case = CaseRecord(primary_site="breast")
    assert assess(case).lesions[0].noms.result.radiation == "cebrt"
    resistant = assess(case, settings=board_settings(intermediate_as="resistant"))
    assert resistant.radiosensitivity.result.treated_as == "resistant"
    assert resistant.lesions[0].noms.result.radiation == "srs"


def test_subluxation_is_gross_instability_for_noms():
    a = assess(lesions=[LesionRecord(alignment="subluxation")])
    assert "m_unstable_fit" in a.lesions[0].noms.result.rules


# SINS 12 and 13 without subluxation, both with mechanical pain (T12 junctional 3, mechanical 3,
# deformity 2, <50% 2, unilateral 1; mixed 1 or lytic 2).
SINS_12 = LesionRecord(level="T12", bone_lesion="mixed", alignment="deformity", escc_grade="0")
SINS_13 = dataclasses.replace(SINS_12, bone_lesion="lytic")


@pytest.mark.parametrize(("lesion", "total"), [(SINS_12, 12), (SINS_13, 13)])
def test_sins_band_unstable_flag_and_noms_instability_agree_at_12_and_13(lesion, total):
    # One definition (sins.BANDS): the SINS category, the "unstable" flag and NOMS's gross
    # instability change together between 12 and 13.
    a = assess(CaseRecord(neuro_progression="none"), [lesion])
    result = a.lesions[0]
    unstable = is_unstable(total)
    assert result.sins.result.total == total
    assert result.sins.result.category == sins_band(total)
    assert (result.sins.result.category == "unstable") is unstable
    assert ([f.code for f in a.flags] == ["unstable"]) is unstable
    assert ("m_unstable_fit" in result.noms.result.rules) is unstable
    assert ("m_mechanical_pain" in result.noms.result.rules) is not unstable


def test_unstable_flag_at_sins_14():
    case = CaseRecord(neuro_progression="none")
    lesion = LesionRecord(alignment="deformity", collapse="over_50", posterolateral="bilateral")
    a = assess(case, [lesion])
    # T10 semi-rigid 1 + mechanical 3 + lytic 2 + deformity 2 + >50% 3 + bilateral 3
    assert a.lesions[0].sins.result.total == 14
    assert [(f.code, f.label) for f in a.flags] == [("unstable", "T10 SINS 14 unstable")]


def test_patchell_refuses_prior_radiation_and_root_only_compression():
    prior = [PriorTreatmentRecord(kind="radiation", level_from="L5", level_to="S1")]
    a = assess(lesions=[LesionRecord(level="S1")], prior=prior)
    assert a.patchell.result.eligible is False
    reasons = " ".join(a.patchell.result.reasons).lower()
    assert "cauda equina or root compression only" in reasons
    assert "prior radiation prevents 30 gy/10" in reasons


@pytest.mark.parametrize(
    ("prior", "precluded"),
    [
        (PriorTreatmentRecord(kind="surgery"), False),  # only radiation counts
        (PriorTreatmentRecord(level_from="T8", level_to="T9"), False),  # not the displaced level
        (PriorTreatmentRecord(level_from="T11", level_to="T9"), True),  # a range written upwards
        (PriorTreatmentRecord(level_from="T10"), True),
    ],
)
def test_prior_radiation_counts_over_a_displaced_level(prior, precluded):
    a = assess(prior=[prior])
    assert a.patchell.result.components["prior_radiation_allows_30gy"] == int(precluded)


def test_patchell_two_separate_areas_of_displacement():
    lesions = [LesionRecord(level="T4"), LesionRecord(level="T10"), LesionRecord(level="T11")]
    a = assess(lesions=lesions)
    assert a.patchell.result.components["single_area_of_compression"] == 1


@pytest.mark.parametrize("frankel", ["A", "B"])
@pytest.mark.parametrize(("hours", "eligible"), [(47, True), (49, False)])
def test_paraplegia_is_dated_from_the_onset_to_now(frankel, hours, eligible):
    # Patchell 2005 excluded total paraplegia for more than 48 h. Judgement (docs/scoring.md):
    # Frankel B (sensory only) has no motor function below the level either, so it counts.
    case = CaseRecord(frankel_grade=frankel, deficit_onset=NOW - dt.timedelta(hours=hours))
    assert assess(case).patchell.result.eligible is eligible
    # Frankel C keeps some motor function: not paraplegic, the onset does not matter.
    assert assess(dataclasses.replace(case, frankel_grade="C")).patchell.result.eligible is True


@pytest.mark.parametrize("frankel", ["A", "B"])
def test_complete_paraplegia_of_unknown_onset_is_not_computable(frankel):
    # Issue 13 / Patchell 2005: the 48 h exclusion cannot be decided without the onset, so the
    # result is "not computable", never eligible by default.
    a = assess(CaseRecord(frankel_grade=frankel, deficit_onset=None))
    assert a.patchell.computable is False
    assert a.patchell.missing == ("time since complete paraplegia (Deficit onset)",)


@pytest.mark.parametrize(
    ("pain_score", "lesion_pain", "signs_met"),
    [
        (7, "mechanical", True),
        (0, "occasional", True),  # pain at a level counts
        (3, "none", True),  # the case's pain score counts
        (0, "none", False),
        (None, "none", False),  # recorded as pain-free at the level
    ],
)
def test_pain_is_a_neurological_symptom_for_patchell(pain_score, lesion_pain, signs_met):
    # Patchell 2005 inclusion: "at least one neurological sign or symptom (including pain)".
    # High-grade compression, pain and full strength (Frankel E) is not "without symptoms".
    case = CaseRecord(frankel_grade="E", pain_score=pain_score)
    a = assess(case, [LesionRecord(pain=lesion_pain)])
    assert a.patchell.result.components["neurological_signs"] == int(not signs_met)
    assert a.patchell.result.eligible is signs_met


def test_demo_case_1_with_full_strength_and_pain_is_still_eligible():
    # Walter with full strength: ESCC 3 at T10 and pain still meets every Patchell criterion.
    a = assess(CaseRecord(frankel_grade="E", neuro_progression="none"))
    assert a.patchell.result.eligible is True


def test_a_deficit_is_a_sign_whatever_the_pain():
    a = assess(CaseRecord(frankel_grade="D", pain_score=0), [LesionRecord(pain="none")])
    assert a.patchell.result.components["neurological_signs"] == 0


def test_pain_not_recorded_with_full_strength_is_not_computable():
    a = assess(CaseRecord(frankel_grade="E", pain_score=None), [LesionRecord(pain="")])
    assert a.patchell.missing[-1] == "pain (Pain score or the pain at each level)"


def test_deficits_as_text_are_not_read_but_pointed_to():
    # Free text is not parsed (demo case 4 reads "None; walking limited by pain."): with no
    # structured sign or pain the criterion is unmet and a note tells the board to check the text.
    case = CaseRecord(frankel_grade="E", pain_score=0, neuro_deficits="numb feet")
    a = assess(case, [LesionRecord(pain="none")])
    assert a.patchell.result.components["neurological_signs"] == 1
    assert "recorded as text, which the rules do not read" in a.patchell.notes[1]


def test_a_low_grade_lesion_elsewhere_does_not_make_cauda_equina_compression_eligible():
    # Patchell 2005 excluded cauda equina / root compression only; the cord is compressed at no
    # level above the conus here (T8 1a, L3 grade 3), so the exclusion applies.
    lesions = [LesionRecord(level="T8", escc_grade="1a"), LesionRecord(level="L3")]
    a = assess(lesions=lesions)
    assert a.patchell.result.components["not_cauda_equina_or_root_only"] == 1
    assert a.patchell.result.eligible is False
    # With the cord compressed at T12 as well, the exclusion does not apply.
    cord = assess(lesions=[LesionRecord(level="T12"), LesionRecord(level="L3")])
    assert cord.patchell.result.components["not_cauda_equina_or_root_only"] == 0


def test_srs_suggestions_list_the_boards_sbrt_regimens():
    board_list = [{"total_dose_gy": 24, "fractions": 2}, {"total_dose_gy": 27, "fractions": 3}]
    settings = board_settings(sbrt=board_list)
    a = assess(settings=settings)
    assert a.lesions[0].noms.result.radiation == "srs"
    assert [r.label for r in a.lesions[0].noms.result.regimens] == ["24 Gy/2", "27 Gy/3"]
    assert a.settings["sbrt_regimens_source"] == "board"
    # cEBRT lists stay the project's: the board list is for SBRT only.
    cebrt = assess(CaseRecord(primary_site="lymphoma"), settings=settings)
    assert cebrt.lesions[0].noms.result.radiation == "cebrt"
    assert [r.label for r in cebrt.lesions[0].noms.result.regimens] == [
        "8 Gy x 1",
        "20 Gy/5",
        "24 Gy/6",
        "30 Gy/10",
    ]


def test_an_unreadable_board_list_falls_back_to_the_project_list_and_says_why():
    a = assess(settings=board_settings(sbrt=[{"total_dose_gy": 24, "fractions": 40}]))
    assert [r.label for r in a.lesions[0].noms.result.regimens][0] == "24 Gy x 1"
    assert a.settings["sbrt_regimens_source"] == "project"
    assert a.settings["sbrt_regimens_problems"] == [
        "Regimen 1: fractions must be a whole number from 1 to 10 (got 40)."
    ]


def test_an_input_the_engine_refuses_is_reported_not_raised():
    a = assess(CaseRecord(vertebral_body_mets=0), lesions=[])
    assert a.tokuhashi.computable is False
    assert "at least one vertebral body" in a.tokuhashi.missing[0]
    assert a.tomita.computable is True  # Tomita counts bone metastases in all, 0 is solitary


def test_as_dict_is_json_ready_with_every_part():
    data = json.loads(json.dumps(assess().as_dict()))
    assert list(data) == [
        "settings",
        "flags",
        "radiosensitivity",
        "tokuhashi_revised",
        "tomita",
        "patchell",
        "lesions",
        "disclaimer",
    ]
    assert data["settings"] == {
        "grade_1c_high": False,
        "intermediate_as": "sensitive",
        "sbrt_regimens": [
            {"total_dose_gy": 24, "fractions": 1, "label": "24 Gy x 1"},
            {"total_dose_gy": 24, "fractions": 2, "label": "24 Gy/2"},
            {"total_dose_gy": 27, "fractions": 3, "label": "27 Gy/3"},
            {"total_dose_gy": 30, "fractions": 4, "label": "30 Gy/4"},
            {"total_dose_gy": 35, "fractions": 5, "label": "35 Gy/5"},
        ],
        "sbrt_regimens_source": "project",
        "sbrt_regimens_problems": [],
        "too_ill_kps_at_most": 40,
        "too_ill_ecog_at_least": 3,
        "too_ill_survival_under_months": 3,
        "too_ill_source": "project",
        "too_ill_text": "Karnofsky 40 or less, ECOG 3 or more, or expected survival under 3 "
        "months (project default; unconfirmed)",
    }
    assert data["flags"] == [
        {
            "code": "cord_compression",
            "label": "Cord compression",
            "text": "High-grade cord compression with a progressing deficit (Bilsky 2010): "
            "hours matter.",
        }
    ]
    assert data["lesions"][0]["level"] == "T10"
    assert data["lesions"][0]["noms"]["name"] == "noms"
    assert data["tokuhashi_revised"]["computable"] is True
    assert data["disclaimer"] == "Decision support suggests and explains; the board decides."


def test_lesions_may_be_any_iterable():
    a = assess(lesions=iter([LesionRecord(), LesionRecord(level="T11")]))
    assert [lesion.level for lesion in a.lesions] == ["T10", "T11"]
    assert [f.code for f in a.flags] == ["cord_compression"]


# ----------------------------------------------- NOMS: the S row reachable from case data


@pytest.mark.parametrize(
    ("changes", "too_ill"),
    [
        ({"kps": 40}, True),  # at the threshold
        ({"kps": 50}, False),
        ({"kps": None, "ecog": 3}, True),
        ({"kps": None, "ecog": 2}, False),
        ({"expected_survival_months": 2}, True),
        ({"expected_survival_months": 3}, False),
    ],
)
def test_too_ill_for_local_treatment_from_recorded_data(changes, too_ill):
    # NOMS (Laufer 2013): "too ill for any local treatment / very limited survival" -> systemic
    # and palliative care, 8 Gy x 1 for pain. Unconfirmed row, and unconfirmed default thresholds
    # (KPS <= 40, ECOG >= 3, survival < 3 months): the board's setting.
    noms = assess(dataclasses.replace(CaseRecord(), **changes)).lesions[0].noms
    assert (noms.result.rules == ("s_too_ill",)) is too_ill
    assert noms.result.systemic_only is too_ill
    assert "board setting, unconfirmed" in noms.notes[0]
    assert noms.notes[1].startswith("Too ill for local treatment when Karnofsky 40 or less")


def test_demo_case_9_bruno_reaches_systemic_and_palliative_care():
    # DEMO-CASES.md case 9: HCC, T4 ESCC 2, Frankel C, KPS 40 / ECOG 3, liver failure, not fit:
    # palliative radiotherapy and palliative care (an unconfirmed NOMS row, labelled).
    case = CaseRecord(
        primary_site="liver",
        histology_confirmed=False,
        frankel_grade="C",
        ecog=3,
        kps=40,
        fit_for_surgery=False,
        expected_survival_months=2,
    )
    noms = assess(case, [LesionRecord(level="T4", escc_grade="2")]).lesions[0].noms
    assert noms.result.category == "systemic_only+cebrt"
    assert noms.result.confirmed is False
    assert [r.label for r in noms.result.regimens] == ["8 Gy x 1"]
    assert noms.notes[0] == (
        "Too ill for any local treatment: Karnofsky 40 is 40 or less; ECOG 3 is 3 or more; "
        "expected survival of 2 months is under 3 (board setting, unconfirmed; NOMS, Laufer 2013)."
    )


def test_the_boards_thresholds_decide_and_are_shown_as_the_boards():
    strict = SystemicThresholds(
        kps_at_most=60, ecog_at_least=4, survival_under_months=6, from_board=True
    )
    a = assess(CaseRecord(kps=60), settings=board_settings(systemic=strict))
    assert a.lesions[0].noms.result.rules == ("s_too_ill",)
    assert a.settings["too_ill_source"] == "board"
    assert "the board's setting; unconfirmed" in a.lesions[0].noms.notes[1]


def test_fitness_is_not_needed_when_too_ill_but_is_when_not():
    too_ill = assess(CaseRecord(kps=30, fit_for_surgery=None)).lesions[0].noms
    assert too_ill.result.rules == ("s_too_ill",)
    fit_unknown = assess(CaseRecord(fit_for_surgery=None)).lesions[0].noms
    assert fit_unknown.missing == ("Fit for surgery",)


def test_too_ill_undetermined_makes_noms_not_computable():
    # Neither threshold crossed and performance status or survival not recorded: undetermined,
    # never "fit enough" by default.
    a = assess(CaseRecord(kps=None, ecog=None, expected_survival_months=None))
    assert a.lesions[0].noms.missing == ("KPS or Ecog", "Expected survival months")
    # One recorded value crossing a threshold is enough.
    b = assess(CaseRecord(kps=None, ecog=None, expected_survival_months=1))
    assert b.lesions[0].noms.result.rules == ("s_too_ill",)


# Counts versus recorded lesions (issue 13; Tokuhashi 2005 item "metastases in vertebral bodies",
# Tomita 2001 "bone metastases, spine included") --------------------------------------------------

GRACE_LESIONS = [
    LesionRecord(level=level, pain="occasional", bone_lesion="blastic", escc_grade="0")
    for level in ("T6", "T8", "L2")
]


def test_fewer_stated_vertebral_bodies_than_lesions_uses_the_lesions_and_says_so():
    a = assess(CaseRecord(vertebral_body_mets=1, extraspinal_bone_mets=0), lesions=GRACE_LESIONS)
    # 3 vertebral bodies score 0 (Tokuhashi 2005), not the 2 points of the stated 1.
    assert a.tokuhashi.result.components["vertebral_body_mets"] == 0
    assert a.tomita.result.components["bone_mets"] == 2  # multiple (Tomita 2001), not solitary
    for score in (a.tokuhashi, a.tomita):
        (note,) = [n for n in score.notes if n.startswith("Vertebral bodies")]
        assert "states 1, but 3 vertebral lesions are recorded (T6, T8, L2)" in note
        assert "the larger, 3, is used" in note


def test_a_stated_zero_with_lesions_recorded_uses_the_lesions():
    a = assess(CaseRecord(vertebral_body_mets=0, extraspinal_bone_mets=0))
    assert a.tokuhashi.computable is True
    assert a.tokuhashi.result.components["vertebral_body_mets"] == 2  # one body
    assert a.tomita.result.components["bone_mets"] == 1  # solitary
    assert "the case states 0, but 1 vertebral lesions are recorded (T10)" in a.tokuhashi.notes[0]


def test_more_stated_vertebral_bodies_than_lesions_keeps_the_stated_count_and_says_so():
    a = assess(CaseRecord(vertebral_body_mets=5))
    assert a.tokuhashi.result.components["vertebral_body_mets"] == 0  # 3 or more
    assert (
        "states 5 and 1 recorded as lesions (T10); the larger, 5, is used" in (a.tokuhashi.notes[0])
    )


def test_agreeing_counts_add_no_note_and_an_unstated_count_is_missing():
    assert assess().tokuhashi.notes == ()
    a = assess(CaseRecord(vertebral_body_mets=None))
    assert a.tokuhashi.computable is False and a.tomita.computable is False
    assert "Vertebral body mets" in a.tokuhashi.missing


# Partly recorded SINS (issue 13; Fisher 2010 bands) ----------------------------------------------


def test_partial_sins_already_unstable_reports_the_band_the_flag_and_what_is_missing():
    lesion = LesionRecord(level="T12", collapse="", alignment="subluxation")
    a = assess(CaseRecord(neuro_progression="none"), lesions=[lesion])
    sins = a.lesions[0].sins
    assert sins.computable is False
    assert sins.missing == ("collapse",)
    assert (sins.range.low, sins.range.high, sins.range.category) == (13, 16, "unstable")
    assert sins.range.missing == ("vertebral body collapse",)
    assert any("13-16: unstable (13-18)" in sentence for sentence in sins.range.explanation)
    assert [f.code for f in a.flags] == ["unstable"]
    assert a.as_dict()["lesions"][0]["sins"]["range"]["category"] == "unstable"


def test_partial_sins_spanning_bands_is_a_range_and_not_computable():
    lesion = LesionRecord(level="T10", pain="", collapse="")
    sins = assess(lesions=[lesion]).lesions[0].sins
    assert sins.computable is False
    assert (sins.range.low, sins.range.high, sins.range.category) == (4, 10, None)
    assert set(sins.missing) == {"pain", "collapse"}
    assert "not computable until they are recorded" in sins.range.explanation[-1]


def test_a_complete_sins_has_no_range():
    sins = assess().lesions[0].sins
    assert sins.range is None and sins.result.total == 9
    assert assess().as_dict()["lesions"][0]["sins"]["range"] is None


# Prior radiation at the same level (issue 13; unconfirmed rule after Sahgal 2012)


def test_prior_radiation_at_the_level_makes_the_suggestion_reirradiation():
    """Demo case 7 (Victor): colorectal S1, ESCC 1a, 20 Gy/5 to L5-S1 eight months ago."""
    victor = CaseRecord(primary_site="colorectal", frankel_grade="E", neuro_progression="none")
    s1 = LesionRecord(level="S1", pain="occasional", collapse="none", escc_grade="1a")
    prior = [PriorTreatmentRecord(level_from="L5", level_to="S1")]
    noms = assess(victor, [s1], prior).lesions[0].noms.result
    assert noms.radiation == "srs"
    assert noms.reirradiation is True
    assert noms.confirmed is False  # an unconfirmed project rule applied
    assert noms.prior_radiation == (
        "Prior radiation at S1: 20 Gy in 5 fractions to L5-S1 on 2024-07-01 (8 months ago).",
    )
    text = " ".join(noms.caveats)
    assert "SBRT re-irradiation considerations (UNCONFIRMED" in text
    assert "Sahgal 2012" in text
    assert "at most 30 Gy EQD2" in text  # 20 Gy/5 at alpha/beta 2: 20 x (4 + 2) / 4
    assert noms.regimens  # the SBRT list, as re-irradiation options


def test_prior_radiation_removes_the_conventional_regimens_of_an_untreated_level():
    leo = CaseRecord(primary_site="lymphoma", primary_growth="rapid")
    prior = [PriorTreatmentRecord(level_from="T9", level_to="T11", treated_on=dt.date(2025, 1, 1))]
    untreated = assess(leo).lesions[0].noms.result
    treated = assess(leo, prior=prior).lesions[0].noms.result
    assert untreated.radiation == treated.radiation == "cebrt"
    assert [r.label for r in untreated.regimens] == ["8 Gy x 1", "20 Gy/5", "24 Gy/6", "30 Gy/10"]
    assert treated.regimens == ()
    assert "no conventional regimen is offered as for an untreated level" in " ".join(
        treated.caveats
    )
    assert any("under the 5 months" in c for c in treated.caveats)  # 2 months ago


def test_radiation_elsewhere_or_other_treatments_leave_the_suggestion_alone():
    prior = [
        PriorTreatmentRecord(level_from="L1", level_to="L3"),
        PriorTreatmentRecord(kind="surgery", level_from="T10", dose_gy=None, fractions=None),
    ]
    assert assess(prior=prior).lesions[0].noms.result == assess().lesions[0].noms.result
