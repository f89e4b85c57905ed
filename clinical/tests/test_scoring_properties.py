"""Property tests: totals stay in their published ranges and categories rise with the total."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clinical import (
    PRIMARY_SITES,
    SPINAL_LEVELS,
    ecog_to_kps,
    kps_to_ecog,
    noms,
    sins,
    tokuhashi_revised,
    tomita,
)
from clinical.escc import GRADES
from clinical.noms import RULES_BY_ID

SINS_ORDER = ("stable", "potentially_unstable", "unstable")
TOKUHASHI_ORDER = ("under_6_months", "6_months_or_more", "1_year_or_more")
TOMITA_ORDER = (  # best prognosis first, so the rank rises with the total
    "long_term_local_control",
    "middle_term_local_control",
    "short_term_palliation",
    "terminal_care",
)

sins_inputs = st.fixed_dictionaries(
    {
        "location": st.sampled_from(
            ["occiput", *SPINAL_LEVELS, "junctional", "mobile", "semi_rigid", "rigid"]
        ),
        "pain": st.sampled_from(["mechanical", "occasional", "none"]),
        "bone_lesion": st.sampled_from(["lytic", "mixed", "blastic"]),
        "alignment": st.sampled_from(["subluxation", "deformity", "normal"]),
        "collapse": st.sampled_from(["over_50", "under_50", "none_over_50_involved", "none"]),
        "posterolateral": st.sampled_from(["bilateral", "unilateral", "none"]),
    }
)
tokuhashi_inputs = st.fixed_dictionaries(
    {
        "kps": st.sampled_from(range(0, 101, 10)),
        "extraspinal_bone_mets": st.integers(min_value=0, max_value=50),
        "vertebral_body_mets": st.integers(min_value=1, max_value=24),
        "visceral_mets": st.sampled_from(["none", "removable", "unremovable"]),
        "primary": st.sampled_from(list(PRIMARY_SITES)),
        "frankel": st.sampled_from("ABCDE"),
    }
)
tomita_inputs = st.fixed_dictionaries(
    {
        "primary": st.sampled_from(list(PRIMARY_SITES)),
        "visceral_mets": st.sampled_from(["none", "treatable", "untreatable"]),
        "bone_mets": st.sampled_from(["solitary", "multiple"]),
        # Always given, so primaries without a Tomita growth class are scored too.
        "growth": st.sampled_from(["slow", "moderate", "rapid"]),
    }
)
noms_inputs = st.fixed_dictionaries(
    {
        "primary": st.sampled_from(list(PRIMARY_SITES)),
        "escc_grade": st.sampled_from(list(GRADES)),
        "sins_total": st.integers(min_value=0, max_value=18),
        "gross_instability": st.booleans(),
        "mechanical_pain": st.booleans(),
        "fit_for_surgery": st.booleans(),
        "grade_1c_high": st.booleans(),
        "intermediate_as": st.sampled_from(["sensitive", "resistant"]),
        "too_ill_for_local_treatment": st.booleans(),
    }
)


def _check(result, low, high, order):
    assert low <= result.total <= high
    assert result.total == sum(result.components.values())
    assert result.category in order


@given(sins_inputs, sins_inputs)
def test_sins_range_and_monotone_category(a, b):
    ra, rb = sins(**a), sins(**b)
    for r in (ra, rb):
        _check(r, 0, 18, SINS_ORDER)
        assert r.surgical_consult is (r.total >= 7)
    if ra.total <= rb.total:
        assert SINS_ORDER.index(ra.category) <= SINS_ORDER.index(rb.category)


@given(tokuhashi_inputs, tokuhashi_inputs)
def test_tokuhashi_range_and_monotone_category(a, b):
    ra, rb = tokuhashi_revised(**a), tokuhashi_revised(**b)
    for r in (ra, rb):
        _check(r, 0, 15, TOKUHASHI_ORDER)
    if ra.total <= rb.total:
        assert TOKUHASHI_ORDER.index(ra.category) <= TOKUHASHI_ORDER.index(rb.category)


@given(tomita_inputs, tomita_inputs)
def test_tomita_range_and_monotone_category(a, b):
    ra, rb = tomita(**a), tomita(**b)
    for r in (ra, rb):
        _check(r, 2, 10, TOMITA_ORDER)
    if ra.total <= rb.total:
        assert TOMITA_ORDER.index(ra.category) <= TOMITA_ORDER.index(rb.category)


@given(noms_inputs)
def test_noms_always_suggests_radiation_and_reports_confirmation(kwargs):
    result = noms(**kwargs)
    assert result.radiation in {"cebrt", "srs"}
    assert result.rules and len(set(result.rules)) == len(result.rules)
    assert result.confirmed is all(RULES_BY_ID[rule].confirmed for rule in result.rules)
    assert result.systemic_only is (result.rules == ("s_too_ill",))
    assert result.procedure == (result.procedures[0] if result.procedures else None)
    unstable = kwargs["gross_instability"] or kwargs["sins_total"] >= 13
    if not kwargs["too_ill_for_local_treatment"]:
        assert ("open_stabilization" in result.procedures) is (
            unstable and kwargs["fit_for_surgery"]
        )
        assert ("cement_augmentation" in result.procedures) is (
            kwargs["mechanical_pain"] and not unstable
        )
    if not kwargs["fit_for_surgery"]:
        assert not {"open_stabilization", "separation_surgery"} & set(result.procedures)


@given(st.integers(min_value=0, max_value=5))
def test_ecog_kps_round_trip(ecog):
    assert kps_to_ecog(ecog_to_kps(ecog).total).ecog == ecog


@given(st.sampled_from(range(0, 101, 10)))
def test_kps_falls_in_its_ecog_range(kps):
    low, high = ecog_to_kps(kps_to_ecog(kps).ecog).kps_range
    assert low <= kps <= high
