"""Performance status: ECOG <-> Karnofsky conversion, always flagged as derived.

ECOG scale: Oken MM et al., Am J Clin Oncol 1982;5:649-55. Karnofsky 0-100 in steps of 10.
Common mapping used here: ECOG 0 = KPS 90-100, 1 = 70-80, 2 = 50-60, 3 = 30-40, 4 = 10-20, 5 = 0.
Another published mapping differs (ECOG 1 ~ KPS 80-90), so a converted value is never silently
used for Tokuhashi: results carry ``derived=True`` and say so.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinical._common import ScoreResult

MAPPING = "Oken 1982 / common mapping"
ECOG_TO_KPS: dict[int, tuple[int, int]] = {
    0: (90, 100),
    1: (70, 80),
    2: (50, 60),
    3: (30, 40),
    4: (10, 20),
    5: (0, 0),
}
KPS_VALUES: tuple[int, ...] = tuple(range(0, 101, 10))
_AMBIGUITY = (
    "This conversion is derived, not measured, and ambiguous: another published mapping puts "
    "ECOG 1 at about Karnofsky 80-90, so record a measured Karnofsky for Tokuhashi where possible "
    f"({MAPPING})."
)


@dataclass(frozen=True, kw_only=True)
class PerformanceConversion(ScoreResult):
    ecog: int
    kps_range: tuple[int, int]
    mapping: str = MAPPING
    derived: bool = True


def parse_kps(value: object, *, argument: str = "kps") -> int:
    """Validate a Karnofsky score: an integer 0-100 in steps of 10."""
    if isinstance(value, bool) or value not in KPS_VALUES:
        raise ValueError(
            f"{argument}={value!r} is not allowed; allowed values: "
            f"{', '.join(map(str, KPS_VALUES))}"
        )
    assert isinstance(value, int)  # membership in KPS_VALUES checked above
    return value


def _kps_text(low: int, high: int) -> str:
    return f"Karnofsky {low}" if low == high else f"Karnofsky {low}-{high}"


def ecog_to_kps(ecog: int) -> PerformanceConversion:
    """Karnofsky range for an ECOG grade (common mapping); ``total`` is the range's lower bound.

    The lower bound is the representative value because it never overstates fitness.
    """
    if isinstance(ecog, bool) or ecog not in ECOG_TO_KPS:
        raise ValueError(
            f"ecog={ecog!r} is not allowed; allowed values: {', '.join(map(str, ECOG_TO_KPS))}"
        )
    low, high = ECOG_TO_KPS[ecog]
    return PerformanceConversion(
        total=low,
        category=f"kps_{low}" if low == high else f"kps_{low}_{high}",
        components={"ecog": ecog},
        explanation=(
            f"ECOG {ecog} corresponds to {_kps_text(low, high)} ({MAPPING}); the lower bound "
            f"{low} is used as the representative value so fitness is not overstated ({MAPPING}).",
            _AMBIGUITY,
        ),
        ecog=ecog,
        kps_range=(low, high),
    )


def kps_to_ecog(kps: int) -> PerformanceConversion:
    """ECOG grade for a Karnofsky score (common mapping); ``total`` is the ECOG grade."""
    kps = parse_kps(kps)
    ecog = next(grade for grade, (low, high) in ECOG_TO_KPS.items() if low <= kps <= high)
    low, high = ECOG_TO_KPS[ecog]
    return PerformanceConversion(
        total=ecog,
        category=f"ecog_{ecog}",
        components={"kps": kps},
        explanation=(
            f"Karnofsky {kps} falls in {_kps_text(low, high)}, which is ECOG {ecog} ({MAPPING}).",
            _AMBIGUITY,
        ),
        ecog=ecog,
        kps_range=(low, high),
    )
