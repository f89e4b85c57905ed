"""Tests for the pure-Python scoring engine (no database, no Django settings needed).

Expected values are written out here from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path
from types import MappingProxyType

import pytest

from clinical import (
    CEBRT_REGIMENS,
    NOMS_RULES,
    PRIMARY_SITE_CHOICES,
    PRIMARY_SITES,
    SBRT_REGIMENS,
    SPINAL_LEVEL_CHOICES,
    SPINAL_LEVELS,
    PrimarySite,
    ecog_to_kps,
    escc,
    kps_to_ecog,
    noms,
    parse_level,
    patchell_eligible,
    primaries,
    radiosensitivity,
    sins,
    tokuhashi_revised,
    tomita,
)
from clinical.noms import RULES_BY_ID, rule_table_markdown

REPO = Path(__file__).resolve().parents[2]

# --------------------------------------------------------------------------------------- SINS

SINS_ZERO = {
    "location": "rigid",
    "pain": "none",
    "bone_lesion": "blastic",
    "alignment": "normal",
    "collapse": "none",
    "posterolateral": "none",
}
SINS_POINTS = [
    ("location", "junctional", 3),
    ("location", "mobile", 2),
    ("location", "semi_rigid", 1),
    ("location", "rigid", 0),
    ("pain", "mechanical", 3),
    ("pain", "occasional", 1),
    ("pain", "none", 0),
    ("bone_lesion", "lytic", 2),
    ("bone_lesion", "mixed", 1),
    ("bone_lesion", "blastic", 0),
    ("alignment", "subluxation", 4),
    ("alignment", "deformity", 2),
    ("alignment", "normal", 0),
    ("collapse", "over_50", 3),
    ("collapse", "under_50", 2),
    ("collapse", "none_over_50_involved", 1),
    ("collapse", "none", 0),
    ("posterolateral", "bilateral", 3),
    ("posterolateral", "unilateral", 1),
    ("posterolateral", "none", 0),
]


def _levels(region: str, first: int, last: int) -> list[str]:
    return [f"{region}{n}" for n in range(first, last + 1)]


LOCATION_CLASS = {
    **dict.fromkeys(["occiput", "C1", "C2", "C7", "T1", "T2", "T11", "T12", "L1", "L5", "S1"], 3),
    **dict.fromkeys(_levels("C", 3, 6) + _levels("L", 2, 4), 2),
    **dict.fromkeys(_levels("T", 3, 10), 1),
    **dict.fromkeys(_levels("S", 2, 5), 0),
}


@pytest.mark.parametrize(("component", "value", "points"), SINS_POINTS)
def test_sins_every_component_value(component, value, points):
    result = sins(**{**SINS_ZERO, component: value})
    assert result.components[component] == points
    assert result.total == points


def test_location_table_covers_every_level():
    assert set(LOCATION_CLASS) == {"occiput", *SPINAL_LEVELS}


@pytest.mark.parametrize(("level", "points"), sorted(LOCATION_CLASS.items()))
def test_sins_location_by_level(level, points):
    result = sins(**{**SINS_ZERO, "location": level})
    assert result.components["location"] == points
    assert result.level == level


def test_sins_location_normalised_and_explained():
    result = sins(**{**SINS_ZERO, "location": " t10 "})
    assert result.level == "T10"
    assert result.location_class == "semi_rigid"
    assert (
        result.explanation[0] == "Location T10 is semi-rigid (T3-T10): 1 point (Fisher 2010, SINS)."
    )
    assert sins(**{**SINS_ZERO, "location": "Occiput"}).level == "occiput"
    assert sins(**{**SINS_ZERO, "location": "Semi-Rigid"}).location_class == "semi_rigid"
    assert sins(**{**SINS_ZERO, "location": "junctional"}).level is None


def test_sins_every_sentence_names_its_source():
    result = sins(**{**SINS_ZERO, "pain": "mechanical", "collapse": "over_50"})
    assert all("(Fisher 2010, SINS)." in sentence for sentence in result.explanation)


@pytest.mark.parametrize(
    ("changes", "total", "category", "consult"),
    [
        ({}, 0, "stable", False),
        ({"location": "C1", "pain": "mechanical"}, 6, "stable", False),
        (
            {"location": "C1", "pain": "mechanical", "bone_lesion": "mixed"},
            7,
            "potentially_unstable",
            True,
        ),
        (
            {
                "location": "C1",
                "pain": "mechanical",
                "bone_lesion": "lytic",
                "alignment": "subluxation",
            },
            12,
            "potentially_unstable",
            True,
        ),
        (
            {
                "location": "C1",
                "pain": "mechanical",
                "bone_lesion": "lytic",
                "alignment": "subluxation",
                "posterolateral": "unilateral",
            },
            13,
            "unstable",
            True,
        ),
        (
            {
                "location": "C1",
                "pain": "mechanical",
                "bone_lesion": "lytic",
                "alignment": "subluxation",
                "collapse": "over_50",
                "posterolateral": "bilateral",
            },
            18,
            "unstable",
            True,
        ),
    ],
)
def test_sins_category_boundaries(changes, total, category, consult):
    result = sins(**{**SINS_ZERO, **changes})
    assert (result.total, result.category, result.surgical_consult) == (total, category, consult)
    assert any("spine-surgery consultation" in s for s in result.explanation) is consult


@pytest.mark.parametrize(
    ("argument", "value", "allowed"),
    [
        ("location", "T13", "T1-T12"),
        ("location", "sacrum", "junctional"),
        ("location", 10, "occiput"),
        ("pain", "severe", "mechanical"),
        ("pain", None, "occasional"),
        ("bone_lesion", "sclerotic", "lytic"),
        ("alignment", "kyphosis", "subluxation"),
        ("collapse", "50", "none_over_50_involved"),
        ("posterolateral", "both", "bilateral"),
    ],
)
def test_sins_rejects_bad_values_naming_argument_and_allowed(argument, value, allowed):
    with pytest.raises(ValueError, match=argument) as error:
        sins(**{**SINS_ZERO, argument: value})
    assert allowed in str(error.value)
    assert "allowed values" in str(error.value)


def test_sins_is_keyword_only():
    with pytest.raises(TypeError):
        sins("T10", "mechanical", "lytic", "normal", "under_50", "unilateral")  # type: ignore[misc]


def test_results_are_immutable_and_json_ready():
    result = sins(**SINS_ZERO)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.total = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.components["pain"] = 3  # type: ignore[index]
    assert isinstance(result.explanation, tuple)
    data = json.loads(json.dumps(result.as_dict()))
    assert data["total"] == 0
    assert data["components"]["pain"] == 0
    assert data["surgical_consult"] is False


# ----------------------------------------------------------------------------- demo cases


def test_demo_case_1_walter_sins_9():
    result = sins(
        location="T10",
        pain="mechanical",
        bone_lesion="lytic",
        alignment="normal",
        collapse="under_50",
        posterolateral="unilateral",
    )
    assert (result.total, result.category) == (9, "potentially_unstable")


def test_demo_case_1_walter_noms_separation_surgery_then_srs():
    result = noms(primary="renal_cell", escc_grade="3", sins_total=9, mechanical_pain=False)
    assert (result.procedure, result.radiation, result.confirmed) == (
        "separation_surgery",
        "srs",
        True,
    )


def test_demo_case_2_grace_sins_3():
    result = sins(
        location="L2",
        pain="occasional",
        bone_lesion="blastic",
        alignment="normal",
        collapse="none",
        posterolateral="none",
    )
    assert (result.total, result.category) == (3, "stable")


def test_demo_case_4_nora_sins_16_and_tokuhashi_6():
    result = sins(
        location="T12",
        pain="mechanical",
        bone_lesion="lytic",
        alignment="deformity",
        collapse="over_50",
        posterolateral="bilateral",
    )
    assert (result.total, result.category) == (16, "unstable")
    # KPS 60, 1 extraspinal bone met, T12 only, liver mets (unremovable), lung, intact.
    prognosis = tokuhashi_revised(
        kps=60,
        extraspinal_bone_mets=1,
        vertebral_body_mets=1,
        visceral_mets="unremovable",
        primary="lung_nsclc",
        frankel="E",
    )
    assert (prognosis.total, prognosis.category) == (6, "under_6_months")


def test_demo_case_6_iris_sins_11_and_noms():
    result = sins(
        location="L1",
        pain="mechanical",
        bone_lesion="lytic",
        alignment="normal",
        collapse="under_50",
        posterolateral="unilateral",
    )
    assert (result.total, result.category) == (11, "potentially_unstable")
    plan = noms(primary="melanoma", escc_grade="1c", sins_total=11, mechanical_pain=True)
    assert plan.procedures == ("cement_augmentation",)
    assert plan.radiation == "srs"


def test_demo_case_8_alice_tomita_2_and_tokuhashi_15():
    assert tomita(primary="thyroid", visceral_mets="none", bone_mets="solitary").total == 2
    result = tokuhashi_revised(
        kps=90,
        extraspinal_bone_mets=0,
        vertebral_body_mets=1,
        visceral_mets="none",
        primary="thyroid",
        frankel="E",
    )
    assert (result.total, result.category) == (15, "1_year_or_more")


# --------------------------------------------------------------------------------------- ESCC


@pytest.mark.parametrize(
    ("grade", "ordinal", "category"),
    [
        ("0", 0, "low"),
        ("1a", 1, "low"),
        ("1b", 2, "low"),
        ("1c", 3, "low"),
        ("2", 4, "high"),
        ("3", 5, "high"),
    ],
)
def test_escc_grades(grade, ordinal, category):
    result = escc(grade=grade)
    assert (result.total, result.category, result.high_grade) == (
        ordinal,
        category,
        category == "high",
    )
    assert result.components["grade"] == ordinal
    assert all("(Bilsky 2010, ESCC)." in s for s in result.explanation)


def test_escc_1c_grouping_is_a_setting_and_explained():
    assert escc(grade="1c").category == "low"
    high = escc(grade="1C", grade_1c_high=True)
    assert (high.grade, high.category, high.high_grade) == ("1c", "high", True)
    assert "disputed" in high.explanation[-1] and "configurable" in high.explanation[-1]
    # The setting changes nothing but 1c.
    assert escc(grade="1b", grade_1c_high=True).category == "low"
    assert escc(grade="2", grade_1c_high=False).category == "high"
    assert not any("disputed" in s for s in escc(grade="2").explanation)


def test_escc_accepts_integer_grades():
    assert escc(grade=2).grade == "2"  # type: ignore[arg-type]


@pytest.mark.parametrize("grade", ["4", "1d", "", None, True, 1])
def test_escc_rejects_bad_grade(grade):
    with pytest.raises(ValueError, match=r"grade=.*allowed values: 0, 1a, 1b, 1c, 2, 3"):
        escc(grade=grade)


def test_escc_rejects_non_bool_setting():
    with pytest.raises(ValueError, match="grade_1c_high"):
        escc(grade="1c", grade_1c_high="yes")  # type: ignore[arg-type]


# --------------------------------------------------------------------------- primaries

REQUIRED_SLUGS = [
    "breast", "prostate", "lung_nsclc", "lung_sclc", "renal_cell", "thyroid", "colorectal",
    "rectum", "stomach", "liver", "melanoma", "myeloma", "lymphoma", "leukaemia", "germ_cell",
    "sarcoma", "osteosarcoma", "bladder", "oesophagus", "pancreas", "gallbladder", "uterus",
    "carcinoid", "unknown", "other",
]  # fmt: skip
TOKUHASHI_PRIMARY = {
    **dict.fromkeys(
        ["lung_nsclc", "lung_sclc", "osteosarcoma", "stomach", "bladder", "oesophagus", "pancreas"],
        0,
    ),
    **dict.fromkeys(["liver", "gallbladder", "unknown"], 1),
    **dict.fromkeys(
        [
            "colorectal",
            "melanoma",
            "myeloma",
            "lymphoma",
            "leukaemia",
            "germ_cell",
            "sarcoma",
            "other",
        ],
        2,
    ),
    **dict.fromkeys(["renal_cell", "uterus"], 3),
    "rectum": 4,
    **dict.fromkeys(["thyroid", "breast", "prostate", "carcinoid"], 5),
}
TOMITA_GROWTH = {
    **dict.fromkeys(["breast", "prostate", "thyroid"], "slow"),
    **dict.fromkeys(["renal_cell", "uterus"], "moderate"),
    **dict.fromkeys(
        ["lung_nsclc", "lung_sclc", "liver", "stomach", "colorectal", "unknown"], "rapid"
    ),
}
RADIOSENSITIVITY = {
    **dict.fromkeys(["lymphoma", "myeloma", "germ_cell", "leukaemia", "lung_sclc"], "sensitive"),
    **dict.fromkeys(
        [
            "renal_cell",
            "melanoma",
            "thyroid",
            "colorectal",
            "rectum",
            "sarcoma",
            "osteosarcoma",
            "liver",
            "lung_nsclc",
        ],
        "resistant",
    ),
}
UNCONFIRMED = {"sarcoma", "osteosarcoma", "liver", "lung_nsclc", "lung_sclc"}
PATCHELL_RADIOSENSITIVE = {"lymphoma", "leukaemia", "myeloma", "germ_cell"}


def test_primary_site_choices_cover_required_slugs_in_stable_order():
    slugs = [slug for slug, _ in PRIMARY_SITE_CHOICES]
    assert slugs == REQUIRED_SLUGS
    assert len(set(slugs)) == len(slugs)
    assert all(isinstance(label, str) and label for _, label in PRIMARY_SITE_CHOICES)
    assert list(PRIMARY_SITES) == slugs
    assert isinstance(PRIMARY_SITES, MappingProxyType)


@pytest.mark.parametrize("slug", REQUIRED_SLUGS)
def test_primary_site_row(slug):
    row = PRIMARY_SITES[slug]
    assert row.tokuhashi_points == TOKUHASHI_PRIMARY[slug]
    assert row.tomita_growth == TOMITA_GROWTH.get(slug)
    assert row.radiosensitivity == RADIOSENSITIVITY.get(slug, "intermediate")
    assert row.radiosensitivity_unconfirmed is (slug in UNCONFIRMED)
    assert row.patchell_radiosensitive is (slug in PATCHELL_RADIOSENSITIVE)
    assert row.cns_origin is False


# ------------------------------------------------------------------------------ levels, regimens


def test_spinal_levels():
    assert len(SPINAL_LEVELS) == 29
    assert SPINAL_LEVELS[:2] == ("C1", "C2") and SPINAL_LEVELS[-1] == "S5"
    assert SPINAL_LEVELS.index("T12") + 1 == SPINAL_LEVELS.index("L1")
    assert "occiput" not in SPINAL_LEVELS
    assert SPINAL_LEVEL_CHOICES[0] == ("C1", "C1") and len(SPINAL_LEVEL_CHOICES) == 29


def test_parse_level():
    assert parse_level(" l4 ") == "L4"
    assert parse_level("occiput", allow_occiput=True) == "occiput"
    with pytest.raises(ValueError, match=r"level='occiput'.*C1-C7, T1-T12, L1-L5, S1-S5"):
        parse_level("occiput")
    for bad in ["C8", "T0", "L6", "S6", "Co1", "", None]:
        with pytest.raises(ValueError, match="vertebra"):
            parse_level(bad, argument="vertebra")


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


# --------------------------------------------------------------------------- radiosensitivity


@pytest.mark.parametrize("slug", REQUIRED_SLUGS)
def test_radiosensitivity_class_and_treatment(slug):
    result = radiosensitivity(primary=slug)
    raw = RADIOSENSITIVITY.get(slug, "intermediate")
    assert result.category == raw
    assert result.treated_as == ("sensitive" if raw == "intermediate" else raw)
    assert result.unconfirmed is (slug in UNCONFIRMED)
    assert result.project_default is (raw == "intermediate")
    assert any("unconfirmed" in s for s in result.explanation) is (slug in UNCONFIRMED)


def test_intermediate_default_is_flagged_and_configurable():
    default = radiosensitivity(primary="breast")
    assert default.treated_as == "sensitive"
    assert "project default" in default.explanation[-1]
    assert "not a published rule" in default.explanation[-1]
    assert radiosensitivity(primary="Breast", intermediate_as="resistant").treated_as == "resistant"
    # The setting affects intermediate histologies only.
    assert (
        radiosensitivity(primary="lymphoma", intermediate_as="resistant").treated_as == "sensitive"
    )


def test_radiosensitivity_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"primary='kidney'.*allowed values: breast, prostate"):
        radiosensitivity(primary="kidney")
    with pytest.raises(ValueError, match=r"intermediate_as='maybe'.*sensitive, resistant"):
        radiosensitivity(primary="breast", intermediate_as="maybe")


# ----------------------------------------------------------------------------------- Tokuhashi

TOKUHASHI_MAX = {
    "kps": 100,
    "extraspinal_bone_mets": 0,
    "vertebral_body_mets": 1,
    "visceral_mets": "none",
    "primary": "breast",
    "frankel": "E",
}
TOKUHASHI_POINTS = [
    ("kps", "general_condition", 0, 0),
    ("kps", "general_condition", 10, 0),
    ("kps", "general_condition", 40, 0),
    ("kps", "general_condition", 50, 1),
    ("kps", "general_condition", 70, 1),
    ("kps", "general_condition", 80, 2),
    ("kps", "general_condition", 100, 2),
    ("extraspinal_bone_mets", "extraspinal_bone_mets", 0, 2),
    ("extraspinal_bone_mets", "extraspinal_bone_mets", 1, 1),
    ("extraspinal_bone_mets", "extraspinal_bone_mets", 2, 1),
    ("extraspinal_bone_mets", "extraspinal_bone_mets", 3, 0),
    ("extraspinal_bone_mets", "extraspinal_bone_mets", 12, 0),
    ("vertebral_body_mets", "vertebral_body_mets", 1, 2),
    ("vertebral_body_mets", "vertebral_body_mets", 2, 1),
    ("vertebral_body_mets", "vertebral_body_mets", 3, 0),
    ("vertebral_body_mets", "vertebral_body_mets", 9, 0),
    ("visceral_mets", "visceral_mets", "none", 2),
    ("visceral_mets", "visceral_mets", "removable", 1),
    ("visceral_mets", "visceral_mets", "unremovable", 0),
    ("frankel", "palsy", "A", 0),
    ("frankel", "palsy", "B", 0),
    ("frankel", "palsy", "C", 1),
    ("frankel", "palsy", "d", 1),
    ("frankel", "palsy", "E", 2),
]


@pytest.mark.parametrize(("argument", "component", "value", "points"), TOKUHASHI_POINTS)
def test_tokuhashi_every_component_value(argument, component, value, points):
    result = tokuhashi_revised(**{**TOKUHASHI_MAX, argument: value})
    assert result.components[component] == points
    assert result.total == 15 - (2 - points)


@pytest.mark.parametrize("slug", REQUIRED_SLUGS)
def test_tokuhashi_primary_points(slug):
    result = tokuhashi_revised(**{**TOKUHASHI_MAX, "primary": slug})
    assert result.components["primary"] == TOKUHASHI_PRIMARY[slug]
    assert result.total == 10 + TOKUHASHI_PRIMARY[slug]


def test_tokuhashi_kps_0_is_poor_and_said_so():
    result = tokuhashi_revised(**{**TOKUHASHI_MAX, "kps": 0})
    assert result.components["general_condition"] == 0
    assert any("Karnofsky 0" in s and "poor" in s for s in result.explanation)


@pytest.mark.parametrize(
    ("changes", "total", "category"),
    [
        # 0 + 2 + 2 + 0 + 2 (other) + 2 = 8; renal (3) makes it 9.
        ({"kps": 40, "visceral_mets": "unremovable", "primary": "other"}, 8, "under_6_months"),
        (
            {"kps": 40, "visceral_mets": "unremovable", "primary": "renal_cell"},
            9,
            "6_months_or_more",
        ),
        # 2 + 2 + 2 + 0 + 3 (renal) + 2 = 11; rectum (4) makes it 12.
        ({"visceral_mets": "unremovable", "primary": "renal_cell"}, 11, "6_months_or_more"),
        ({"visceral_mets": "unremovable", "primary": "rectum"}, 12, "1_year_or_more"),
        (
            {
                "kps": 10,
                "extraspinal_bone_mets": 5,
                "vertebral_body_mets": 4,
                "visceral_mets": "unremovable",
                "primary": "lung_sclc",
                "frankel": "A",
            },
            0,
            "under_6_months",
        ),
        ({}, 15, "1_year_or_more"),
    ],
)
def test_tokuhashi_category_boundaries(changes, total, category):
    result = tokuhashi_revised(**{**TOKUHASHI_MAX, **changes})
    assert (result.total, result.category) == (total, category)
    assert all("(Tokuhashi 2005, revised Tokuhashi)." in s for s in result.explanation)


@pytest.mark.parametrize(
    ("argument", "value", "allowed"),
    [
        ("kps", 55, "0, 10, 20"),
        ("kps", 110, "100"),
        ("kps", -10, "0, 10"),
        ("kps", "80", "0, 10"),
        ("kps", True, "0, 10"),
        ("extraspinal_bone_mets", -1, "integers >= 0"),
        ("extraspinal_bone_mets", 1.5, "integers >= 0"),
        ("vertebral_body_mets", 0, "integers >= 1"),
        ("visceral_mets", "liver", "none, removable, unremovable"),
        ("primary", "lung", "lung_nsclc"),
        ("frankel", "F", "A, B, C, D, E"),
    ],
)
def test_tokuhashi_rejects_bad_values(argument, value, allowed):
    with pytest.raises(ValueError, match=argument) as error:
        tokuhashi_revised(**{**TOKUHASHI_MAX, argument: value})
    assert allowed in str(error.value)


def test_tokuhashi_zero_vertebral_bodies_is_explained():
    with pytest.raises(ValueError, match="at least one vertebral body"):
        tokuhashi_revised(**{**TOKUHASHI_MAX, "vertebral_body_mets": 0})


# -------------------------------------------------------------------------------------- Tomita


@pytest.mark.parametrize(
    ("argument", "value", "component", "points"),
    [
        ("growth", "slow", "growth", 1),
        ("growth", "moderate", "growth", 2),
        ("growth", "rapid", "growth", 4),
        ("visceral_mets", "none", "visceral_mets", 0),
        ("visceral_mets", "treatable", "visceral_mets", 2),
        ("visceral_mets", "untreatable", "visceral_mets", 4),
        ("bone_mets", "solitary", "bone_mets", 1),
        ("bone_mets", "multiple", "bone_mets", 2),
    ],
)
def test_tomita_every_component_value(argument, value, component, points):
    base = {
        "primary": "melanoma",
        "growth": "slow",
        "visceral_mets": "none",
        "bone_mets": "solitary",
    }
    result = tomita(**{**base, argument: value})
    assert result.components[component] == points


@pytest.mark.parametrize("slug", sorted(TOMITA_GROWTH))
def test_tomita_growth_from_table(slug):
    result = tomita(primary=slug, visceral_mets="none", bone_mets="solitary")
    assert result.growth == TOMITA_GROWTH[slug]
    assert result.growth_given is False
    assert (
        result.components["growth"] == {"slow": 1, "moderate": 2, "rapid": 4}[TOMITA_GROWTH[slug]]
    )


@pytest.mark.parametrize("slug", sorted(set(REQUIRED_SLUGS) - set(TOMITA_GROWTH)))
def test_tomita_requires_growth_when_table_has_none(slug):
    with pytest.raises(
        ValueError, match=r"growth is required.*allowed values: slow, moderate, rapid"
    ):
        tomita(primary=slug, visceral_mets="none", bone_mets="solitary")
    result = tomita(primary=slug, visceral_mets="none", bone_mets="solitary", growth="moderate")
    assert (result.growth, result.growth_given, result.total) == ("moderate", True, 3)
    assert "does not classify" in result.explanation[0]


def test_tomita_growth_overrides_table_and_says_so():
    result = tomita(primary="breast", visceral_mets="none", bone_mets="solitary", growth="rapid")
    assert result.total == 5
    assert "overriding Tomita's table (slow)" in result.explanation[0]


@pytest.mark.parametrize(
    ("primary", "visceral", "bone", "total", "category"),
    [
        ("thyroid", "none", "solitary", 2, "long_term_local_control"),
        ("breast", "none", "multiple", 3, "long_term_local_control"),
        ("renal_cell", "none", "multiple", 4, "middle_term_local_control"),
        ("renal_cell", "treatable", "solitary", 5, "middle_term_local_control"),
        ("renal_cell", "treatable", "multiple", 6, "short_term_palliation"),
        ("lung_nsclc", "treatable", "solitary", 7, "short_term_palliation"),
        ("lung_nsclc", "treatable", "multiple", 8, "terminal_care"),
        ("liver", "untreatable", "multiple", 10, "terminal_care"),
    ],
)
def test_tomita_category_boundaries(primary, visceral, bone, total, category):
    result = tomita(primary=primary, visceral_mets=visceral, bone_mets=bone)
    assert (result.total, result.category) == (total, category)
    assert all("(Tomita 2001, Tomita score)." in s for s in result.explanation)


@pytest.mark.parametrize(
    ("argument", "value", "allowed"),
    [
        ("growth", "fast", "slow, moderate, rapid"),
        ("visceral_mets", "removable", "none, treatable, untreatable"),
        ("bone_mets", "two", "solitary, multiple"),
        ("primary", "kidney", "renal_cell"),
    ],
)
def test_tomita_rejects_bad_values(argument, value, allowed):
    base = {"primary": "breast", "visceral_mets": "none", "bone_mets": "solitary"}
    with pytest.raises(ValueError, match=argument) as error:
        tomita(**{**base, argument: value})
    assert allowed in str(error.value)


# ---------------------------------------------------------------------------------------- NOMS


@pytest.mark.parametrize(
    ("kwargs", "rules", "radiation", "procedures", "confirmed", "category"),
    [
        # Confirmed rows.
        (
            {"primary": "lymphoma", "escc_grade": "3", "sins_total": 4},
            ("no_sensitive",),
            "cebrt",
            (),
            True,
            "cebrt",
        ),
        (
            {"primary": "melanoma", "escc_grade": "1b", "sins_total": 4},
            ("no_resistant_low",),
            "srs",
            (),
            True,
            "srs",
        ),
        (
            {"primary": "renal_cell", "escc_grade": "2", "sins_total": 4},
            ("no_resistant_high_fit",),
            "srs",
            ("separation_surgery",),
            True,
            "separation_surgery+srs",
        ),
        (
            {"primary": "lymphoma", "escc_grade": "1a", "sins_total": 16},
            ("m_unstable_fit", "no_sensitive"),
            "cebrt",
            ("open_stabilization",),
            True,
            "open_stabilization+cebrt",
        ),
        (
            {"primary": "melanoma", "escc_grade": "0", "sins_total": 5, "mechanical_pain": True},
            ("m_mechanical_pain", "no_resistant_low"),
            "srs",
            ("cement_augmentation",),
            True,
            "cement_augmentation+srs",
        ),
        # Unconfirmed rows.
        (
            {"primary": "renal_cell", "escc_grade": "3", "sins_total": 4, "fit_for_surgery": False},
            ("no_resistant_high_unfit",),
            "cebrt",
            (),
            False,
            "cebrt",
        ),
        (
            {
                "primary": "renal_cell",
                "escc_grade": "1a",
                "sins_total": 14,
                "fit_for_surgery": False,
            },
            ("m_unstable_unfit",),
            "cebrt",
            (),
            False,
            "supportive_care+cebrt",
        ),
        (
            {
                "primary": "renal_cell",
                "escc_grade": "3",
                "sins_total": 16,
                "too_ill_for_local_treatment": True,
            },
            ("s_too_ill",),
            "cebrt",
            (),
            False,
            "systemic_only+cebrt",
        ),
    ],
)
def test_noms_every_rule_row(kwargs, rules, radiation, procedures, confirmed, category):
    result = noms(**kwargs)
    assert result.rules == rules
    assert result.radiation == radiation
    assert result.procedures == procedures
    assert result.procedure == (procedures[0] if procedures else None)
    assert result.confirmed is confirmed
    assert result.category == category
    assert result.total == kwargs["sins_total"]
    assert result.components["sins_total"] == kwargs["sins_total"]
    for rule_id in rules:
        status = "(confirmed)" if RULES_BY_ID[rule_id].confirmed else "(UNCONFIRMED"
        assert any(s.startswith(f"Rule {rule_id} {status}") for s in result.explanation)


def test_noms_rows_cover_every_rule_in_the_table():
    confirmed = {rule.id: rule.confirmed for rule in NOMS_RULES}
    assert confirmed == {
        "s_too_ill": False,
        "m_unstable_fit": True,
        "m_unstable_unfit": False,
        "m_mechanical_pain": True,
        "no_sensitive": True,
        "no_resistant_low": True,
        "no_resistant_high_fit": True,
        "no_resistant_high_unfit": False,
    }


def test_noms_too_ill_is_systemic_only_with_single_8gy():
    result = noms(primary="breast", escc_grade="0", sins_total=3, too_ill_for_local_treatment=True)
    assert result.systemic_only is True
    assert result.procedure is None
    assert [r.label for r in result.regimens] == ["8 Gy x 1"]
    assert any("UNCONFIRMED" in s for s in result.explanation)


def test_noms_unstable_unfit_means_no_procedure_bracing_and_cebrt():
    result = noms(primary="lung_nsclc", escc_grade="3", sins_total=16, fit_for_surgery=False)
    assert (result.procedure, result.radiation, result.supportive_care) == (None, "cebrt", True)
    assert "bracing" in " ".join(result.explanation)
    assert [r.label for r in result.regimens] == ["8 Gy x 1", "20 Gy/5", "24 Gy/6", "30 Gy/10"]


def test_noms_gross_instability_flag_overrides_sins_total():
    result = noms(primary="melanoma", escc_grade="1a", sins_total=8, gross_instability=True)
    assert result.rules == ("m_unstable_fit", "no_resistant_low")
    assert any("Gross instability/subluxation is stated" in s for s in result.explanation)


@pytest.mark.parametrize(("sins_total", "unstable"), [(12, False), (13, True)])
def test_noms_unstable_threshold_is_sins_13(sins_total, unstable):
    result = noms(primary="melanoma", escc_grade="0", sins_total=sins_total, mechanical_pain=True)
    expected = ("open_stabilization",) if unstable else ("cement_augmentation",)
    assert result.procedures == expected


def test_noms_several_procedures_lead_with_separation_surgery():
    result = noms(primary="renal_cell", escc_grade="3", sins_total=15)
    assert result.procedures == ("separation_surgery", "open_stabilization")
    assert result.procedure == "separation_surgery"
    assert result.rules == ("m_unstable_fit", "no_resistant_high_fit")
    assert result.category == "separation_surgery+open_stabilization+srs"


def test_noms_cement_is_not_withheld_when_unfit_for_open_surgery():
    result = noms(
        primary="breast", escc_grade="0", sins_total=8, mechanical_pain=True, fit_for_surgery=False
    )
    assert (result.procedures, result.radiation, result.confirmed) == (
        ("cement_augmentation",),
        "cebrt",
        True,
    )


def test_noms_intermediate_follows_setting_and_is_a_caveat():
    default = noms(primary="breast", escc_grade="3", sins_total=2)
    assert (default.radiation, default.procedure, default.rules) == (
        "cebrt",
        None,
        ("no_sensitive",),
    )
    assert any("project default" in c for c in default.caveats)
    resistant = noms(primary="breast", escc_grade="3", sins_total=2, intermediate_as="resistant")
    assert (resistant.radiation, resistant.procedure) == ("srs", "separation_surgery")


def test_noms_1c_follows_setting():
    low = noms(primary="melanoma", escc_grade="1c", sins_total=2)
    assert low.rules == ("no_resistant_low",)
    assert any("disputed" in c for c in low.caveats)
    high = noms(primary="melanoma", escc_grade="1c", sins_total=2, grade_1c_high=True)
    assert high.rules == ("no_resistant_high_fit",)


def test_noms_caveats_unconfirmed_class_and_surgical_consult():
    result = noms(
        primary="liver", escc_grade="2", sins_total=9, fit_for_surgery=False
    )  # demo case 9
    assert result.rules == ("no_resistant_high_unfit",) and result.confirmed is False
    assert any("unconfirmed" in c for c in result.caveats)
    assert any("spine-surgery consultation" in c for c in result.caveats)
    plain = noms(primary="renal_cell", escc_grade="0", sins_total=6)
    assert plain.caveats == ()


def test_noms_radiosensitive_any_grade_demo_cases_5_and_10():
    for primary, grade in [("myeloma", "2"), ("lymphoma", "3")]:
        result = noms(primary=primary, escc_grade=grade, sins_total=5)
        assert (result.radiation, result.procedure, result.confirmed) == ("cebrt", None, True)


def test_noms_result_is_json_ready():
    data = json.loads(
        json.dumps(noms(primary="renal_cell", escc_grade="3", sins_total=9).as_dict())
    )
    assert data["rules"] == ["no_resistant_high_fit"]
    assert data["escc"]["category"] == "high"
    assert data["regimens"][0] == {"total_dose_gy": 24, "fractions": 1, "label": "24 Gy x 1"}


@pytest.mark.parametrize(
    ("argument", "value", "allowed"),
    [
        ("primary", "nsclc", "lung_nsclc"),
        ("escc_grade", "4", "0, 1a, 1b, 1c, 2, 3"),
        ("sins_total", 19, "<= 18"),
        ("sins_total", -1, ">= 0"),
        ("sins_total", "9", ">= 0"),
        ("gross_instability", "no", "True, False"),
        ("mechanical_pain", 1, "True, False"),
        ("fit_for_surgery", None, "True, False"),
        ("grade_1c_high", "false", "True, False"),
        ("intermediate_as", "intermediate", "sensitive, resistant"),
        ("too_ill_for_local_treatment", 0, "True, False"),
    ],
)
def test_noms_rejects_bad_values(argument, value, allowed):
    base = {"primary": "breast", "escc_grade": "1a", "sins_total": 3}
    with pytest.raises(ValueError, match=argument) as error:
        noms(**{**base, argument: value})
    assert allowed in str(error.value)


def test_noms_rule_table_in_docs_and_docstring():
    docs = (REPO / "docs" / "scoring.md").read_text(encoding="utf-8")
    assert rule_table_markdown() in docs
    docstring_lines = importlib.import_module("clinical.noms").__doc__.splitlines()
    for rule in NOMS_RULES:
        line = next(line for line in docstring_lines if line.startswith(rule.id + " "))
        assert line.split()[1] == ("yes" if rule.confirmed else "no"), rule.id


def test_docs_list_every_primary_site_with_its_points():
    docs = (REPO / "docs" / "scoring.md").read_text(encoding="utf-8").splitlines()
    for slug, row in PRIMARY_SITES.items():
        line = next(line for line in docs if line.startswith(f"| `{slug}` |"))
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[2] == str(row.tokuhashi_points), slug
        assert cells[3].startswith(row.tomita_growth or "—"), slug
        assert cells[4].startswith(row.radiosensitivity), slug


# ------------------------------------------------------------------------------------ Patchell

PATCHELL_OK = {
    "primary": "renal_cell",
    "cord_displacement_on_mri": True,
    "neurological_signs": True,
    "single_area_of_compression": True,
    "expected_survival_months": 6,
    "fit_for_surgery": True,
}


def test_patchell_eligible_baseline():
    result = patchell_eligible(**PATCHELL_OK)
    assert (result.eligible, result.reasons, result.category, result.total) == (
        True,
        (),
        "eligible",
        0,
    )
    assert all("Lancet 2005;366:643-8" in s for s in result.explanation)


@pytest.mark.parametrize(
    ("changes", "component", "reason"),
    [
        ({"tissue_proven": False}, "tissue_proven", "not tissue-proven"),
        ({"cord_displacement_on_mri": False}, "cord_displacement_on_mri", "no cord displacement"),
        ({"neurological_signs": False}, "neurological_signs", "no neurological sign"),
        ({"single_area_of_compression": False}, "single_area_of_compression", "more than one area"),
        ({"expected_survival_months": 2.9}, "expected_survival", "under 3 months"),
        ({"fit_for_surgery": False}, "fit_for_surgery", "not fit for surgery"),
        ({"primary": "lymphoma"}, "not_radiosensitive", "radiosensitive histology"),
        ({"primary": "leukaemia"}, "not_radiosensitive", "radiosensitive histology"),
        ({"primary": "myeloma"}, "not_radiosensitive", "radiosensitive histology"),
        ({"primary": "germ_cell"}, "not_radiosensitive", "radiosensitive histology"),
        ({"paraplegia_hours": 49}, "paraplegia_48h", "more than 48 h"),
        (
            {"cauda_equina_or_root_only": True},
            "not_cauda_equina_or_root_only",
            "root compression only",
        ),
        (
            {"prior_radiation_precludes_30gy": True},
            "prior_radiation_allows_30gy",
            "prevents 30 Gy/10",
        ),
        (
            {"unrelated_neuro_disease": True},
            "no_unrelated_neuro_disease",
            "unrelated neurological disease",
        ),
    ],
)
def test_patchell_each_criterion(changes, component, reason):
    result = patchell_eligible(**{**PATCHELL_OK, **changes})
    assert result.eligible is False
    assert result.category == "not_eligible"
    assert len(result.reasons) == 1 and reason.lower() in result.reasons[0].lower()
    assert "Lancet 2005;366:643-8" in result.reasons[0]
    assert result.components[component] == 1 and result.total == 1


def test_patchell_boundaries_are_inclusive():
    assert patchell_eligible(**{**PATCHELL_OK, "paraplegia_hours": 48}).eligible is True
    assert patchell_eligible(**{**PATCHELL_OK, "expected_survival_months": 3}).eligible is True
    # Small-cell lung is treated as radiosensitive here but was not a Patchell exclusion.
    assert patchell_eligible(**{**PATCHELL_OK, "primary": "lung_sclc"}).eligible is True


def test_patchell_collects_every_reason():
    result = patchell_eligible(**{**PATCHELL_OK, "primary": "myeloma", "fit_for_surgery": False})
    assert result.total == 2 and len(result.reasons) == 2


def test_patchell_excludes_cns_origin(monkeypatch):
    row = PrimarySite("ependymoma", "Ependymoma", 2, None, "intermediate", cns_origin=True)
    monkeypatch.setattr(
        primaries, "PRIMARY_SITES", MappingProxyType({**PRIMARY_SITES, row.slug: row})
    )
    result = patchell_eligible(**{**PATCHELL_OK, "primary": "ependymoma"})
    assert result.eligible is False
    assert "CNS/spinal origin" in result.reasons[0]


@pytest.mark.parametrize(
    ("argument", "value"),
    [
        ("neurological_signs", "yes"),
        ("fit_for_surgery", None),
        ("expected_survival_months", -1),
        ("expected_survival_months", "6"),
        ("paraplegia_hours", True),
        ("primary", "spine"),
    ],
)
def test_patchell_rejects_bad_values(argument, value):
    with pytest.raises(ValueError, match=f"{argument}=.*allowed values"):
        patchell_eligible(**{**PATCHELL_OK, argument: value})


# ---------------------------------------------------------------------------------- ECOG / KPS

ECOG_KPS = {0: (90, 100), 1: (70, 80), 2: (50, 60), 3: (30, 40), 4: (10, 20), 5: (0, 0)}


@pytest.mark.parametrize(("ecog", "kps_range"), sorted(ECOG_KPS.items()))
def test_ecog_to_kps(ecog, kps_range):
    result = ecog_to_kps(ecog)
    assert result.kps_range == kps_range
    assert result.total == kps_range[0]
    assert (result.derived, result.mapping) == (True, "Oken 1982 / common mapping")
    assert any("80-90" in s and "derived" in s for s in result.explanation)


@pytest.mark.parametrize("kps", range(0, 101, 10))
def test_kps_to_ecog(kps):
    result = kps_to_ecog(kps=kps)
    expected = next(e for e, (low, high) in ECOG_KPS.items() if low <= kps <= high)
    assert (result.total, result.ecog, result.category) == (expected, expected, f"ecog_{expected}")
    assert result.derived is True


@pytest.mark.parametrize("ecog", [-1, 6, True, "1", 1.5, None])
def test_ecog_to_kps_rejects_bad_values(ecog):
    with pytest.raises(ValueError, match=r"ecog=.*allowed values: 0, 1, 2, 3, 4, 5"):
        ecog_to_kps(ecog)


@pytest.mark.parametrize("kps", [-10, 5, 55, 110, "90", None])
def test_kps_to_ecog_rejects_bad_values(kps):
    with pytest.raises(ValueError, match=r"kps=.*allowed values: 0, 10, 20"):
        kps_to_ecog(kps)


# --------------------------------------------------------------------------------- purity


def test_scoring_package_imports_without_django():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = (
        "import sys, clinical as s; "
        "assert not [m for m in sys.modules if m.split('.')[0] in {'django', 'rest_framework'}]; "
        "print(s.sins(location='T10', pain='mechanical', bone_lesion='lytic', alignment='normal', "
        "collapse='under_50', posterolateral='unilateral').total)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "9"
    for path in (REPO / "clinical").rglob("*.py"):
        assert not re.search(r"^\s*(from|import)\s+(django|rest_framework)", path.read_text(), re.M)
