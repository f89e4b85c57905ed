"""SINS (clinical/sins.py): every table value, the bands and their boundaries, validation.

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

import dataclasses
import json
from itertools import product

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinical import SPINAL_LEVELS, sins
from clinical.sins import (
    FINDINGS,
    band_range,
    is_unstable,
    sins_band,
    sins_range,
    warrants_surgical_consult,
)
from clinical.tests.reference import check_range

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


SINS_ORDER = ("stable", "potentially_unstable", "unstable")


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


@given(sins_inputs, sins_inputs)
def test_sins_range_and_monotone_category(a, b):
    ra, rb = sins(**a), sins(**b)
    for r in (ra, rb):
        check_range(r, 0, 18, SINS_ORDER)
        assert r.surgical_consult is (r.total >= 7)
    if ra.total <= rb.total:
        assert SINS_ORDER.index(ra.category) <= SINS_ORDER.index(rb.category)


def test_demo_case_4_nora_sins_16():
    result = sins(
        location="T12",
        pain="mechanical",
        bone_lesion="lytic",
        alignment="deformity",
        collapse="over_50",
        posterolateral="bilateral",
    )
    assert (result.total, result.category) == (16, "unstable")


def test_demo_case_6_iris_sins_11():
    result = sins(
        location="L1",
        pain="mechanical",
        bone_lesion="lytic",
        alignment="normal",
        collapse="under_50",
        posterolateral="unilateral",
    )
    assert (result.total, result.category) == (11, "potentially_unstable")


# ------------------------------------------------------------------- the bands, defined once


@pytest.mark.parametrize(
    ("total", "band", "unstable", "consult"),
    [
        (0, "stable", False, False),
        (6, "stable", False, False),
        (7, "potentially_unstable", False, True),
        (12, "potentially_unstable", False, True),
        (13, "unstable", True, True),
        (18, "unstable", True, True),
    ],
)
def test_sins_band_boundaries(total, band, unstable, consult):
    assert sins_band(total) == band
    assert is_unstable(total) is unstable
    assert warrants_surgical_consult(total) is consult


@pytest.mark.parametrize("total", [-1, 19, "13", 12.5, True, None])
def test_sins_band_rejects_totals_outside_0_to_18(total):
    with pytest.raises(ValueError, match="total=.*allowed values: integers >= 0 and <= 18"):
        sins_band(total)


def test_band_ranges_as_written_in_the_explanations():
    assert [band_range(name) for name in ("stable", "potentially_unstable", "unstable")] == [
        "0-6",
        "7-12",
        "13-18",
    ]


@given(sins_inputs)
def test_sins_category_is_the_band_of_its_total(kwargs):
    result = sins(**kwargs)
    assert result.category == sins_band(result.total)
    assert (result.category == "unstable") is is_unstable(result.total)


def test_findings_are_the_lesion_attributes_sins_reads():
    assert FINDINGS == ("pain", "bone_lesion", "alignment", "collapse", "posterolateral")


# Partly recorded SINS (issue 13): the range of totals the missing findings allow ---------------

_FINDING_CHOICES = {
    "pain": ["mechanical", "occasional", "none"],
    "bone_lesion": ["lytic", "mixed", "blastic"],
    "alignment": ["subluxation", "deformity", "normal"],
    "collapse": ["over_50", "under_50", "none_over_50_involved", "none"],
    "posterolateral": ["bilateral", "unilateral", "none"],
}


@given(
    st.sampled_from(["C1", "C5", "T1", "T7", "T12", "L3", "S1", "S3"]),
    st.fixed_dictionaries(
        {name: st.sampled_from([None, *values]) for name, values in _FINDING_CHOICES.items()}
    ),
)
def test_sins_range_holds_every_completion_and_a_band_only_when_all_agree(level, recorded):
    partial = sins_range(location=level, **recorded)
    missing = [name for name, value in recorded.items() if value is None]
    totals = {
        sins(location=level, **(recorded | dict(zip(missing, values, strict=True)))).total
        for values in product(*(_FINDING_CHOICES[name] for name in missing))
    }
    assert (partial.low, partial.high) == (min(totals), max(totals))
    bands = {sins_band(total) for total in totals}
    assert partial.category == (bands.pop() if len(bands) == 1 else None)
    assert len(partial.missing) == len(missing)


def test_sins_range_names_the_missing_findings_and_the_band():
    partial = sins_range(
        location="T12",
        pain="mechanical",
        bone_lesion="lytic",
        alignment="subluxation",
        collapse=None,
        posterolateral="unilateral",
    )
    assert (partial.low, partial.high, partial.category) == (13, 16, "unstable")
    assert partial.missing == ("vertebral body collapse",)
    assert "13-16: unstable (13-18) (Fisher 2010, SINS)." in partial.explanation[1]


def test_sins_range_rejects_an_invalid_recorded_finding():
    with pytest.raises(ValueError, match="allowed values: mechanical, occasional, none"):
        sins_range(
            location="T12",
            pain="severe",
            bone_lesion=None,
            alignment=None,
            collapse=None,
            posterolateral=None,
        )
