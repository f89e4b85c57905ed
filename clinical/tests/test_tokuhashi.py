"""Revised Tokuhashi (clinical/tokuhashi.py): every item, the bands, validation.

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinical import PRIMARY_SITES, tokuhashi_revised
from clinical.tests.reference import REQUIRED_SLUGS, TOKUHASHI_PRIMARY, check_range

# The bands hold for solid tumours; haematological primaries get no band (tested below).
SOLID_PRIMARIES = [slug for slug, site in PRIMARY_SITES.items() if not site.haematological]

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


TOKUHASHI_ORDER = ("under_6_months", "6_months_or_more", "1_year_or_more")


tokuhashi_inputs = st.fixed_dictionaries(
    {
        "kps": st.sampled_from(range(0, 101, 10)),
        "extraspinal_bone_mets": st.integers(min_value=0, max_value=50),
        "vertebral_body_mets": st.integers(min_value=1, max_value=24),
        "visceral_mets": st.sampled_from(["none", "removable", "unremovable"]),
        "primary": st.sampled_from(SOLID_PRIMARIES),
        "frankel": st.sampled_from("ABCDE"),
    }
)


@given(tokuhashi_inputs, tokuhashi_inputs)
def test_tokuhashi_range_and_monotone_category(a, b):
    ra, rb = tokuhashi_revised(**a), tokuhashi_revised(**b)
    for r in (ra, rb):
        check_range(r, 0, 15, TOKUHASHI_ORDER)
    if ra.total <= rb.total:
        assert TOKUHASHI_ORDER.index(ra.category) <= TOKUHASHI_ORDER.index(rb.category)


def test_demo_case_4_nora_tokuhashi_6():
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


def test_demo_case_8_alice_tokuhashi_15():
    result = tokuhashi_revised(
        kps=90,
        extraspinal_bone_mets=0,
        vertebral_body_mets=1,
        visceral_mets="none",
        primary="thyroid",
        frankel="E",
    )
    assert (result.total, result.category) == (15, "1_year_or_more")


@pytest.mark.parametrize("primary", ["myeloma", "lymphoma", "leukaemia"])
def test_haematological_primary_total_with_caveat_and_no_band_or_strategy(primary):
    """Issue 13 (project rule): Tokuhashi 2005 was built on solid-tumour metastases; for a
    haematological primary the total is shown with that caveat, no survival band or strategy."""
    result = tokuhashi_revised(
        kps=80,
        extraspinal_bone_mets=3,
        vertebral_body_mets=4,
        visceral_mets="none",
        primary=primary,
        frankel="E",
    )
    assert result.total == 2 + 0 + 0 + 2 + 2 + 2
    assert result.category == "not_validated"
    last = result.explanation[-1]
    assert last.startswith("Total 8 of 15 (Tokuhashi 2005")
    assert "haematological malignancy" in last and "not validated" in last
    for advice in ("excisional", "palliative surgery", "conservative", "months"):
        assert advice not in last
