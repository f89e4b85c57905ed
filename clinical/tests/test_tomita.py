"""Tomita (clinical/tomita.py): every item, growth classes, the bands, validation.

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinical import PRIMARY_SITES, tomita
from clinical.tests.reference import REQUIRED_SLUGS, TOMITA_GROWTH, check_range

# The bands hold for solid tumours; haematological primaries get no band (tested below).
SOLID_PRIMARIES = [slug for slug, site in PRIMARY_SITES.items() if not site.haematological]


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


TOMITA_ORDER = (  # best prognosis first, so the rank rises with the total
    "long_term_local_control",
    "middle_term_local_control",
    "short_term_palliation",
    "terminal_care",
)


tomita_inputs = st.fixed_dictionaries(
    {
        "primary": st.sampled_from(SOLID_PRIMARIES),
        "visceral_mets": st.sampled_from(["none", "treatable", "untreatable"]),
        "bone_mets": st.sampled_from(["solitary", "multiple"]),
        # Always given, so primaries without a Tomita growth class are scored too.
        "growth": st.sampled_from(["slow", "moderate", "rapid"]),
    }
)


@given(tomita_inputs, tomita_inputs)
def test_tomita_range_and_monotone_category(a, b):
    ra, rb = tomita(**a), tomita(**b)
    for r in (ra, rb):
        check_range(r, 2, 10, TOMITA_ORDER)
    if ra.total <= rb.total:
        assert TOMITA_ORDER.index(ra.category) <= TOMITA_ORDER.index(rb.category)


def test_demo_case_8_alice_tomita_2():
    assert tomita(primary="thyroid", visceral_mets="none", bone_mets="solitary").total == 2


@pytest.mark.parametrize("primary", ["myeloma", "lymphoma", "leukaemia"])
def test_haematological_primary_total_with_caveat_and_no_strategy(primary):
    """Issue 13 (project rule): Tomita 2001's strategies were built on solid tumours; for a
    haematological primary the total is shown with that caveat and no surgical strategy."""
    result = tomita(primary=primary, visceral_mets="none", bone_mets="solitary", growth="slow")
    assert (result.total, result.category) == (2, "not_validated")
    last = result.explanation[-1]
    assert last.startswith("Total 2 of 10 (Tomita 2001")
    assert "not validated" in last
    assert "excision" not in last and "supportive care" not in last


def test_a_solid_primary_keeps_its_strategy_band():
    result = tomita(primary="thyroid", visceral_mets="none", bone_mets="solitary")
    assert result.category == "long_term_local_control"
    assert "wide or marginal excision" in result.explanation[-1]
