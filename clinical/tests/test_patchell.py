"""Patchell 2005 eligibility (clinical/patchell.py): every criterion and the trial-defined inputs.

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest

from clinical import PRIMARY_SITES, PrimarySite, patchell_eligible, primaries
from clinical.escc import is_high_grade
from clinical.patchell import areas_of_compression, cauda_equina_or_root_only, cord_displacement

PATCHELL_OK = {
    "primary": "renal_cell",
    "tissue_proven": True,
    "cord_displacement_on_mri": True,
    "neurological_signs": True,
    "single_area_of_compression": True,
    "expected_survival_months": 6,
    "fit_for_surgery": True,
    "paraplegia_hours": 0,
    "cauda_equina_or_root_only": False,
    "prior_radiation_precludes_30gy": False,
    "unrelated_neuro_disease": False,
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


# ------------------------------------------------- the trial's inputs from recorded lesions


@pytest.mark.parametrize(
    ("grade", "displaced"),
    [("0", False), ("1a", False), ("1b", False), ("1c", False), ("2", True), ("3", True)],
)
def test_cord_displacement_is_bilsky_2_or_3_whatever_the_1c_setting(grade, displaced):
    # Patchell's cord displacement is trial-defined: a board counting 1c as high grade does not
    # make a 1c lesion displace the cord.
    assert cord_displacement(grade) is displaced
    if grade == "1c":
        assert is_high_grade(grade, grade_1c_high=True) is True


def test_cord_displacement_rejects_an_unknown_grade():
    with pytest.raises(ValueError, match="escc_grade='4'"):
        cord_displacement("4")


@pytest.mark.parametrize(
    ("levels", "areas"),
    [
        ([], 0),
        (["T10"], 1),
        (["T10", "T11", "T12"], 1),
        (["T12", "L1"], 1),  # contiguous across the thoracolumbar junction
        (["T10", "T12"], 2),
        (["L1", "C5", "C6", "T4"], 3),
    ],
)
def test_areas_of_compression_count_contiguous_levels_once(levels, areas):
    assert areas_of_compression(levels) == areas


@pytest.mark.parametrize(
    ("lesions", "root_only"),
    [
        ([], False),
        ([("L2", "1a")], True),
        ([("L2", "3"), ("S1", "1b")], True),
        ([("L3", "0")], False),  # bone-only disease compresses nothing
        ([("L1", "2")], False),  # the conus: the cord itself
        ([("L1", "2"), ("L3", "3")], False),  # the cord is compressed at L1
        ([("T10", "2"), ("S2", "1a")], False),
        # Issue 13: a low-grade lesion where the cord is not compressed does not make a
        # cauda-equina-only compression a cord compression (Patchell 2005 exclusion).
        ([("T8", "1a"), ("L3", "3")], True),
        ([("T8", "1c"), ("L3", "3")], True),
        ([("T8", "0"), ("L4", "2")], True),
    ],
)
def test_cauda_equina_or_root_only_is_decided_where_the_cord_is_compressed(lesions, root_only):
    # Patchell 2005 excluded "cauda equina or root compression only": decided from the levels
    # above the conus (C1-L1) where the cord itself is compressed (Bilsky 2 or 3).
    assert cauda_equina_or_root_only(lesions) is root_only


@pytest.mark.parametrize("argument", sorted(set(PATCHELL_OK) - {"primary"}))
def test_every_patchell_criterion_is_a_required_keyword(argument):
    # Issue 13: no criterion is assumed met (tissue proof, paraplegia hours and every exclusion
    # used to default to "fine"); Patchell 2005 enrolled only patients meeting all of them.
    kwargs = dict(PATCHELL_OK)
    del kwargs[argument]
    with pytest.raises(TypeError, match=argument):
        patchell_eligible(**kwargs)


def test_pain_is_a_neurological_symptom_in_the_reasons_wording():
    # Patchell 2005: "at least one neurological sign or symptom (including pain)".
    result = patchell_eligible(**{**PATCHELL_OK, "neurological_signs": False})
    assert result.reasons == (
        "No neurological sign or symptom (pain included) (Patchell 2005, Lancet 2005;366:643-8).",
    )
