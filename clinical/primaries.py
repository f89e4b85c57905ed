"""Primary-site vocabulary: one row per histology, holding everything the scores need to know.

Adding a histology is adding one ``PrimarySite`` row. Sources per column:

* ``tokuhashi_points`` - revised Tokuhashi primary-site item (Tokuhashi Y et al., Spine
  2005;30(19):2186-91): 0 lung, osteosarcoma, stomach, bladder, oesophagus, pancreas; 1 liver,
  gallbladder, unidentified; 2 others; 3 kidney, uterus; 4 rectum; 5 thyroid, breast, prostate,
  carcinoid.
* ``tomita_growth`` - Tomita K et al., Spine 2001;26(3):298-306: slow (breast, prostate,
  thyroid, ...), moderate (kidney, uterus, ...), rapid (lung, liver, stomach, colon, unknown
  primary, ...). ``None`` where the table does not name the primary: the caller must state the
  growth class; it is never guessed.
* ``radiosensitivity`` - to conventional radiotherapy (Laufer I et al., Oncologist
  2013;18(6):744-51): sensitive lymphoma, myeloma, germ-cell, leukaemia; resistant renal,
  melanoma, thyroid, colorectal; sarcoma, hepatocellular and NSCLC resistant but *unconfirmed*;
  everything else intermediate.
* ``patchell_radiosensitive`` / ``cns_origin`` - exclusions of Patchell RA et al., Lancet
  2005;366:643-8 (lymphoma, leukaemia, myeloma, germ-cell; tumours of CNS or spinal origin).

Judgment calls (see docs/scoring.md):

* ``colorectal`` scores Tokuhashi 2 ("others"): Tokuhashi names only rectum (4), so a colonic
  primary falls in "others"; record rectal cancer as ``rectum``.
* ``rectum`` has no Tomita growth class: Tomita names colon, and Tokuhashi's separate, better
  rectal weight shows the two are not interchangeable, so it is not extrapolated.
* ``lung_sclc`` is radiosensitive, *unconfirmed*: widely treated as such but not in the reference
  list, and not one of Patchell's exclusions, so it is not Patchell-excluded.
* ``haematological`` (myeloma, lymphoma, leukaemia): Tokuhashi 2005 and Tomita 2001 were derived
  from metastases of solid tumours; for these primaries the scores are shown with that caveat and
  no survival band or surgical strategy is derived from them (issue 13; a project rule).
* No row is of CNS/spinal origin yet; the flag exists so such a row excludes itself from Patchell.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Literal

from clinical._common import choice

Growth = Literal["slow", "moderate", "rapid"]
Radiosensitivity = Literal["sensitive", "intermediate", "resistant"]


@dataclass(frozen=True)
class PrimarySite:
    slug: str
    label: str
    tokuhashi_points: int
    tomita_growth: Growth | None
    radiosensitivity: Radiosensitivity
    radiosensitivity_unconfirmed: bool = False
    patchell_radiosensitive: bool = False
    cns_origin: bool = False
    haematological: bool = False


_S: Final = "sensitive"
_I: Final = "intermediate"
_R: Final = "resistant"

_HAEM: Final = (False, True)  # not of CNS origin; haematological

# fmt: off
_ROWS: tuple[PrimarySite, ...] = (
    # slug, label, Tokuhashi points, Tomita growth, radiosensitivity,
    # [radiosensitivity unconfirmed, [excluded from Patchell as radiosensitive, [CNS origin,
    # [haematological]]]]
    PrimarySite("breast",       "Breast",                       5, "slow",     _I),
    PrimarySite("prostate",     "Prostate",                     5, "slow",     _I),
    PrimarySite("lung_nsclc",   "Lung, non-small-cell",         0, "rapid",    _R, True),
    PrimarySite("lung_sclc",    "Lung, small-cell",             0, "rapid",    _S, True),
    PrimarySite("renal_cell",   "Renal cell (kidney)",          3, "moderate", _R),
    PrimarySite("thyroid",      "Thyroid",                      5, "slow",     _R),
    PrimarySite("colorectal",   "Colorectal (colon)",           2, "rapid",    _R),
    PrimarySite("rectum",       "Rectum",                       4, None,       _R),
    PrimarySite("stomach",      "Stomach",                      0, "rapid",    _I),
    PrimarySite("liver",        "Liver (hepatocellular)",       1, "rapid",    _R, True),
    PrimarySite("melanoma",     "Melanoma",                     2, None,       _R),
    PrimarySite("myeloma",      "Myeloma / plasmacytoma",       2, None, _S, False, True, *_HAEM),
    PrimarySite("lymphoma",     "Lymphoma",                     2, None, _S, False, True, *_HAEM),
    PrimarySite("leukaemia",    "Leukaemia",                    2, None, _S, False, True, *_HAEM),
    PrimarySite("germ_cell",    "Germ-cell (incl. seminoma)",   2, None,       _S, False, True),
    PrimarySite("sarcoma",      "Sarcoma (not osteosarcoma)",   2, None,       _R, True),
    PrimarySite("osteosarcoma", "Osteosarcoma",                 0, None,       _R, True),
    PrimarySite("bladder",      "Bladder",                      0, None,       _I),
    PrimarySite("oesophagus",   "Oesophagus",                   0, None,       _I),
    PrimarySite("pancreas",     "Pancreas",                     0, None,       _I),
    PrimarySite("gallbladder",  "Gallbladder",                  1, None,       _I),
    PrimarySite("uterus",       "Uterus",                       3, "moderate", _I),
    PrimarySite("carcinoid",    "Carcinoid",                    5, None,       _I),
    PrimarySite("unknown",      "Unknown primary",              1, "rapid",    _I),
    PrimarySite("other",        "Other",                        2, None,       _I),
)
# fmt: on

PRIMARY_SITES: MappingProxyType[str, PrimarySite] = MappingProxyType(
    {row.slug: row for row in _ROWS}
)
PRIMARY_SITE_CHOICES: list[tuple[str, str]] = [(row.slug, row.label) for row in _ROWS]


def primary_site(value: object, *, argument: str = "primary") -> PrimarySite:
    """Look up a primary by slug (case-insensitive); ValueError lists the valid slugs."""
    return PRIMARY_SITES[choice(argument, value, PRIMARY_SITES)]
