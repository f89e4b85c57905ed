"""SINS - Spinal Instability Neoplastic Score.

Fisher CG et al., Spine 2010;35(22):E1221-9; reliability: Fourney DR et al., J Clin Oncol
2011;29:3072-7. Six components, total 0-18: 0-6 stable, 7-12 potentially unstable
(indeterminate), 13-18 unstable. A total of 7 or more warrants a spine-surgery consultation,
ideally before radiation. Pain scores 3/1/0 (a teaching site printing 3/2/1 is wrong).
"""

from __future__ import annotations

from dataclasses import dataclass

from clinical._common import Finding, ScoreRange, ScoreResult, band, integer, pick, points
from clinical.levels import OCCIPUT, level_range, parse_level

SOURCE = "Fisher 2010, SINS"

LOCATION_CLASSES: dict[str, Finding] = {
    "junctional": Finding(3, "junctional (occiput-C2, C7-T2, T11-L1, L5-S1)"),
    "mobile": Finding(2, "mobile spine (C3-C6, L2-L4)"),
    "semi_rigid": Finding(1, "semi-rigid (T3-T10)"),
    "rigid": Finding(0, "rigid (S2-S5)"),
}
_SEGMENTS: tuple[tuple[str, str, str], ...] = (
    ("junctional", OCCIPUT, "C2"),
    ("mobile", "C3", "C6"),
    ("junctional", "C7", "T2"),
    ("semi_rigid", "T3", "T10"),
    ("junctional", "T11", "L1"),
    ("mobile", "L2", "L4"),
    ("junctional", "L5", "S1"),
    ("rigid", "S2", "S5"),
)
LEVEL_CLASS: dict[str, str] = {
    level: cls for cls, first, last in _SEGMENTS for level in level_range(first, last)
}

COMPONENTS: dict[str, tuple[str, dict[str, Finding]]] = {
    "pain": (
        "Pain",
        {
            "mechanical": Finding(3, "mechanical (relief lying down, pain on movement or loading)"),
            "occasional": Finding(1, "occasional, not mechanical"),
            "none": Finding(0, "pain-free lesion"),
        },
    ),
    "bone_lesion": (
        "Bone lesion",
        {
            "lytic": Finding(2, "lytic"),
            "mixed": Finding(1, "mixed lytic/blastic"),
            "blastic": Finding(0, "blastic"),
        },
    ),
    "alignment": (
        "Radiographic alignment",
        {
            "subluxation": Finding(4, "subluxation/translation"),
            "deformity": Finding(2, "de novo deformity (kyphosis/scoliosis)"),
            "normal": Finding(0, "normal"),
        },
    ),
    "collapse": (
        "Vertebral body collapse",
        {
            "over_50": Finding(3, "more than 50% collapse"),
            "under_50": Finding(2, "less than 50% collapse"),
            "none_over_50_involved": Finding(
                1, "no collapse with more than 50% of the body involved"
            ),
            "none": Finding(0, "none of the above"),
        },
    ),
    "posterolateral": (
        "Posterolateral involvement",
        {
            "bilateral": Finding(3, "bilateral"),
            "unilateral": Finding(1, "unilateral"),
            "none": Finding(0, "none"),
        },
    ),
}

# The lesion findings SINS scores besides its location: the attributes a recorded lesion must hold.
FINDINGS: tuple[str, ...] = tuple(COMPONENTS)

# The bands (Fisher 2010), defined here once: the SINS category, the assessment's "unstable" flag
# and NOMS's gross instability all read them.
STABLE, POTENTIALLY_UNSTABLE, UNSTABLE = "stable", "potentially_unstable", "unstable"
BANDS: tuple[tuple[int, int, str], ...] = (
    (0, 6, STABLE),
    (7, 12, POTENTIALLY_UNSTABLE),
    (13, 18, UNSTABLE),
)
MAX_TOTAL = BANDS[-1][1]


def sins_band(total: int) -> str:
    """The Fisher 2010 band of a SINS total: stable (0-6), potentially_unstable (7-12) or
    unstable (13-18)."""
    return band(integer("total", total, maximum=MAX_TOTAL), BANDS)


def band_range(name: str) -> str:
    """The totals of a band as written in the explanations, e.g. "13-18" for unstable."""
    low, high = next((low, high) for low, high, band_name in BANDS if band_name == name)
    return f"{low}-{high}"


def is_unstable(total: int) -> bool:
    """A SINS total in the unstable band, 13-18 (Fisher 2010)."""
    return sins_band(total) == UNSTABLE


def warrants_surgical_consult(total: int) -> bool:
    """Potentially unstable or unstable (7 or more): Fisher 2010 advises a spine-surgery
    consultation, ideally before radiation."""
    return sins_band(total) != STABLE


@dataclass(frozen=True, kw_only=True)
class SinsResult(ScoreResult):
    location_class: str
    level: str | None
    surgical_consult: bool


