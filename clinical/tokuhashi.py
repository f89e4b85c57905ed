"""Revised Tokuhashi score (2005) - predicted survival with spinal metastases.

Tokuhashi Y et al., Spine 2005;30(19):2186-91 (table reproduced in NICE CG75 appendix). Six items,
total 0-15: 0-8 under 6 months (conservative treatment or palliative surgery); 9-11 six months or
more (palliative surgery; excisional if a single lesion without major-organ metastases); 12-15 one
year or more (excisional surgery). Not to be mixed with the 1990 version (maximum 12).

Haematological primaries (myeloma, lymphoma, leukaemia): the table was built on solid-tumour
metastases, so the total is shown with that caveat and ``category`` is "not_validated" - no
survival band or surgical strategy (project rule, issue 13).

Judgment calls: Karnofsky 0 is scored with the poor band (the table's poor band is 10-40); a
vertebral-body count of 0 is rejected, because the score is applied to a spinal metastasis and
so at least one vertebral body is involved (the table starts at 1).
"""

from __future__ import annotations

from dataclasses import dataclass

from clinical._common import (
    NOT_VALIDATED,
    Finding,
    ScoreResult,
    band,
    integer,
    not_validated_caveat,
    pick,
    points,
)
from clinical.performance import parse_kps
from clinical.primaries import primary_site

SOURCE = "Tokuhashi 2005, revised Tokuhashi"

# (lowest value, highest value or None for open-ended, row); checked in order.
CountBands = tuple[tuple[int, int | None, Finding], ...]
KPS_BANDS: CountBands = (
    (0, 40, Finding(0, "poor (Karnofsky 10-40)")),
    (50, 70, Finding(1, "moderate (Karnofsky 50-70)")),
    (80, 100, Finding(2, "good (Karnofsky 80-100)")),
)
EXTRASPINAL_BONE_BANDS: CountBands = (
    (0, 0, Finding(2, "none")),
    (1, 2, Finding(1, "1-2 foci")),
    (3, None, Finding(0, "3 or more foci")),
)
VERTEBRAL_BODY_BANDS: CountBands = (
    (1, 1, Finding(2, "1 vertebral body")),
    (2, 2, Finding(1, "2 vertebral bodies")),
    (3, None, Finding(0, "3 or more vertebral bodies")),
)
VISCERAL: dict[str, Finding] = {
    "none": Finding(2, "none"),
    "removable": Finding(1, "removable"),
    "unremovable": Finding(0, "unremovable"),
}
FRANKEL: dict[str, Finding] = {
    "A": Finding(0, "complete palsy (Frankel A)"),
    "B": Finding(0, "complete palsy (Frankel B)"),
    "C": Finding(1, "incomplete palsy (Frankel C)"),
    "D": Finding(1, "incomplete palsy (Frankel D)"),
    "E": Finding(2, "no palsy (Frankel E)"),
}
PRIMARY_GROUPS: dict[int, str] = {
    0: "lung, osteosarcoma, stomach, bladder, oesophagus, pancreas",
    1: "liver, gallbladder, unidentified",
    2: "others",
    3: "kidney, uterus",
    4: "rectum",
    5: "thyroid, breast, prostate, carcinoid",
}
BANDS = ((0, 8, "under_6_months"), (9, 11, "6_months_or_more"), (12, 15, "1_year_or_more"))
BAND_ADVICE = {
    "under_6_months": (
        "predicted survival under 6 months: conservative treatment or palliative surgery"
    ),
    "6_months_or_more": (
        "predicted survival 6 months or more: palliative surgery; excisional surgery if a single "
        "lesion without major-organ metastases"
    ),
    "1_year_or_more": "predicted survival 1 year or more: excisional surgery",
}


def count_band(argument: str, value: int, bands: CountBands) -> Finding:
    for low, high, finding in bands:
        if value >= low and (high is None or value <= high):
            return finding
    raise AssertionError(f"{argument}={value} outside the table")  # pragma: no cover - validated


@dataclass(frozen=True, kw_only=True)
class TokuhashiResult(ScoreResult):
    primary: str


def tokuhashi_revised(
    *,
    kps: int,
    extraspinal_bone_mets: int,
    vertebral_body_mets: int,
    visceral_mets: str,
    primary: str,
    frankel: str,
) -> TokuhashiResult:
    """Revised Tokuhashi score (Tokuhashi 2005), total 0-15.

    ``kps`` is Karnofsky 0-100 in steps of 10 (ask for it: converting ECOG is ambiguous, see
    ``kps_to_ecog``); ``extraspinal_bone_mets`` counts extraspinal bone foci (0 or more);
    ``vertebral_body_mets`` counts involved vertebral bodies (1 or more).
    """
    kps = parse_kps(kps)
    extraspinal = integer("extraspinal_bone_mets", extraspinal_bone_mets)
    try:
        vertebral = integer("vertebral_body_mets", vertebral_body_mets, minimum=1)
    except ValueError as error:
        raise ValueError(
            f"{error} (a spinal metastasis involves at least one vertebral body)"
        ) from None
    _, visceral = pick("visceral_mets", visceral_mets, VISCERAL)
    grade, palsy = pick("frankel", frankel, FRANKEL)
    site = primary_site(primary)

    rows = {
        "general_condition": ("General condition", count_band("kps", kps, KPS_BANDS)),
        "extraspinal_bone_mets": (
            "Extraspinal bone metastases",
            count_band("extraspinal_bone_mets", extraspinal, EXTRASPINAL_BONE_BANDS),
        ),
        "vertebral_body_mets": (
            "Metastases in vertebral bodies",
            count_band("vertebral_body_mets", vertebral, VERTEBRAL_BODY_BANDS),
        ),
        "visceral_mets": ("Metastases to major internal organs", visceral),
        "primary": (
            f"Primary site {site.label}",
            Finding(
                site.tokuhashi_points, f"in the group '{PRIMARY_GROUPS[site.tokuhashi_points]}'"
            ),
        ),
        "palsy": ("Palsy", palsy),
    }
    components = {name: finding.points for name, (_, finding) in rows.items()}
    explanation = [
        f"{label}: {finding.text}, {points(finding.points)} ({SOURCE})."
        for label, finding in rows.values()
    ]
    if kps == 0:
        explanation.insert(
            1,
            f"Karnofsky 0 is below the table's poor band (10-40) and is scored as poor ({SOURCE}).",
        )
    total = sum(components.values())
    if site.haematological:
        category = NOT_VALIDATED
        caveat = not_validated_caveat(
            score="the revised Tokuhashi score",
            primary_label=site.label,
            withheld="survival band or surgical strategy",
        )
        explanation.append(f"Total {total} of 15 ({SOURCE}). {caveat}")
    else:
        category = band(total, BANDS)
        explanation.append(f"Total {total} of 15: {BAND_ADVICE[category]} ({SOURCE}).")
    return TokuhashiResult(
        total=total,
        category=category,
        components=components,
        explanation=tuple(explanation),
        primary=site.slug,
    )
