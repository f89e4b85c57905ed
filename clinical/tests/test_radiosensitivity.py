"""Radiosensitivity (clinical/radiosensitivity.py): classes and the intermediate setting.

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

import pytest

from clinical import radiosensitivity
from clinical.tests.reference import RADIOSENSITIVITY, REQUIRED_SLUGS, UNCONFIRMED


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
