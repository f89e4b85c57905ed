"""The primary-site vocabulary (clinical/primaries.py) and its table in docs/scoring.md.

Expected values are written out from /work/shared/clinical/REFERENCE.md rather than read from
the engine's own tables, so a wrong table row fails a test.
"""

from __future__ import annotations

from types import MappingProxyType

import pytest

from clinical import PRIMARY_SITE_CHOICES, PRIMARY_SITES
from clinical.tests.reference import (
    PATCHELL_RADIOSENSITIVE,
    RADIOSENSITIVITY,
    REPO,
    REQUIRED_SLUGS,
    TOKUHASHI_PRIMARY,
    TOMITA_GROWTH,
    UNCONFIRMED,
)


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


def test_docs_list_every_primary_site_with_its_points():
    docs = (REPO / "docs" / "scoring.md").read_text(encoding="utf-8").splitlines()
    for slug, row in PRIMARY_SITES.items():
        line = next(line for line in docs if line.startswith(f"| `{slug}` |"))
        cells = [cell.strip() for cell in line.strip("|").split("|")]
        assert cells[2] == str(row.tokuhashi_points), slug
        assert cells[3].startswith(row.tomita_growth or "—"), slug
        assert cells[4].startswith(row.radiosensitivity), slug
