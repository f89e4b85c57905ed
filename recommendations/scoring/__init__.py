"""Clinical decision-support scores for the spine tumour board: pure Python, no Django.

Every function takes keyword arguments, raises ValueError naming a bad argument and its allowed
values, and returns an immutable result with ``total``, ``category``, ``components``,
``explanation`` and ``as_dict()``. Sources and disputed points: docs/scoring.md.
"""

from recommendations.scoring._common import ScoreResult
from recommendations.scoring.escc import EsccResult, escc
from recommendations.scoring.levels import SPINAL_LEVEL_CHOICES, SPINAL_LEVELS, parse_level
from recommendations.scoring.noms import RULES as NOMS_RULES
from recommendations.scoring.noms import NomsResult, NomsRule, noms
from recommendations.scoring.patchell import PatchellResult, patchell_eligible
from recommendations.scoring.performance import PerformanceConversion, ecog_to_kps, kps_to_ecog
from recommendations.scoring.primaries import (
    PRIMARY_SITE_CHOICES,
    PRIMARY_SITES,
    PrimarySite,
    primary_site,
)
from recommendations.scoring.radiosensitivity import RadiosensitivityResult, radiosensitivity
from recommendations.scoring.regimens import CEBRT_REGIMENS, SBRT_REGIMENS, Regimen
from recommendations.scoring.sins import SinsResult, sins
from recommendations.scoring.tokuhashi import TokuhashiResult, tokuhashi_revised
from recommendations.scoring.tomita import TomitaResult, tomita

__all__ = [
    "CEBRT_REGIMENS",
    "NOMS_RULES",
    "PRIMARY_SITES",
    "PRIMARY_SITE_CHOICES",
    "SBRT_REGIMENS",
    "SPINAL_LEVELS",
    "SPINAL_LEVEL_CHOICES",
    "EsccResult",
    "NomsResult",
    "NomsRule",
    "PatchellResult",
    "PerformanceConversion",
    "PrimarySite",
    "RadiosensitivityResult",
    "Regimen",
    "ScoreResult",
    "SinsResult",
    "TokuhashiResult",
    "TomitaResult",
    "ecog_to_kps",
    "escc",
    "kps_to_ecog",
    "noms",
    "parse_level",
    "patchell_eligible",
    "primary_site",
    "radiosensitivity",
    "sins",
    "tokuhashi_revised",
    "tomita",
]
