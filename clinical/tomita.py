"""Tomita score (2001) - surgical strategy for spinal metastases.

Tomita K et al., Spine 2001;26(3):298-306. Primary growth slow 1 / moderate 2 / rapid 4; visceral
metastases none 0 / treatable 2 / untreatable 4; bone metastases (spine included) solitary 1 /
multiple 2. Total 2-10: 2-3 long-term local control (wide or marginal excision); 4-5 middle-term
local control (marginal or intralesional excision); 6-7 short-term palliation (palliative
surgery); 8-10 terminal care (supportive care). Rapid growth is 4, not the 3 one secondary table
prints: only 4 is consistent with the published 2-10 range. A primary the table does not
classify needs its growth class given explicitly - it is never guessed. For a haematological
primary (myeloma, lymphoma, leukaemia) the total is shown with a caveat and ``category`` is
"not_validated": Tomita's strategy bands were built on solid tumours (project rule, issue 13).
"""

from __future__ import annotations

from dataclasses import dataclass

from clinical._common import (
    NOT_VALIDATED,
    Finding,
    ScoreResult,
    band,
    not_validated_caveat,
    pick,
    points,
)
from clinical.primaries import primary_site

SOURCE = "Tomita 2001, Tomita score"

GROWTH: dict[str, Finding] = {
    "slow": Finding(1, "slow growth"),
    "moderate": Finding(2, "moderate growth"),
    "rapid": Finding(4, "rapid growth"),
}
VISCERAL: dict[str, Finding] = {
    "none": Finding(0, "none"),
    "treatable": Finding(2, "treatable"),
    "untreatable": Finding(4, "untreatable"),
}
BONE: dict[str, Finding] = {
    "solitary": Finding(1, "solitary"),
    "multiple": Finding(2, "multiple"),
}
BANDS = (
    (2, 3, "long_term_local_control"),
    (4, 5, "middle_term_local_control"),
    (6, 7, "short_term_palliation"),
    (8, 10, "terminal_care"),
)
BAND_ADVICE = {
    "long_term_local_control": "goal long-term local control: wide or marginal excision",
    "middle_term_local_control": (
        "goal middle-term local control: marginal or intralesional excision"
    ),
    "short_term_palliation": "goal short-term palliation: palliative surgery",
    "terminal_care": "terminal care: supportive care",
}


@dataclass(frozen=True, kw_only=True)
class TomitaResult(ScoreResult):
    primary: str
    growth: str
    growth_given: bool  # True when the caller supplied the growth class (required or override)


def tomita(
    *, primary: str, visceral_mets: str, bone_mets: str, growth: str | None = None
) -> TomitaResult:
    """Tomita score (Tomita 2001), total 2-10.

    ``growth`` supplies the growth class for a primary Tomita does not classify (then it is
    required) or overrides the table's class (e.g. an indolent variant); the explanation says so.
    """
    site = primary_site(primary)
    table_growth = site.tomita_growth
    growth_key: str
    if growth is None:
        if table_growth is None:
            raise ValueError(
                f"growth is required for primary {site.slug!r}: Tomita 2001 does not classify its "
                f"growth and it is never guessed; allowed values: {', '.join(GROWTH)}"
            )
        growth_key, growth_row = table_growth, GROWTH[table_growth]
    else:
        growth_key, growth_row = pick("growth", growth, GROWTH)
    _, visceral = pick("visceral_mets", visceral_mets, VISCERAL)
    _, bone = pick("bone_mets", bone_mets, BONE)

    if growth is None:
        growth_source = "Tomita's table"
    elif table_growth is None:
        growth_source = "stated by the board; Tomita's table does not classify this primary"
    elif table_growth == growth_key:
        growth_source = "stated by the board, as in Tomita's table"
    else:
        growth_source = f"stated by the board, overriding Tomita's table ({table_growth})"
    rows = {
        "growth": (f"Primary {site.label}", growth_row, f" ({growth_source})"),
        "visceral_mets": ("Visceral metastases", visceral, ""),
        "bone_mets": ("Bone metastases (spine included)", bone, ""),
    }
    components = {name: finding.points for name, (_, finding, _) in rows.items()}
    explanation = [
        f"{label}: {finding.text}{note}, {points(finding.points)} ({SOURCE})."
        for label, finding, note in rows.values()
    ]
    total = sum(components.values())
    if site.haematological:
        category = NOT_VALIDATED
        caveat = not_validated_caveat(
            score="the Tomita score", primary_label=site.label, withheld="surgical strategy"
        )
        explanation.append(f"Total {total} of 10 ({SOURCE}). {caveat}")
    else:
        category = band(total, BANDS)
        explanation.append(f"Total {total} of 10: {BAND_ADVICE[category]} ({SOURCE}).")
    return TomitaResult(
        total=total,
        category=category,
        components=components,
        explanation=tuple(explanation),
        primary=site.slug,
        growth=growth_key,
        growth_given=growth is not None,
    )
