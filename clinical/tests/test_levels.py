"""Spinal levels (clinical/levels.py).

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

import pytest

from clinical import SPINAL_LEVEL_CHOICES, SPINAL_LEVELS, parse_level


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
