"""The clinical core: decision support for the spine tumour board. Pure Python, no Django.

The scores (exported here, and re-exported as ``recommendations.scoring``): every function takes
keyword arguments, raises ValueError naming a bad argument and its allowed values, and returns an
immutable result with ``total``, ``category``, ``components``, ``explanation`` and ``as_dict()``.
The assessment of a case's data and its urgent flags are in ``clinical.assessment`` and
``clinical.flags``. Each threshold and band is defined once, here. Sources and disputed points:
docs/scoring.md.
"""

from clinical._common import ScoreResult
from clinical.escc import EsccResult, escc
from clinical.levels import SPINAL_LEVEL_CHOICES, SPINAL_LEVELS, parse_level
from clinical.noms import RULES as NOMS_RULES
from clinical.noms import NomsResult, NomsRule, noms
from clinical.patchell import PatchellResult, patchell_eligible
from clinical.performance import PerformanceConversion, ecog_to_kps, kps_to_ecog
from clinical.primaries import (
    PRIMARY_SITE_CHOICES,
    PRIMARY_SITES,
    PrimarySite,
    primary_site,
)
from clinical.radiosensitivity import RadiosensitivityResult, radiosensitivity
from clinical.regimens import CEBRT_REGIMENS, SBRT_REGIMENS, Regimen
from clinical.sins import SinsResult, sins
from clinical.tokuhashi import TokuhashiResult, tokuhashi_revised
from clinical.tomita import TomitaResult, tomita

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
