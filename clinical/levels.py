"""Spinal levels: the vocabulary (C1-S5), parsing and validation.

Levels are written C1-C7, T1-T12, L1-L5, S1-S5. ``occiput`` is accepted only where SINS needs it
as a junctional location (Fisher CG et al., Spine 2010;35(22):E1221-9); it is not a vertebral
level a lesion is recorded at, so it is not in ``SPINAL_LEVELS``.
"""

from __future__ import annotations

from clinical._common import choice

_REGIONS = (("C", 7), ("T", 12), ("L", 5), ("S", 5))

SPINAL_LEVELS: tuple[str, ...] = tuple(
    f"{region}{n}" for region, count in _REGIONS for n in range(1, count + 1)
)
SPINAL_LEVEL_CHOICES: list[tuple[str, str]] = [(level, level) for level in SPINAL_LEVELS]

OCCIPUT = "occiput"
# Occiput first so ranges such as occiput-C2 can be expressed in craniocaudal order.
_ORDER: tuple[str, ...] = (OCCIPUT, *SPINAL_LEVELS)


def parse_level(value: object, *, argument: str = "level", allow_occiput: bool = False) -> str:
    """Normalise a level ("t12" -> "T12"; "Occiput" -> "occiput" when allowed).

    Raises ValueError naming ``argument`` and listing the valid levels.
    """
    allowed = _ORDER if allow_occiput else SPINAL_LEVELS
    try:
        return choice(argument, value, allowed)
    except ValueError:
        shown = ("occiput, " if allow_occiput else "") + "C1-C7, T1-T12, L1-L5, S1-S5"
        raise ValueError(
            f"{argument}={value!r} is not a spinal level; allowed values: {shown}"
        ) from None


def level_range(first: str, last: str) -> tuple[str, ...]:
    """Levels from ``first`` to ``last`` inclusive, craniocaudal (occiput may be ``first``)."""
    start, end = _ORDER.index(first), _ORDER.index(last)
    return _ORDER[start : end + 1]


# The spinal cord ends around L1-L2 (the conus medullaris): epidural disease at L2 or below presses
# on the cauda equina or the nerve roots, not on the cord. Patchell 2005 (``clinical.patchell``)
# excludes "cauda equina or root compression only"; the patient's summary says "nerves" there.
CAUDA_EQUINA_FROM = "L2"
CORD_LEVELS: frozenset[str] = frozenset(SPINAL_LEVELS[: SPINAL_LEVELS.index(CAUDA_EQUINA_FROM)])