def _location(value: object) -> tuple[str | None, str]:
    """(level or None, location class) from a level such as "T12" or a class name."""
    if isinstance(value, str):
        as_class = value.strip().lower().replace("-", "_").replace(" ", "_")
        if as_class in LOCATION_CLASSES:
            return None, as_class
    try:
        level = parse_level(value, argument="location", allow_occiput=True)
    except ValueError:
        raise ValueError(
            f"location={value!r} is not allowed; allowed values: a level (occiput, C1-C7, T1-T12, "
            f"L1-L5, S1-S5) or a class ({', '.join(LOCATION_CLASSES)})"
        ) from None
    return level, LEVEL_CLASS[level]


def sins(
    *,
    location: str,
    pain: str,
    bone_lesion: str,
    alignment: str,
    collapse: str,
    posterolateral: str,
) -> SinsResult:
    """Spinal Instability Neoplastic Score (Fisher 2010) for one lesion.

    ``location`` is a level ("T10", "occiput") or a class (junctional, mobile, semi_rigid, rigid).
    ``surgical_consult`` is True from 7 points: Fisher 2010 advises spine-surgery review of every
    potentially unstable or unstable lesion, ideally before radiation.
    """
    level, location_class = _location(location)
    where = f"Location {level} is" if level else "Location is"
    loc = LOCATION_CLASSES[location_class]
    components = {"location": loc.points}
    explanation = [f"{where} {loc.text}: {points(loc.points)} ({SOURCE})."]
    arguments = {
        "pain": pain,
        "bone_lesion": bone_lesion,
        "alignment": alignment,
        "collapse": collapse,
        "posterolateral": posterolateral,
    }
    for name, (label, table) in COMPONENTS.items():
        _, finding = pick(name, arguments[name], table)
        components[name] = finding.points
        explanation.append(f"{label}: {finding.text}, {points(finding.points)} ({SOURCE}).")

    total = sum(components.values())
    category = sins_band(total)
    consult = warrants_surgical_consult(total)
    bands = ", ".join(f"{band_range(name)} {name.replace('_', ' ')}" for _, _, name in BANDS)
    explanation.append(
        f"Total {total} of {MAX_TOTAL} is {category.replace('_', ' ')} ({bands}) ({SOURCE})."
    )
    if consult:
        explanation.append(
            f"A SINS of {BANDS[1][0]} or more warrants a spine-surgery consultation, ideally "
            f"before radiation ({SOURCE})."
        )
    return SinsResult(
        total=total,
        category=category,
        components=components,
        explanation=tuple(explanation),
        location_class=location_class,
        level=level,
        surgical_consult=consult,
    )


def sins_range(
    *,
    location: str,
    pain: str | None,
    bone_lesion: str | None,
    alignment: str | None,
    collapse: str | None,
    posterolateral: str | None,
) -> ScoreRange:
    """The SINS totals a partly recorded lesion can still reach (Fisher 2010 table).

    Each finding is given explicitly; ``None`` (or "") means "not recorded". A missing component
    may take any of its rows, so the range runs from the recorded points plus each missing
    component's lowest row to the recorded points plus each one's highest. When the whole range
    lies in one band (e.g. the recorded parts already reach 13: unstable whatever the rest is),
    ``category`` is that band; otherwise it is None and the score stays "not computable".
    Judgement (project rule, docs/scoring.md): the band is reported only when no value of the
    missing components could change it.
    """
    level, location_class = _location(location)
    loc = LOCATION_CLASSES[location_class]
    arguments = {
        "pain": pain,
        "bone_lesion": bone_lesion,
        "alignment": alignment,
        "collapse": collapse,
        "posterolateral": posterolateral,
    }
    low = high = loc.points
    recorded: list[str] = [f"location {level or location_class} {points(loc.points)}"]
    missing: list[str] = []
    for name, (label, table) in COMPONENTS.items():
        value = arguments[name]
        if value is None or value == "":
            rows = [finding.points for finding in table.values()]
            low, high = low + min(rows), high + max(rows)
            missing.append(label.lower())
        else:
            _, finding = pick(name, value, table)
            low, high = low + finding.points, high + finding.points
            recorded.append(f"{label.lower()} {points(finding.points)}")
    low_band, high_band = sins_band(low), sins_band(high)
    category = low_band if low_band == high_band else None
    explanation = [
        f"Recorded: {', '.join(recorded)}; not recorded: {', '.join(missing) or 'nothing'} "
        f"({SOURCE}).",
    ]
    if low == high:
        explanation.append(f"Total {low} of {MAX_TOTAL} ({SOURCE}).")
    elif category is not None:
        explanation.append(
            f"Whatever the missing findings are, the total is {low}-{high}: "
            f"{category.replace('_', ' ')} ({band_range(category)}) ({SOURCE})."
        )
    else:
        explanation.append(
            f"The missing findings allow totals {low}-{high}, which span the bands "
            f"{low_band.replace('_', ' ')} and {high_band.replace('_', ' ')}: not computable until "
            f"they are recorded ({SOURCE})."
        )
    if category is not None and warrants_surgical_consult(low):
        explanation.append(
            f"A SINS of {BANDS[1][0]} or more warrants a spine-surgery consultation, ideally "
            f"before radiation ({SOURCE})."
        )
    return ScoreRange(
        low=low,
        high=high,
        category=category,
        missing=tuple(missing),
        explanation=tuple(explanation),
    )
