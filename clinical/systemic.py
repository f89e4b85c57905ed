"""The S of NOMS from recorded data: is the patient too ill for any local treatment?

NOMS (Laufer I et al., Oncologist 2013;18(6):744-51) makes every option depend on what the patient
can tolerate systemically and on expected survival, but publishes no cut-off. The reference's row
"too ill for any local treatment / very limited survival -> systemic and palliative care,
single-fraction 8 Gy for pain" is *unconfirmed*; so are the thresholds that reach it here. They
are the board's setting (``SystemicThresholds``), with project defaults:

* performance status: Karnofsky 40 or less, or ECOG 3 or more (ECOG 3 is Karnofsky 30-40 on the
  common mapping, Oken 1982, so the two defaults agree; each is compared as recorded, never
  converted);
* expected survival: under 3 months (the survival below which Patchell 2005 did not operate,
  Lancet 2005;366:643-8; single-fraction radiotherapy suits limited life expectancy, Lutz 2017).

Either threshold crossed makes the patient too ill. Neither crossed is "able to consider local
treatment" only when performance status (KPS or ECOG) and expected survival are both recorded;
otherwise the answer is undetermined and ``missing`` names what to record: nothing is defaulted.
"""

from __future__ import annotations

from dataclasses import dataclass

from clinical._common import ScoreResult, integer
from clinical.performance import ECOG_TO_KPS, parse_kps

SOURCE = "board setting, unconfirmed; NOMS, Laufer 2013"
DEFAULT_KPS_AT_MOST = 40
DEFAULT_ECOG_AT_LEAST = 3
DEFAULT_SURVIVAL_UNDER_MONTHS = 3


@dataclass(frozen=True, kw_only=True)
class SystemicThresholds:
    """When a patient counts as too ill for local treatment (unconfirmed; the board's setting)."""

    kps_at_most: int  # Karnofsky at or below this
    ecog_at_least: int  # ECOG at or above this
    survival_under_months: int  # expected survival below this
    from_board: bool  # False: the project defaults above

    def __post_init__(self) -> None:
        parse_kps(self.kps_at_most, argument="kps_at_most")
        integer("ecog_at_least", self.ecog_at_least, maximum=max(ECOG_TO_KPS))
        integer("survival_under_months", self.survival_under_months, minimum=1, maximum=120)

    def describe(self) -> str:
        origin = "the board's setting" if self.from_board else "project default"
        return (
            f"Karnofsky {self.kps_at_most} or less, ECOG {self.ecog_at_least} or more, or expected "
            f"survival under {self.survival_under_months} months ({origin}; unconfirmed)"
        )


PROJECT_THRESHOLDS = SystemicThresholds(
    kps_at_most=DEFAULT_KPS_AT_MOST,
    ecog_at_least=DEFAULT_ECOG_AT_LEAST,
    survival_under_months=DEFAULT_SURVIVAL_UNDER_MONTHS,
    from_board=False,
)


@dataclass(frozen=True, kw_only=True)
class SystemicResult(ScoreResult):
    too_ill: bool | None  # None: undetermined, see ``missing``
    missing: tuple[str, ...]  # argument names: "performance_status", "expected_survival_months"


def too_ill_for_local_treatment(
    *,
    kps: int | None,
    ecog: int | None,
    expected_survival_months: int | None,
    thresholds: SystemicThresholds,
) -> SystemicResult:
    """Whether the board's thresholds make the patient too ill for any local treatment (the S of
    NOMS, Laufer 2013; the thresholds are unconfirmed). ``None`` means not recorded."""
    if kps is not None:
        kps = parse_kps(kps)
    if ecog is not None:
        ecog = integer("ecog", ecog, maximum=max(ECOG_TO_KPS))
    if expected_survival_months is not None:
        expected_survival_months = integer("expected_survival_months", expected_survival_months)

    crossed: list[str] = []
    if kps is not None and kps <= thresholds.kps_at_most:
        crossed.append(f"Karnofsky {kps} is {thresholds.kps_at_most} or less")
    if ecog is not None and ecog >= thresholds.ecog_at_least:
        crossed.append(f"ECOG {ecog} is {thresholds.ecog_at_least} or more")
    if (
        expected_survival_months is not None
        and expected_survival_months < thresholds.survival_under_months
    ):
        crossed.append(
            f"expected survival of {expected_survival_months} months is under "
            f"{thresholds.survival_under_months}"
        )
    missing = []
    if kps is None and ecog is None:
        missing.append("performance_status")
    if expected_survival_months is None:
        missing.append("expected_survival_months")

    rule = f"Too ill for local treatment when {thresholds.describe()} ({SOURCE})."
    if crossed:
        too_ill: bool | None = True
        text = f"Too ill for any local treatment: {'; '.join(crossed)} ({SOURCE})."
    elif missing:
        too_ill = None
        text = f"Whether local treatment can be tolerated is undetermined ({SOURCE})."
    else:
        too_ill = False
        text = f"Not too ill for local treatment by the thresholds ({SOURCE})."
    return SystemicResult(
        total=len(crossed),
        category={True: "too_ill", False: "local_treatment_possible", None: "undetermined"}[
            too_ill
        ],
        components={"thresholds_crossed": len(crossed)},
        explanation=(text, rule),
        too_ill=too_ill,
        missing=() if crossed else tuple(missing),
    )
