"""ECOG <-> Karnofsky conversion (clinical/performance.py).

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinical import ecog_to_kps, kps_to_ecog

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


@given(st.integers(min_value=0, max_value=5))
def test_ecog_kps_round_trip(ecog):
    assert kps_to_ecog(ecog_to_kps(ecog).total).ecog == ecog


@given(st.sampled_from(range(0, 101, 10)))
def test_kps_falls_in_its_ecog_range(kps):
    low, high = ecog_to_kps(kps_to_ecog(kps).ecog).kps_range
    assert low <= kps <= high
